//! What the TUI's tests share: writing workspace files and making key messages.

use std::path::Path;
use std::sync::Arc;

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::app::App;
use super::msg::{Cmd, Msg};
use super::panes::release::{self, Shared};

/// A temporary workspace named `demo` whose only provider, `local`, is the offline echo;
/// `more` is appended to its workspace.toml (a `[gate]`, say).
pub fn echo_workspace(more: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "workspace.toml",
        &format!(
            "[workspace]\nname = \"demo\"\ndefault_provider = \"local\"\n[providers.local]\nkind = \"echo\"\n{more}"
        ),
    );
    dir
}

pub fn write(root: &Path, rel: &str, text: &str) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

/// The frame at `w`×`h` with the temporary folder's path replaced, so it reads the same
/// anywhere.
pub fn masked_screen(app: &App, root: &Path, w: u16, h: u16) -> String {
    let mut t = ratatui::Terminal::new(ratatui::backend::TestBackend::new(w, h)).unwrap();
    super::render(&mut t, app).unwrap();
    let mut text = t.backend().to_string();
    // The folder's path, and its name (the workspace's name while workspace.toml is
    // broken), are random.
    let shown = root.display().to_string();
    let name = root.file_name().unwrap().to_string_lossy().into_owned();
    for s in [shown, name] {
        let masked = format!("{:<width$}", "WS", width = s.chars().count());
        text = text.replace(&s, &masked);
    }
    text
}

pub fn key(code: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

pub fn ch(c: char) -> Msg {
    key(KeyCode::Char(c))
}

pub fn ctrl(c: char) -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL))
}

/// The plan requests among commands (the workspace they carry aside).
pub fn requests(cmds: &[Cmd]) -> Vec<promptwright_core::plan::PlanRequest> {
    cmds.iter()
        .filter_map(|c| match c {
            Cmd::StartRun { request, .. } => Some(request.clone()),
            _ => None,
        })
        .collect()
}

/// Performs commands as the event loop does (synchronously, for real: runs through the
/// runner, files written), feeding every result back to the app, until the app asks
/// for nothing more.
pub fn perform(app: &mut App, root: &Path, cmds: Vec<Cmd>) {
    let mut queue = cmds;
    while let Some(cmd) = queue.pop() {
        let msgs = match cmd {
            Cmd::LoadRelease { ws, prompt } => {
                let ws = ws.as_ref().map(|w| &**w).map_err(String::as_str);
                vec![Msg::ReleaseLoaded(Box::new(release::load(
                    ws, root, &prompt,
                )))]
            }
            Cmd::RunGate { ws, proposal } => {
                let (tx, mut rx) = mpsc::unbounded_channel();
                let verdict =
                    runtime().block_on(release::gate(ws.0, proposal, tx, CancellationToken::new()));
                let mut out = Vec::new();
                while let Ok(ev) = rx.try_recv() {
                    out.push(Msg::GateEvent(ev));
                }
                out.push(Msg::GateDone(verdict.map(|v| Shared(Arc::new(v)))));
                out
            }
            Cmd::StartRun { ws, request } => {
                let plans = promptwright_core::plan::plans(&ws, &request).unwrap();
                let (tx, mut rx) = mpsc::unbounded_channel();
                runtime().block_on(async {
                    for p in plans {
                        promptwright_core::runner::run(p, tx.clone(), CancellationToken::new())
                            .await
                            .unwrap();
                    }
                });
                let mut out = Vec::new();
                while let Ok(ev) = rx.try_recv() {
                    out.push(Msg::Run(ev));
                }
                out
            }
            Cmd::RunCurrent { ws, prompt } => {
                let (tx, mut rx) = mpsc::unbounded_channel();
                let result = runtime().block_on(super::panes::diff_run::run_current(
                    ws.0,
                    prompt,
                    tx,
                    CancellationToken::new(),
                ));
                let mut out = Vec::new();
                while let Ok(ev) = rx.try_recv() {
                    out.push(Msg::DiffRunEvent(ev));
                }
                out.push(Msg::DiffRunDone(result));
                out
            }
            Cmd::Export {
                proposal,
                verdict,
                note,
            } => vec![Msg::Exported(release::export(
                root, &proposal, &verdict, &note,
            ))],
            Cmd::PlanRollback { prompt } => {
                vec![Msg::RollbackPlanned(release::plan_rollback(root, &prompt))]
            }
            Cmd::Rollback { plan, reason } => {
                vec![Msg::RolledBack(release::rollback(root, &plan, &reason))]
            }
            Cmd::Save { prompt, path, text } => {
                vec![Msg::Saved {
                    prompt,
                    result: super::save(root, &path, text),
                }]
            }
            Cmd::OpenFile { shown, line, col } => vec![Msg::FileOpened {
                result: super::panes::files::read_for_edit(root, &shown),
                line,
                col,
            }],
            Cmd::ScheduleValidate {
                prompt, generation, ..
            } => vec![Msg::ValidateDue { prompt, generation }],
            Cmd::LoadDiff {
                prompt,
                from,
                to,
                draft,
            } => vec![Msg::DiffLoaded(Box::new(super::panes::diff::load(
                root, &prompt, from, to, draft,
            )))],
            Cmd::ReloadWorkspace => vec![super::reread(root)],
            other => panic!("unexpected command {other:?}"),
        };
        for m in msgs {
            queue.extend(app.update(m));
        }
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}
