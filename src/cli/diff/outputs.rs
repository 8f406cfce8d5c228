//! `diff --outputs`: the per-case comparison of two sides' latest results, regressions
//! first, then fixes, other status changes and output changes, each with its statuses,
//! score delta and a short diff of what the model answered; then the cases not run on a
//! side, by name, and a count of the unchanged ones.

use std::fmt::Write as _;

use anstyle::{AnsiColor, Style};

use super::document::{self, Layout, paint, style_dim};
use promptwright_core::diff::{CaseChange, CaseDiff, CaseKind, OutputDiff, View};
use promptwright_core::release::SideResults;
use promptwright_core::store::Status;
use promptwright_core::words::plural;

/// Lines of output diff shown per case; the TUI shows them whole.
const MAX_DIFF_LINES: usize = 8;

fn label(c: &CaseDiff) -> (String, Style) {
    let fg = |c: AnsiColor| Style::new().fg_color(Some(c.into()));
    let style = match (c.change, c.kind()) {
        (CaseChange::Regression | CaseChange::Missing, _) => fg(AnsiColor::Red).bold(),
        (CaseChange::Fix, _) => fg(AnsiColor::Green).bold(),
        (_, CaseKind::StatusChanged) => fg(AnsiColor::Yellow).bold(),
        (_, CaseKind::OutputChanged) => fg(AnsiColor::Yellow),
        _ => style_dim(),
    };
    (c.label().to_uppercase(), style)
}

fn status(s: Option<Status>, absent: &str) -> String {
    s.map_or_else(|| absent.to_string(), |s| s.as_str().to_string())
}

/// One side's results, for the heading: the runs they come from (a run id starts with
/// when it ran), provider/model, how they went.
pub fn side_line(r: &SideResults) -> String {
    let s = &r.summary;
    let runs = match r.run_ids.as_slice() {
        [one] => format!("run {one}"),
        [newest, rest @ ..] => format!("{} runs, newest {newest}", rest.len() + 1),
        [] => "no results".to_string(),
    };
    format!(
        "{runs} · {}/{} · {}, {} passed",
        r.provider,
        r.model,
        plural(s.cases, "case", "cases"),
        s.passed,
    )
}

/// Cases not run on a side are listed by name, not one block each: after rerunning
/// one case of a thousand, the others are no news.
const MAX_NOT_RUN_NAMES: usize = 20;

pub fn render(diff: &OutputDiff, sides: (&str, &str), view: View, width: usize, out: &mut String) {
    paint(out, &diff.counts.summary(), Style::new().bold());
    out.push('\n');

    let mut unchanged = 0;
    let (mut not_run_old, mut not_run_new) = (Vec::new(), Vec::new());
    for c in &diff.cases {
        match c.kind() {
            CaseKind::Unchanged => unchanged += 1,
            CaseKind::NotRun if c.change == CaseChange::NotRun => {
                let name = format!("{}/{}", c.suite, c.id);
                if c.old.is_none() {
                    not_run_old.push(name);
                } else {
                    not_run_new.push(name);
                }
            }
            _ => {
                out.push('\n');
                case(c, view, width, out);
            }
        }
    }
    for (side, names) in [(sides.0, &not_run_old), (sides.1, &not_run_new)] {
        if names.is_empty() {
            continue;
        }
        out.push('\n');
        let (label, style) = ("NOT RUN", style_dim().bold());
        paint(out, label, style);
        let mut shown: Vec<&str> = names
            .iter()
            .take(MAX_NOT_RUN_NAMES)
            .map(String::as_str)
            .collect();
        let more = names.len() - shown.len();
        let extra = format!("… and {more} more");
        if more > 0 {
            shown.push(&extra);
        }
        let _ = writeln!(
            out,
            " on {side} ({}): {}",
            plural(names.len(), "case", "cases"),
            shown.join(", ")
        );
        let hint = format!(
            "    no result for this content on {side}: nothing to compare, not a regression"
        );
        paint(out, &super::cells::fit(&hint, width), style_dim());
        out.push('\n');
    }
    if unchanged > 0 {
        out.push('\n');
        paint(
            out,
            &format!(
                "{} unchanged (same status and output)",
                plural(unchanged, "case", "cases")
            ),
            style_dim(),
        );
        out.push('\n');
    }
}

fn case(c: &CaseDiff, view: View, width: usize, out: &mut String) {
    let (name, style) = label(c);
    paint(out, &format!("{name:<14}"), style);
    let _ = write!(
        out,
        "  {}/{}  {} → {}",
        c.suite,
        c.id,
        status(c.old_status(), "(absent)"),
        status(c.new_status(), "(not run)")
    );
    if let Some(f) = c.fractions() {
        let _ = write!(out, "  passed {f}");
    }
    let score = |s: Option<f64>| s.map_or("–".to_string(), |s| format!("{s:.2}"));
    let old_score = c.old.as_ref().map(|x| x.score);
    let new_score = c.new.as_ref().map(|x| x.score);
    match c.score_delta() {
        Some(d) if d.abs() < 0.005 => {
            let _ = write!(out, "  score {}", score(new_score));
        }
        Some(d) => {
            let (a, b) = (score(old_score), score(new_score));
            let _ = write!(out, "  score {a} → {b} ({d:+.2})");
        }
        None => {
            let _ = write!(out, "  score {} → {}", score(old_score), score(new_score));
        }
    }
    out.push('\n');

    // Why it stands where it stands: the new side's reason for a regression, the old
    // side's for a fix.
    let reason = match c.change {
        CaseChange::Regression | CaseChange::Unchanged | CaseChange::New | CaseChange::NotRun => {
            c.new.as_ref().and_then(|r| r.headline()).map(|h| ("✗", h))
        }
        CaseChange::Fix => c
            .old
            .as_ref()
            .and_then(|r| r.headline())
            .map(|h| ("was ✗", h)),
        CaseChange::Missing => Some((
            "!",
            "not in the new run: the suite or case was removed, or the run was cut short"
                .to_string(),
        )),
    };
    if let Some((mark, text)) = reason {
        let line = super::cells::fit(&format!("    {mark} {}", one_line(&text)), width);
        paint(out, &super::cells::safe(&line), style_dim());
        out.push('\n');
    }

    if c.old.is_some() && c.new.is_some() && c.output_changed() {
        let doc = c.output_diff();
        let layout = Layout {
            view,
            width,
            context: 1,
            max_lines: Some(MAX_DIFF_LINES),
            indent: 4,
        };
        document::render(&doc, &layout, out);
    }
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}
