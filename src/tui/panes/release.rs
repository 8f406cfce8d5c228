//! The Release pane's state: the proposal for the selected prompt (version to be, the
//! note), the gate's one verdict with every check, the regressions to review, the
//! history of releases and rollbacks, and a rollback with its dry-run diff. The work
//! (loading, gating, exporting, rolling back) is `loaders::release`, run by the effects.

use std::sync::Arc;
use std::time::Instant;

use super::doc_view::DocPos;
use crate::tui::eta::Eta;
use promptwright_core::release::{
    LabelRollbackPlan, LogEntry, PromotePlan, Proposal, RollbackPlan, Verdict,
};
use promptwright_core::runner::RunEvent;
use promptwright_core::store::Tally;

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
    /// The reason for a label move (`label_move`).
    LabelReason,
}

/// A label of the prompt and the version it points at (`None`: never moved).
#[derive(Debug, Clone, PartialEq)]
pub struct LabelRow {
    pub name: String,
    pub version: Option<u32>,
    /// The label a version must have held first.
    pub after: Option<String>,
}

/// A label move shown before it is written: a promotion with its fresh run's verdict,
/// or a rollback to the version the label held before.
#[derive(Debug, Clone, PartialEq)]
pub enum LabelMove {
    Promote {
        plan: Shared<PromotePlan>,
        verdict: Shared<Verdict>,
    },
    Rollback(Shared<LabelRollbackPlan>),
}

/// The gate (or the current release's run from the Diff pane) in progress: the cases as
/// they come in.
#[derive(Debug, Clone, PartialEq)]
pub struct Gating {
    pub total: usize,
    pub counts: Tally,
    pub runs_started: usize,
    pub eta: Eta,
}

impl Gating {
    pub fn new(now: Instant) -> Gating {
        Gating {
            total: 0,
            counts: Tally::default(),
            runs_started: 0,
            eta: Eta::new(now),
        }
    }

    /// Counts a case (and feeds the ETA) or a run starting.
    pub fn on_event(&mut self, ev: &RunEvent, now: Instant) {
        match ev {
            RunEvent::Started(h) => {
                self.runs_started += 1;
                self.total += h.total;
            }
            RunEvent::CaseScored(c) => {
                self.eta.record(now, c.cached);
                self.counts.add(c.status);
            }
            _ => {}
        }
    }
}

/// A release note with the draft it was written for (content hash), kept per prompt.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct KeptNote {
    pub text: String,
    pub draft: Option<String>,
    /// A note written for an earlier draft, set aside when the draft changed.
    pub set_aside: Option<String>,
}

#[derive(Debug, Clone)]
pub struct ReleaseLoaded {
    pub prompt: String,
    pub proposal: Result<Shared<Proposal>, String>,
    pub history: Result<Vec<LogEntry>, String>,
    pub labels: Vec<LabelRow>,
}

#[derive(Default)]
pub struct ReleasePane {
    pub prompt: Option<String>,
    pub proposal: Option<Result<Shared<Proposal>, String>>,
    pub history: Vec<LogEntry>,
    pub verdict: Option<Shared<Verdict>>,
    pub gating: Option<Gating>,
    pub note: String,
    /// The content hash of the draft `note` was written for, once known.
    pub(super) note_draft: Option<String>,
    /// The note of an earlier draft of this prompt, set aside when the draft changed:
    /// the note editor offers it again rather than losing it.
    pub(super) note_set_aside: Option<String>,
    /// The notes of the other prompts, kept while this one is shown.
    pub(super) notes: std::collections::HashMap<String, KeptNote>,
    pub(super) reason: String,
    pub input: Option<Input>,
    /// Selected regression.
    pub cursor: usize,
    /// The selected regression's two outputs, side by side.
    pub case_open: bool,
    pub(super) case_pos: DocPos,
    /// A rollback shown as a dry run, waiting for a reason and a confirmation.
    pub rollback: Option<Shared<RollbackPlan>>,
    /// The last thing that happened, for the header.
    pub message: Option<String>,
    /// `g` asked for the proposal to be read again: gate it when it arrives.
    pub gate_requested: bool,
    /// The prompt's labels, and the one `l` selected.
    pub labels: Vec<LabelRow>,
    pub label_cursor: usize,
    /// A label move waiting for a reason (or, when its gate failed, for Esc).
    pub label_move: Option<LabelMove>,
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
        self.labels = l.labels;
        self.label_cursor = self.label_cursor.min(self.labels.len().saturating_sub(1));
        match l.history {
            Ok(h) => self.history = h,
            Err(e) => self.message = Some(e),
        }
        self.check_note();
    }

    /// The shown draft's content hash.
    pub fn draft_sha(&self) -> Option<String> {
        self.proposal().map(|p| p.draft.content_sha256.clone())
    }

    /// A note is about one draft: when the draft changed, it is set aside (and said so)
    /// rather than carried over to a proposal nobody wrote it for.
    fn check_note(&mut self) {
        let Some(sha) = self.draft_sha() else { return };
        if self.note.trim().is_empty() {
            self.note_draft = Some(sha);
            return;
        }
        match &self.note_draft {
            Some(d) if *d != sha => {
                self.note_set_aside = Some(std::mem::take(&mut self.note));
                self.note_draft = Some(sha);
                if self.input == Some(Input::Note) {
                    self.input = None;
                }
                self.message = Some(
                    "the draft changed: the note written for the earlier one was set aside (m offers it again)"
                        .into(),
                );
            }
            Some(_) => {}
            None => self.note_draft = Some(sha),
        }
    }

    /// `m`: edit the note; an empty one starts from the note set aside, if any.
    pub fn edit_note(&mut self) {
        self.input = Some(Input::Note);
        if self.note.is_empty()
            && let Some(old) = self.note_set_aside.take()
        {
            self.note = old;
            self.note_draft = self.draft_sha();
            self.message =
                Some("the earlier draft's note, to edit for this one: Enter keeps it".into());
        }
    }

    /// Takes this prompt's note out, to keep while another prompt is shown.
    pub fn take_note(&mut self) -> KeptNote {
        KeptNote {
            text: std::mem::take(&mut self.note),
            draft: self.note_draft.take(),
            set_aside: self.note_set_aside.take(),
        }
    }

    pub fn restore_note(&mut self, kept: KeptNote) {
        self.note = kept.text;
        self.note_draft = kept.draft;
        self.note_set_aside = kept.set_aside;
    }

    pub fn on_gate_event(&mut self, ev: &RunEvent, now: Instant) {
        if let Some(g) = &mut self.gating {
            g.on_event(ev, now);
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

    /// The label `l` selected.
    pub fn selected_label(&self) -> Option<&LabelRow> {
        self.labels.get(self.label_cursor)
    }
}
