//! All UI state, and `update`: a message in, state changed, commands out. No I/O here,
//! so key scripts can drive it in tests with no terminal and no network.

use ratatui::crossterm::event::{KeyEvent, KeyEventKind, MouseButton, MouseEvent, MouseEventKind};
use ratatui::layout::{Position, Rect};

use super::keymap::{self, Action, Context};
use super::msg::{Cmd, Msg};
use super::panes::prompts::{self, Focus, PromptsPane};
use super::view;
use crate::workspace::{Config, Diagnostic};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tab {
    Prompts,
    Evals,
    Diff,
    Release,
}

impl Tab {
    pub const ALL: [Tab; 4] = [Tab::Prompts, Tab::Evals, Tab::Diff, Tab::Release];

    pub fn title(self) -> &'static str {
        match self {
            Tab::Prompts => "Prompts",
            Tab::Evals => "Evals",
            Tab::Diff => "Diff",
            Tab::Release => "Release",
        }
    }

    fn index(self) -> usize {
        Tab::ALL.iter().position(|t| *t == self).unwrap_or(0)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Overlay {
    Help { scroll: u16 },
    ConfirmQuit,
}

/// What the workspace told us at start-up, beyond the prompts.
pub struct WorkspaceInfo {
    pub name: String,
    /// `None` when workspace.toml itself is broken: the editor still works.
    pub config: Option<Config>,
    /// Problems found loading the rest of the workspace (suites, datasets).
    pub load_errors: Vec<Diagnostic>,
}

pub struct App {
    pub ws: WorkspaceInfo,
    pub tab: Tab,
    pub prompts: PromptsPane,
    pub overlay: Option<Overlay>,
    /// The terminal's size, for mouse hit-testing with the same layout the view uses.
    pub size: Rect,
    /// A one-line note for the status bar (saved, save failed, ...).
    pub note: Option<String>,
    pub quitting: bool,
}

impl App {
    pub fn new(ws: WorkspaceInfo, prompts: PromptsPane) -> App {
        let mut app = App {
            ws,
            tab: Tab::Prompts,
            prompts,
            overlay: None,
            size: Rect::new(0, 0, 80, 24),
            note: None,
            quitting: false,
        };
        let config = app.ws.config.clone();
        for e in &mut app.prompts.entries {
            e.validate(config.as_ref());
        }
        app
    }

    /// The key context that sees keys first right now.
    pub fn context(&self) -> Context {
        match self.overlay {
            Some(Overlay::Help { .. }) => Context::Help,
            Some(Overlay::ConfirmQuit) => Context::Confirm,
            None => self.pane_context(),
        }
    }

    /// The focused pane's context, overlays aside (what the help describes).
    pub fn pane_context(&self) -> Context {
        match (self.tab, self.prompts.focus) {
            (Tab::Prompts, Focus::Editor) => Context::Editor,
            (Tab::Prompts, Focus::List) => Context::PromptList,
            _ => Context::Global,
        }
    }

    pub fn update(&mut self, msg: Msg) -> Vec<Cmd> {
        match msg {
            Msg::Key(k) if k.kind == KeyEventKind::Release => Vec::new(),
            Msg::Key(k) => self.on_key(k),
            Msg::Mouse(m) => self.on_mouse(m),
            Msg::Paste(text) => self.on_paste(&text),
            Msg::Resize(w, h) => {
                self.size = Rect::new(0, 0, w, h);
                Vec::new()
            }
            Msg::ValidateDue { prompt, generation } => {
                let config = self.ws.config.clone();
                if let Some(e) = self.prompts.entries.iter_mut().find(|e| e.name == prompt) {
                    if e.generation == generation {
                        e.validate(config.as_ref());
                    }
                }
                Vec::new()
            }
            Msg::Saved { prompt, result } => {
                match result {
                    Ok(text) => {
                        if let Some(e) = self.prompts.entries.iter_mut().find(|e| e.name == prompt)
                        {
                            e.saved_text = text;
                            e.disk_text = None;
                            self.note = Some(match e.errors.len() {
                                0 => format!("saved {}", e.rel_path),
                                n => format!(
                                    "saved {} with {n} error{}",
                                    e.rel_path,
                                    if n == 1 { "" } else { "s" }
                                ),
                            });
                        }
                    }
                    Err(why) => self.note = Some(format!("could not save {prompt}: {why}")),
                }
                if self.quitting && self.prompts.dirty_count() == 0 {
                    return vec![Cmd::Quit];
                }
                Vec::new()
            }
            Msg::FileChanged { prompt, text } => {
                if let Some(e) = self.prompts.entries.iter_mut().find(|e| e.name == prompt) {
                    // Our own save coming back is nothing new; anything else is offered
                    // for reload (`r`), never applied over the user's text.
                    e.disk_text = (text != e.saved_text).then_some(text);
                }
                Vec::new()
            }
        }
    }

    fn on_key(&mut self, key: KeyEvent) -> Vec<Cmd> {
        self.note = None;
        let ctx = self.context();
        if let Some(action) = keymap::lookup(ctx, key) {
            return self.act(action);
        }
        match ctx {
            // Overlays swallow other keys.
            Context::Help | Context::Confirm => Vec::new(),
            Context::Editor => self.type_in_editor(key),
            Context::PromptList => match keymap::lookup(Context::Global, key) {
                Some(a) => self.act(a),
                None => Vec::new(),
            },
            Context::Global => Vec::new(),
        }
    }

    fn type_in_editor(&mut self, key: KeyEvent) -> Vec<Cmd> {
        let Some(e) = self.prompts.current_mut() else {
            return Vec::new();
        };
        if e.editor.input(key) {
            vec![e.edited()]
        } else {
            Vec::new()
        }
    }

    fn on_paste(&mut self, text: &str) -> Vec<Cmd> {
        if self.context() != Context::Editor {
            return Vec::new();
        }
        let Some(e) = self.prompts.current_mut() else {
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

    /// Performs an action. Returns commands; every action of the keymap is handled here.
    pub fn act(&mut self, action: Action) -> Vec<Cmd> {
        match action {
            Action::Quit => {
                if self.prompts.dirty_count() > 0 {
                    self.overlay = Some(Overlay::ConfirmQuit);
                    Vec::new()
                } else {
                    vec![Cmd::Quit]
                }
            }
            Action::ToggleHelp => {
                self.overlay = match self.overlay {
                    Some(Overlay::Help { .. }) => None,
                    _ => Some(Overlay::Help { scroll: 0 }),
                };
                Vec::new()
            }
            Action::Tab(i) => {
                self.tab = Tab::ALL[i.min(3)];
                Vec::new()
            }
            Action::NextTab => {
                self.tab = Tab::ALL[(self.tab.index() + 1) % 4];
                Vec::new()
            }
            Action::PrevTab => {
                self.tab = Tab::ALL[(self.tab.index() + 3) % 4];
                Vec::new()
            }
            Action::Up | Action::Down => {
                let down = action == Action::Down;
                if let Some(Overlay::Help { scroll }) = &mut self.overlay {
                    *scroll = if down {
                        scroll.saturating_add(1)
                    } else {
                        scroll.saturating_sub(1)
                    };
                } else if self.tab == Tab::Prompts {
                    let n = self.prompts.entries.len();
                    if n > 0 {
                        let i = self.prompts.selected;
                        self.prompts.select(if down {
                            (i + 1).min(n - 1)
                        } else {
                            i.saturating_sub(1)
                        });
                    }
                }
                Vec::new()
            }
            Action::PageUp => {
                self.prompts.preview_scroll = self.prompts.preview_scroll.saturating_sub(10);
                Vec::new()
            }
            Action::PageDown => {
                self.prompts.preview_scroll = self.prompts.preview_scroll.saturating_add(10);
                Vec::new()
            }
            Action::Edit => {
                if self.prompts.current().is_some() {
                    self.prompts.focus = Focus::Editor;
                }
                Vec::new()
            }
            Action::LeaveEditor => {
                self.prompts.focus = Focus::List;
                Vec::new()
            }
            Action::Save => self.save_current(),
            Action::NextCase | Action::PrevCase => {
                if let Some(e) = self.prompts.current_mut() {
                    e.cycle_case(action == Action::NextCase);
                }
                self.prompts.preview_scroll = 0;
                Vec::new()
            }
            Action::Reload => {
                let config = self.ws.config.clone();
                if let Some(e) = self.prompts.current_mut() {
                    match e.disk_text.take() {
                        Some(text) if !e.is_dirty() => {
                            e.replace_text(text, config.as_ref());
                            self.note = Some(format!("reloaded {}", e.rel_path));
                        }
                        Some(text) => {
                            e.disk_text = Some(text);
                            self.note =
                                Some("unsaved edits: save or undo them before reloading".into());
                        }
                        None => {
                            self.note =
                                Some("nothing to reload: the file has not changed on disk".into())
                        }
                    }
                }
                Vec::new()
            }
            Action::ConfirmSave => {
                self.overlay = None;
                self.quitting = true;
                let cmds: Vec<Cmd> = self
                    .prompts
                    .entries
                    .iter()
                    .filter(|e| e.is_dirty())
                    .map(|e| Cmd::Save {
                        prompt: e.name.clone(),
                        path: e.path.clone(),
                        text: e.text(),
                    })
                    .collect();
                if cmds.is_empty() {
                    vec![Cmd::Quit]
                } else {
                    cmds
                }
            }
            Action::ConfirmDiscard => vec![Cmd::Quit],
            Action::ConfirmCancel => {
                self.overlay = None;
                Vec::new()
            }
        }
    }

    fn save_current(&mut self) -> Vec<Cmd> {
        match self.prompts.current() {
            Some(e) => vec![Cmd::Save {
                prompt: e.name.clone(),
                path: e.path.clone(),
                text: e.text(),
            }],
            None => Vec::new(),
        }
    }

    fn on_mouse(&mut self, m: MouseEvent) -> Vec<Cmd> {
        let at = Position::new(m.column, m.row);
        let layout = view::areas(self.size);
        match m.kind {
            MouseEventKind::Down(MouseButton::Left) => {
                if self.overlay.is_some() {
                    return Vec::new();
                }
                if let Some(i) = view::tab_at(layout.tabs, at) {
                    return self.act(Action::Tab(i));
                }
                if self.tab == Tab::Prompts {
                    let a = prompts::areas(layout.body);
                    if let Some(list) = a.list.filter(|l| l.contains(at)) {
                        // Inside the border, one row per prompt.
                        let row = at.y.saturating_sub(list.y + 1) as usize;
                        if at.y > list.y && row < self.prompts.entries.len() {
                            self.prompts.select(row);
                            self.prompts.focus = Focus::List;
                        }
                    } else if a.editor.contains(at) && self.prompts.current().is_some() {
                        self.prompts.focus = Focus::Editor;
                    }
                }
                Vec::new()
            }
            MouseEventKind::ScrollDown | MouseEventKind::ScrollUp => {
                let down = m.kind == MouseEventKind::ScrollDown;
                if let Some(Overlay::Help { scroll }) = &mut self.overlay {
                    *scroll = if down {
                        scroll.saturating_add(3)
                    } else {
                        scroll.saturating_sub(3)
                    };
                } else if self.tab == Tab::Prompts {
                    let a = prompts::areas(layout.body);
                    if a.preview.is_some_and(|p| p.contains(at)) {
                        let s = &mut self.prompts.preview_scroll;
                        *s = if down {
                            s.saturating_add(3)
                        } else {
                            s.saturating_sub(3)
                        };
                    } else if a.editor.contains(at) {
                        if let Some(e) = self.prompts.current_mut() {
                            e.editor.scroll((if down { 3 } else { -3 }, 0));
                        }
                    }
                }
                Vec::new()
            }
            _ => Vec::new(),
        }
    }
}
