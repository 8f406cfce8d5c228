//! Output formats of `eval`: a table for people, JSON/JSONL for programs, JUnit for CI
//! test reports, Markdown for pull requests and CI step summaries.

mod json;
mod junit;
mod markdown;
mod table;

use clap::ValueEnum;

use promptwright_core::store::RunRecord;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Aligned text for a terminal (80 columns), coloured on a tty
    Table,
    /// {"runs": [...]}: every run with its summary and cases (fields: docs/reference/reports.md)
    Json,
    /// One JSON object per line: each case, then each run's summary
    Jsonl,
    /// JUnit XML: one testsuite per prompt and suite, one testcase per case
    Junit,
    /// Markdown summary and failures, for pull requests and CI step summaries
    Markdown,
}

impl Format {
    pub fn name(self) -> &'static str {
        match self {
            Format::Table => "table",
            Format::Json => "json",
            Format::Jsonl => "jsonl",
            Format::Junit => "junit",
            Format::Markdown => "markdown",
        }
    }
}

/// Renders finished runs. `styled` adds ANSI colours (only the table uses them).
pub fn render(records: &[RunRecord], fmt: Format, styled: bool) -> String {
    match fmt {
        Format::Table => table::render(records, styled, table::WIDTH),
        Format::Json => json::render(records),
        Format::Jsonl => json::render_lines(records),
        Format::Junit => junit::render(records),
        Format::Markdown => markdown::render(records),
    }
}

/// Writes the unstyled report to `w`: JSON is streamed (a large run's report is megabytes),
/// the others are rendered first.
pub fn write(
    records: &[RunRecord],
    fmt: Format,
    w: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    match fmt {
        Format::Json => json::write(records, w),
        _ => w.write_all(render(records, fmt, false).as_bytes()),
    }
}

/// Milliseconds for people: `412 ms`, `1.3 s`.
pub(crate) fn ms(v: Option<u64>) -> String {
    match v {
        None => "–".into(),
        Some(v) if v < 1000 => format!("{v} ms"),
        Some(v) => format!("{:.1} s", v as f64 / 1000.0),
    }
}

pub(crate) fn percent(rate: f64) -> String {
    format!("{:.1}%", rate * 100.0)
}

pub(crate) fn usd(v: f64) -> String {
    format!("${v:.4}")
}

/// Collapses a text onto one line (for table cells and attributes).
pub(crate) fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}
