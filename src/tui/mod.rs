//! The workbench: state + messages + pure rendering. `run` owns the terminal and one
//! `tokio::select!` loop over terminal events, results of background work and a file
//! watch; `App::update` turns each message into state and commands.

pub mod app;
mod draft;
mod editor_actions;
mod eta;
mod external;
pub mod keymap;
pub mod msg;
pub mod panes;
mod problem_files;
pub mod screenshot;
pub mod shots;
pub mod theme;
pub mod view;
pub mod widgets;

#[cfg(test)]
mod diff_tests;
#[cfg(test)]
mod editor_tests;
#[cfg(test)]
mod eta_tests;
#[cfg(test)]
mod evals_tests;
#[cfg(test)]
mod feedback_tests;
#[cfg(test)]
mod fix_here_tests;
#[cfg(test)]
mod layout_tests;
#[cfg(test)]
mod note_tests;
#[cfg(test)]
mod problems_tests;
#[cfg(test)]
mod release_tests;
#[cfg(test)]
mod reload_tests;
#[cfg(test)]
mod stale_tests;
#[cfg(test)]
mod testing;
#[cfg(test)]
mod tests;

use std::collections::HashMap;
use std::io;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use futures::StreamExt;
use ratatui::crossterm::event::{
    DisableBracketedPaste, DisableMouseCapture, EnableBracketedPaste, EnableMouseCapture, Event,
    EventStream,
};
use ratatui::crossterm::execute;
use ratatui::{DefaultTerminal, Terminal, backend::Backend};
use tokio::sync::mpsc;

use std::sync::Arc;
use std::time::Instant;

use tokio_util::sync::CancellationToken;

use app::{App, WorkspaceInfo};
use msg::{Cmd, Msg};
use panes::evals::{EvalsPane, SuiteRow};
use panes::prompts::{Focus, PreviewCase, PromptEntry, PromptsPane};

use promptwright_core::vocab::Explain;
use promptwright_core::vocab::Source;
use promptwright_core::workspace::{Workspace, config};

/// Everything the app starts from.
pub struct Loaded {
    pub info: WorkspaceInfo,
    pub workspace: Option<Arc<Workspace>>,
    pub prompts: PromptsPane,
    pub evals: EvalsPane,
}

/// How many recent run records seed the Evals pane with results.
const RECENT_RUNS: usize = 50;

pub(crate) fn suite_rows(ws: &Workspace) -> Vec<SuiteRow> {
    ws.suites
        .values()
        .map(|s| SuiteRow {
            name: s.name.clone(),
            prompt: s.prompt.clone(),
            case_ids: s.cases.iter().map(|c| c.id.clone()).collect(),
        })
        .collect()
}

pub(crate) fn preview_cases(ws: &Workspace, prompt: &str) -> Vec<PreviewCase> {
    ws.suites_of(prompt)
        .flat_map(|s| {
            s.cases.iter().map(|c| PreviewCase {
                suite: s.name.clone(),
                id: c.id.clone(),
                vars: c.vars.clone(),
            })
        })
        .collect()
}

/// Reads the workspace for the TUI. Unlike `Workspace::load` it never refuses: broken
/// prompts open in the editor with their errors, so they can be fixed here.
pub fn load(root: &Path) -> Loaded {
    let full = Workspace::load(root).map(Arc::new);
    let (config, load_errors) = match &full {
        Ok(ws) => (Some(ws.config.clone()), Vec::new()),
        Err(errors) => (read_config(root), errors.0.clone()),
    };
    let workspace = full.ok();
    let name = config.as_ref().map(|c| c.name.clone()).unwrap_or_else(|| {
        root.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    });
    let mut files: Vec<PathBuf> = std::fs::read_dir(root.join("prompts"))
        .map(|d| d.filter_map(Result::ok).map(|e| e.path()).collect())
        .unwrap_or_default();
    files.retain(|p| p.extension().is_some_and(|x| x == "toml"));
    files.sort();
    let entries = files
        .into_iter()
        .filter_map(|path| {
            let name = path.file_stem()?.to_string_lossy().into_owned();
            let text = std::fs::read_to_string(&path).ok()?;
            let cases = workspace
                .as_ref()
                .map(|ws| preview_cases(ws, &name))
                .unwrap_or_default();
            let release_sha = release_sha(root, &name);
            Some(PromptEntry::new(
                name.clone(),
                format!("prompts/{name}.toml"),
                path,
                text,
                release_sha,
                cases,
            ))
        })
        .collect();
    let evals = EvalsPane::new(
        workspace.as_deref().map(suite_rows).unwrap_or_default(),
        promptwright_core::store::latest_results(root, RECENT_RUNS),
    );
    Loaded {
        info: WorkspaceInfo {
            name,
            config,
            load_errors,
        },
        workspace,
        prompts: PromptsPane {
            entries,
            selected: 0,
            focus: Focus::List,
            preview_scroll: 0,
            bar: None,
            files: panes::files::OpenFiles::default(),
        },
        evals,
    }
}

