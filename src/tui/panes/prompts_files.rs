//! The Prompts pane's side of files: a file opened from the problems list placed in
//! the editor at its problem, leaving it, saves coming back, changes made by other
//! programs, and what a new read of the workspace means for the pane.

use ratatui_textarea::{CursorMove, TextArea};

use super::Reply;
use super::files::Opened;
use super::prompts::{Focus, Kind, PromptEntry, PromptsPane};
use promptwright_core::vocab::Diagnostic;
use promptwright_core::words::plural;
use promptwright_core::workspace::Workspace;

/// Puts the cursor at a problem's 1-based line and column (0: the whole file, the top).
fn place_cursor(ta: &mut TextArea<'static>, line: usize, col: usize) {
    let row = u16::try_from(line.saturating_sub(1)).unwrap_or(u16::MAX);
    let col = u16::try_from(col.saturating_sub(1)).unwrap_or(u16::MAX);
    // Jump clamps to the text.
    ta.move_cursor(CursorMove::Jump(row, col));
}

impl PromptsPane {
    /// A file read to be fixed: shown in the editor, focused, at `line:col`. A prompt is
    /// edited as a prompt (live validation, preview); another file keeps its unsaved
    /// edits if it was opened before. `load_errors` are its problems.
    pub fn open_file(
        &mut self,
        opened: Opened,
        line: usize,
        col: usize,
        load_errors: &[Diagnostic],
    ) -> Reply {
        self.bar = None;
        self.focus = Focus::Editor;
        let at = if line > 0 {
            format!(" at {line}:{col}")
        } else {
            String::new()
        };
        if let Some(i) = self.entries.iter().position(|e| e.rel_path == opened.rel) {
            self.select(i);
            place_cursor(&mut self.entries[i].editor, line, col);
            return Reply::note(format!(
                "editing {}{at} · Ctrl-S saves · Esc leaves the editor",
                opened.rel
            ));
        }
        let files = &mut self.files;
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
        files.set_errors(load_errors);
        files.shown = Some(i);
        let e = &mut files.entries[i];
        place_cursor(&mut e.editor, line, col);
        Reply::note(format!(
            "editing {}{at}{} · Ctrl-S saves and reads the workspace again · Esc closes",
            opened.rel,
            if kept {
                " (your unsaved edits kept)"
            } else {
                ""
            }
        ))
    }

    /// Esc in the editor: back to the list; an opened file closes, its edits kept.
    pub fn leave_editor(&mut self) -> Reply {
        self.focus = Focus::List;
        self.bar = None;
        let mut reply = Reply::default();
        if let Some(e) = self.files.shown() {
            if e.is_dirty() {
                reply.note = Some(format!(
                    "{} keeps its unsaved edits: ! then Enter opens it again",
                    e.rel_path
                ));
            }
            self.files.shown = None;
        }
        reply
    }

    /// Another program changed a prompt or an opened file. Our own save coming back is
    /// nothing new; a prompt's new text is offered for reload (`r`), never applied over
    /// the user's text; an opened file without edits simply takes it (it has no list to
    /// press `r` in), one with edits is warned that saving overwrites it.
    pub fn on_file_changed(&mut self, name: &str, text: String) -> Reply {
        let Some(e) = self.entry_mut(name) else {
            return Reply::default();
        };
        e.disk_text = (text != e.saved_text).then_some(text);
        if matches!(e.kind, Kind::File { .. }) && !e.is_dirty() {
            if let Some(text) = e.disk_text.take() {
                e.replace_text(text, None);
                return Reply::note(format!("{} changed on disk: reloaded", e.rel_path));
            }
        }
        Reply::default()
    }

    /// A save came back: the entry's text is what the file holds now.
    pub fn on_saved(&mut self, name: &str, result: Result<String, String>) -> Reply {
        let text = match result {
            Ok(text) => text,
            Err(why) => return Reply::note(format!("could not save {name}: {why}")),
        };
        let Some(e) = self.entry_mut(name) else {
            return Reply::default();
        };
        e.saved_text = text;
        e.disk_text = None;
        if matches!(e.kind, Kind::File { .. }) {
            // Its problems are known once the workspace is read again.
            let rel = e.rel_path.clone();
            let note = format!("saved {rel}: reading the workspace…");
            self.files.saved = Some(rel);
            return Reply::note(note);
        }
        Reply::note(match e.errors.len() {
            0 => format!("saved {}", e.rel_path),
            n => format!("saved {} with {}", e.rel_path, plural(n, "error", "errors")),
        })
    }

    /// The workspace was read again (`ws` when it loads, with its `suites` counted):
    /// previews get the cases now there, opened files their problems, and a file just
    /// saved a note on what is left in it.
    pub fn on_workspace_read(
        &mut self,
        ws: Option<&Workspace>,
        load_errors: &[Diagnostic],
        suites: usize,
    ) -> Reply {
        if let Some(ws) = ws {
            for e in &mut self.entries {
                e.cases = crate::tui::preview_cases(ws, &e.name);
                e.case_index = e.case_index.min(e.cases.len().saturating_sub(1));
            }
        }
        self.files.set_errors(load_errors);
        let Some(rel) = self.files.saved.take() else {
            return Reply::default();
        };
        let mine = self
            .files
            .entries
            .iter()
            .find(|e| e.rel_path == rel)
            .map(|e| e.errors.clone())
            .unwrap_or_default();
        Reply::note(match (mine.first(), load_errors.len()) {
            (_, 0) => format!(
                "saved {rel}: the workspace loads ({})",
                plural(suites, "suite", "suites")
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
        })
    }
}
