//! Output formats of `eval`: a table for people, JSON/JSONL for programs, JUnit for CI
//! test reports, Markdown for pull requests and CI step summaries, HTML to open in a
//! browser.

pub mod grid;
pub mod html;
mod json;
mod junit;
mod markdown;
pub(crate) mod table;

use std::io;

use clap::ValueEnum;

use promptwright_core::runner::StoredRun;
use promptwright_core::store::{CaseResult, RunRecord, Summary};

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
    /// One self-contained HTML page (summary, charts, case table); needs -o FILE
    Html,
}

impl Format {
    pub fn name(self) -> &'static str {
        match self {
            Format::Table => "table",
            Format::Json => "json",
            Format::Jsonl => "jsonl",
            Format::Junit => "junit",
            Format::Markdown => "markdown",
            Format::Html => "html",
        }
    }
}

/// A finished run as a report reads it: its identity and summary, then its cases in
/// plan order, one at a time, so a report of a million cases never holds them all.
pub trait Run {
    /// The run; its `cases` may be empty: read them with [`Run::each_case`].
    fn record(&self) -> &RunRecord;
    fn each_case(&self, f: &mut dyn FnMut(&CaseResult) -> io::Result<()>) -> io::Result<()>;
    /// The prompt version a cell of a comparison ran (`draft`, `current`, `vN`).
    fn reference(&self) -> Option<&str> {
        None
    }
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
/// (only the table uses them); `prompt_of` gives the HTML report each run's prompt, for
/// the messages each case sent.
pub fn write<R: Run>(
    records: &[R],
    fmt: Format,
    styled: bool,
    prompt_of: html::PromptOf,
    w: &mut dyn io::Write,
) -> io::Result<()> {
    match fmt {
        Format::Table => table::write(records, styled, table::WIDTH, w),
        Format::Json => json::write(records, w),
        Format::Jsonl => json::write_lines(records, w),
        Format::Junit => junit::write(records, w),
        Format::Markdown => markdown::write(records, w),
        Format::Html => html::write_eval(records, prompt_of, w),
    }
}

/// The report as a string (tests).
#[cfg(test)]
pub fn render<R: Run>(records: &[R], fmt: Format, styled: bool) -> String {
    let mut out = Vec::new();
    write(records, fmt, styled, &|_| None, &mut out).expect("writing to memory");
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

/// The tools a case's answer called, on one line (`calls: lookup({"id":7})`), for the
/// reports that quote a case in a line.
pub(crate) fn calls(c: &CaseResult) -> Option<String> {
    (!c.tool_calls.is_empty()).then(|| {
        let each: Vec<String> = c.tool_calls.iter().map(|t| t.short()).collect();
        format!("calls: {}", each.join(", "))
    })
}

/// After a repeated case's name: `  3/5 flaky`, `  5/5`; nothing for a case drawn once.
pub(crate) fn drawn(c: &CaseResult) -> String {
    match c.fraction_label() {
        label if label.is_empty() => String::new(),
        label if c.flaky() => format!("  {label} flaky"),
        label => format!("  {label}"),
    }
}

/// After a repeated run's summary: how often each case was drawn and how the samples went.
pub(crate) fn repeat_note(s: &Summary) -> String {
    format!(
        " · {} samples a case, {} flaky, {} of samples passed",
        s.repeat,
        s.flaky,
        percent(s.sample_pass_rate)
    )
}

/// A run's named metrics, `accuracy 0.750, tone 0.920`; empty when it has none.
pub(crate) fn metrics_list(s: &Summary) -> String {
    s.metrics
        .iter()
        .map(|(name, mean)| format!("{} {mean:.3}", one_line(name)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Collapses a text onto one line (for table cells and attributes).
pub(crate) fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use promptwright_core::provider::Echo;
    use promptwright_core::runner::{self, ProviderPlan, RunPlan};
    use promptwright_core::store::read_run;
    use promptwright_core::workspace::Workspace;
    use tokio_util::sync::CancellationToken;

    use super::*;

    /// A suite of passing, failing and errored cases, run on the echo provider.
    fn stored_run(dir: &std::path::Path) -> StoredRun {
        let w = |rel: &str, text: &str| {
            let p = dir.join(rel);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, text).unwrap();
        };
        w(
            "workspace.toml",
            "[workspace]\nname = \"t\"\ndefault_provider = \"e\"\n[providers.e]\nkind = \"echo\"\n",
        );
        w(
            "prompts/p.toml",
            "[[messages]]\nrole = \"user\"\ncontent = \"n={{ n }}\"\n",
        );
        let mut suite =
            String::from("prompt = \"p\"\n[[assert]]\ntype = \"contains\"\nvalue = \"=\"\n");
        for i in 0..300 {
            // Every third case fails its assertion; every seventh lacks its variable.
            let vars = if i % 7 == 0 {
                String::new()
            } else {
                format!("n = {i}")
            };
            let expect = if i % 3 == 0 { "nope" } else { "n=" };
            suite.push_str(&format!(
                "[[cases]]\nid = \"c{i}\"\nvars = {{ {vars} }}\n[[cases.assert]]\ntype = \"contains\"\nvalue = \"{expect}\"\n"
            ));
        }
        w("evals/s.toml", &suite);
        let ws = Workspace::load(dir).unwrap();
        let plan = RunPlan {
            root: ws.root.clone(),
            prompt: ws.prompts["p"].clone(),
            suites: vec![ws.suites["s"].clone()],
            provider: ProviderPlan {
                name: "e".into(),
                provider: Arc::new(Echo),
                cache_scope: None,
                price: None,
            },
            model: "m".into(),
            concurrency: 16,
            use_cache: false,
            recorder: None,
            grader: None,
            embedder: None,
            resume: None,
            repeat: None,
            shard: None,
            budget: None,
            batch: None,
        };
        let rt = tokio::runtime::Runtime::new().unwrap();
        let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();
        rt.block_on(runner::run_stored(plan, tx, CancellationToken::new()))
            .unwrap()
    }

    #[test]
    fn a_report_read_back_from_the_record_matches_one_from_memory() {
        let dir = tempfile::tempdir().unwrap();
        let stored = stored_run(dir.path());
        assert!(stored.record.cases.is_empty(), "the results stay on disk");
        // The same run held in memory, its cases in plan order (the file has them in
        // the order they finished).
        let mut held = read_run(&stored.path).unwrap();
        let place = |id: &str| id[1..].parse::<usize>().unwrap();
        held.cases.sort_by_key(|c| place(&c.id));
        assert_eq!(held.summary, stored.record.summary);
        let s = &held.summary;
        assert!(s.passed > 0 && s.failed > 0 && s.errors > 0, "{s:?}");
        for fmt in [
            Format::Table,
            Format::Json,
            Format::Jsonl,
            Format::Junit,
            Format::Markdown,
            Format::Html,
        ] {
            for styled in [false, true] {
                let from_disk = render(std::slice::from_ref(&stored), fmt, styled);
                let from_memory = render(std::slice::from_ref(&held), fmt, styled);
                assert_eq!(from_disk, from_memory, "{}", fmt.name());
            }
        }
    }
}
