//! What the TUI's tests share: writing workspace files and making key messages.

use std::path::Path;
use std::sync::Arc;

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::app::App;
use super::msg::{Cmd, Msg};
use super::panes::release::{self, Shared};
use promptwright_core::workspace::Workspace;

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
                let result = promptwright_core::fsutil::write_atomic(&path, text.as_bytes())
                    .map(|()| text)
                    .map_err(|e| e.to_string());
                vec![Msg::Saved { prompt, result }]
            }
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
            Cmd::ReloadWorkspace => vec![Msg::WorkspaceLoaded(Arc::new(Workspace::load(root)))],
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
