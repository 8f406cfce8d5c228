//! The gate report: the verdict first, every check, the regressions and fixes with
//! both outputs side by side, the prompt diff, the charts (the pass-rate trend across
//! released versions among them), and the draft's cases.

use std::collections::HashMap;
use std::fmt::Write as _;

use super::cases::{Collector, PromptOf};
use super::eval::{charts, summary};
use super::svg::{self, Point};
use super::{esc, page};
use crate::cli::verdict::{headline, reason, run_line};
use promptwright_core::diff::{CaseDiff, Document, Line, PromptDiff, RowKind};
use promptwright_core::release::stats::ReleasePoint;
use promptwright_core::release::{Proposal, Verdict};
use promptwright_core::store::RunRecord;

/// Side-by-side diffs written out in full; the rest are in the case table. A page of
/// thousands of diffs would be as slow to open as it is to read.
const MAX_DIFFS: usize = 50;
/// Rows of one diff shown; a longer diff says how many it left out.
const MAX_ROWS: usize = 400;

pub struct GateReport<'a> {
    pub proposal: &'a Proposal,
    pub verdict: &'a Verdict,
    /// The draft's run, its cases in memory.
    pub draft: &'a RunRecord,
    /// The released versions, oldest first (`stats`' points).
    pub releases: &'a [ReleasePoint],
    pub prompt_of: PromptOf<'a>,
}

pub fn render(r: &GateReport) -> serde_json::Result<String> {
    let (p, v) = (r.proposal, r.verdict);
    let title = format!("promptwright gate · {} → v{}", p.name, p.next_version);
    let mut body = format!("<header><h1>{}</h1></header>\n", esc(&title));
    verdict(&mut body, p, v);
    checks(&mut body, v);

    let changes: HashMap<(&str, &str), &'static str> = v
        .regressions
        .iter()
        .map(|c| ((c.suite.as_str(), c.id.as_str()), "regression"))
        .chain(
            v.fixes
                .iter()
                .map(|c| ((c.suite.as_str(), c.id.as_str()), "fix")),
        )
        .collect();
    let mut cases = Collector::default();
    let prompt = (r.prompt_of)(r.draft);
    for c in &r.draft.cases {
        let change = changes.get(&(c.suite.as_str(), c.id.as_str())).copied();
        cases.add(0, r.draft, prompt, c, change)?;
    }
    body.push_str("<h2>The draft's run</h2>");
    summary(&mut body, r.draft, false, None);
    let mut points: Vec<Point> = r
        .releases
        .iter()
        .map(|rp| Point {
            label: format!("v{}", rp.version),
            rate: rp.pass_rate,
            draft: false,
        })
        .collect();
    points.push(Point {
        label: "draft".into(),
        rate: v.draft.pass_rate,
        draft: true,
    });
    let trend = (
        "Pass rate across released versions (and the draft)",
        svg::trend(&points),
    );
    charts(&mut body, &cases, &[r.draft], Some(trend));

    case_diffs(&mut body, "Regressions", &v.regressions);
    case_diffs(&mut body, "Fixes", &v.fixes);
    prompt_diff(&mut body, p);
    let data = cases.json("gate", &[r.draft])?;
    Ok(page(&title, &body, &data, &["regression", "fix"]))
}

fn verdict(out: &mut String, p: &Proposal, v: &Verdict) {
    let class = if v.passed { "pass" } else { "fail" };
    let _ = write!(
        out,
        "<section class=\"verdict {class}\" id=\"verdict\"><h2>{}</h2><p>draft: {}</p><p>{}</p>",
        esc(&headline(v)),
        esc(&run_line(&v.draft)),
        esc(&match (&v.baseline, v.baseline_version) {
            (Some(b), Some(n)) => format!("current release v{n}: {}", run_line(b)),
            _ => "first release: no baseline, so no regressions are possible".into(),
        })
    );
    if p.is_unchanged() {
        out.push_str("<p>The draft is the current release: a release would refuse it.</p>");
    }
    out.push_str("</section>\n");
}

