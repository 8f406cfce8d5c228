//! `R` in the Diff pane: runs the current release of the prompt on its suites, so the
//! outputs view has a release side to compare. The release is compiled and planned the
//! way the gate plans its baseline (same planner, providers, cache and run records);
//! progress goes to the Diff pane, never to the Evals pane, whose rows are the draft's.

use std::sync::Arc;

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use promptwright_core::plan::{self, PlanRequest};
use promptwright_core::release;
use promptwright_core::runner::{self, RunEvent, RunPlan};
use promptwright_core::vocab::Explain;
use promptwright_core::workspace::Workspace;

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
        "{done} {label}: {} · ✓{} ✗{} !{}",
        promptwright_core::words::plural(s.cases, "case", "cases"),
        s.passed,
        s.failed,
        s.errors
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
