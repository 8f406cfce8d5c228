//! The human table: a line per case, the reasons under each failure, a summary per run.
//! Fits 80 columns; widths count terminal cells, so CJK text does not overflow.

use std::fmt::Write as _;
use std::io;

use anstyle::{AnsiColor, Style};
use unicode_width::UnicodeWidthStr;

use super::{Run, ms, one_line, percent, usd};
use promptwright_core::store::Status;
use promptwright_core::words::{fit, plural};

pub const WIDTH: usize = 80;

/// The reason lines under a case: wrapped (reasons are worth reading whole), indented
/// under the case name, at most a few lines so one case cannot flood the table.
fn detail(out: &mut String, text: &str, style: Style, styled: bool, width: usize) {
    const INDENT: &str = "        ";
    const MAX_LINES: usize = 4;
    let opts =
        textwrap::Options::new(width.saturating_sub(INDENT.len()).max(20)).subsequent_indent("  ");
    let lines = textwrap::wrap(text, opts);
    for (i, line) in lines.iter().enumerate().take(MAX_LINES) {
        let line = if i + 1 == MAX_LINES && lines.len() > MAX_LINES {
            fit(&format!("{line} …"), width - INDENT.len()).into_owned()
        } else {
            line.to_string()
        };
        out.push_str(&format!("{INDENT}{}\n", paint(&line, style, styled)));
    }
}

fn paint(s: &str, style: Style, styled: bool) -> String {
    if styled {
        format!("{style}{s}{style:#}")
    } else {
        s.to_string()
    }
}

fn color(c: AnsiColor) -> Style {
    Style::new().fg_color(Some(c.into()))
}

/// The table, written a case at a time.
pub fn write<R: Run>(
    records: &[R],
    styled: bool,
    width: usize,
    w: &mut dyn io::Write,
) -> io::Result<()> {
    let mut out = String::new();
    let dim = Style::new().dimmed();
    for (i, run) in records.iter().enumerate() {
        let r = run.record();
        if i > 0 {
            out.push('\n');
        }
        let title = format!(
            "{} · {}/{} · run {}",
            r.prompt, r.provider, r.model, r.run_id
        );
        out.push_str(&paint(&fit(&title, width), Style::new().bold(), styled));
        out.push('\n');
        // "  STATUS name ... score latency"
        let name_width = width.saturating_sub(2 + 5 + 1 + 6 + 9).max(10);
        run.each_case(&mut |c| {
            let (label, style) = match c.status {
                Status::Pass => ("PASS ", color(AnsiColor::Green)),
                Status::Fail => ("FAIL ", color(AnsiColor::Red).bold()),
                Status::Error => ("ERROR", color(AnsiColor::Yellow).bold()),
            };
            // Written in place: a run can have thousands of these lines.
            let full = format!("{}/{}", c.suite, c.id);
            let drawn = super::drawn(c);
            let name = fit(&full, name_width.saturating_sub(drawn.width()));
            let name = format!("{name}{drawn}");
            let pad = name_width.saturating_sub(name.width());
            out.push_str("  ");
            if styled {
                let _ = write!(out, "{style}{label}{style:#}");
            } else {
                out.push_str(label);
            }
            let _ = writeln!(
                out,
                " {name}{:pad$}{:>6.2}{:>9}",
                "",
                c.score,
                ms(c.latency_ms)
            );
            if let Some(miss) = c.first_miss() {
                let at = miss.prefix();
                if let Some(e) = miss.error {
                    let text = format!("! {at}{}", one_line(e));
                    detail(&mut out, &text, color(AnsiColor::Yellow), styled, width);
                }
                for a in miss.assertions.iter().filter(|a| !a.passed) {
                    let text = format!("✗ {at}{}: {}", a.type_name, one_line(&a.reason));
                    detail(&mut out, &text, color(AnsiColor::Red), styled, width);
                }
            }
            if let Some(calls) = super::calls(c) {
                detail(
                    &mut out,
                    &format!("→ {calls}"),
                    Style::new().dimmed(),
                    styled,
                    width,
                );
            }
            w.write_all(out.as_bytes())?;
            out.clear();
            Ok(())
        })?;
        let s = &r.summary;
        let mut summary = format!(
            "{}: {} passed, {} failed, {} · {} · {} · p50 {} p95 {}",
            plural(s.cases, "case", "cases"),
            s.passed,
            s.failed,
            plural(s.errors, "error", "errors"),
            percent(s.pass_rate),
            usd(s.cost_usd),
            ms(s.p50_latency_ms),
            ms(s.p95_latency_ms)
        );
        if s.repeat > 1 {
            summary.push_str(&super::repeat_note(s));
        }
        if !s.metrics.is_empty() {
            summary.push_str(&format!(" · metrics: {}", super::metrics_list(s)));
        }
        if !r.complete {
            summary.push_str(" · INCOMPLETE");
        }
        // Wrapped, not cut: the last figures (p95, INCOMPLETE) matter as much as the first.
        let opts = textwrap::Options::new(width.saturating_sub(2).max(20)).subsequent_indent("  ");
        for line in textwrap::wrap(&summary, opts) {
            out.push_str(&format!("  {}\n", paint(&line, dim, styled)));
        }
    }
    if records.len() > 1 {
        let summaries = || records.iter().map(|r| &r.record().summary);
        let total: usize = summaries().map(|s| s.cases).sum();
        let passed: usize = summaries().map(|s| s.passed).sum();
        let failed: usize = summaries().map(|s| s.failed).sum();
        let errors: usize = summaries().map(|s| s.errors).sum();
        let line = format!(
            "total: {total} cases, {passed} passed, {failed} failed, {errors} errors in {} runs",
            records.len()
        );
        out.push('\n');
        out.push_str(&paint(&line, Style::new().bold(), styled));
        out.push('\n');
    }
    w.write_all(out.as_bytes())
}

