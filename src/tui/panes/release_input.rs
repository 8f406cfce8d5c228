//! The Release pane's keys, typing, scrolling and the results of its work (gate,
//! export, rollback). What needs the other panes (the editor's text for the proposal,
//! whether it is saved) stays with the app.

use std::collections::HashMap;

use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::Rect;

use super::Reply;
use super::doc_view::{self, DocPos};
use super::release::{Input, KeptNote, LabelMove, ReleasePane, Shared};
use crate::tui::keymap::Action;
use crate::tui::layout;
use crate::tui::msg::Cmd;
use promptwright_core::diff::View;
use promptwright_core::release::{LabelRollbackPlan, PromotePlan, RollbackPlan, Verdict};

impl ReleasePane {
    /// Performs one of the pane's own actions; `body` is the pane's rectangle.
    pub fn on_action(&mut self, action: Action, body: Rect) -> Reply {
        match action {
            Action::Up => self.scroll(-1, body),
            Action::Down => self.scroll(1, body),
            Action::PageUp => self.scroll(-10, body),
            Action::PageDown => self.scroll(10, body),
            Action::Refresh => return Reply::reload(),
            Action::EditNote => self.edit_note(),
            Action::StartRollback => {
                if let Some(p) = &self.prompt {
                    return Reply::cmds(vec![Cmd::PlanRollback { prompt: p.clone() }]);
                }
            }
            Action::NextLabel if !self.labels.is_empty() => {
                self.label_cursor = (self.label_cursor + 1) % self.labels.len();
            }
            Action::NextLabel => {
                return Reply::note("no labels: add [labels.NAME] to workspace.toml");
            }
            Action::RollbackLabel => match (&self.prompt, self.selected_label()) {
                (Some(p), Some(l)) => {
                    return Reply::cmds(vec![Cmd::PlanLabelRollback {
                        prompt: p.clone(),
                        label: l.name.clone(),
                    }]);
                }
                _ => return Reply::note("no label selected: l selects one"),
            },
            Action::ConfirmInput => return Reply::cmds(self.confirm_input()),
            Action::CancelInput => {
                let was = self.input.take();
                if was == Some(Input::Reason) {
                    self.rollback = None;
                    self.message = Some("rollback cancelled: nothing written".into());
                }
                if was == Some(Input::LabelReason) || self.label_move.is_some() {
                    self.label_move = None;
                    self.message = Some("label move cancelled: nothing written".into());
                }
            }
            Action::Close if self.label_move.is_some() => {
                self.label_move = None;
                self.message = Some("label move cancelled: nothing written".into());
            }
            Action::Open
                if self
                    .verdict
                    .as_ref()
                    .is_some_and(|v| !v.regressions.is_empty()) =>
            {
                self.case_open = true;
                self.case_pos = DocPos::default();
            }
            Action::Close => self.case_open = false,
            Action::CancelRun if self.gating.is_some() => {
                self.message = Some("cancelling the gate…".into());
                return Reply::cmds(vec![Cmd::CancelRun]);
            }
            Action::CancelRun => return Reply::note("no gate in progress"),
            _ => {}
        }
        Reply::default()
    }

    /// Enter while typing: keeps the note, or confirms the rollback with the reason.
    fn confirm_input(&mut self) -> Vec<Cmd> {
        let input = self.input.take();
        if input == Some(Input::LabelReason) {
            return self.confirm_label_move();
        }
        match (input, &self.rollback) {
            (Some(Input::Reason), Some(plan)) => {
                if self.reason.trim().is_empty() {
                    self.input = Some(Input::Reason);
                    self.message = Some(
                        "a rollback needs a reason: type why, then Enter (Esc cancels)".into(),
                    );
                    return Vec::new();
                }
                vec![Cmd::Rollback {
                    plan: plan.clone(),
                    reason: self.reason.trim().to_string(),
                }]
            }
            _ => Vec::new(),
        }
    }

    /// Enter on a label move's reason: moves it, or asks again for an empty reason.
    fn confirm_label_move(&mut self) -> Vec<Cmd> {
        if self.reason.trim().is_empty() {
            self.input = Some(Input::LabelReason);
            self.message =
                Some("a label move needs a reason: type why, then Enter (Esc cancels)".into());
            return Vec::new();
        }
        let reason = self.reason.trim().to_string();
        match &self.label_move {
            Some(LabelMove::Promote { plan, verdict }) if verdict.passed => vec![Cmd::Promote {
                plan: plan.clone(),
                verdict: verdict.clone(),
                reason,
            }],
            Some(LabelMove::Rollback(plan)) => vec![Cmd::RollbackLabel {
                plan: plan.clone(),
                reason,
            }],
            _ => Vec::new(),
        }
    }

