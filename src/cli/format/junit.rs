//! JUnit XML, the format every CI system reads: a testsuite per prompt and suite, a
//! testcase per case; `fail` is a <failure>, `error` an <error>.

use std::collections::BTreeMap;
use std::fmt::Write;

use crate::xml::escape as xml;
use promptwright_core::store::{CaseResult, RunRecord, Status};

fn secs(ms: Option<u64>) -> String {
    format!("{:.3}", ms.unwrap_or(0) as f64 / 1000.0)
}

fn testcase(out: &mut String, r: &RunRecord, c: &CaseResult) {
    let _ = write!(
        out,
        "    <testcase name=\"{}\" classname=\"{}.{}\" time=\"{}\"",
        xml(&c.id),
        xml(&r.prompt),
        xml(&c.suite),
        secs(c.latency_ms)
    );
    let failed: Vec<String> = c
        .assertions
        .iter()
        .filter(|a| !a.passed)
        .map(|a| format!("{}: {}", a.type_name, a.reason))
        .collect();
    match c.status {
        Status::Pass => out.push_str(" />\n"),
        Status::Fail => {
            let message = failed
                .first()
                .cloned()
                .unwrap_or_else(|| format!("score {:.2} below the threshold", c.score));
            let _ = writeln!(
                out,
                ">\n      <failure type=\"assertion\" message=\"{}\">{}</failure>",
                xml(&super::one_line(&message)),
                xml(&failed.join("\n"))
            );
            if let Some(o) = &c.output {
                let _ = writeln!(out, "      <system-out>{}</system-out>", xml(o));
            }
            out.push_str("    </testcase>\n");
        }
        Status::Error => {
            let e = c.error.clone().unwrap_or_default();
            let _ = writeln!(
                out,
                ">\n      <error type=\"error\" message=\"{}\">{}</error>\n    </testcase>",
                xml(&super::one_line(&e)),
                xml(&e)
            );
        }
    }
}

pub fn render(records: &[RunRecord]) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let all: Vec<&CaseResult> = records.iter().flat_map(|r| &r.cases).collect();
    let count = |s: Status| all.iter().filter(|c| c.status == s).count();
    let total_ms: u64 = all.iter().filter_map(|c| c.latency_ms).sum();
    let _ = writeln!(
        out,
        "<testsuites name=\"promptwright\" tests=\"{}\" failures=\"{}\" errors=\"{}\" time=\"{}\">",
        all.len(),
        count(Status::Fail),
        count(Status::Error),
        secs(Some(total_ms))
    );
    for r in records {
        let mut by_suite: BTreeMap<&str, Vec<&CaseResult>> = BTreeMap::new();
        for c in &r.cases {
            by_suite.entry(c.suite.as_str()).or_default().push(c);
        }
        for (suite, cases) in by_suite {
            let n = |s: Status| cases.iter().filter(|c| c.status == s).count();
            let time: u64 = cases.iter().filter_map(|c| c.latency_ms).sum();
            let _ = writeln!(
                out,
                "  <testsuite name=\"{}/{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" time=\"{}\" timestamp=\"{}\">",
                xml(&r.prompt),
                xml(suite),
                cases.len(),
                n(Status::Fail),
                n(Status::Error),
                secs(Some(time)),
                xml(&r.started_at)
            );
            out.push_str("    <properties>\n");
            for (k, v) in [
                ("run_id", &r.run_id),
                ("provider", &r.provider),
                ("model", &r.model),
                ("content_sha256", &r.content_sha256),
            ] {
                let _ = writeln!(out, "      <property name=\"{k}\" value=\"{}\" />", xml(v));
            }
            // The run's figures, so a CI report carries them next to the cases.
            let s = &r.summary;
            for (k, v) in [
                ("cost_usd", format!("{:.6}", s.cost_usd)),
                (
                    "p50_latency_ms",
                    s.p50_latency_ms.map_or(String::new(), |v| v.to_string()),
                ),
                (
                    "p95_latency_ms",
                    s.p95_latency_ms.map_or(String::new(), |v| v.to_string()),
                ),
            ] {
                let _ = writeln!(out, "      <property name=\"{k}\" value=\"{v}\" />");
            }
            out.push_str("    </properties>\n");
            for c in cases {
                testcase(&mut out, r, c);
            }
            out.push_str("  </testsuite>\n");
        }
    }
    out.push_str("</testsuites>\n");
    out
}