#[cfg(test)]
fn render<R: Run>(records: &[R], styled: bool, width: usize) -> String {
    let mut out = Vec::new();
    write(records, styled, width, &mut out).expect("writing to memory");
    String::from_utf8(out).expect("UTF-8")
}

#[cfg(test)]
mod tests {
    use super::*;
    use promptwright_core::assert::AssertionResult;
    use promptwright_core::store::{CaseResult, RunHeader, RunRecord};

    fn header(run_id: &str, prompt: &str, provider: &str, model: &str) -> RunHeader {
        RunHeader {
            run_id: run_id.into(),
            prompt: prompt.into(),
            content_sha256: String::new(),
            provider: provider.into(),
            model: model.into(),
            started_at: String::new(),
            suites: vec!["s".into()],
            total: 2,
            shard: None,
        }
    }

    fn case(id: &str, status: Status, score: f64, latency: u64, cost_usd: f64) -> CaseResult {
        CaseResult {
            suite: "s".into(),
            id: id.into(),
            status,
            score,
            vars: Default::default(),
            output: Some("x".into()),
            tool_calls: Vec::new(),
            error: None,
            cached: false,
            latency_ms: Some(latency),
            tokens: None,
            cost_usd,
            assertions: Vec::new(),
            samples: Vec::new(),
        }
    }

    #[test]
    fn fit_counts_cells() {
        assert_eq!(fit("abc", 5), "abc");
        assert_eq!(fit("abcdef", 4), "abc…");
        // Each CJK character takes two cells.
        let cut = fit("日本語テキスト", 7);
        assert!(cut.width() <= 7, "{cut}");
        assert!(cut.ends_with('…'));
    }

    #[test]
    fn a_long_summary_wraps_instead_of_losing_its_last_figures() {
        let header = header(
            "20261126-000000-abcdef",
            "a-rather-long-prompt-name",
            "local-llama",
            "smollm2-135m-instruct",
        );
        let pass = |latency| case("c", Status::Pass, 1.0, latency, 0.1234);
        let record = RunRecord::new(&header, false, vec![pass(14_300), pass(147_500)]);
        let out = render(&[record], false, WIDTH);
        assert!(
            out.contains("p95") && out.contains("147.5 s · INCOMPLETE"),
            "{out}"
        );
        assert!(out.lines().all(|l| l.width() <= WIDTH), "{out}");
    }

    #[test]
    fn case_lines_keep_their_columns_and_colour_only_when_asked() {
        let header = header("r1", "p", "local", "m");
        let mut failed = case("a-much-longer-case-id", Status::Fail, 0.5, 1_250, 0.0);
        failed.assertions.push(AssertionResult {
            type_name: "icontains".into(),
            passed: false,
            score: 0.0,
            reason: "expected \"30 days\"".into(),
            metric: None,
        });
        let record = RunRecord::new(
            &header,
            true,
            vec![case("c1", Status::Pass, 1.0, 51, 0.0), failed],
        );
        let plain = render(std::slice::from_ref(&record), false, WIDTH);
        let lines: Vec<&str> = plain.lines().collect();
        assert_eq!(lines[0], "p · local/m · run r1");
        assert_eq!(
            lines[1],
            format!("  PASS  s/c1{}  1.00    51 ms", " ".repeat(53))
        );
        assert_eq!(
            lines[2],
            format!(
                "  FAIL  s/a-much-longer-case-id{}  0.50    1.2 s",
                " ".repeat(34)
            )
        );
        assert_eq!(lines[3], "        ✗ icontains: expected \"30 days\"");
        assert!(lines[1..3].iter().all(|l| l.width() == WIDTH));
        assert!(!plain.contains('\u{1b}'));
        let styled = render(&[record], true, WIDTH);
        assert!(
            styled.contains("\u{1b}[32mPASS \u{1b}[0m s/c1"),
            "{styled:?}"
        );
    }
}