/// workspace.toml alone, when the rest of the workspace does not load.
fn read_config(root: &Path) -> Option<config::Config> {
    let text = std::fs::read_to_string(root.join(promptwright_core::workspace::WORKSPACE_FILE))
        .unwrap_or_default();
    config::parse(&Source::new("workspace.toml", text), root).ok()
}

/// The workspace read again, as `Msg::WorkspaceLoaded`.
pub(crate) fn reread(root: &Path) -> Msg {
    let result = Workspace::load(root);
    let config = result.is_err().then(|| read_config(root)).flatten();
    Msg::WorkspaceLoaded {
        result: Arc::new(result),
        config: config.map(Box::new),
    }
}

/// The content hash of the current release of a prompt, if it has one.
fn release_sha(root: &Path, name: &str) -> Option<String> {
    let text = std::fs::read_to_string(root.join("releases").join(format!("{name}.toml"))).ok()?;
    let v: toml::Value = toml::from_str(&text).ok()?;
    v.get("content_sha256")?.as_str().map(str::to_string)
}

/// Opens the TUI on the workspace at `root` until the user quits.
pub fn run(root: &Path) -> io::Result<()> {
    let mut app = App::from(load(root));
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    // Mouse capture and bracketed paste are ours to undo, on a panic too; ratatui's own
    // hook (installed by init) restores the rest and then calls this one.
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let _ = execute!(io::stdout(), DisableMouseCapture, DisableBracketedPaste);
        previous(info);
    }));
    let mut terminal = ratatui::try_init()?;
    let _ = execute!(io::stdout(), EnableMouseCapture, EnableBracketedPaste);
    let result = rt.block_on(event_loop(&mut terminal, &mut app, root));
    let _ = execute!(io::stdout(), DisableMouseCapture, DisableBracketedPaste);
    ratatui::restore();
    result
}

fn to_msg(ev: Event) -> Option<Msg> {
    match ev {
        Event::Key(k) => Some(Msg::Key(k)),
        Event::Mouse(m) => Some(Msg::Mouse(m)),
        Event::Paste(p) => Some(Msg::Paste(p)),
        Event::Resize(w, h) => Some(Msg::Resize(w, h)),
        _ => None,
    }
}

/// What the loop owns besides the app: the run in progress, the file watch. The
/// workspace a run or gate uses comes with its command (the editor's text, see `draft`).
struct Runtime {
    root: PathBuf,
    run: Option<CancellationToken>,
    watch: FileWatch,
}

