//! Output formats of `eval`: a table for people, JSON/JSONL for programs, JUnit for CI
//! test reports, Markdown for pull requests and CI step summaries.

mod json;
mod junit;
mod markdown;
mod table;

use std::io;

use clap::ValueEnum;

use promptwright_core::runner::StoredRun;
use promptwright_core::store::{CaseResult, RunRecord};

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

/// A finished run as a report reads it: its identity and summary, then its cases in
/// plan order, one at a time, so a report of a million cases never holds them all.
pub trait Run {
    /// The run; its `cases` may be empty: read them with [`Run::each_case`].
    fn record(&self) -> &RunRecord;
    fn each_case(&self, f: &mut dyn FnMut(&CaseResult) -> io::Result<()>) -> io::Result<()>;
}

impl Run for RunRecord {
    fn record(&self) -> &RunRecord {
        self
    }
    fn each_case(&self, f: &mut dyn FnMut(&CaseResult) -> io::Result<()>) -> io::Result<()> {
        self.cases.iter().try_for_each(f)
    }
}

impl Run for StoredRun {
    fn record(&self) -> &RunRecord {
        &self.record
    }
    fn each_case(&self, f: &mut dyn FnMut(&CaseResult) -> io::Result<()>) -> io::Result<()> {
        StoredRun::each_case(self, f)
    }
}

/// Writes the report of finished runs to `w` as it goes. `styled` adds ANSI colours
/// (only the table uses them).
pub fn write<R: Run>(
    records: &[R],
    fmt: Format,
    styled: bool,
    w: &mut dyn io::Write,
) -> io::Result<()> {
    match fmt {
        Format::Table => table::write(records, styled, table::WIDTH, w),
        Format::Json => json::write(records, w),
        Format::Jsonl => json::write_lines(records, w),
        Format::Junit => junit::write(records, w),
        Format::Markdown => markdown::write(records, w),
    }
}

/// The report as a string (tests).
#[cfg(test)]
pub fn render<R: Run>(records: &[R], fmt: Format, styled: bool) -> String {
    let mut out = Vec::new();
    write(records, fmt, styled, &mut out).expect("writing to memory");
    String::from_utf8(out).expect("reports are UTF-8")
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
