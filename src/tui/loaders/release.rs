//! The Release pane's work: reading the proposal and history, gating, exporting,
//! rolling back. Performed by the effects executor off the UI task.

use std::path::Path;
use std::sync::Arc;

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::tui::panes::release::LabelRow;
use crate::tui::panes::release::{ReleaseLoaded, Shared};
use promptwright_core::plan::PlanRequest;
use promptwright_core::release::{
    self, LabelRollbackPlan, PromotePlan, Proposal, RollbackPlan, Verdict,
};
use promptwright_core::runner::RunEvent;
use promptwright_core::vocab::Explain;
use promptwright_core::workspace::Workspace;

/// Reads the proposal and the history of `prompt`; `ws` is the workspace with the
/// editor's text, or why there is none.
pub fn load(ws: Result<&Workspace, &str>, root: &Path, prompt: &str) -> ReleaseLoaded {
    let proposal = match ws {
        Ok(ws) => Proposal::load(ws, prompt)
            .map(|p| Shared(Arc::new(p)))
            .map_err(|e| e.one_line()),
        Err(why) => Err(why.to_string()),
    };
    let shown = |rel: &str| rel.to_string();
    let history = release::history(root, Some(prompt), &shown).map_err(|errs| {
        errs.iter()
            .map(|d| d.to_string())
            .collect::<Vec<_>>()
            .join("\n")
    });
    let labels = labels(ws.ok(), root, prompt);
    ReleaseLoaded {
        prompt: prompt.to_string(),
        proposal,
        history,
        labels,
    }
}

/// Every label of the workspace and those the log moved, with the version each points at.
fn labels(ws: Option<&Workspace>, root: &Path, prompt: &str) -> Vec<LabelRow> {
    let held = release::promote::label_history(root, prompt)
        .map(|h| h.current)
        .unwrap_or_default();
    let mut names: Vec<String> = held.keys().cloned().collect();
    let config = match ws {
        Some(ws) => Some(ws.config.clone()),
        None => promptwright_core::workspace::lenient::read_config(root),
    };
    if let Some(c) = &config {
        names.extend(c.labels.keys().cloned());
    }
    names.sort();
    names.dedup();
    names
        .into_iter()
        .map(|name| LabelRow {
            version: held.get(&name).copied(),
            after: config
                .as_ref()
                .and_then(|c| c.labels.get(&name))
                .and_then(|l| l.after.clone()),
            name,
        })
        .collect()
}

/// Runs the gate: the draft and the current release on every suite, through the same
/// planner, runner and cache as `eval`; events go out as they happen. The verdict is
/// recorded for `stats`.
pub async fn gate(
    ws: Arc<Workspace>,
    proposal: Shared<Proposal>,
    events: mpsc::UnboundedSender<RunEvent>,
    cancel: CancellationToken,
) -> Result<Verdict, String> {
    let (ws2, p2) = (ws.clone(), proposal.clone());
    let plans = tokio::task::spawn_blocking(move || p2.plans(&ws2, &PlanRequest::default()))
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| e.one_line())?;
    let runs = release::run_gate(plans, events, cancel)
        .await
        .map_err(|e| e.to_string())?;
    let verdict = proposal.verdict(&ws, &runs);
    // The record only feeds `stats`: failing to write it must not hide the verdict.
    let _ = release::record_gate(
        &ws.root,
        &release::GateRecord::new(&proposal, &verdict, "tui"),
    );
    Ok(verdict)
}

/// Writes the release; the summary says what was written.
pub fn export(
    root: &Path,
    proposal: &Proposal,
    verdict: &Verdict,
    note: &str,
) -> Result<String, String> {
    let req = release::ReleaseRequest::now(note, release::default_author(root));
    release::export(root, proposal, verdict, &req)
        .map(|e| {
            format!(
                "released {} v{}: wrote {}",
                proposal.name,
                e.release.version,
                e.written.join(", ")
            )
        })
        .map_err(|e| e.one_line())
}

pub fn plan_rollback(root: &Path, prompt: &str) -> Result<Shared<RollbackPlan>, String> {
    release::plan_rollback(root, prompt, None)
        .map(|p| Shared(Arc::new(p)))
        .map_err(|e| e.one_line())
}

pub fn rollback(root: &Path, plan: &RollbackPlan, reason: &str) -> Result<String, String> {
    release::rollback(root, plan, reason, &release::default_author(root))
        .map(|_| {
            format!(
                "rolled {} back to v{} (was v{})",
                plan.name, plan.to.version, plan.from.version
            )
        })
        .map_err(|e| e.one_line())
}

/// Plans moving `label` to the current release and runs it afresh: the dry run a
/// promotion shows before asking for a reason.
pub async fn promote_gate(
    ws: Arc<Workspace>,
    prompt: String,
    label: String,
    events: mpsc::UnboundedSender<RunEvent>,
    cancel: CancellationToken,
) -> Result<(Shared<PromotePlan>, Shared<Verdict>), String> {
    let ws2 = ws.clone();
    let (plan, run_plan) = tokio::task::spawn_blocking(move || {
        let plan = release::plan_promote(&ws2, &prompt, &label, None).map_err(|e| e.one_line())?;
        let run_plan = plan
            .plans(&ws2, &PlanRequest::default())
            .map_err(|e| e.one_line())?;
        Ok::<_, String>((plan, run_plan))
    })
    .await
    .map_err(|e| e.to_string())??;
    let record = promptwright_core::runner::run(run_plan, events, cancel)
        .await
        .map_err(|e| e.to_string())?;
    let verdict = plan.verdict(&record);
    Ok((Shared(Arc::new(plan)), Shared(Arc::new(verdict))))
}

pub fn promote(
    root: &Path,
    plan: &PromotePlan,
    verdict: &Verdict,
    reason: &str,
) -> Result<String, String> {
    release::promote(root, plan, verdict, reason, &release::default_author(root))
        .map(|_| {
            format!(
                "promoted {} v{} to {}: wrote {}",
                plan.name,
                plan.target.version,
                plan.label.name,
                release::label_rel(&plan.name, &plan.label.name)
            )
        })
        .map_err(|e| e.one_line())
}

pub fn plan_label_rollback(
    root: &Path,
    prompt: &str,
    label: &str,
) -> Result<Shared<LabelRollbackPlan>, String> {
    release::plan_label_rollback(root, prompt, label, None)
        .map(|p| Shared(Arc::new(p)))
        .map_err(|e| e.one_line())
}

pub fn rollback_label(
    root: &Path,
    plan: &LabelRollbackPlan,
    reason: &str,
) -> Result<String, String> {
    release::rollback_label(root, plan, reason, &release::default_author(root))
        .map(|_| {
            format!(
                "moved {} of {} back to v{} (was v{})",
                plan.label, plan.name, plan.to.version, plan.from.version
            )
        })
        .map_err(|e| e.one_line())
}
