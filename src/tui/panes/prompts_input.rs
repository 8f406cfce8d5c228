//! The Prompts pane's keys, typing, pasting, scrolling and mouse: the list, the editor
//! and the case preview.

use ratatui::crossterm::event::{KeyEvent, MouseEventKind};
use ratatui::layout::{Position, Rect};

use super::Reply;
use super::prompts::{Focus, PromptsPane};
use crate::tui::keymap::Action;
use crate::tui::layout;
use crate::tui::msg::Cmd;
use promptwright_core::workspace::Config;

impl PromptsPane {
    /// Performs one of the pane's own actions; `config` validates a reloaded prompt.
    pub fn on_action(&mut self, action: Action, config: Option<&Config>) -> Reply {
        match action {
            Action::Up => self.scroll(-1),
            Action::Down => self.scroll(1),
            Action::PageUp => self.scroll(-10),
            Action::PageDown => self.scroll(10),
            Action::Edit if self.current().is_some() => self.focus = Focus::Editor,
            Action::Save => return Reply::cmds(self.save_current()),
            Action::NextCase | Action::PrevCase => {
                if let Some(e) = self.current_mut() {
                    e.cycle_case(action == Action::NextCase);
                }
                self.preview_scroll = 0;
            }
            Action::Reload => return self.reload(config),
            _ => {}
        }
        Reply::default()
    }

    /// `r`: takes the text changed on disk, unless there are edits it would lose.
    fn reload(&mut self, config: Option<&Config>) -> Reply {
        let Some(e) = self.current_mut() else {
            return Reply::default();
        };
        match e.disk_text.take() {
            Some(text) if !e.is_dirty() => {
                e.replace_text(text, config);
                Reply::note(format!("reloaded {}", e.rel_path))
            }
            Some(text) => {
                e.disk_text = Some(text);
                Reply::note("unsaved edits: save or undo them before reloading")
            }
            None => Reply::note("nothing to reload: the file has not changed on disk"),
        }
    }

    /// Saving the file in the editor.
    pub fn save_current(&self) -> Vec<Cmd> {
        match self.editing() {
            Some(e) => vec![Cmd::Save {
                prompt: e.name.clone(),
                path: e.path.clone(),
                text: e.text(),
            }],
            None => Vec::new(),
        }
    }

    /// Saving every file with unsaved edits.
    pub fn save_all(&self) -> Vec<Cmd> {
        self.all()
            .filter(|e| e.is_dirty())
            .map(|e| Cmd::Save {
                prompt: e.name.clone(),
                path: e.path.clone(),
                text: e.text(),
            })
            .collect()
    }

    /// A key typed into the editor.
    pub fn type_in_editor(&mut self, key: KeyEvent) -> Vec<Cmd> {
        let Some(e) = self.editing_mut() else {
            return Vec::new();
        };
        if e.editor.input(key) {
            vec![e.edited()]
        } else {
            Vec::new()
        }
    }

    /// Text pasted into the editor.
    pub fn paste(&mut self, text: &str) -> Vec<Cmd> {
        let Some(e) = self.editing_mut() else {
            return Vec::new();
        };
        // Terminals send \r for newlines in pastes.
        let text = text.replace("\r\n", "\n").replace('\r', "\n");
        if e.editor.insert_str(text) {
            vec![e.edited()]
        } else {
            Vec::new()
        }
    }

    /// One step selects the next or previous prompt; a page scrolls the preview.
    pub fn scroll(&mut self, step: isize) {
        match step {
            -1 | 1 => {
                let n = self.entries.len();
                if n > 0 {
                    let i = self.selected.saturating_add_signed(step).min(n - 1);
                    self.select(i);
                }
            }
            _ => self.preview_scroll = self.preview_scroll.saturating_add_signed(step as i16),
        }
    }

    /// A left click: selects the prompt under it, or focuses the editor.
    pub fn on_click(&mut self, body: Rect, at: Position) {
        let a = layout::prompts(body);
        if let Some(list) = a.list.filter(|l| l.contains(at)) {
            if let Some(row) = layout::list_row(list, at) {
                if row < self.entries.len() {
                    self.select(row);
                    self.focus = Focus::List;
                }
            }
        } else if a.editor.contains(at) && self.current().is_some() {
            self.focus = Focus::Editor;
        }
    }

    /// The wheel scrolls what is under the pointer: the preview or the editor.
    pub fn on_wheel(&mut self, body: Rect, at: Position, kind: MouseEventKind) {
        let down = kind == MouseEventKind::ScrollDown;
        let a = layout::prompts(body);
        if a.preview.is_some_and(|p| p.contains(at)) {
            let s = &mut self.preview_scroll;
            *s = if down {
                s.saturating_add(3)
            } else {
                s.saturating_sub(3)
            };
        } else if a.editor.contains(at) {
            if let Some(e) = self.editing_mut() {
                e.editor.scroll((if down { 3 } else { -3 }, 0));
            }
        }
    }
}
