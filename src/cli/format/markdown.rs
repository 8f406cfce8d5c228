//! Markdown for a pull request comment or a CI step summary: one table of runs, then
//! the failures with their first reason.

use std::fmt::Write;

use super::{ms, one_line, percent, usd};
use promptwright_core::store::{RunRecord, Status};

/// A table cell: one line, pipes escaped.
fn cell(s: &str) -> String {
    one_line(s).replace('|', "\\|")
}

pub fn render(records: &[RunRecord]) -> String {
    let mut out = String::from("## promptwright eval\n\n");
    out.push_str("| prompt | provider / model | cases | passed | failed | errors | pass rate | cost | p50 | p95 |\n");
    out.push_str("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for r in records {
        let s = &r.summary;
        let _ = writeln!(
            out,
            "| {} | {} / {} | {} | {} | {} | {} | {}{} | {} | {} | {} |",
            cell(&r.prompt),
            cell(&r.provider),
            cell(&r.model),
            s.cases,
            s.passed,
            s.failed,
            s.errors,
            percent(s.pass_rate),
            if r.complete { "" } else { " (incomplete)" },
            usd(s.cost_usd),
            ms(s.p50_latency_ms),
            ms(s.p95_latency_ms)
        );
    }
    let failures: Vec<_> = records
        .iter()
        .flat_map(|r| r.cases.iter().map(move |c| (r, c)))
        .filter(|(_, c)| c.status != Status::Pass)
        .collect();
    if failures.is_empty() {
        out.push_str("\nEvery case passed.\n");
        return out;
    }
    let _ = writeln!(out, "\n### Failures ({})\n", failures.len());
    out.push_str("| prompt | suite | case | status | score | reason |\n");
    out.push_str("|---|---|---|---|---:|---|\n");
    for (r, c) in failures {
        let status = match c.status {
            Status::Error => "⚠️ error",
            _ => "❌ fail",
        };
        let _ = writeln!(
            out,
            "| {} | {} | `{}` | {status} | {:.2} | {} |",
            cell(&r.prompt),
            cell(&c.suite),
            cell(&c.id),
            c.score,
            cell(&c.headline().unwrap_or_default())
        );
    }
    out
}
