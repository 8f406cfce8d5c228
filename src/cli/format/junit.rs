//! JUnit XML, the format every CI system reads: a testsuite per prompt and suite, a
//! testcase per case; `fail` is a <failure>, `error` an <error>.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io;

use super::Run;
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
    let miss = c.first_miss();
    let at = miss.map(|m| m.prefix()).unwrap_or_default();
    let mut failed: Vec<String> = miss
        .iter()
        .flat_map(|m| m.assertions)
        .filter(|a| !a.passed)
        .map(|a| format!("{at}{}: {}", a.type_name, a.reason))
        .collect();
    if !c.samples.is_empty() {
        // k/N first: the reason a repeated case fails is its pass fraction.
        let flaky = if c.flaky() { " (flaky)" } else { "" };
        failed.insert(0, format!("{} samples passed{flaky}", c.fraction_label()));
    }
    match c.status {
        Status::Pass if c.samples.is_empty() => out.push_str(" />\n"),
        Status::Pass => {
            let _ = writeln!(
                out,
                ">\n      <properties><property name=\"samples\" value=\"{}\" /><property name=\"flaky\" value=\"{}\" /></properties>\n    </testcase>",
                c.fraction_label(),
                c.flaky()
            );
        }
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
            if let Some(o) = c.shown_output() {
                let _ = writeln!(out, "      <system-out>{}</system-out>", xml(&o));
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

/// A testsuite's counts, gathered before its cases are written.
#[derive(Default)]
struct Counts {
    tests: usize,
    failures: usize,
    errors: usize,
    time_ms: u64,
}

impl Counts {
    fn add(&mut self, status: Status, latency_ms: Option<u64>) {
        self.tests += 1;
        match status {
            Status::Pass => {}
            Status::Fail => self.failures += 1,
            Status::Error => self.errors += 1,
        }
        self.time_ms += latency_ms.unwrap_or(0);
    }
}

/// The counts come first in JUnit, so the cases are read once to count them and once
/// per suite to write them: a report of any size is written without holding its cases.
pub fn write<R: Run>(records: &[R], w: &mut dyn io::Write) -> io::Result<()> {
    let mut all = Counts::default();
    let mut per_run = Vec::new();
    for run in records {
        let mut by_suite: BTreeMap<String, Counts> = BTreeMap::new();
        run.each_case(&mut |c| {
            all.add(c.status, c.latency_ms);
            match by_suite.get_mut(c.suite.as_str()) {
                Some(n) => n.add(c.status, c.latency_ms),
                None => by_suite
                    .entry(c.suite.clone())
                    .or_default()
                    .add(c.status, c.latency_ms),
            }
            Ok(())
        })?;
        per_run.push(by_suite);
    }
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"promptwright\" tests=\"{}\" failures=\"{}\" errors=\"{}\" time=\"{}\">",
        all.tests,
        all.failures,
        all.errors,
        secs(Some(all.time_ms))
    );
    for (run, by_suite) in records.iter().zip(per_run) {
        let r = run.record();
        // A cell of a comparison is named by its version and target too.
        let name = match run.reference() {
            Some(reference) => format!("{} {reference} {}/{}", r.prompt, r.provider, r.model),
            None => r.prompt.clone(),
        };
        for (suite, n) in by_suite {
            let _ = writeln!(
                out,
                "  <testsuite name=\"{}/{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" time=\"{}\" timestamp=\"{}\">",
                xml(&name),
                xml(&suite),
                n.tests,
                n.failures,
                n.errors,
                secs(Some(n.time_ms)),
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
            for (name, mean) in &s.metrics {
                let _ = writeln!(
                    out,
                    "      <property name=\"metric.{}\" value=\"{mean:.3}\" />",
                    xml(name)
                );
            }
            out.push_str("    </properties>\n");
            w.write_all(out.as_bytes())?;
            out.clear();
            run.each_case(&mut |c| {
                if c.suite != suite {
                    return Ok(());
                }
                testcase(&mut out, r, c);
                w.write_all(out.as_bytes())?;
                out.clear();
                Ok(())
            })?;
            out.push_str("  </testsuite>\n");
        }
    }
    out.push_str("</testsuites>\n");
    w.write_all(out.as_bytes())
}
