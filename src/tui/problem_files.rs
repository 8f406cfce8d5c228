//! Fixing a broken workspace here: Enter on a problem (`!`) opens the file it names in
//! the editor at its line and column; Ctrl-S saves it, the workspace is read again, and
//! the problems list and the status line say what is left.

use std::sync::Arc;

use ratatui_textarea::{CursorMove, TextArea};

use super::app::{App, Overlay, Tab};
use super::msg::Cmd;
use super::panes::files::Opened;
use super::panes::prompts::{Focus, Kind, PromptEntry};
use promptwright_core::vocab::LoadErrors;
use promptwright_core::words::plural;
use promptwright_core::workspace::{Config, Workspace};

/// Puts the cursor at a problem's 1-based line and column (0: the whole file, the top).
fn place_cursor(ta: &mut TextArea<'static>, line: usize, col: usize) {
    let row = u16::try_from(line.saturating_sub(1)).unwrap_or(u16::MAX);
    let col = u16::try_from(col.saturating_sub(1)).unwrap_or(u16::MAX);
    // Jump clamps to the text.
    ta.move_cursor(CursorMove::Jump(row, col));
}

impl App {
    /// Enter in the problems list: read the selected problem's file to edit it.
    pub(super) fn open_problem(&mut self) -> Vec<Cmd> {
        let Some(Overlay::Problems { selected }) = self.overlay else {
            return Vec::new();
        };
        match self.ws.load_errors.get(selected) {
            Some(d) => vec![Cmd::OpenFile {
                shown: d.path.clone(),
                line: d.line,
                col: d.col,
            }],
            None => Vec::new(),
        }
    }

    pub(super) fn on_file_opened(
        &mut self,
        result: Result<Opened, String>,
        line: usize,
        col: usize,
    ) -> Vec<Cmd> {
        let opened = match result {
            Ok(o) => o,
            Err(why) => {
                self.note = Some(why);
                return Vec::new();
            }
        };
        self.overlay = None;
        self.tab = Tab::Prompts;
        self.prompts.bar = None;
        self.prompts.focus = Focus::Editor;
        let at = if line > 0 {
            format!(" at {line}:{col}")
        } else {
            String::new()
        };
        // A prompt is edited as a prompt (live validation, preview).
        if let Some(i) = self
            .prompts
            .entries
            .iter()
            .position(|e| e.rel_path == opened.rel)
        {
            self.prompts.select(i);
            place_cursor(&mut self.prompts.entries[i].editor, line, col);
            self.note = Some(format!(
                "editing {}{at} · Ctrl-S saves · Esc leaves the editor",
                opened.rel
            ));
            return Vec::new();
        }
        let files = &mut self.prompts.files;
        let known = files.entries.iter().position(|e| e.rel_path == opened.rel);
        let kept = known.is_some_and(|i| files.entries[i].is_dirty());
        let i = match known {
            Some(i) => {
                if !kept {
                    files.entries[i].replace_text(opened.text, None);
                }
                i
            }
            None => {
                let mut e = PromptEntry::new(
                    opened.rel.clone(),
                    opened.rel.clone(),
                    opened.path,
                    opened.text,
                    None,
                    Vec::new(),
                );
                e.kind = Kind::File {
                    shown: opened.shown,
                };
                files.entries.push(e);
                files.entries.len() - 1
            }
        };
        files.set_errors(&self.ws.load_errors);
        files.shown = Some(i);
        let e = &mut files.entries[i];
        place_cursor(&mut e.editor, line, col);
        self.note = Some(format!(
            "editing {}{at}{} · Ctrl-S saves and reads the workspace again · Esc closes",
            opened.rel,
            if kept {
                " (your unsaved edits kept)"
            } else {
                ""
            }
        ));
        Vec::new()
    }

    /// Esc in the editor: back to the list; an opened file closes, its edits kept.
    pub(super) fn leave_editor(&mut self) {
        self.prompts.focus = Focus::List;
        self.prompts.bar = None;
        if let Some(e) = self.prompts.files.shown() {
            if e.is_dirty() {
                self.note = Some(format!(
                    "{} keeps its unsaved edits: ! then Enter opens it again",
                    e.rel_path
                ));
            }
            self.prompts.files.shown = None;
        }
    }

