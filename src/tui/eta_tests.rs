//! The ETA in the run gauges, with the clock and the results injected: cached results
//! do not count, "—" until there is enough to go on, and a stall makes it grow.

use std::time::{Duration, Instant};

use ratatui::Terminal;
use ratatui::backend::TestBackend;

use super::app::App;
use super::keymap::Action;
use super::msg::Msg;
use super::panes::release::Gating;
use super::testing::{echo_workspace, write};
use promptwright_core::runner::RunEvent;
use promptwright_core::store::{CaseResult, RunHeader, Status};

fn scored(id: &str, cached: bool) -> RunEvent {
    RunEvent::CaseScored(Box::new(CaseResult {
        suite: "greet".into(),
        id: id.into(),
        status: Status::Pass,
        score: 1.0,
        vars: Default::default(),
        output: Some("hello".into()),
        tool_calls: Vec::new(),
        error: None,
        cached,
        latency_ms: Some(1),
        tokens: None,
        cost_usd: 0.0,
        assertions: Vec::new(),
        samples: Vec::new(),
    }))
}

fn header(total: usize) -> RunHeader {
    RunHeader {
        run_id: "r1".into(),
        prompt: "greet".into(),
        content_sha256: String::new(),
        provider: "local".into(),
        model: "m".into(),
        started_at: String::new(),
        suites: vec!["greet".into()],
        total,
        shard: None,
    }
}

fn gauge_line(app: &App, marker: &str) -> String {
    let mut t = Terminal::new(TestBackend::new(100, 14)).unwrap();
    super::render(&mut t, app).unwrap();
    t.backend()
        .to_string()
        .lines()
        .find(|l| l.contains(marker))
        .unwrap_or_else(|| panic!("no line with {marker:?}"))
        .trim_end()
        .to_string()
}

fn app() -> (tempfile::TempDir, App) {
    let dir = echo_workspace("");
    write(
        dir.path(),
        "prompts/greet.toml",
        "model = \"m\"\n[[messages]]\nrole = \"user\"\ncontent = \"Hello\"\n",
    );
    write(dir.path(), "evals/greet.toml", "prompt = \"greet\"\n");
    let mut app = App::from(super::load(dir.path()));
    app.update(Msg::Resize(100, 14));
    (dir, app)
}

#[test]
fn the_run_gauge_ignores_cached_results_and_grows_on_a_stall() {
    let (_dir, mut app) = app();
    app.act(Action::Tab(1));
    let t0 = Instant::now();
    let at = |ms: u64| t0 + Duration::from_millis(ms);
    app.update(Msg::Tick(t0));
    app.update(Msg::Run(RunEvent::Started(header(24))));
    // Ten answers from the cache at once: no estimate from them.
    for i in 0..10 {
        app.update(Msg::Run(scored(&format!("c{i}"), true)));
    }
    app.update(Msg::Tick(at(500)));
    let cached_only = gauge_line(&app, "ETA");
    assert!(cached_only.contains("ETA —"), "{cached_only}");
    // Then four fresh cases, one every 500 ms: ten left at 0.5 s each.
    for i in 0..4u64 {
        app.update(Msg::Tick(at(500 * (i + 1))));
        app.update(Msg::Run(scored(&format!("f{i}"), false)));
    }
    insta::assert_snapshot!(gauge_line(&app, "ETA"));
    // Nothing more for 20 s: the estimate grows with the stall.
    app.update(Msg::Tick(at(22_000)));
    let stalled = gauge_line(&app, "ETA");
    assert!(stalled.contains("ETA 55s"), "{stalled}");
}

#[test]
fn the_gate_gauge_shows_an_eta() {
    let (_dir, mut app) = app();
    app.act(Action::Tab(3));
    let t0 = Instant::now();
    app.update(Msg::Tick(t0));
    app.release.gating = Some(Gating::new(t0));
    app.update(Msg::GateEvent(RunEvent::Started(header(8))));
    assert!(gauge_line(&app, "gate:").contains("ETA —"));
    for i in 0..4u64 {
        app.update(Msg::Tick(t0 + Duration::from_secs(i + 1)));
        app.update(Msg::GateEvent(scored(&format!("f{i}"), false)));
    }
    let line = gauge_line(&app, "gate:");
    assert!(line.contains("4/8") && line.contains("ETA 4s"), "{line}");
}