    /// The fresh run of a promotion finished: a pass asks for the reason, a failure
    /// shows the failing checks and writes nothing.
    pub fn on_promote_gated(
        &mut self,
        result: Result<(Shared<PromotePlan>, Shared<Verdict>), String>,
    ) {
        self.gating = None;
        match result {
            Ok((plan, verdict)) => {
                self.reason.clear();
                self.message = None;
                if verdict.passed {
                    self.input = Some(Input::LabelReason);
                }
                self.label_move = Some(LabelMove::Promote { plan, verdict });
            }
            Err(e) => self.message = Some(format!("cannot promote: {e}")),
        }
    }

    /// A label rollback's plan arrived: ask for the reason.
    pub fn on_label_rollback_planned(&mut self, result: Result<Shared<LabelRollbackPlan>, String>) {
        match result {
            Ok(plan) => {
                self.reason.clear();
                self.message = None;
                self.input = Some(Input::LabelReason);
                self.label_move = Some(LabelMove::Rollback(plan));
            }
            Err(e) => self.message = Some(e),
        }
    }

    /// `x` once the app found nothing against it: asks for a note first if there is none.
    pub fn export(&mut self) -> Vec<Cmd> {
        if self.note.trim().is_empty() {
            self.message = Some("a release needs a note: type it, Enter, then x".into());
            self.input = Some(Input::Note);
            return Vec::new();
        }
        match (&self.proposal, &self.verdict) {
            (Some(Ok(p)), Some(v)) => vec![Cmd::Export {
                proposal: p.clone(),
                verdict: v.clone(),
                note: self.note.trim().to_string(),
            }],
            _ => Vec::new(),
        }
    }

    /// A key typed into the note or the rollback's reason.
    pub fn type_in(&mut self, key: KeyEvent) {
        let field = match self.input {
            Some(Input::Note) => {
                // Typed for the draft shown now.
                self.note_draft = self.draft_sha();
                &mut self.note
            }
            Some(Input::Reason | Input::LabelReason) => &mut self.reason,
            None => return,
        };
        match key.code {
            KeyCode::Char(c) => field.push(c),
            KeyCode::Backspace => {
                field.pop();
            }
            _ => {}
        }
    }

    /// Moves by `step`: the open regression's outputs, or the selected regression.
    pub fn scroll(&mut self, step: isize, body: Rect) {
        let width = layout::inner_width(body);
        if self.case_open {
            if let Some(c) = self
                .verdict
                .as_ref()
                .and_then(|v| v.regressions.get(self.cursor))
            {
                let doc = c.output_diff();
                doc_view::scroll(&doc, View::SideBySide, width, &mut self.case_pos, step);
            }
        } else {
            let n = self.verdict.as_ref().map_or(0, |v| v.regressions.len());
            self.cursor = self
                .cursor
                .saturating_add_signed(step)
                .min(n.saturating_sub(1));
        }
    }

    /// Shows `prompt` (or nothing); each prompt keeps its own note while another is shown.
    pub fn show_prompt(&mut self, prompt: Option<String>) {
        if self.prompt == prompt {
            return;
        }
        let mut notes: HashMap<String, KeptNote> = std::mem::take(&mut self.notes);
        if let Some(old) = self.prompt.take() {
            let kept = self.take_note();
            if kept != KeptNote::default() {
                notes.insert(old, kept);
            }
        }
        let kept = prompt.as_ref().and_then(|n| notes.remove(n));
        *self = ReleasePane {
            prompt,
            notes,
            ..ReleasePane::default()
        };
        self.restore_note(kept.unwrap_or_default());
    }

    /// The gate finished (or could not run).
    pub fn on_gate_done(&mut self, result: Result<Shared<Verdict>, String>) {
        self.gating = None;
        match result {
            Ok(v) => {
                self.message = Some(if v.passed {
                    "the gate passed: x exports the release".into()
                } else {
                    "the gate blocked this draft: see the failing checks".into()
                });
                self.verdict = Some(v);
                self.cursor = 0;
            }
            Err(e) => self.message = Some(format!("the gate could not run: {e}")),
        }
    }

    /// An export or a rollback was written (or failed). True when releases changed, so
    /// the proposal must be read again.
    pub fn on_written(&mut self, result: Result<String, String>) -> bool {
        let ok = result.is_ok();
        self.message = Some(match result {
            Ok(m) => m,
            Err(e) => e,
        });
        if ok {
            self.verdict = None;
            self.rollback = None;
            self.label_move = None;
            self.take_note();
            self.reason.clear();
        }
        ok
    }

    /// The rollback's dry run arrived: ask for the reason.
    pub fn on_rollback_planned(&mut self, result: Result<Shared<RollbackPlan>, String>) {
        match result {
            Ok(plan) => {
                self.rollback = Some(plan);
                self.reason.clear();
                self.message = None;
                self.input = Some(Input::Reason);
            }
            Err(e) => self.message = Some(e),
        }
    }
}
