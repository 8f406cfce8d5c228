//! `diff --outputs`: the per-case comparison of two runs, regressions first, then
//! fixes, then the rest, each with its status change, score delta and a short diff of
//! what the model answered.

use std::fmt::Write as _;

use anstyle::{AnsiColor, Style};

use super::document::{self, Layout, paint, style_dim};
use crate::diff::{CaseChange, CaseDiff, OutputDiff, View};
use crate::store::{RunRecord, Status};

/// Lines of output diff shown per case; the TUI shows them whole.
const MAX_DIFF_LINES: usize = 8;

fn label(c: &CaseDiff) -> (&'static str, Style) {
    let fg = |c: AnsiColor| Style::new().fg_color(Some(c.into()));
    match c.change {
        CaseChange::Regression => ("REGRESSION", fg(AnsiColor::Red).bold()),
        CaseChange::Missing => ("MISSING", fg(AnsiColor::Red).bold()),
        CaseChange::Fix => ("FIX", fg(AnsiColor::Green).bold()),
        CaseChange::New => ("NEW", fg(AnsiColor::Cyan).bold()),
        CaseChange::Unchanged => ("CHANGED", fg(AnsiColor::Yellow)),
    }
}

fn status(s: Option<Status>, absent: &str) -> String {
    s.map_or_else(|| absent.to_string(), |s| s.as_str().to_string())
}

/// One side's run, for the heading: id (which starts with when it ran), provider/model,
/// how it went.
pub fn run_line(r: &RunRecord) -> String {
    let s = &r.summary;
    format!(
        "run {} · {}/{} · {} case{}, {} passed{}",
        r.run_id,
        r.provider,
        r.model,
        s.cases,
        if s.cases == 1 { "" } else { "s" },
        s.passed,
        if r.complete { "" } else { " · INCOMPLETE" }
    )
}

/// Whether a case needs a line in the report: anything but the same status, score and
/// output on both sides.
fn worth_listing(c: &CaseDiff) -> bool {
    c.change != CaseChange::Unchanged
        || c.old_status() != c.new_status()
        || c.score_delta().is_some_and(|d| d.abs() >= 0.005)
        || c.output_changed()
}

pub fn render(diff: &OutputDiff, view: View, width: usize, out: &mut String) {
    let n = &diff.counts;
    let plural =
        |k: usize, one: &str, many: &str| format!("{k} {}", if k == 1 { one } else { many });
    let mut counts = plural(n.regressions_total(), "regression", "regressions");
    if n.missing > 0 {
        let _ = write!(counts, " ({} missing)", n.missing);
    }
    let _ = write!(
        counts,
        ", {}, {} new, {} unchanged",
        plural(n.fixes, "fix", "fixes"),
        n.new,
        n.unchanged
    );
    paint(out, &counts, Style::new().bold());
    out.push('\n');

    let mut quiet = 0;
    for c in &diff.cases {
        if !worth_listing(c) {
            quiet += 1;
            continue;
        }
        out.push('\n');
        case(c, view, width, out);
    }
    if quiet > 0 {
        out.push('\n');
        paint(
            out,
            &format!(
                "{quiet} case{} unchanged (same status, score and output)",
                if quiet == 1 { "" } else { "s" }
            ),
            style_dim(),
        );
        out.push('\n');
    }
}

fn case(c: &CaseDiff, view: View, width: usize, out: &mut String) {
    let (name, style) = label(c);
    paint(out, &format!("{name:<10}"), style);
    let _ = write!(
        out,
        "  {}/{}  {} → {}",
        c.suite,
        c.id,
        status(c.old_status(), "(absent)"),
        status(c.new_status(), "(not run)")
    );
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
        CaseChange::Regression | CaseChange::Unchanged | CaseChange::New => {
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