async fn event_loop(terminal: &mut DefaultTerminal, app: &mut App, root: &Path) -> io::Result<()> {
    let (tx, mut rx) = mpsc::unbounded_channel::<Msg>();
    let mut events = EventStream::new();
    let mut rt = Runtime {
        root: root.to_path_buf(),
        run: None,
        watch: FileWatch::new(app, root),
    };
    let mut every_second = tokio::time::interval(Duration::from_secs(1));
    // The clock only ticks while a run is in progress: an idle app does no work.
    let mut ticks = tokio::time::interval(Duration::from_millis(250));
    let size = terminal.size()?;
    app.update(Msg::Resize(size.width, size.height));
    loop {
        terminal.draw(|f| view::draw(app, f))?;
        let msg = tokio::select! {
            ev = events.next() => match ev {
                Some(Ok(ev)) => to_msg(ev),
                Some(Err(e)) => return Err(e),
                None => return Ok(()),
            },
            Some(m) = rx.recv() => Some(m),
            _ = ticks.tick(), if app.busy() => Some(Msg::Tick(Instant::now())),
            _ = every_second.tick() => {
                for m in rt.watch.changes() {
                    let _ = tx.send(m);
                }
                None
            }
        };
        let Some(msg) = msg else { continue };
        // Take whatever else is already waiting, so a burst costs one frame.
        let mut batch = vec![msg];
        while let Ok(m) = rx.try_recv() {
            batch.push(m);
        }
        for m in batch {
            // Events say when they happened by the app's clock, which does not tick while
            // idle: set it, so a run's start and completions are timed right.
            if matches!(m, Msg::Run(_) | Msg::GateEvent(_)) {
                app.now = Instant::now();
            }
            if let Msg::FileOpened { result: Ok(o), .. } = &m {
                // Prompts are watched from the start.
                if app.prompts.entries.iter().all(|e| e.rel_path != o.rel) {
                    rt.watch.watch(&o.rel, &o.path, &o.text);
                }
            }
            if let Msg::Run(promptwright_core::runner::RunEvent::Finished(_))
            | Msg::RunFailed(_)
            | Msg::GateDone(_)
            | Msg::DiffRunDone(_) = &m
            {
                rt.run = None;
            }
            for cmd in app.update(m) {
                if let Cmd::EditExternally {
                    prompt,
                    path,
                    unsaved,
                } = cmd
                {
                    // The editor owns the terminal meanwhile: no event reader may race it.
                    drop(events);
                    let edited = external::edit(terminal, &path, unsaved.as_deref(), |p, t| {
                        rt.watch.expect(p, t)
                    });
                    events = EventStream::new();
                    let _ = tx.send(Msg::ExternalEdited {
                        prompt,
                        result: edited,
                    });
                    continue;
                }
                if perform(cmd, &tx, &mut rt) {
                    if let Some(token) = &rt.run {
                        token.cancel();
                    }
                    return Ok(());
                }
            }
        }
    }
}

