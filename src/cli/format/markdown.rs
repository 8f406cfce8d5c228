//! Markdown for a pull request comment or a CI step summary: one table of runs, then
//! the failures with their first reason.

use std::fmt::Write as _;
use std::io;

use super::{Run, drawn, ms, one_line, percent, repeat_note, usd};
use promptwright_core::store::Status;

/// A table cell: one line, pipes escaped.
fn cell(s: &str) -> String {
    one_line(s).replace('|', "\\|")
}

pub fn write<R: Run>(records: &[R], w: &mut dyn io::Write) -> io::Result<()> {
    let mut out = String::from("## promptwright eval\n\n");
    out.push_str("| prompt | provider / model | cases | passed | failed | errors | pass rate | cost | p50 | p95 |\n");
    out.push_str("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for r in records.iter().map(Run::record) {
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
    for r in records.iter().map(Run::record) {
        if r.summary.repeat > 1 {
            let _ = writeln!(out, "\n`{}`{}", cell(&r.prompt), repeat_note(&r.summary));
        }
        if !r.summary.metrics.is_empty() {
            let _ = writeln!(
                out,
                "\n`{}` metrics (mean score): {}",
                cell(&r.prompt),
                cell(&super::metrics_list(&r.summary))
            );
        }
    }
    // Every case that did not pass, counted by the summaries and listed as read.
    let failures: usize = records
        .iter()
        .map(|r| r.record().summary.failed + r.record().summary.errors)
        .sum();
    if failures == 0 {
        out.push_str("\nEvery case passed.\n");
        return w.write_all(out.as_bytes());
    }
    let _ = writeln!(out, "\n### Failures ({failures})\n");
    out.push_str("| prompt | suite | case | status | score | reason |\n");
    out.push_str("|---|---|---|---|---:|---|\n");
    w.write_all(out.as_bytes())?;
    for run in records {
        let prompt = cell(&run.record().prompt);
        run.each_case(&mut |c| {
            let status = match c.status {
                Status::Pass => return Ok(()),
                Status::Error => "⚠️ error",
                Status::Fail => "❌ fail",
            };
            writeln!(
                w,
                "| {prompt} | {} | `{}` | {status}{} | {:.2} | {} |",
                cell(&c.suite),
                cell(&c.id),
                drawn(c),
                c.score,
                cell(&match super::calls(c) {
                    Some(calls) => format!("{} · {calls}", c.headline().unwrap_or_default()),
                    None => c.headline().unwrap_or_default(),
                })
            )
        })?;
    }
    Ok(())
}
