//! The workbench: state + messages + pure rendering. `run` owns the terminal and one
//! `tokio::select!` loop over terminal events, results of background work and a file
//! watch; `App::update` turns each message into state and commands.

pub mod app;
mod compare_routes;
mod draft;
pub mod drive;
pub mod effects;
mod eta;
mod external;
pub mod keymap;
pub mod layout;
pub mod loaders;
pub mod msg;
pub mod panes;
mod problem_files;
mod routes;
pub mod screenshot;
pub mod shots;
pub mod theme;
pub mod view;
pub mod watch;
pub mod widgets;

#[cfg(test)]
mod compare_tests;
#[cfg(test)]
mod cut_words_tests;
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
mod label_tests;
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
mod repeat_tests;
#[cfg(test)]
mod stale_tests;
#[cfg(test)]
mod testing;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tools_tests;

use std::io;
use std::path::Path;
use std::time::Duration;

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

use app::{App, WorkspaceInfo};
use effects::{Effects, Flow};
use msg::Msg;
use panes::evals::{EvalsPane, SuiteRow};
use panes::prompts::{PreviewCase, PromptEntry, PromptsPane};

use promptwright_core::workspace::Workspace;
use promptwright_core::workspace::lenient::{Lenient, load_lenient, read_config};

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
                vars: c.vars.to_map(),
            })
        })
        .collect()
}

/// Reads the workspace for the TUI (`load_lenient`: it never refuses, so broken files
/// open in the editor next to their errors) and builds the panes from it.
pub fn load(root: &Path) -> Loaded {
    let mut loaded = first_load(root);
    loaded.evals.add_recorded(recorded_results(root));
    loaded
}

/// What the first frame needs: [`load`] without the results of recorded runs, which
/// [`run`] reads after the first frame (`Cmd::LoadRecorded`): behind a run of 100,000
/// cases, reading them takes half a second.
pub fn first_load(root: &Path) -> Loaded {
    let Lenient {
        workspace,
        errors: load_errors,
        config,
        prompt_files,
    } = load_lenient(root);
    let name = config.as_ref().map(|c| c.name.clone()).unwrap_or_else(|| {
        root.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    });
    let entries = prompt_files
        .into_iter()
        .map(|f| {
            let cases = workspace
                .as_ref()
                .map(|ws| preview_cases(ws, &f.name))
                .unwrap_or_default();
            PromptEntry::new(f.name, f.rel, f.path, f.text, f.released_sha256, cases)
        })
        .collect();
    let evals = EvalsPane::new(
        workspace.as_deref().map(suite_rows).unwrap_or_default(),
        Vec::new(),
    );
    Loaded {
        info: WorkspaceInfo {
            name,
            config,
            load_errors,
        },
        workspace,
        prompts: PromptsPane::new(entries),
        evals,
    }
}

/// The latest result of each case in the recent run records, newest first.
pub fn recorded_results(root: &Path) -> Vec<promptwright_core::store::CaseResult> {
    promptwright_core::store::latest_results(root, RECENT_RUNS)
}

/// The workspace read again, as `Msg::WorkspaceLoaded`.
pub(crate) fn reread(root: &Path) -> Msg {
    let result = Workspace::load(root);
    let config = result.is_err().then(|| read_config(root)).flatten();
    Msg::WorkspaceLoaded {
        result: result.map(Arc::new),
        config: config.map(Box::new),
    }
}

/// Opens the TUI on the workspace at `root` until the user quits.
pub fn run(root: &Path) -> io::Result<()> {
    let mut app = App::from(first_load(root));
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

async fn event_loop(terminal: &mut DefaultTerminal, app: &mut App, root: &Path) -> io::Result<()> {
    let (tx, mut rx) = mpsc::unbounded_channel::<Msg>();
    let mut events = EventStream::new();
    let mut effects = Effects::new(root, app, tx.clone());
    // The first frame is drawn while the recorded results are read.
    effects.perform(msg::Cmd::LoadRecorded);
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
                for m in effects.watch.changes() {
                    let _ = tx.send(m);
                }
                None
            }
        };
        let Some(msg) = msg else { continue };
        // Tests of the terminal's restore after a panic (debug builds only).
        if matches!(msg, Msg::Key(_))
            && promptwright_core::failpoint::value("tui-panic-on-key").is_some()
        {
            panic!("failpoint tui-panic-on-key");
        }
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
            effects.observe(&m);
            for cmd in app.update(m) {
                match effects.perform(cmd) {
                    Flow::Continue => {}
                    Flow::Quit => {
                        effects.cancel_run();
                        return Ok(());
                    }
                    Flow::EditExternally {
                        prompt,
                        path,
                        unsaved,
                    } => {
                        // The editor owns the terminal meanwhile: no event reader may race it.
                        drop(events);
                        let edited = external::edit(terminal, &path, unsaved.as_deref(), |p, t| {
                            effects.watch.expect(p, t)
                        });
                        events = EventStream::new();
                        let _ = tx.send(Msg::ExternalEdited {
                            prompt,
                            result: edited,
                        });
                    }
                }
            }
        }
    }
}

/// Draws one frame of `app` on any backend (tests and screenshots use TestBackend).
pub fn render<B: Backend>(terminal: &mut Terminal<B>, app: &App) -> Result<(), B::Error> {
    terminal.draw(|f| view::draw(app, f)).map(|_| ())
}
