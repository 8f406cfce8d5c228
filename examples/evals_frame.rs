//! Evals pane figures: frame render time with a 20,000-row table, and key-to-frame
//! latency while 500 results per second stream in (the results of each 16 ms are applied
//! before the key, as the event loop batches them).
//!
//! cargo run --release --example evals_frame

// A benchmark harness: a failed setup step panics, and the panic is the report.
#![allow(clippy::unwrap_used)]

use std::time::{Duration, Instant};

use promptwright::tui;
use promptwright::tui::app::App;
use promptwright::tui::msg::Msg;
use promptwright_core::runner::RunEvent;
use promptwright_core::store::{CaseResult, RunHeader, Status};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

const CASES: usize = 20_000;

fn workspace(root: &std::path::Path) {
    std::fs::create_dir_all(root.join("prompts")).unwrap();
    std::fs::create_dir_all(root.join("evals/data")).unwrap();
    std::fs::write(
        root.join("workspace.toml"),
        "[workspace]\nname = \"big\"\ndefault_provider = \"local\"\n[providers.local]\nkind = \"echo\"\n",
    )
    .unwrap();
    std::fs::write(
        root.join("prompts/p.toml"),
        "[[messages]]\nrole = \"user\"\ncontent = \"{{ t }}\"\n",
    )
    .unwrap();
    std::fs::write(
        root.join("evals/s.toml"),
        "prompt = \"p\"\ndataset = \"data/s.jsonl\"\n",
    )
    .unwrap();
    let lines: String = (0..CASES)
        .map(|i| format!("{{\"id\": \"case-{i:05}\", \"vars\": {{\"t\": \"ticket {i}\"}}}}\n"))
        .collect();
    std::fs::write(root.join("evals/data/s.jsonl"), lines).unwrap();
}

fn result(i: usize) -> CaseResult {
    let fail = i % 7 == 0;
    CaseResult {
        suite: "s".into(),
        id: format!("case-{i:05}"),
        status: if fail { Status::Fail } else { Status::Pass },
        score: if fail { 0.5 } else { 1.0 },
        vars: Default::default(),
        output: Some(format!("ticket {i}")),
        tool_calls: Vec::new(),
        error: None,
        cached: false,
        latency_ms: Some(50),
        tokens: None,
        cost_usd: 0.0001,
        assertions: Vec::new(),
        samples: Vec::new(),
    }
}

fn percentile(mut v: Vec<f64>, p: f64) -> f64 {
    v.sort_by(f64::total_cmp);
    v[((v.len() as f64 * p).ceil() as usize).clamp(1, v.len()) - 1]
}

fn main() {
    let dir = tempfile::tempdir().unwrap();
    workspace(dir.path());
    let mut app = App::from(tui::load(dir.path()));
    app.update(Msg::Resize(160, 48));
    app.update(Msg::Key(KeyEvent::new(
        KeyCode::Char('2'),
        KeyModifiers::NONE,
    )));
    let mut terminal = Terminal::new(TestBackend::new(160, 48)).unwrap();

    // Full table: every case has a result.
    for i in 0..CASES {
        app.update(Msg::Run(RunEvent::CaseScored(Box::new(result(i)))));
    }
    let mut frames = Vec::new();
    for k in 0..500 {
        app.update(Msg::Key(KeyEvent::new(
            KeyCode::PageDown,
            KeyModifiers::NONE,
        )));
        if k % 100 == 0 {
            app.update(Msg::Key(KeyEvent::new(
                KeyCode::Char('f'),
                KeyModifiers::NONE,
            )));
        }
        let t = Instant::now();
        tui::render(&mut terminal, &app).unwrap();
        frames.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    println!(
        "frame with a {CASES}-row table: median {:.3} ms, p99 {:.3} ms",
        percentile(frames.clone(), 0.5),
        percentile(frames, 0.99)
    );

    // A run streaming 500 results per second: 8 results per 16 ms, then a key, then a frame.
    let header = RunHeader {
        run_id: "r".into(),
        prompt: "p".into(),
        content_sha256: String::new(),
        provider: "local".into(),
        model: "m".into(),
        started_at: String::new(),
        suites: vec!["s".into()],
        total: CASES,
        shard: None,
    };
    app.update(Msg::Run(RunEvent::Started(header)));
    let mut latencies = Vec::new();
    let mut i = 0;
    let started = Instant::now();
    while i < CASES {
        let t = Instant::now();
        for _ in 0..8 {
            app.update(Msg::Run(RunEvent::CaseScored(Box::new(result(i % CASES)))));
            i += 1;
        }
        let code = if i % 64 < 32 {
            KeyCode::Down
        } else {
            KeyCode::Up
        };
        app.update(Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)));
        // The loop ticks every 250 ms while a run is in progress: every 16th frame here.
        if (i / 8) % 16 == 0 {
            app.update(Msg::Tick(started + Duration::from_millis(i as u64 * 2)));
        }
        tui::render(&mut terminal, &app).unwrap();
        latencies.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    println!(
        "key to frame while 500 results/s stream in: median {:.3} ms, p99 {:.3} ms, max {:.3} ms",
        percentile(latencies.clone(), 0.5),
        percentile(latencies.clone(), 0.99),
        percentile(latencies, 1.0)
    );
}