/// Performs a command; `true` means quit.
fn perform(cmd: Cmd, tx: &mpsc::UnboundedSender<Msg>, rt: &mut Runtime) -> bool {
    match cmd {
        Cmd::Quit => return true,
        // Needs the terminal: the event loop runs it.
        Cmd::EditExternally { .. } => {}
        Cmd::Save { prompt, path, text } => {
            let tx = tx.clone();
            rt.watch.expect(&path, &text);
            let root = rt.root.clone();
            tokio::task::spawn_blocking(move || {
                let result = save(&root, &path, text);
                let _ = tx.send(Msg::Saved { prompt, result });
            });
        }
        Cmd::OpenFile { shown, line, col } => {
            let tx = tx.clone();
            let root = rt.root.clone();
            tokio::task::spawn_blocking(move || {
                let result = panes::files::read_for_edit(&root, &shown);
                let _ = tx.send(Msg::FileOpened { result, line, col });
            });
        }
        Cmd::ScheduleValidate {
            prompt,
            generation,
            after,
        } => {
            let tx = tx.clone();
            tokio::spawn(async move {
                tokio::time::sleep(after).await;
                let _ = tx.send(Msg::ValidateDue { prompt, generation });
            });
        }
        Cmd::ReloadWorkspace => {
            let tx = tx.clone();
            let root = rt.root.clone();
            tokio::task::spawn_blocking(move || {
                let _ = tx.send(reread(&root));
            });
        }
        Cmd::LoadDiff {
            prompt,
            from,
            to,
            draft,
        } => {
            let tx = tx.clone();
            let root = rt.root.clone();
            tokio::task::spawn_blocking(move || {
                let loaded = panes::diff::load(&root, &prompt, from, to, draft);
                let _ = tx.send(Msg::DiffLoaded(Box::new(loaded)));
            });
        }
        Cmd::LoadRelease { ws, prompt } => {
            let tx = tx.clone();
            let root = rt.root.clone();
            tokio::task::spawn_blocking(move || {
                let ws = ws.as_ref().map(|w| &**w).map_err(String::as_str);
                let loaded = panes::release::load(ws, &root, &prompt);
                let _ = tx.send(Msg::ReleaseLoaded(Box::new(loaded)));
            });
        }
        Cmd::RunGate { ws, proposal } => {
            let ws = ws.0;
            let token = CancellationToken::new();
            rt.run = Some(token.clone());
            let tx = tx.clone();
            tokio::spawn(async move {
                let (etx, forward) = forward_events(&tx, Msg::GateEvent);
                let result = panes::release::gate(ws, proposal, etx, token).await;
                let _ = forward.await;
                let _ = tx.send(Msg::GateDone(
                    result.map(|v| panes::release::Shared(Arc::new(v))),
                ));
            });
        }
        Cmd::RunCurrent { ws, prompt } => {
            let token = CancellationToken::new();
            rt.run = Some(token.clone());
            let tx = tx.clone();
            tokio::spawn(async move {
                let (etx, forward) = forward_events(&tx, Msg::DiffRunEvent);
                let result = panes::diff_run::run_current(ws.0, prompt, etx, token).await;
                let _ = forward.await;
                let _ = tx.send(Msg::DiffRunDone(result));
            });
        }
        Cmd::Export {
            proposal,
            verdict,
            note,
        } => {
            let tx = tx.clone();
            let root = rt.root.clone();
            tokio::task::spawn_blocking(move || {
                let _ = tx.send(Msg::Exported(panes::release::export(
                    &root, &proposal, &verdict, &note,
                )));
            });
        }
        Cmd::PlanRollback { prompt } => {
            let tx = tx.clone();
            let root = rt.root.clone();
            tokio::task::spawn_blocking(move || {
                let _ = tx.send(Msg::RollbackPlanned(panes::release::plan_rollback(
                    &root, &prompt,
                )));
            });
        }
        Cmd::Rollback { plan, reason } => {
            let tx = tx.clone();
            let root = rt.root.clone();
            tokio::task::spawn_blocking(move || {
                let _ = tx.send(Msg::RolledBack(panes::release::rollback(
                    &root, &plan, &reason,
                )));
            });
        }
        Cmd::CancelRun => {
            if let Some(token) = &rt.run {
                token.cancel();
            }
        }
        Cmd::StartRun { ws, request } => {
            let ws = ws.0;
            let token = CancellationToken::new();
            rt.run = Some(token.clone());
            start_run(ws, request, token, tx.clone());
        }
    }
    false
}

/// Writes an editor's text atomically (the file keeps its mode), only inside the
/// workspace: a link swapped in since the file was opened cannot carry the write out.
pub(crate) fn save(root: &Path, path: &Path, text: String) -> Result<String, String> {
    let abs = match std::env::current_dir() {
        Ok(cwd) if path.is_relative() => cwd.join(path),
        _ => path.to_path_buf(),
    };
    let real = promptwright_core::workspace::confine::inside(root, &abs)
        .map_err(|e| format!("{e}: nothing written"))?;
    promptwright_core::fsutil::write_atomic(&real, text.as_bytes())
        .map(|()| text)
        .map_err(|e| e.to_string())
}

/// Plans and runs on tokio tasks; every runner event comes back as a message.
fn start_run(
    ws: Arc<Workspace>,
    request: promptwright_core::plan::PlanRequest,
    cancel: CancellationToken,
    tx: mpsc::UnboundedSender<Msg>,
) {
    tokio::spawn(async move {
        // Planning reads cassettes and keys: not on the UI task.
        let planned =
            tokio::task::spawn_blocking(move || promptwright_core::plan::plans(&ws, &request))
                .await;
        let plans = match planned {
            Ok(Ok(p)) => p,
            Ok(Err(e)) => {
                let _ = tx.send(Msg::RunFailed(e.one_line()));
                return;
            }
            Err(e) => {
                let _ = tx.send(Msg::RunFailed(e.to_string()));
                return;
            }
        };
        for plan in plans {
            let (etx, forward) = forward_events(&tx, Msg::Run);
            let result = promptwright_core::runner::run(plan, etx, cancel.clone()).await;
            let _ = forward.await;
            if let Err(e) = result {
                let _ = tx.send(Msg::RunFailed(e.to_string()));
                return;
            }
            if cancel.is_cancelled() {
                return;
            }
        }
    });
}

