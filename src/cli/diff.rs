//! `promptwright diff NAME [--from REF] [--to REF] [--side-by-side] [--outputs]`:
//! two versions of a prompt compared, or the outputs of their latest runs.

mod cells;
mod document;
mod outputs;

use std::io::IsTerminal;
use std::path::Path;
use std::process::ExitCode;

use anstyle::Style;
use clap::Args;

use self::document::{Layout, paint, style_delete, style_dim, style_insert};
use super::{CliError, workspace_root};
use promptwright_core::diff::{MessageStatus, PromptDiff, View};
use promptwright_core::release::compare::{self, NoRun, Outputs};
use promptwright_core::release::{Ref, RefError, Resolved};
use promptwright_core::vocab::LoadErrors;

/// `diff --help`. On the subcommand's variant: a variant's doc comment would replace
/// a long_about given here.
pub const LONG_ABOUT: &str = "Compare two versions of a prompt: settings, params, template variables and \
each message line by line, with the changed words marked.\n\n\
REF is `draft` (prompts/NAME.toml), `current` (releases/NAME.toml) or `vN` (releases/NAME/vN.toml). \
The default compares the current release with the draft: what releasing the draft would change.\n\n\
With --outputs, compare instead what the model answered, case by case. A side's results are, per \
case, its latest result for that side's content (found by content hash), provider and model, across \
runs, so rerunning one case or one suite updates only those. Each case is a status change \
(regressions first, then fixes), an output change, unchanged, or not run on a side (never a \
regression: nothing is known about it there).\n\n\
Exit 0 whenever the diff was shown, even with regressions (a diff is information; `promptwright \
gate` is the check that fails); 2 for an unknown prompt, a bad REF, a missing version or a side \
with no run.";

#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The prompt (a file name in prompts/ or releases/ without .toml)
    #[arg(value_name = "NAME")]
    pub name: String,

    /// The old side: draft, current or vN
    #[arg(long, value_name = "REF", default_value = "current")]
    pub from: Ref,

    /// The new side: draft, current or vN
    #[arg(long, value_name = "REF", default_value = "draft")]
    pub to: Ref,

    /// Two aligned columns fitted to the terminal width instead of -/+ lines
    #[arg(long)]
    pub side_by_side: bool,

    /// Compare the per-case outputs and statuses: each side's latest result per case
    #[arg(long)]
    pub outputs: bool,
}

/// Unchanged lines shown around each change.
const CONTEXT: usize = 3;

/// Used when stdout is not a terminal and COLUMNS is unset.
const DEFAULT_WIDTH: usize = 120;

/// Narrower than this, two columns cannot show anything useful.
const MIN_WIDTH: usize = 40;

/// Columns to fit: `COLUMNS` when set, else the terminal's width, else 120.
pub(super) fn output_width() -> usize {
    let from_env = std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.trim().parse::<usize>().ok())
        .filter(|&c| c > 0);
    let from_tty = || {
        std::io::stdout()
            .is_terminal()
            .then(crossterm::terminal::size)
            .and_then(Result::ok)
            .map(|(cols, _)| cols as usize)
            .filter(|&c| c > 0)
    };
    from_env
        .or_else(from_tty)
        .unwrap_or(DEFAULT_WIDTH)
        .max(MIN_WIDTH)
}

fn ref_error(e: RefError) -> CliError {
    match e {
        RefError::Invalid(diags) => CliError::Load(LoadErrors(diags)),
        other => CliError::explained(&other),
    }
}

pub fn run(dir: Option<&Path>, args: &DiffArgs) -> Result<ExitCode, CliError> {
    let root = workspace_root(dir)?;
    let from = compare::side(&root, &args.name, &args.from, None).map_err(ref_error)?;
    let to = compare::side(&root, &args.name, &args.to, None).map_err(ref_error)?;
    let view = if args.side_by_side {
        View::SideBySide
    } else {
        View::Unified
    };
    let width = output_width();
    let text = if args.outputs {
        let outputs =
            compare::outputs(&root, &args.name, &from, &to).map_err(|e| no_run(&args.name, e))?;
        outputs_report(&args.name, &from, &to, &outputs, view, width)
    } else {
        prompt_report(&args.name, &from, &to, view, width)
    };
    anstream::print!("{text}");
    Ok(ExitCode::SUCCESS)
}

/// Why a side has no results, and how to make them.
fn no_run(name: &str, side: NoRun) -> CliError {
    let sha = &side.content_sha256;
    let short = &sha[..sha.len().min(12)];
    let help = match side.reference {
        Ref::Draft => format!("evaluate the draft first: `promptwright eval --prompt {name}`"),
        _ => format!(
            "runs are found by content hash: evaluate this content with `promptwright eval --prompt {name}` \
             while prompts/{name}.toml holds it (`promptwright release` evaluates both sides too)"
        ),
    };
    CliError::usage(
        format!(
            "no run of `{name}` {} ({}, content {short}…) in .promptwright/runs",
            side.label, side.rel_path
        ),
        help,
    )
}

fn heading(out: &mut String, what: &str, name: &str, from: &Resolved, to: &Resolved, width: usize) {
    let text = format!("{what}`{name}`: {} → {}", from.label(), to.label());
    paint(out, &cells::fit(&text, width), Style::new().bold());
    out.push('\n');
}