fn checks(out: &mut String, v: &Verdict) {
    out.push_str(
        "<section><h2>Checks</h2><table><thead><tr><th></th><th>check</th><th>required</th><th>actual</th><th>detail</th></tr></thead><tbody>",
    );
    for c in &v.checks {
        let _ = write!(
            out,
            "<tr><td class=\"{}\">{}</td><td class=\"mono\">{}</td><td>{}{}</td><td>{}</td><td>{}</td></tr>",
            if c.passed { "ok" } else { "bad" },
            if c.passed { "✓ holds" } else { "✗ fails" },
            esc(&c.name),
            esc(&c.required_text()),
            if c.default {
                " <span class=\"muted\">(default)</span>"
            } else {
                ""
            },
            esc(&c.actual_text()),
            esc(&c.detail),
        );
    }
    out.push_str("</tbody></table></section>\n");
}

fn status(c: &CaseDiff, new: bool) -> &'static str {
    let s = if new { c.new_status() } else { c.old_status() };
    s.map_or("absent", |s| s.as_str())
}

fn case_diffs(out: &mut String, title: &str, diffs: &[CaseDiff]) {
    let _ = write!(out, "<section><h2>{} ({})</h2>", esc(title), diffs.len());
    if diffs.is_empty() {
        out.push_str("<p class=\"muted\">None.</p>");
    }
    for c in diffs.iter().take(MAX_DIFFS) {
        let _ = write!(
            out,
            "<details class=\"diff\" open><summary><span class=\"mono\">{} / {}</span>: \
             <span class=\"st st-{old}\">{old}</span> → <span class=\"st st-{new}\">{new}</span> · {}</summary>",
            esc(&c.suite),
            esc(&c.id),
            esc(&reason(c)),
            old = status(c, false),
            new = status(c, true),
        );
        side_by_side(out, &c.output_diff(), "current release", "draft");
        out.push_str("</details>");
    }
    if diffs.len() > MAX_DIFFS {
        let _ = write!(
            out,
            "<p class=\"muted\">{} more: filter the case table below.</p>",
            diffs.len() - MAX_DIFFS
        );
    }
    out.push_str("</section>\n");
}

fn prompt_diff(out: &mut String, p: &Proposal) {
    out.push_str("<section><h2>Prompt diff</h2>");
    match &p.current {
        None => out
            .push_str("<p class=\"muted\">First release: no released version to compare with.</p>"),
        Some(cur) => {
            let diff = PromptDiff::new(&cur.prompt.def, &p.draft.def);
            if diff.is_identical() {
                out.push_str("<p class=\"muted\">The draft does not change the prompt.</p>");
            } else {
                let left = format!("v{}", cur.release.version);
                side_by_side(out, &diff.doc, &left, "draft");
            }
        }
    }
    out.push_str("</section>\n");
}

/// Two columns, line numbers beside each, changed words marked.
fn side_by_side(out: &mut String, doc: &Document, left: &str, right: &str) {
    let _ = write!(
        out,
        "<table class=\"sbs\"><thead><tr><th class=\"ln\"></th><th>{}</th><th class=\"ln\"></th><th>{}</th></tr></thead><tbody>",
        esc(left),
        esc(right)
    );
    for row in doc.rows.iter().take(MAX_ROWS) {
        let class = match row.kind {
            RowKind::Header => "hdr",
            RowKind::Equal => "k-Equal",
            RowKind::Delete => "k-Delete",
            RowKind::Insert => "k-Insert",
            RowKind::Replace => "k-Replace",
        };
        let _ = write!(out, "<tr class=\"{class}\">");
        cell(out, row.left.as_ref(), "l", "del");
        cell(out, row.right.as_ref(), "r", "ins");
        out.push_str("</tr>");
    }
    out.push_str("</tbody></table>");
    if doc.rows.len() > MAX_ROWS {
        let _ = write!(
            out,
            "<p class=\"muted\">{} more lines not shown.</p>",
            doc.rows.len() - MAX_ROWS
        );
    }
}

fn cell(out: &mut String, line: Option<&Line>, side: &str, mark: &str) {
    let number = line
        .and_then(|l| l.number)
        .map_or(String::new(), |n| n.to_string());
    let _ = write!(out, "<td class=\"ln\">{number}</td><td class=\"{side}\">");
    if let Some(line) = line {
        for (text, changed) in line.segments() {
            if changed {
                let _ = write!(out, "<mark class=\"{mark}\">{}</mark>", esc(text));
            } else {
                out.push_str(&esc(text));
            }
        }
    }
    out.push_str("</td>");
}
