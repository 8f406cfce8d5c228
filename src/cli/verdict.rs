//! A gate's [`Verdict`] for people and programs: a table for the terminal, JSON for
//! scripts, Markdown for a pull request or a CI step summary. All three render the
//! same value, which also decides the exit code.

use std::fmt::Write as _;

use anstyle::{AnsiColor, Style};
use clap::ValueEnum;
use serde_json::{Value, json};

use super::format::{one_line, percent};
use promptwright_core::diff::CaseDiff;
use promptwright_core::release::gate::RunStats;
use promptwright_core::release::{Proposal, Verdict};
use promptwright_core::store::Status;
use promptwright_core::words::plural;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum VerdictFormat {
    /// Aligned text for a terminal, coloured on a tty
    Table,
    /// One JSON object: every check, the regressions and fixes, both runs
    Json,
    /// A summary and tables to paste into a pull request or a CI step summary
    Markdown,
    /// One self-contained HTML page (verdict, checks, diffs, charts, cases); needs -o FILE
    Html,
}

impl VerdictFormat {
    pub fn name(self) -> &'static str {
        match self {
            VerdictFormat::Table => "table",
            VerdictFormat::Json => "json",
            VerdictFormat::Markdown => "markdown",
            VerdictFormat::Html => "html",
        }
    }
}

/// The verdict as text. The HTML page needs the runs as well: `gate` writes it
/// (`format::html::render_gate`); asked here, the answer is the table.
pub fn render(p: &Proposal, v: &Verdict, fmt: VerdictFormat) -> String {
    match fmt {
        VerdictFormat::Table | VerdictFormat::Html => table(p, v),
        VerdictFormat::Json => {
            let mut s = serde_json::to_string_pretty(&to_json(p, v)).unwrap_or_default();
            s.push('\n');
            s
        }
        VerdictFormat::Markdown => markdown(p, v),
    }
}

fn status(s: Option<Status>) -> &'static str {
    s.map_or("absent", Status::as_str)
}

/// Why a case stands where it does: for a regression, the first assertion that passed
/// before and fails now (what changed), else the draft's first failing reason or error.
pub(crate) fn reason(c: &CaseDiff) -> String {
    match fractions(c) {
        Some(f) => {
            let why = sided_reason(c);
            if why.is_empty() {
                f
            } else {
                format!("{f}; {why}")
            }
        }
        None => sided_reason(c),
    }
}

/// For a case drawn more than once on a side: both pass fractions and how likely the
/// change is under sampling noise alone (the one-sided Fisher exact test the gate
/// applies).
fn fractions(c: &CaseDiff) -> Option<String> {
    let (passed, p) = (c.fractions()?, c.noise_p()?);
    Some(format!(
        "passed {passed} samples (p = {p:.3} that noise alone does this)"
    ))
}

fn sided_reason(c: &CaseDiff) -> String {
    match (&c.new, &c.old) {
        (None, _) => "not in the draft's run".into(),
        (Some(new), Some(old)) if new.status != Status::Pass && new.error.is_none() => new
            .assertions
            .iter()
            .zip(&old.assertions)
            .find(|(n, o)| !n.passed && o.passed && n.type_name == o.type_name)
            .map(|(n, _)| format!("{}: {}", n.type_name, n.reason))
            .or_else(|| new.headline())
            .unwrap_or_default(),
        (Some(new), _) if new.status != Status::Pass => new.headline().unwrap_or_default(),
        (Some(_), Some(old)) => old
            .headline()
            .map(|h| format!("was: {h}"))
            .unwrap_or_default(),
        _ => String::new(),
    }
}

fn case_json(c: &CaseDiff) -> Value {
    json!({
        "suite": c.suite,
        "id": c.id,
        "change": c.change.as_str(),
        "old_status": c.old_status().map(Status::as_str),
        "new_status": c.new_status().map(Status::as_str),
        "old_pass_fraction": c.old.as_ref().map(|r| r.pass_fraction()),
        "new_pass_fraction": c.new.as_ref().map(|r| r.pass_fraction()),
        "old_samples": c.old.as_ref().map(|r| r.sample_count()),
        "new_samples": c.new.as_ref().map(|r| r.sample_count()),
        "reason": reason(c),
    })
}

