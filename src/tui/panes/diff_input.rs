//! The Diff pane's keys and scrolling. Which prompt to compare lives in the Prompts pane,
//! so the app loads the diff when the pane asks for it (`Reply::reload`).

use ratatui::layout::Rect;

use super::Reply;
use super::diff::{DiffMode, DiffPane};
use super::doc_view::{self, DocPos};
use crate::tui::keymap::Action;
use crate::tui::layout;
use crate::tui::msg::Cmd;
use promptwright_core::diff::View;
use promptwright_core::release::Ref;

impl DiffPane {
    /// Performs one of the pane's own actions; `body` is the pane's rectangle.
    pub fn on_action(&mut self, action: Action, body: Rect) -> Reply {
        match action {
            Action::Up => self.scroll(-1, body),
            Action::Down => self.scroll(1, body),
            Action::PageUp => self.scroll(-10, body),
            Action::PageDown => self.scroll(10, body),
            Action::CycleFrom => {
                self.from = self.cycle(self.from);
                return Reply::reload();
            }
            Action::CycleTo => {
                self.to = self.cycle(self.to);
                return Reply::reload();
            }
            Action::Refresh => return Reply::reload(),
            Action::ToggleView => {
                self.view = match self.view {
                    View::SideBySide => View::Unified,
                    View::Unified => View::SideBySide,
                };
                self.scroll = 0;
                self.skip = 0;
            }
            Action::ToggleOutputs => {
                self.mode = match self.mode {
                    DiffMode::Prompt => DiffMode::Outputs,
                    DiffMode::Outputs => DiffMode::Prompt,
                };
                self.case_open = false;
            }
            Action::NextHunk | Action::PrevHunk if !self.jump(action == Action::NextHunk) => {
                return Reply::note("no more changes that way");
            }
            Action::Open
                if self.mode == DiffMode::Outputs
                    && self.outputs().is_some_and(|o| !o.cases.is_empty()) =>
            {
                self.case_open = true;
                self.case_pos = DocPos::default();
            }
            Action::Close => self.case_open = false,
            Action::CancelRun => {
                return if self.running.is_some() {
                    let mut r = Reply::cmds(vec![Cmd::CancelRun]);
                    r.note = Some("cancelling the current release's run…".into());
                    r
                } else {
                    Reply::note("no run in progress")
                };
            }
            _ => {}
        }
        Reply::default()
    }

    /// Moves by `step`: the open case's outputs, the selected case, or the prompt diff.
    pub fn scroll(&mut self, step: isize, body: Rect) {
        let width = layout::inner_width(layout::diff(body).body);
        if self.case_open {
            let doc = self
                .outputs()
                .and_then(|o| o.cases.get(self.cursor))
                .map(|c| c.output_diff());
            if let Some(doc) = doc {
                doc_view::scroll(&doc, View::SideBySide, width, &mut self.case_pos, step);
            }
        } else if self.mode == DiffMode::Outputs {
            let n = self.outputs().map_or(0, |o| o.cases.len());
            self.cursor = self
                .cursor
                .saturating_add_signed(step)
                .min(n.saturating_sub(1));
        } else if let Some(doc) = self.prompt_diff().map(|p| &p.doc) {
            let mut pos = DocPos {
                row: self.scroll,
                skip: self.skip,
            };
            doc_view::scroll(doc, self.view, width, &mut pos, step);
            (self.scroll, self.skip) = (pos.row, pos.skip);
        }
    }

    /// Starts loading `prompt`'s diff (another prompt starts at the top); returns the
    /// sides to compare. `None`: no prompt is selected.
    pub fn start_loading(&mut self, prompt: Option<&str>) -> Option<(Ref, Ref)> {
        let Some(prompt) = prompt else {
            self.prompt = None;
            return None;
        };
        if self.prompt.as_deref() != Some(prompt) {
            self.scroll = 0;
            self.skip = 0;
            self.cursor = 0;
            self.case_open = false;
        }
        self.prompt = Some(prompt.to_string());
        self.loading = true;
        Some((self.from, self.to))
    }
}
