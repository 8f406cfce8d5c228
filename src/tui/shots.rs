//! The screenshot set: the app on a workspace, driven into each pane's telling state,
//! rendered at a fixed size. Used by `promptwright screenshots` and by the test that
//! keeps `screenshots/` fresh, so everything here is deterministic: the workspace is
//! copied without its local state, runs use the offline echo provider, and run ids and
//! clocks are fixed.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::app::App;
use super::keymap::Action;
use super::msg::{Cmd, Msg};
use super::screenshot;
use promptwright_core::plan::{self, PlanRequest};
use promptwright_core::runner::{self, RunEvent};

pub const WIDTH: u16 = 120;
pub const HEIGHT: u16 = 36;
const RUN_ID: &str = "20261125-093000-c0ffee";

pub struct Shot {
    pub name: &'static str,
    pub text: String,
    pub svg: String,
}

fn shoot(name: &'static str, app: &App) -> Shot {
    let mut terminal = Terminal::new(TestBackend::new(WIDTH, HEIGHT)).expect("test backend");
    super::render(&mut terminal, app).expect("test backend draws");
    let buf = terminal.backend().buffer();
    Shot {
        name,
        text: screenshot::to_text(buf),
        svg: screenshot::to_svg(buf),
    }
}

/// Copies the workspace's own files (not `.promptwright/`, not build output).
fn copy_workspace(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::copy(from.join("workspace.toml"), to.join("workspace.toml"))?;
    for dir in ["prompts", "evals", "releases"] {
        copy_dir(&from.join(dir), &to.join(dir))?;
    }
    Ok(())
}

fn copy_dir(from: &Path, to: &Path) -> std::io::Result<()> {
    if !from.is_dir() {
        return Ok(());
    }
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let path = entry?.path();
        let target = to.join(path.file_name().unwrap_or_default());
        if path.is_dir() {
            copy_dir(&path, &target)?;
        } else {
            std::fs::copy(&path, &target)?;
        }
    }
    Ok(())
}

