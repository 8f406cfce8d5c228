//! The Release pane's state: the proposal for the selected prompt (version to be, the
//! note), the gate's one verdict with every check, the regressions to review, the
//! history of releases and rollbacks, and a rollback with its dry-run diff. The work
//! (loading, gating, exporting, rolling back) runs in the event loop through the
//! functions at the bottom of this file, which tests call the same way.

use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::doc_view::DocPos;
use crate::plan::PlanRequest;
use crate::release::{self, LogEntry, Proposal, RollbackPlan, Verdict};
use crate::runner::RunEvent;
use crate::tui::eta::Eta;
use crate::tui::panes::evals::Counts;
use crate::workspace::Workspace;

/// A value shared with the event loop. Equal when it is the same value, so commands that
/// carry one still compare in tests.
#[derive(Debug, Clone)]
pub struct Shared<T>(pub Arc<T>);

impl<T> PartialEq for Shared<T> {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl<T> std::ops::Deref for Shared<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

/// What is being typed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Input {
    Note,
    Reason,
}

/// The gate in progress: both runs' cases as they come in.
#[derive(Debug, Clone, PartialEq)]
pub struct Gating {
    pub total: usize,
    pub counts: Counts,
    pub runs_started: usize,
    pub eta: Eta,
}

impl Gating {
    pub fn new(now: Instant) -> Gating {
        Gating {
            total: 0,
            counts: Counts::default(),
            runs_started: 0,
            eta: Eta::new(now),
        }
    }
}

#[derive(Debug, Clone)]
pub struct ReleaseLoaded {
    pub prompt: String,
    pub proposal: Result<Shared<Proposal>, String>,
    pub history: Result<Vec<LogEntry>, String>,
}

#[derive(Default)]
pub struct ReleasePane {
    pub prompt: Option<String>,
    pub proposal: Option<Result<Shared<Proposal>, String>>,
    pub history: Vec<LogEntry>,
    pub verdict: Option<Shared<Verdict>>,
    pub gating: Option<Gating>,
    pub note: String,
    pub reason: String,
    pub input: Option<Input>,
    /// Selected regression.
    pub cursor: usize,
    /// The selected regression's two outputs, side by side.
    pub case_open: bool,
    pub case_pos: DocPos,
    /// A rollback shown as a dry run, waiting for a reason and a confirmation.
    pub rollback: Option<Shared<RollbackPlan>>,
    /// The last thing that happened, for the header.
    pub message: Option<String>,
    /// `g` asked for the proposal to be read again: gate it when it arrives.
    pub gate_requested: bool,
}

impl ReleasePane {
    pub fn proposal(&self) -> Option<&Proposal> {
        match &self.proposal {
            Some(Ok(p)) => Some(p),
            _ => None,
        }
    }

    pub fn apply_loaded(&mut self, l: ReleaseLoaded) {
        if Some(&l.prompt) != self.prompt.as_ref() {
            return;
        }
        // A verdict is about one proposal: a new one (another draft) needs a new gate.
        let same = match (&self.proposal, &l.proposal) {
            (Some(Ok(a)), Ok(b)) => {
                a.draft.content_sha256 == b.draft.content_sha256 && a.next_version == b.next_version
            }
            _ => false,
        };
        if !same {
            self.verdict = None;
            self.cursor = 0;
            self.case_open = false;
        }
        self.proposal = Some(l.proposal);
        match l.history {
            Ok(h) => self.history = h,
            Err(e) => self.message = Some(e),
        }
    }

    pub fn on_gate_event(&mut self, ev: &RunEvent, now: Instant) {
        let Some(g) = &mut self.gating else { return };
        match ev {
            RunEvent::Started(h) => {
                g.runs_started += 1;
                g.total += h.total;
            }
            RunEvent::CaseScored(c) => {
                g.eta.record(now, c.cached);
                match c.status {
                    crate::store::Status::Pass => g.counts.passed += 1,
                    crate::store::Status::Fail => g.counts.failed += 1,
                    crate::store::Status::Error => g.counts.errors += 1,
                }
            }
            _ => {}
        }
    }

    /// Why `x` cannot export right now, if it cannot.
    pub fn export_blocker(&self) -> Option<String> {
        let Some(p) = self.proposal() else {
            return Some("nothing to release: see the message above".into());
        };
        if p.is_unchanged() {
            return Some("the draft equals the current release: nothing to release".into());
        }
        let Some(v) = &self.verdict else {
            return Some("run the gate first (g)".into());
        };
        if !v.passed {
            let failing: Vec<&str> = v.failing().map(|c| c.name.as_str()).collect();
            return Some(format!(
                "blocked: {} fail{}",
                failing.join(", "),
                if failing.len() == 1 { "s" } else { "" }
            ));
        }
        None
    }
}

// ---------------------------------------------------------------------------------------
// The work, run by the event loop (and by tests) off the UI task.
// ---------------------------------------------------------------------------------------

/// Reads the proposal and the history of `prompt`; `ws` is the workspace with the
/// editor's text, or why there is none.
pub fn load(ws: Result<&Workspace, &str>, root: &Path, prompt: &str) -> ReleaseLoaded {
    let proposal = match ws {
        Ok(ws) => Proposal::load(ws, prompt)
            .map(|p| Shared(Arc::new(p)))
            .map_err(|e| format!("{e} — {}", e.help())),
        Err(why) => Err(why.to_string()),
    };
    let shown = |rel: &str| rel.to_string();
    let history = release::history(root, Some(prompt), &shown).map_err(|errs| {
        errs.iter()
            .map(|d| d.to_string())
            .collect::<Vec<_>>()
            .join("\n")
    });
    ReleaseLoaded {
        prompt: prompt.to_string(),
        proposal,
        history,
    }
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
        .map_err(|e| format!("{}; {}", e.message, e.help))?;
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
        .map_err(|e| format!("{e} — {}", e.help()))
}

pub fn plan_rollback(root: &Path, prompt: &str) -> Result<Shared<RollbackPlan>, String> {
    release::plan_rollback(root, prompt, None)
        .map(|p| Shared(Arc::new(p)))
        .map_err(|e| format!("{e} — {}", e.help()))
}

pub fn rollback(root: &Path, plan: &RollbackPlan, reason: &str) -> Result<String, String> {
    release::rollback(root, plan, reason, &release::default_author(root))
        .map(|_| {
            format!(
                "rolled {} back to v{} (was v{})",
                plan.name, plan.to.version, plan.from.version
            )
        })
        .map_err(|e| format!("{e} — {}", e.help()))
}