pub(super) fn prompt_report(
    name: &str,
    from: &Resolved,
    to: &Resolved,
    view: View,
    width: usize,
) -> String {
    let diff = compare::prompts(from, to);
    let mut out = String::new();
    heading(&mut out, "diff of ", name, from, to, width);
    let file = |sign: &str, side: &Resolved| {
        cells::fit(
            &format!("{sign} {} · {}", side.label(), side.rel_path),
            width,
        )
    };
    paint(&mut out, &file("---", from), style_delete());
    out.push('\n');
    paint(&mut out, &file("+++", to), style_insert());
    out.push('\n');
    if diff.is_identical() {
        out.push_str("no differences\n");
        return out;
    }
    if diff.doc.is_identical() {
        // Message contents differ in what a line diff does not show.
        out.push_str("the sides differ only in line endings or a final newline\n");
        return out;
    }
    out.push('\n');
    let layout = Layout {
        view,
        width,
        context: CONTEXT,
        max_lines: None,
        indent: 0,
    };
    if view == View::SideBySide {
        column_titles(&mut out, from, to, width);
    }
    document::render(&diff.doc, &layout, &mut out);
    out.push('\n');
    for line in textwrap::wrap(&summary(&diff), width) {
        paint(&mut out, &line, style_dim());
        out.push('\n');
    }
    out
}

/// The two column titles above a side-by-side view.
fn column_titles(out: &mut String, from: &Resolved, to: &Resolved, width: usize) {
    let col = width.saturating_sub(3) / 2;
    let left = cells::fit(&from.label(), col);
    let pad = col.saturating_sub(cells::width(&left));
    paint(out, &left, style_delete().bold());
    out.push_str(&" ".repeat(pad));
    paint(out, " │ ", style_dim());
    paint(out, &cells::fit(&to.label(), col), style_insert().bold());
    out.push('\n');
}

/// One line of what changed: settings, variables, messages, lines.
fn summary(diff: &PromptDiff) -> String {
    let mut parts = Vec::new();
    if !diff.fields.is_empty() {
        let names: Vec<&str> = diff.fields.iter().map(|f| f.name.as_str()).collect();
        parts.push(format!("changed: {}", names.join(", ")));
    }
    if !diff.variables.is_empty() {
        let mut v: Vec<String> = diff
            .variables
            .added
            .iter()
            .map(|a| format!("+{a}"))
            .collect();
        v.extend(diff.variables.removed.iter().map(|r| format!("-{r}")));
        parts.push(format!("variables: {}", v.join(" ")));
    }
    let count = |s: MessageStatus| diff.messages.iter().filter(|m| m.status == s).count();
    let moved = diff.messages.iter().filter(|m| m.moved.is_some()).count() / 2;
    let mut msgs = Vec::new();
    for (n, word) in [
        (count(MessageStatus::Changed), "changed"),
        (count(MessageStatus::Added).saturating_sub(moved), "added"),
        (
            count(MessageStatus::Removed).saturating_sub(moved),
            "removed",
        ),
        (moved, "moved"),
    ] {
        if n > 0 {
            msgs.push(format!("{n} {word}"));
        }
    }
    if !msgs.is_empty() {
        parts.push(format!("messages: {}", msgs.join(", ")));
    }
    let (mut removed, mut added) = (0, 0);
    for m in &diff.messages {
        let s = &diff.doc.sections[m.section];
        for r in &diff.doc.rows[s.rows.clone()] {
            match r.kind {
                promptwright_core::diff::RowKind::Delete => removed += 1,
                promptwright_core::diff::RowKind::Insert => added += 1,
                promptwright_core::diff::RowKind::Replace => {
                    removed += 1;
                    added += 1;
                }
                _ => {}
            }
        }
    }
    let lines: Vec<String> = [(removed, '-'), (added, '+')]
        .iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, sign)| format!("{sign}{n}"))
        .collect();
    if !lines.is_empty() {
        parts.push(format!("lines: {}", lines.join(" ")));
    }
    parts.join(" · ")
}

fn outputs_report(
    name: &str,
    from: &Resolved,
    to: &Resolved,
    outputs: &Outputs,
    view: View,
    width: usize,
) -> String {
    let mut out = String::new();
    heading(&mut out, "outputs of ", name, from, to, width);
    let (fl, tl) = (from.label(), to.label());
    let w = cells::width(&fl).max(cells::width(&tl)) + 1;
    let (old, new) = (&outputs.old, &outputs.new);
    for (label, side, style) in [(&fl, old, style_delete()), (&tl, new, style_insert())] {
        let pad = " ".repeat(w - cells::width(label));
        paint(&mut out, &format!("{label}:{pad}"), style);
        let room = width.saturating_sub(w + 1);
        out.push_str(&cells::fit(&outputs::side_line(side), room));
        out.push('\n');
    }
    if old == new {
        paint(
            &mut out,
            "both sides have the same content, so the same results: nothing can differ",
            style_dim(),
        );
        out.push('\n');
    }
    outputs::render(&outputs.diff, (&fl, &tl), view, width, &mut out);
    out
}
