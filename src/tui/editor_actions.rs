//! What the editor's own keys do: undo and redo, the search and go-to-line bar, and
//! handing the file to `$EDITOR` and taking it back.

use ratatui::crossterm::event::{KeyCode, KeyEvent};

use super::app::App;
use super::keymap::Action;
use super::msg::Cmd;
use super::panes::editor::{self, Bar};
use super::panes::prompts::Kind;

impl App {
    pub(super) fn act_editor(&mut self, action: Action) -> Vec<Cmd> {
        if action == Action::OpenExternal {
            return self.open_external();
        }
        let last_search = self.last_search.clone();
        let bar = self.prompts.bar.clone();
        let Some(e) = self.prompts.editing_mut() else {
            return Vec::new();
        };
        let mut cmds = Vec::new();
        let mut note = None;
        match action {
            Action::Undo | Action::Redo => {
                let changed = if action == Action::Undo {
                    e.editor.undo()
                } else {
                    e.editor.redo()
                };
                if changed {
                    cmds.push(e.edited());
                } else {
                    note = Some(if action == Action::Undo {
                        "nothing to undo"
                    } else {
                        "nothing to redo"
                    });
                }
            }
            Action::StartSearch => {
                // The last query comes back: Ctrl-F then Enter finds the next match.
                editor::search(&mut e.editor, &last_search, true);
                self.prompts.bar = Some(Bar::Search(last_search));
            }
            Action::StartGoTo => self.prompts.bar = Some(Bar::GoTo(String::new())),
            Action::BarConfirm => match bar {
                Some(Bar::Search(q)) if !editor::search(&mut e.editor, &q, false) => {
                    note = Some("no match");
                }
                Some(Bar::Search(_)) => {}
                Some(Bar::GoTo(n)) => {
                    let asked = n.parse::<usize>().unwrap_or(1);
                    let line = editor::go_to(&mut e.editor, asked);
                    self.prompts.bar = None;
                    if line != asked {
                        self.note = Some(format!("line {line} is the nearest there is"));
                    }
                }
                None => {}
            },
            Action::SearchPrev
                if matches!(bar, Some(Bar::Search(_))) && !editor::search_back(&mut e.editor) =>
            {
                note = Some("no match");
            }
            Action::CloseBar => {
                editor::search(&mut e.editor, "", true);
                self.prompts.bar = None;
            }
            _ => {}
        }
        if let Some(n) = note {
            self.note = Some(n.into());
        }
        cmds
    }

    /// Typing into the bar: a search moves to the first match as the query grows; a line
    /// number takes digits only.
    pub(super) fn type_in_bar(&mut self, key: KeyEvent) -> Vec<Cmd> {
        let Some(bar) = &mut self.prompts.bar else {
            return Vec::new();
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
            _ => return Vec::new(),
        }
        if let Some(Bar::Search(q)) = self.prompts.bar.clone() {
            self.last_search = q.clone();
            if let Some(e) = self.prompts.editing_mut() {
                if !editor::search(&mut e.editor, &q, true) && !q.is_empty() {
                    self.note = Some("no match".into());
                }
            }
        }
        Vec::new()
    }

    /// Hands the file to the user's editor; unsaved edits go to the file first, so they
    /// are what the editor opens and nothing typed here is lost.
    fn open_external(&mut self) -> Vec<Cmd> {
        let Some(e) = self.prompts.editing() else {
            return Vec::new();
        };
        vec![Cmd::EditExternally {
            prompt: e.name.clone(),
            path: e.path.clone(),
            unsaved: e.is_dirty().then(|| e.text()),
        }]
    }

    pub(super) fn on_external_edited(
        &mut self,
        prompt: &str,
        result: Result<String, String>,
    ) -> Vec<Cmd> {
        let config = self.ws.config.clone();
        match result {
            Ok(text) => {
                if let Some(e) = self.prompts.entry_mut(prompt) {
                    e.replace_text(text, config.as_ref());
                    self.note = Some(format!("reloaded {} from the editor", e.rel_path));
                    if e.kind != Kind::Prompt {
                        // The next read of the workspace reports on it, as a save does.
                        self.prompts.files.saved = Some(e.rel_path.clone());
                    }
                }
                // Runs use what is on disk now.
                vec![Cmd::ReloadWorkspace]
            }
            Err(why) => {
                self.note = Some(why);
                Vec::new()
            }
        }
    }
}