/// Every event of a run of `request`, with the run id fixed.
fn run_events(app: &App, request: &PlanRequest) -> Vec<RunEvent> {
    let Some(ws) = app.workspace.clone() else {
        return Vec::new();
    };
    let Ok(plans) = plan::plans(&ws, request) else {
        return Vec::new();
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let mut events = Vec::new();
    rt.block_on(async {
        for p in plans {
            let (tx, mut rx) = mpsc::unbounded_channel();
            let task = tokio::spawn(runner::run(p, tx, CancellationToken::new()));
            while let Some(ev) = rx.recv().await {
                events.push(ev);
            }
            let _ = task.await;
        }
    });
    // Offline answers take "0 ms" give or take a scheduler hiccup: pin them, and the
    // run id, so the pictures only change when the app does.
    for ev in &mut events {
        match ev {
            RunEvent::Started(h) => h.run_id = RUN_ID.into(),
            RunEvent::CaseScored(c) => c.latency_ms = Some(0),
            RunEvent::Finished(r) => {
                let r = Arc::make_mut(r);
                r.run_id = RUN_ID.into();
                for c in &mut r.cases {
                    c.latency_ms = Some(0);
                }
            }
            RunEvent::CaseStarted { .. } => {}
        }
    }
    events
}

/// Every pane of the app on the workspace at `root`.
pub fn all(root: &Path) -> Vec<Shot> {
    let tmp = tempfile::tempdir().expect("temporary folder");
    copy_workspace(root, tmp.path()).expect("copy the workspace");
    let mut app = App::from(super::load(tmp.path()));
    app.update(Msg::Resize(WIDTH, HEIGHT));
    let mut shots = vec![shoot("1-prompts", &app)];
    app.act(Action::Edit);
    shots.push(shoot("1-prompts-editing", &app));
    app.act(Action::LeaveEditor);
    app.act(Action::ToggleHelp);
    shots.push(shoot("1-prompts-help", &app));
    app.act(Action::ToggleHelp);

    // Evals: a run of every suite of the first prompt, streamed in, half-way and done.
    app.act(Action::Tab(1));
    let prompt = app
        .evals
        .suite()
        .map(|s| s.prompt.clone())
        .unwrap_or_default();
    // One case at a time, so the half-way picture is always the same half.
    let request = PlanRequest {
        prompts: vec![prompt],
        jobs: Some(1),
        ..PlanRequest::default()
    };
    let events = run_events(&app, &request);
    let start = Instant::now();
    app.update(Msg::Tick(start));
    let half = events.len() / 2;
    for ev in events[..half].iter().cloned() {
        app.update(Msg::Run(ev));
    }
    app.update(Msg::Tick(start + Duration::from_secs(3)));
    shots.push(shoot("2-evals-running", &app));
    for ev in events[half..].iter().cloned() {
        app.update(Msg::Run(ev));
    }
    app.note = None;
    shots.push(shoot("2-evals", &app));
    app.act(Action::NextFailure);
    app.act(Action::Open);
    shots.push(shoot("2-evals-detail", &app));
    app.act(Action::Close);

    // Diff: the first prompt, current release against the draft, both views.
    app.act(Action::Tab(0));
    app.act(Action::Up);
    let cmds = app.act(Action::Tab(2));
    load_diffs(&mut app, tmp.path(), cmds);
    shots.push(shoot("3-diff", &app));
    app.act(Action::ToggleView);
    shots.push(shoot("3-diff-unified", &app));
    app.act(Action::ToggleView);
    app.act(Action::ToggleOutputs);
    shots.push(shoot("3-diff-outputs", &app));
    app.act(Action::ToggleOutputs);

    // Release: the proposal of the first prompt, gated for real (draft and current).
    let cmds = app.act(Action::Tab(3));
    perform_release(&mut app, cmds);
    let cmds = app.act(Action::RunGate);
    perform_release(&mut app, cmds);
    if let Some(entry) = app.release.history.first_mut() {
        // The author comes from git config: pinned so the picture is the same anywhere.
        match entry {
            promptwright_core::release::LogEntry::Release(r) => r.author = "ada".into(),
            promptwright_core::release::LogEntry::Rollback(r) => r.author = "ada".into(),
        }
    }
    shots.push(shoot("4-release", &app));
    shots
}

/// Loads the Release pane and runs its gate as the event loop would, until the app
/// asks for nothing more.
fn perform_release(app: &mut App, mut cmds: Vec<Cmd>) {
    while let Some(cmd) = cmds.pop() {
        let msg = match cmd {
            Cmd::LoadRelease { ws, prompt } => {
                let ws = ws.as_ref().map(|w| &**w).map_err(String::as_str);
                let root = ws.map(|w| w.root.clone()).unwrap_or_default();
                Msg::ReleaseLoaded(Box::new(super::panes::release::load(ws, &root, &prompt)))
            }
            Cmd::RunGate { ws, proposal: p } => {
                let ws = ws.0;
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("runtime");
                let (tx, _rx) = mpsc::unbounded_channel();
                let verdict = rt.block_on(super::panes::release::gate(
                    ws,
                    p,
                    tx,
                    CancellationToken::new(),
                ));
                // Offline latencies are "0 ms" give or take a scheduler hiccup: pinned.
                let verdict = verdict.map(|mut v| {
                    for c in v
                        .checks
                        .iter_mut()
                        .filter(|c| c.name.ends_with("latency_ms"))
                    {
                        c.actual = serde_json::Value::from(0);
                    }
                    super::panes::release::Shared(std::sync::Arc::new(v))
                });
                Msg::GateDone(verdict)
            }
            _ => continue,
        };
        cmds.extend(app.update(msg));
    }
}

/// Computes the diffs the app asked for, as the event loop would.
fn load_diffs(app: &mut App, root: &Path, cmds: Vec<Cmd>) {
    for cmd in cmds {
        if let Cmd::LoadDiff {
            prompt,
            from,
            to,
            draft,
        } = cmd
        {
            let loaded = super::panes::diff::load(root, &prompt, from, to, draft);
            app.update(Msg::DiffLoaded(Box::new(loaded)));
        }
    }
}
