//! The Diff pane's work: comparing two sides of a prompt (file reads and diffing), and
//! `R`, running the current release of the prompt on its suites, so the outputs view has
//! a release side to compare. The release is compiled and planned the way the gate plans
//! its baseline (same planner, providers, cache and run records); progress goes to the
//! Diff pane, never to the Evals pane, whose rows are the draft's.

use std::path::Path;
use std::sync::Arc;

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::tui::panes::diff::DiffLoaded;
use promptwright_core::plan::{self, PlanRequest};
use promptwright_core::release::{self, Ref, Resolved, compare};
use promptwright_core::runner::{self, RunEvent, RunPlan};
use promptwright_core::vocab::Explain;
use promptwright_core::workspace::{PromptDef, Workspace};

/// Computes a diff for the pane (file reads and diffing: run off the UI task). `draft`
/// is the editor's parsed text, so the diff shows edits before they are saved.
pub fn load(root: &Path, prompt: &str, from: Ref, to: Ref, draft: Option<PromptDef>) -> DiffLoaded {
    let side = |r: Ref| {
        compare::side(root, prompt, &r, draft.as_ref())
            .map_err(|e| format!("{} (in this pane, f and t pick the sides)", e.one_line()))
    };
    let (a, b) = (side(from), side(to));
    let labels = (
        a.as_ref()
            .map_or_else(|_| from.to_string(), Resolved::label),
        b.as_ref().map_or_else(|_| to.to_string(), Resolved::label),
    );
    let (prompt_diff, outputs) = match (&a, &b) {
        (Ok(a), Ok(b)) => (
            Ok(compare::prompts(a, b)),
            compare::outputs(root, prompt, a, b)
                .map(|o| o.diff)
                .map_err(|e| no_run_hint(e.reference, &e.label)),
        ),
        (Err(e), _) | (_, Err(e)) => (Err(e.clone()), Err(e.clone())),
    };
    DiffLoaded {
        prompt: prompt.to_string(),
        from,
        to,
        versions: release::versions(root, prompt),
        has_current: root.join(release::current_rel(prompt)).is_file(),
        labels,
        prompt_diff,
        outputs,
    }
}

/// What to do about a side with no run: the draft runs from the Evals pane, the current
/// release from here, with the key the keymap gives it.
fn no_run_hint(side: Ref, label: &str) -> String {
    let key = |ctx, action| {
        crate::tui::keymap::bindings(ctx)
            .find(|b| b.action == action)
            .map_or_else(String::new, crate::tui::keymap::keys_label)
    };
    use crate::tui::keymap::{Action, Context};
    match side {
        Ref::Draft => format!(
            "{label} has no run yet: run its suites (Evals pane, {}) to compare outputs",
            key(Context::EvalsList, Action::RunPrompt)
        ),
        Ref::Current => format!(
            "{label} has no run yet: press {} to run its suites and compare outputs",
            key(Context::Diff, Action::RunCurrent)
        ),
        Ref::Version(_) => format!(
            "{label} has no run yet: only the draft and the current release can be run here \
             (press f or t to pick current, then {})",
            key(Context::Diff, Action::RunCurrent)
        ),
    }
}

/// Runs every suite of `prompt`'s current release; the summary says what ran.
pub async fn run_current(
    ws: Arc<Workspace>,
    prompt: String,
    events: mpsc::UnboundedSender<RunEvent>,
    cancel: CancellationToken,
) -> Result<String, String> {
    let planned = tokio::task::spawn_blocking(move || plan_current(&ws, &prompt))
        .await
        .map_err(|e| e.to_string())??;
    let (label, plan) = planned;
    let record = runner::run(plan, events, cancel)
        .await
        .map_err(|e| e.to_string())?;
    let s = &record.summary;
    let done = if record.complete { "ran" } else { "cancelled" };
    Ok(format!(
        "{done} {label}: {} · {}",
        promptwright_core::words::plural(s.cases, "case", "cases"),
        s.tally()
    ))
}

/// The current release as a run plan (gate's baseline), with its label (`current (v2)`).
fn plan_current(ws: &Workspace, prompt: &str) -> Result<(String, RunPlan), String> {
    let current = release::proposal::load_current(ws, prompt)
        .map_err(|e| e.one_line())?
        .ok_or_else(|| format!("{prompt} has no release yet (the Release pane makes one)"))?;
    let label = format!("current (v{})", current.release.version);
    let plan = plan::plans_of(ws, &PlanRequest::default(), vec![current.prompt])
        .map_err(|e| e.one_line())?
        .pop()
        .ok_or_else(|| format!("{prompt} has no suites to run"))?;
    Ok((label, plan))
}
