//! The screenshot set: the app on a workspace, driven into each pane's telling state,
//! rendered at a fixed size. Used by `promptwright screenshots` and by the test that
//! keeps `screenshots/` fresh, so everything here is deterministic: the workspace is
//! copied without its local state, runs use the offline echo provider, and run ids and
//! clocks are fixed.

use std::io;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use ratatui::Terminal;
use ratatui::backend::TestBackend;

use super::app::App;
use super::drive::settle;
use super::keymap::Action;
use super::msg::{Cmd, Msg};
use super::screenshot;
use promptwright_core::plan::PlanRequest;
use promptwright_core::release::LogEntry;
use promptwright_core::runner::RunEvent;
use promptwright_core::store::CaseResult;

pub const WIDTH: u16 = 120;
pub const HEIGHT: u16 = 36;
const RUN_ID: &str = "20261125-093000-c0ffee";

pub struct Shot {
    pub name: &'static str,
    /// Words the picture must show to be what its name promises (the freshness test
    /// checks them, so a shot taken in the wrong state fails).
    pub shows: &'static [&'static str],
    pub text: String,
    pub svg: String,
}

fn shoot(name: &'static str, shows: &'static [&'static str], app: &App) -> Shot {
    // A TestBackend cannot fail to draw.
    let mut terminal = match Terminal::new(TestBackend::new(WIDTH, HEIGHT)) {
        Ok(t) => t,
        Err(never) => match never {},
    };
    let _ = super::render(&mut terminal, app);
    let buf = terminal.backend().buffer();
    Shot {
        name,
        shows,
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

/// Offline answers take "0 ms" give or take a scheduler hiccup: pin them, and the run
/// id, so the pictures only change when the app does.
fn pin(ev: &mut RunEvent) {
    match ev {
        RunEvent::Started(h) => h.run_id = RUN_ID.into(),
        RunEvent::CaseScored(c) => pin_case(c),
        RunEvent::Finished(r) => {
            let r = Arc::make_mut(r);
            r.run_id = RUN_ID.into();
            for c in &mut r.cases {
                pin_case(c);
            }
            let s = &mut r.summary;
            s.p50_latency_ms = s.p50_latency_ms.map(|_| 0);
            s.p95_latency_ms = s.p95_latency_ms.map(|_| 0);
        }
        RunEvent::CaseStarted { .. } | RunEvent::Batch(_) => {}
    }
}

/// A case's latency, and the `latency` assertion's reason that quotes it.
fn pin_case(c: &mut CaseResult) {
    c.latency_ms = c.latency_ms.map(|_| 0);
    for a in c
        .assertions
        .iter_mut()
        .filter(|a| a.type_name.ends_with("latency"))
    {
        if let Some(at) = a.reason.find("it took ") {
            a.reason.replace_range(at.., "it took 0 ms");
        }
    }
}

/// Hands a message to the app with everything that varies between machines pinned:
/// run ids, latencies, the clock, the release author.
fn pinned(app: &mut App, mut m: Msg, clock: Instant) -> Vec<Cmd> {
    match &mut m {
        Msg::Run(ev) | Msg::GateEvent(ev) | Msg::DiffRunEvent(ev) => {
            pin(ev);
            app.now = clock;
        }
        Msg::GateDone(Ok(v)) => {
            let v = Arc::make_mut(&mut v.0);
            for c in v
                .checks
                .iter_mut()
                .filter(|c| c.name.ends_with("latency_ms"))
            {
                c.actual = serde_json::Value::from(0);
            }
        }
        _ => {}
    }
    let cmds = app.update(m);
    for entry in &mut app.release.history {
        // The author comes from git config.
        match entry {
            LogEntry::Release(r) => r.author = "ada".into(),
            LogEntry::Rollback(r) => r.author = "ada".into(),
            LogEntry::Promote(l) | LogEntry::LabelRollback(l) => l.author = "ada".into(),
        }
    }
    cmds
}

/// Every pane of the app on the workspace at `root`, each in the state its name says;
/// runs and the gate go through the workbench's own executor.
pub fn all(root: &Path) -> io::Result<Vec<Shot>> {
    let tmp = tempfile::tempdir()?;
    let ws = tmp.path();
    copy_workspace(root, ws)?;
    let mut app = App::from(super::load(ws));
    let clock = Instant::now();
    app.update(Msg::Tick(clock));
    app.update(Msg::Resize(WIDTH, HEIGHT));
    // The pictures follow support-reply, the prompt with a pending edit (second in
    // the list, after order-status).
    app.act(Action::Down);
    let mut shots = vec![shoot("1-prompts", &["Prompts"], &app)];
    app.act(Action::Edit);
    shots.push(shoot("1-prompts-editing", &["Ctrl-S"], &app));
    app.act(Action::LeaveEditor);
    app.act(Action::ToggleHelp);
    shots.push(shoot("1-prompts-help", &["Keys"], &app));
    app.act(Action::ToggleHelp);

    // Evals: a run of every suite of the selected prompt, pictured half-way and done. One
    // case at a time, so the half-way picture is always the same half.
    let prompt = app
        .prompts
        .current()
        .map(|e| e.name.clone())
        .unwrap_or_default();
    app.act(Action::Tab(1));
    // Its first suite, reply-quality, after order-status.
    app.act(Action::FocusLeft);
    app.act(Action::Down);
    app.act(Action::FocusRight);
    let request = PlanRequest {
        prompts: vec![prompt],
        jobs: Some(1),
        ..PlanRequest::default()
    };
    let Some(workspace) = app.workspace.clone() else {
        return Err(io::Error::other(
            "the workspace does not load: run `promptwright check`",
        ));
    };
    let start = Cmd::StartRun {
        ws: super::panes::release::Shared(workspace),
        request,
    };
    let (mut scored, mut total) = (0, 0);
    settle(&mut app, ws, vec![start], |app, m| {
        let half_way = match &m {
            Msg::Run(RunEvent::Started(h)) => {
                total = h.total;
                false
            }
            Msg::Run(RunEvent::CaseScored(_)) => {
                scored += 1;
                scored == total / 2
            }
            _ => false,
        };
        let cmds = pinned(app, m, clock);
        if half_way {
            app.update(Msg::Tick(clock + Duration::from_secs(3)));
            shots.push(shoot("2-evals-running", &["ETA"], app));
        }
        cmds
    })?;
    app.note = None;
    shots.push(shoot("2-evals", &["passed"], &app));
    app.act(Action::NextFailure);
    app.act(Action::Open);
    shots.push(shoot("2-evals-detail", &["assertions"], &app));
    app.act(Action::Close);

    // Diff: the selected prompt, current release against the draft, both views; then
    // the current release is run from the pane (R) and the outputs compared.
    app.act(Action::Tab(0));
    let cmds = app.act(Action::Tab(2));
    settle(&mut app, ws, cmds, |app, m| pinned(app, m, clock))?;
    shots.push(shoot("3-diff", &["side by side"], &app));
    app.act(Action::ToggleView);
    shots.push(shoot("3-diff-unified", &["unified"], &app));
    app.act(Action::ToggleView);
    app.act(Action::ToggleOutputs);
    let cmds = app.act(Action::RunCurrent);
    settle(&mut app, ws, cmds, |app, m| pinned(app, m, clock))?;
    app.note = None;
    shots.push(shoot("3-diff-outputs", &["OUTPUT CHANGED"], &app));
    app.act(Action::ToggleOutputs);

    // Release: the proposal of the selected prompt, gated for real (draft and current).
    let cmds = app.act(Action::Tab(3));
    settle(&mut app, ws, cmds, |app, m| pinned(app, m, clock))?;
    let cmds = app.act(Action::RunGate);
    settle(&mut app, ws, cmds, |app, m| pinned(app, m, clock))?;
    shots.push(shoot("4-release", &["min_pass_rate"], &app));
    Ok(shots)
}
