//! What the editor's own keys do: undo and redo, the search and go-to-line bar, and
//! handing the file to `$EDITOR` and taking it back.

use ratatui::crossterm::event::{KeyCode, KeyEvent};

use super::Reply;
use super::editor::{self, Bar};
use super::prompts::{Kind, PromptsPane};
use crate::tui::keymap::Action;
use crate::tui::msg::Cmd;
use promptwright_core::workspace::Config;

impl PromptsPane {
    /// One of the editor's actions on the file it shows.
    pub fn on_editor_action(&mut self, action: Action) -> Reply {
        if action == Action::OpenExternal {
            return Reply::cmds(self.open_external());
        }
        let last_search = self.last_search.clone();
        let bar = self.bar.clone();
        let Some(e) = self.editing_mut() else {
            return Reply::default();
        };
        let mut reply = Reply::default();
        match action {
            Action::Undo | Action::Redo => {
                let changed = if action == Action::Undo {
                    e.editor.undo()
                } else {
                    e.editor.redo()
                };
                if changed {
                    reply.cmds.push(e.edited());
                } else if action == Action::Undo {
                    reply.note = Some("nothing to undo".into());
                } else {
                    reply.note = Some("nothing to redo".into());
                }
            }
            Action::StartSearch => {
                // The last query comes back: Ctrl-F then Enter finds the next match.
                editor::search(&mut e.editor, &last_search, true);
                self.bar = Some(Bar::Search(last_search));
            }
            Action::StartGoTo => self.bar = Some(Bar::GoTo(String::new())),
            Action::BarConfirm => match bar {
                Some(Bar::Search(q)) if !editor::search(&mut e.editor, &q, false) => {
                    reply.note = Some("no match".into());
                }
                Some(Bar::Search(_)) => {}
                Some(Bar::GoTo(n)) => {
                    let asked = n.parse::<usize>().unwrap_or(1);
                    let line = editor::go_to(&mut e.editor, asked);
                    self.bar = None;
                    if line != asked {
                        reply.note = Some(format!("line {line} is the nearest there is"));
                    }
                }
                None => {}
            },
            Action::SearchPrev
                if matches!(bar, Some(Bar::Search(_))) && !editor::search_back(&mut e.editor) =>
            {
                reply.note = Some("no match".into());
            }
            Action::CloseBar => {
                editor::search(&mut e.editor, "", true);
                self.bar = None;
            }
            _ => {}
        }
        reply
    }

    /// Typing into the bar: a search moves to the first match as the query grows; a line
    /// number takes digits only.
    pub fn type_in_bar(&mut self, key: KeyEvent) -> Reply {
        let Some(bar) = &mut self.bar else {
            return Reply::default();
        };
        let searching = matches!(bar, Bar::Search(_));
        let typed = match bar {
            Bar::Search(q) | Bar::GoTo(q) => q,
        };
        match key.code {
            KeyCode::Char(c) if searching || c.is_ascii_digit() => {
                // A line number past any file's length says nothing more.
                if typed.len() < 200 {
                    typed.push(c);
                }
            }
            KeyCode::Backspace => {
                typed.pop();
            }
            _ => return Reply::default(),
        }
        if let Some(Bar::Search(q)) = self.bar.clone() {
            self.last_search = q.clone();
            if let Some(e) = self.editing_mut() {
                if !editor::search(&mut e.editor, &q, true) && !q.is_empty() {
                    return Reply::note("no match");
                }
            }
        }
        Reply::default()
    }

    /// Hands the file to the user's editor; unsaved edits go to the file first, so they
    /// are what the editor opens and nothing typed here is lost.
    fn open_external(&self) -> Vec<Cmd> {
        let Some(e) = self.editing() else {
            return Vec::new();
        };
        vec![Cmd::EditExternally {
            prompt: e.name.clone(),
            path: e.path.clone(),
            unsaved: e.is_dirty().then(|| e.text()),
        }]
    }

    /// The user's editor closed: its text replaces the entry's; `config` validates it.
    pub fn on_external_edited(
        &mut self,
        prompt: &str,
        result: Result<String, String>,
        config: Option<&Config>,
    ) -> Reply {
        match result {
            Ok(text) => {
                let mut reply = Reply::default();
                if let Some(e) = self.entry_mut(prompt) {
                    e.replace_text(text, config);
                    reply.note = Some(format!("reloaded {} from the editor", e.rel_path));
                    if e.kind != Kind::Prompt {
                        // The next read of the workspace reports on it, as a save does.
                        let rel = e.rel_path.clone();
                        self.files.saved = Some(rel);
                    }
                }
                // Runs use what is on disk now.
                reply.cmds.push(Cmd::ReloadWorkspace);
                reply
            }
            Err(why) => Reply::note(why),
        }
    }
}
