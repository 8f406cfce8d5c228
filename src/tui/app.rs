//! All UI state, and `update`: a message in, state changed, commands out. No I/O here,
//! so key scripts can drive it in tests with no terminal and no network.

use std::sync::Arc;
use std::time::Instant;

use ratatui::crossterm::event::{KeyEvent, KeyEventKind, MouseButton, MouseEvent, MouseEventKind};
use ratatui::layout::{Position, Rect};

use super::keymap::{self, Action, Context};
use super::layout;
pub use super::layout::Tab;
use super::msg::{Cmd, Msg};
use super::panes::diff::DiffPane;
use super::panes::evals::EvalsPane;
use super::panes::prompts::{Focus, PromptsPane};
use super::panes::release::ReleasePane;
use promptwright_core::vocab::Diagnostic;
use promptwright_core::workspace::{Config, Workspace};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Overlay {
    Help {
        scroll: u16,
    },
    ConfirmQuit,
    /// The workspace's load errors, from any pane; Enter opens the selected one's file.
    Problems {
        selected: usize,
    },
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
    /// The loaded workspace, to run and to render cases; `None` while it is broken.
    pub workspace: Option<Arc<Workspace>>,
    pub tab: Tab,
    pub prompts: PromptsPane,
    pub evals: EvalsPane,
    pub diff: DiffPane,
    pub release: ReleasePane,
    /// The clock as of the last tick: view reads time from state, never from the system.
    pub now: Instant,
    pub overlay: Option<Overlay>,
    /// The terminal's size, for mouse hit-testing with the same layout the view uses.
    pub size: Rect,
    /// A one-line note for the status bar (saved, save failed, ...).
    pub note: Option<String>,
    pub quitting: bool,
}

impl From<super::Loaded> for App {
    fn from(l: super::Loaded) -> App {
        App::new(l.info, l.workspace, l.prompts, l.evals)
    }
}

impl App {
    pub fn new(
        ws: WorkspaceInfo,
        workspace: Option<Arc<Workspace>>,
        prompts: PromptsPane,
        evals: EvalsPane,
    ) -> App {
        let mut app = App {
            ws,
            workspace,
            tab: Tab::Prompts,
            prompts,
            evals,
            diff: DiffPane::default(),
            release: ReleasePane::default(),
            now: Instant::now(),
            overlay: None,
            size: Rect::new(0, 0, 80, 24),
            note: None,
            quitting: false,
        };
        app.prompts.validate_all(app.ws.config.as_ref());
        app
    }

    /// The key context that sees keys first right now.
    pub fn context(&self) -> Context {
        match self.overlay {
            Some(Overlay::Help { .. }) => Context::Help,
            Some(Overlay::ConfirmQuit) => Context::Confirm,
            Some(Overlay::Problems { .. }) => Context::Problems,
            None => self.pane_context(),
        }
    }

    /// The focused pane's context, overlays aside (what the help describes).
    pub fn pane_context(&self) -> Context {
        match self.tab {
            Tab::Prompts
                if self.prompts.focus() == Focus::Editor && self.prompts.bar().is_some() =>
            {
                Context::EditorBar
            }
            Tab::Prompts if self.prompts.focus() == Focus::Editor => Context::Editor,
            Tab::Prompts => Context::PromptList,
            Tab::Evals if self.evals.compare().is_some() => Context::Compare,
            Tab::Evals if self.evals.is_filtering() => Context::FilterInput,
            Tab::Evals if self.evals.detail().is_some() => Context::EvalsDetail,
            Tab::Evals => Context::EvalsList,
            Tab::Diff => Context::Diff,
            Tab::Release if self.release.input.is_some() => Context::ReleaseInput,
            Tab::Release => Context::Release,
        }
    }

    pub fn running(&self) -> bool {
        self.evals.is_running()
    }

