//! The Release pane's keys, typing, scrolling and the results of its work (gate,
//! export, rollback). What needs the other panes (the editor's text for the proposal,
//! whether it is saved) stays with the app.

use std::collections::HashMap;

use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::Rect;

use super::Reply;
use super::doc_view::{self, DocPos};
use super::release::{Input, KeptNote, ReleasePane, Shared};
use crate::tui::keymap::Action;
use crate::tui::layout;
use crate::tui::msg::Cmd;
use promptwright_core::diff::View;
use promptwright_core::release::{RollbackPlan, Verdict};

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
            Action::ConfirmInput => return Reply::cmds(self.confirm_input()),
            Action::CancelInput => {
                let was = self.input.take();
                if was == Some(Input::Reason) {
                    self.rollback = None;
                    self.message = Some("rollback cancelled: nothing written".into());
                }
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
            Some(Input::Reason) => &mut self.reason,
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