    /// Another program changed a prompt or an opened file. Our own save coming back is
    /// nothing new; a prompt's new text is offered for reload (`r`), never applied over
    /// the user's text; an opened file without edits simply takes it (it has no list to
    /// press `r` in), one with edits is warned that saving overwrites it.
    pub(super) fn on_file_changed(&mut self, name: &str, text: String) {
        let Some(e) = self.prompts.entry_mut(name) else {
            return;
        };
        e.disk_text = (text != e.saved_text).then_some(text);
        if matches!(e.kind, Kind::File { .. }) && !e.is_dirty() {
            if let Some(text) = e.disk_text.take() {
                e.replace_text(text, None);
                self.note = Some(format!("{} changed on disk: reloaded", e.rel_path));
            }
        }
    }

    pub(super) fn on_saved(&mut self, name: &str, result: Result<String, String>) -> Vec<Cmd> {
        match result {
            Ok(text) => {
                if let Some(e) = self.prompts.entry_mut(name) {
                    e.saved_text = text;
                    e.disk_text = None;
                    let file = matches!(e.kind, Kind::File { .. });
                    self.note = Some(match e.errors.len() {
                        0 => format!("saved {}", e.rel_path),
                        n => format!("saved {} with {}", e.rel_path, plural(n, "error", "errors")),
                    });
                    if file {
                        // Its problems are known once the workspace is read again.
                        let rel = e.rel_path.clone();
                        self.note = Some(format!("saved {rel}: reading the workspace…"));
                        self.prompts.files.saved = Some(rel);
                    }
                }
            }
            Err(why) => self.note = Some(format!("could not save {name}: {why}")),
        }
        if self.quitting && self.prompts.dirty_count() == 0 {
            return vec![Cmd::Quit];
        }
        // Runs use what was saved.
        vec![Cmd::ReloadWorkspace]
    }

    pub(super) fn on_workspace_loaded(
        &mut self,
        result: &Result<Arc<Workspace>, LoadErrors>,
        config: Option<Config>,
    ) {
        let config = match result {
            Ok(ws) => {
                self.evals.set_suites(super::suite_rows(ws));
                for e in &mut self.prompts.entries {
                    e.cases = super::preview_cases(ws, &e.name);
                    e.case_index = e.case_index.min(e.cases.len().saturating_sub(1));
                }
                self.ws.load_errors.clear();
                self.workspace = Some(ws.clone());
                Some(ws.config.clone())
            }
            Err(errors) => {
                self.ws.load_errors = errors.0.clone();
                config
            }
        };
        if let Some(config) = config {
            let fixed = self.ws.config.is_none();
            self.ws.name = config.name.clone();
            self.ws.config = Some(config);
            if fixed {
                // Prompts were checked without the workspace's providers.
                let config = self.ws.config.clone();
                for e in &mut self.prompts.entries {
                    e.validate(config.as_ref());
                }
            }
        }
        self.prompts.files.set_errors(&self.ws.load_errors);
        if let Some(Overlay::Problems { selected }) = &mut self.overlay {
            *selected = (*selected).min(self.ws.load_errors.len().saturating_sub(1));
        }
        let Some(rel) = self.prompts.files.saved.take() else {
            return;
        };
        let mine = self
            .prompts
            .files
            .entries
            .iter()
            .find(|e| e.rel_path == rel)
            .map(|e| e.errors.clone())
            .unwrap_or_default();
        let total = self.ws.load_errors.len();
        self.note = Some(match (mine.first(), total) {
            (_, 0) => format!(
                "saved {rel}: the workspace loads ({})",
                plural(self.evals.suites.len(), "suite", "suites")
            ),
            (Some(d), _) => format!(
                "saved {rel}: {} left in it, {}:{} {} (! lists them)",
                plural(mine.len(), "problem", "problems"),
                d.line,
                d.col,
                d.message
            ),
            (None, n) => format!(
                "saved {rel}: no problems in it; {} elsewhere (! lists them)",
                plural(n, "problem", "problems")
            ),
        });
    }
}