/// The JSON shape of `gate --format json` (tested in tests/release.rs).
pub fn to_json(p: &Proposal, v: &Verdict) -> Value {
    json!({
        "prompt": p.name,
        "passed": v.passed,
        "version": p.next_version,
        "first_release": v.first_release,
        "baseline_version": v.baseline_version,
        "unchanged": p.is_unchanged(),
        "draft": v.draft,
        "baseline": v.baseline,
        "checks": v.checks,
        "failing": v.failing().map(|c| c.name.as_str()).collect::<Vec<_>>(),
        "suites": v.suites,
        "regressions": v.regressions.iter().map(case_json).collect::<Vec<_>>(),
        "fixes": v.fixes.iter().map(case_json).collect::<Vec<_>>(),
        "new_variables": v.new_variables,
        "removed_variables": v.removed_variables,
        "pass_rate_change": v.pass_rate_change.map(|d| json!({
            "mean": round4(d.mean),
            "ci95_low": round4(d.low),
            "ci95_high": round4(d.high),
            "cases": d.cases,
        })),
    })
}

fn round4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

fn fg(c: AnsiColor) -> Style {
    Style::new().fg_color(Some(c.into()))
}

fn paint(s: &str, style: Style) -> String {
    format!("{style}{s}{style:#}")
}

pub(crate) fn headline(v: &Verdict) -> String {
    let n = v.checks.len();
    match v.failing().count() {
        0 => format!("PASSED, all {n} checks hold"),
        1 => format!("BLOCKED, 1 of {n} checks fails"),
        f => format!("BLOCKED, {f} of {n} checks fail"),
    }
}

pub(crate) fn run_line(r: &RunStats) -> String {
    format!(
        "run {} · {}: {} passed, {} failed, {} ({}){}{}",
        r.run_id,
        plural(r.cases, "case", "cases"),
        r.passed,
        r.failed,
        plural(r.errors, "error", "errors"),
        percent(r.pass_rate),
        if r.repeat > 1 {
            format!(" · {} samples a case, {} flaky", r.repeat, r.flaky)
        } else {
            String::new()
        },
        if r.complete { "" } else { " · INTERRUPTED" }
    )
}

fn short(sha: &str) -> &str {
    &sha[..sha.len().min(12)]
}

/// The terminal table.
pub fn table(p: &Proposal, v: &Verdict) -> String {
    let mut out = String::new();
    let verdict_style = if v.passed {
        fg(AnsiColor::Green).bold()
    } else {
        fg(AnsiColor::Red).bold()
    };
    let _ = writeln!(
        out,
        "{} `{}` → v{}: {}",
        paint("gate", Style::new().bold()),
        p.name,
        p.next_version,
        paint(&headline(v), verdict_style)
    );
    let _ = writeln!(
        out,
        "  draft     {} · {}",
        short(&v.draft.content_sha256),
        run_line(&v.draft)
    );
    match (&v.baseline, v.baseline_version) {
        (Some(b), Some(n)) => {
            let _ = writeln!(out, "  current   v{n} · {}", run_line(b));
        }
        _ => {
            let _ = writeln!(
                out,
                "  current   none: first release, no baseline (no regressions possible)"
            );
        }
    }
    if let Some(d) = &v.pass_rate_change {
        let _ = writeln!(out, "  change    {}", d.describe());
    }
    if p.is_unchanged() {
        let _ = writeln!(
            out,
            "  {}",
            paint(
                "the draft is the current release: `release` would refuse it",
                fg(AnsiColor::Yellow)
            )
        );
    }
    out.push('\n');

    let name_w = v
        .checks
        .iter()
        .map(|c| c.name.len())
        .max()
        .unwrap_or(5)
        .max(5);
    let req = |c: &promptwright_core::release::GateCheck| {
        let mut r = c.required_text();
        if c.default {
            r.push_str(" (default)");
        }
        r
    };
    let req_w = v
        .checks
        .iter()
        .map(|c| req(c).chars().count())
        .max()
        .unwrap_or(8)
        .max(8);
    let act_w = v
        .checks
        .iter()
        .map(|c| c.actual_text().chars().count())
        .max()
        .unwrap_or(6)
        .max(6);
    let _ = writeln!(
        out,
        "    {:name_w$}  {:req_w$}  {:act_w$}  DETAIL",
        "CHECK", "REQUIRED", "ACTUAL",
    );
    for c in &v.checks {
        let mark = if c.passed {
            paint("✓", fg(AnsiColor::Green))
        } else {
            paint("✗", fg(AnsiColor::Red).bold())
        };
        let r = req(c);
        let a = c.actual_text();
        let _ = writeln!(
            out,
            "  {mark} {}{}  {r}{}  {a}{}  {}",
            c.name,
            " ".repeat(name_w - c.name.len()),
            " ".repeat(req_w - r.chars().count()),
            " ".repeat(act_w - a.chars().count()),
            paint(&c.detail, fg(AnsiColor::BrightBlack))
        );
    }

    case_list(
        &mut out,
        "regressions",
        &v.regressions,
        fg(AnsiColor::Red).bold(),
    );
    case_list(&mut out, "fixes", &v.fixes, fg(AnsiColor::Green).bold());
    out
}