/// A sender for a run's events, which reach the loop as `wrap(event)`, and the task that
/// forwards them: await it before sending the run's last message, so no event of the run
/// arrives after it.
fn forward_events(
    tx: &mpsc::UnboundedSender<Msg>,
    wrap: fn(promptwright_core::runner::RunEvent) -> Msg,
) -> (
    mpsc::UnboundedSender<promptwright_core::runner::RunEvent>,
    tokio::task::JoinHandle<()>,
) {
    let (etx, mut erx) = mpsc::unbounded_channel();
    let tx = tx.clone();
    let forward = tokio::spawn(async move {
        while let Some(ev) = erx.recv().await {
            let _ = tx.send(wrap(ev));
        }
    });
    (etx, forward)
}

/// Notices prompt files changed by another program (an editor, `git checkout`), and
/// workspace.toml or a suite changed anywhere (then the workspace is read again, so a
/// fix made in another editor clears the problems list).
struct FileWatch {
    files: HashMap<String, (PathBuf, Option<SystemTime>, String)>,
    config: Vec<(PathBuf, Option<SystemTime>)>,
}

impl FileWatch {
    fn new(app: &App, root: &Path) -> FileWatch {
        let mut config = vec![root.join(promptwright_core::workspace::WORKSPACE_FILE)];
        if let Ok(dir) = std::fs::read_dir(root.join("evals")) {
            config.extend(
                dir.filter_map(Result::ok)
                    .map(|e| e.path())
                    .filter(|p| p.extension().is_some_and(|x| x == "toml")),
            );
        }
        let config = config
            .into_iter()
            .map(|p| {
                let seen = mtime(&p);
                (p, seen)
            })
            .collect();
        let files = app
            .prompts
            .entries
            .iter()
            .map(|e| {
                (
                    e.name.clone(),
                    (e.path.clone(), mtime(&e.path), e.saved_text.clone()),
                )
            })
            .collect();
        FileWatch { files, config }
    }

    /// Watches a file opened from the problems list too, unless it is watched already.
    fn watch(&mut self, name: &str, path: &Path, text: &str) {
        if self.files.values().all(|(p, _, _)| p != path) {
            let entry = (path.to_path_buf(), mtime(path), text.to_string());
            self.files.insert(name.to_string(), entry);
        }
    }

    /// Our own save: its text is not news.
    fn expect(&mut self, path: &Path, text: &str) {
        for (p, _, known) in self.files.values_mut() {
            if p == path {
                *known = text.to_string();
            }
        }
    }

    fn changes(&mut self) -> Vec<Msg> {
        let mut out = Vec::new();
        let mut config_changed = false;
        for (path, seen) in &mut self.config {
            let now = mtime(path);
            if now != *seen {
                *seen = now;
                config_changed = true;
            }
        }
        if config_changed {
            out.push(Msg::WorkspaceFilesChanged);
        }
        for (name, (path, seen, known)) in &mut self.files {
            let now = mtime(path);
            if now == *seen {
                continue;
            }
            *seen = now;
            if let Ok(text) = std::fs::read_to_string(&*path) {
                if text != *known {
                    *known = text.clone();
                    out.push(Msg::FileChanged {
                        prompt: name.clone(),
                        text,
                    });
                }
            }
        }
        out
    }
}

fn mtime(path: &Path) -> Option<SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

/// Draws one frame of `app` on any backend (tests and screenshots use TestBackend).
pub fn render<B: Backend>(terminal: &mut Terminal<B>, app: &App) -> Result<(), B::Error> {
    terminal.draw(|f| view::draw(app, f)).map(|_| ())
}