    /// Any run in progress (the Evals pane's, the gate, the current release's from the
    /// Diff pane): the clock ticks for the gauges' ETA, and only one runs at a time.
    pub fn busy(&self) -> bool {
        self.running()
            || self.release.gating.is_some()
            || self.diff.running.is_some()
            || self
                .evals
                .compare()
                .is_some_and(|c| c.phase() == super::panes::compare::Phase::Running)
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
                self.prompts
                    .validate_due(&prompt, generation, self.ws.config.as_ref());
                Vec::new()
            }
            Msg::Saved { prompt, result } => self.on_saved(&prompt, result),
            Msg::FileOpened { result, line, col } => self.on_file_opened(result, line, col),
            Msg::RecordedLoaded(results) => {
                self.evals.add_recorded(results);
                Vec::new()
            }
            Msg::Run(ev) => {
                if let Some(note) = self.evals.on_run_event(ev, self.now) {
                    self.note = Some(note);
                }
                Vec::new()
            }
            Msg::CompareReady { .. }
            | Msg::GridPlanned(_)
            | Msg::GridEvent(_)
            | Msg::GridDone(_) => self.on_grid(msg),
            Msg::RunFailed(why) => {
                self.evals.run_failed();
                self.note = Some(format!("run failed: {why}"));
                Vec::new()
            }
            Msg::ReleaseLoaded(loaded) => {
                if let Ok(p) = &loaded.proposal {
                    let sha = p.current.as_ref().map(|c| c.release.content_sha256.clone());
                    self.prompts.on_release_read(&p.name, sha);
                }
                self.release.apply_loaded(*loaded);
                if std::mem::take(&mut self.release.gate_requested) {
                    return self.start_gate();
                }
                Vec::new()
            }
            Msg::GateEvent(ev) => {
                self.release.on_gate_event(&ev, self.now);
                Vec::new()
            }
            Msg::GateDone(result) => {
                self.release.on_gate_done(result);
                Vec::new()
            }
            Msg::Exported(result) | Msg::RolledBack(result) => {
                if self.release.on_written(result) {
                    // Releases changed: the proposal, and with it the list's status.
                    return self.load_release();
                }
                Vec::new()
            }
            Msg::RollbackPlanned(result) => {
                self.release.on_rollback_planned(result);
                Vec::new()
            }
            Msg::PromoteGated(result) => {
                self.release.on_promote_gated(result);
                Vec::new()
            }
            Msg::LabelRollbackPlanned(result) => {
                self.release.on_label_rollback_planned(result);
                Vec::new()
            }
            Msg::LabelMoved(result) => {
                if self.release.on_written(result) {
                    return self.load_release();
                }
                Vec::new()
            }
            Msg::DiffLoaded(loaded) => {
                self.diff.apply(*loaded);
                Vec::new()
            }
            Msg::DiffRunEvent(ev) => {
                if let Some(g) = &mut self.diff.running {
                    g.on_event(&ev, self.now);
                }
                Vec::new()
            }
            Msg::DiffRunDone(result) => {
                self.diff.running = None;
                self.note = Some(match result {
                    Ok(m) => m,
                    Err(e) => format!("the current release could not run: {e}"),
                });
                // The new run is the release side's results now.
                self.load_diff()
            }
            Msg::Tick(now) => {
                self.now = now;
                self.evals.on_tick();
                Vec::new()
            }
            Msg::WorkspaceLoaded { result, config } => {
                self.on_workspace_loaded(&result, config.map(|c| *c));
                Vec::new()
            }
            Msg::WorkspaceFilesChanged => vec![Cmd::ReloadWorkspace],
            Msg::ExternalEdited { prompt, result } => {
                let reply =
                    self.prompts
                        .on_external_edited(&prompt, result, self.ws.config.as_ref());
                self.answer(reply)
            }
            Msg::FileChanged { prompt, text } => {
                let reply = self.prompts.on_file_changed(&prompt, text);
                self.answer(reply)
            }
        }
    }

    fn on_key(&mut self, key: KeyEvent) -> Vec<Cmd> {
        self.note = None;
        let ctx = self.context();
        if let Some(action) = keymap::resolve(ctx, key) {
            return self.act(action);
        }
        // Where text is typed, every unbound key is text; elsewhere it does nothing.
        match ctx {
            Context::Editor => self.prompts.type_in_editor(key),
            Context::EditorBar => {
                let reply = self.prompts.type_in_bar(key);
                self.answer(reply)
            }
            Context::FilterInput => {
                self.evals.type_in_filter(key);
                Vec::new()
            }
            Context::ReleaseInput => {
                self.release.type_in(key);
                Vec::new()
            }
            _ => Vec::new(),
        }
    }

    fn on_paste(&mut self, text: &str) -> Vec<Cmd> {
        if self.context() != Context::Editor {
            return Vec::new();
        }
        self.prompts.paste(text)
    }

    /// Performs an action. Returns commands; every action of the keymap is handled here.
    pub fn act(&mut self, action: Action) -> Vec<Cmd> {
        // The compare view takes the keys it binds.
        if self.context() == Context::Compare
            && keymap::bindings(Context::Compare).any(|b| b.action == action)
        {
            return self.compare_action(action);
        }
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
            Action::ToggleProblems => {
                self.overlay = match self.overlay {
                    Some(Overlay::Problems { .. }) => None,
                    _ => Some(Overlay::Problems { selected: 0 }),
                };
                Vec::new()
            }
            Action::OpenProblem => self.open_problem(),
            Action::Tab(i) => self.switch_tab(Tab::ALL[i.min(3)]),
            Action::NextTab => self.switch_tab(Tab::ALL[(self.tab.index() + 1) % 4]),
            Action::PrevTab => self.switch_tab(Tab::ALL[(self.tab.index() + 3) % 4]),
            Action::CycleFrom
            | Action::CycleTo
            | Action::ToggleView
            | Action::ToggleOutputs
            | Action::NextHunk
            | Action::PrevHunk => self.diff_action(action),
            Action::Refresh if self.tab == Tab::Release => self.release_action(action),
            Action::Refresh => self.diff_action(action),
            Action::RunGate => {
                if self.busy() {
                    self.note = Some("a run is in progress: c cancels it".into());
                    return Vec::new();
                }
                // The proposal is read again from the editor's text, then gated.
                let cmds = self.load_release();
                self.release.gate_requested = !cmds.is_empty();
                cmds
            }
            Action::PromoteLabel => self.start_promote(),
            Action::EditNote
            | Action::StartRollback
            | Action::NextLabel
            | Action::RollbackLabel
            | Action::ConfirmInput
            | Action::CancelInput => self.release_action(action),
            Action::Export => match self.export_refusal() {
                Some(why) => {
                    self.release.message = Some(why);
                    Vec::new()
                }
                None => self.release.export(),
            },
            Action::Up | Action::Down | Action::PageUp | Action::PageDown => {
                let step: isize = match action {
                    Action::Up => -1,
                    Action::Down => 1,
                    Action::PageUp => -10,
                    _ => 10,
                };
                self.scroll(step);
                Vec::new()
            }
            Action::Edit | Action::Save | Action::NextCase | Action::PrevCase | Action::Reload => {
                let reply = self.prompts.on_action(action, self.ws.config.as_ref());
                self.answer(reply)
            }
            Action::LeaveEditor => {
                let reply = self.prompts.leave_editor();
                self.answer(reply)
            }
            Action::ConfirmSave => {
                self.overlay = None;
                self.quitting = true;
                let cmds = self.prompts.save_all();
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
            Action::Open | Action::Close if self.tab == Tab::Release => self.release_action(action),
            Action::Open | Action::Close if self.tab == Tab::Diff => self.diff_action(action),
            Action::RunSuite | Action::RunPrompt | Action::ResumeRun | Action::RerunCase => {
                self.start_run(action)
            }
            Action::RunCurrent => self.run_current(),
            Action::CancelRun if self.tab == Tab::Diff => self.diff_action(action),
            Action::CancelRun if self.tab == Tab::Release => self.release_action(action),
            Action::FocusLeft
            | Action::FocusRight
            | Action::Open
            | Action::Close
            | Action::CancelRun
            | Action::FailuresOnly
            | Action::NextSample
            | Action::PrevSample
            | Action::NextFailure
            | Action::PrevFailure
            | Action::StartFilter
            | Action::ApplyFilter
            | Action::ClearFilter => {
                let reply = self.evals.on_action(action, layout::areas(self.size).body);
                self.answer(reply)
            }
            Action::EditCase => {
                self.edit_case();
                Vec::new()
            }
            Action::OpenCompare => self.open_compare(),
            // Only the compare view binds it, and it took it above.
            Action::ToggleItem => Vec::new(),
            Action::Undo
            | Action::Redo
            | Action::StartSearch
            | Action::StartGoTo
            | Action::BarConfirm
            | Action::SearchPrev
            | Action::CloseBar
            | Action::OpenExternal => {
                let reply = self.prompts.on_editor_action(action);
                self.answer(reply)
            }
        }
    }

    /// Moves whatever the focused thing is: the help, the preview, the case detail, the
    /// suites or the cases.
    fn scroll(&mut self, step: isize) {
        match &mut self.overlay {
            Some(Overlay::Help { scroll }) => {
                *scroll = scroll.saturating_add_signed(step as i16);
                return;
            }
            Some(Overlay::Problems { selected }) => {
                let last = self.ws.load_errors.len().saturating_sub(1);
                *selected = selected.saturating_add_signed(step).min(last);
                return;
            }
            _ => {}
        }
        match self.tab {
            Tab::Prompts => self.prompts.scroll(step),
            Tab::Evals => self.evals.scroll(step, layout::areas(self.size).body),
            Tab::Release => self.release.scroll(step, layout::areas(self.size).body),
            Tab::Diff => self.diff.scroll(step, layout::areas(self.size).body),
        }
    }

    /// Switches pane; entering the Diff pane computes the diff of the selected prompt.
    fn switch_tab(&mut self, tab: Tab) -> Vec<Cmd> {
        self.tab = tab;
        match tab {
            Tab::Diff => self.load_diff(),
            Tab::Release => self.load_release(),
            _ => Vec::new(),
        }
    }

    fn on_mouse(&mut self, m: MouseEvent) -> Vec<Cmd> {
        let at = Position::new(m.column, m.row);
        let screen = layout::areas(self.size);
        match m.kind {
            MouseEventKind::Down(MouseButton::Left) => {
                if self.overlay.is_some() {
                    return Vec::new();
                }
                if let Some(i) = layout::tab_at(screen.tabs, at) {
                    return self.act(Action::Tab(i));
                }
                if self.tab == Tab::Evals {
                    self.evals.on_click(screen.body, at);
                }
                if self.tab == Tab::Prompts {
                    self.prompts.on_click(screen.body, at);
                }
                Vec::new()
            }
            MouseEventKind::ScrollDown | MouseEventKind::ScrollUp => {
                let down = m.kind == MouseEventKind::ScrollDown;
                if self.overlay.is_some() || self.tab == Tab::Evals {
                    self.scroll(if down { 3 } else { -3 });
                } else if self.tab == Tab::Prompts {
                    self.prompts.on_wheel(screen.body, at, m.kind);
                }
                Vec::new()
            }
            _ => Vec::new(),
        }
    }
}