fn case_list(out: &mut String, title: &str, cases: &[CaseDiff], style: Style) {
    if cases.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "\n{} ({}):",
        paint(title, Style::new().bold()),
        cases.len()
    );
    for c in cases.iter().take(MAX_LISTED) {
        let label = c.change.as_str().to_uppercase();
        let _ = writeln!(
            out,
            "  {}  {}/{}  {} → {}",
            paint(&format!("{label:<10}"), style),
            c.suite,
            c.id,
            status(c.old_status()),
            status(c.new_status()).replace("absent", "not run")
        );
        let why = one_line(&reason(c));
        if !why.is_empty() {
            let why: String = why.chars().take(160).collect();
            let _ = writeln!(out, "      {}", paint(&why, fg(AnsiColor::BrightBlack)));
        }
    }
    if cases.len() > MAX_LISTED {
        let _ = writeln!(
            out,
            "  … and {} more (`--format json` lists every one)",
            cases.len() - MAX_LISTED
        );
    }
}

/// Cases listed per section in the table: a broken template regresses every case, and
/// the first screenful says why.
const MAX_LISTED: usize = 20;

/// A Markdown cell: one line, pipes escaped.
fn cell(s: &str) -> String {
    one_line(s).replace('|', "\\|")
}

/// For a pull request comment or `$GITHUB_STEP_SUMMARY`.
pub fn markdown(p: &Proposal, v: &Verdict) -> String {
    let mut out = String::new();
    let failing = v.failing().count();
    if v.passed {
        let _ = writeln!(
            out,
            "### ✅ Gate passed: `{}` → v{}\n",
            p.name, p.next_version
        );
    } else {
        let _ = writeln!(
            out,
            "### ❌ Gate blocked: `{}` → v{} ({failing} of {} checks fail)\n",
            p.name,
            p.next_version,
            v.checks.len()
        );
    }
    let d = &v.draft;
    let against = match v.baseline_version {
        Some(n) => format!("against the current release v{n}"),
        None => "first release: no baseline, so no regressions".into(),
    };
    let _ = writeln!(
        out,
        "Draft `{}`, {against}. {}: {} passed, {} failed, {} ({}); {}, {}.\n",
        short(&d.content_sha256),
        plural(d.cases, "case", "cases"),
        d.passed,
        d.failed,
        plural(d.errors, "error", "errors"),
        percent(d.pass_rate),
        plural(v.regressions.len(), "regression", "regressions"),
        plural(v.fixes.len(), "fix", "fixes"),
    );
    if let Some(d) = &v.pass_rate_change {
        let _ = writeln!(out, "Pass rate change: {}.\n", d.describe());
    }
    out.push_str("| | Check | Required | Actual | Detail |\n|---|---|---|---|---|\n");
    for c in &v.checks {
        let mut r = c.required_text();
        if c.default {
            r.push_str(" (default)");
        }
        let _ = writeln!(
            out,
            "| {} | `{}` | {} | {} | {} |",
            if c.passed { "✅" } else { "❌" },
            c.name,
            cell(&r),
            cell(&c.actual_text()),
            cell(&c.detail)
        );
    }
    for (title, cases, open) in [
        ("Regressions", &v.regressions, true),
        ("Fixes", &v.fixes, false),
    ] {
        if cases.is_empty() {
            continue;
        }
        let _ = writeln!(
            out,
            "\n<details{}><summary>{title} ({})</summary>\n",
            if open { " open" } else { "" },
            cases.len()
        );
        out.push_str("| Case | Was | Now | Why |\n|---|---|---|---|\n");
        for c in cases.iter() {
            let _ = writeln!(
                out,
                "| `{}/{}` | {} | {} | {} |",
                cell(&c.suite),
                cell(&c.id),
                status(c.old_status()),
                status(c.new_status()).replace("absent", "not run"),
                cell(&reason(c))
            );
        }
        out.push_str("\n</details>\n");
    }
    out
}
