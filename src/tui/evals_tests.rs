//! The Evals pane driven by real runs: the planner and the runner execute the commands
//! the app returns, against the echo provider and a local HTTP server with latency, and
//! their events are fed back to `update` as the event loop would.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::KeyCode;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::app::{App, Tab};
use super::msg::{Cmd, Msg};
use super::panes::evals::EvalsFocus;
use super::testing::{ch, key, requests, write};
use promptwright_core::plan::{self, PlanRequest};
use promptwright_core::runner::{self, RunEvent};
use promptwright_core::store::Status;

const SUITE: &str = r#"prompt = "greet"
[[assert]]
type = "icontains"
value = "hello"

[[cases]]
id = "ada"
vars = { name = "Ada" }

[[cases]]
id = "bob"
vars = { name = "Bob" }
[[cases.assert]]
type = "contains"
value = "Zed"

[[cases]]
id = "cy"
vars = { name = "Cy" }

[[cases]]
id = "no-name"
vars = { other = 1 }

[[cases]]
id = "dee"
vars = { name = "Dee" }
[[cases.assert]]
type = "is-json"
"#;

/// One prompt, one suite of five cases: two pass, two fail, one is an error.
fn workspace(provider: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        root,
        "workspace.toml",
        &format!("[workspace]\nname = \"demo\"\ndefault_provider = \"p\"\n{provider}"),
    );
    write(
        root,
        "prompts/greet.toml",
        "model = \"m\"\n[[messages]]\nrole = \"user\"\ncontent = \"Hello {{ name }}\"\n",
    );
    write(root, "evals/greet.toml", SUITE);
    write(
        root,
        "evals/other.toml",
        "prompt = \"greet\"\n[[cases]]\nid = \"solo\"\nvars = { name = \"Solo\" }\n",
    );
    dir
}

fn echo() -> tempfile::TempDir {
    workspace("[providers.p]\nkind = \"echo\"\n")
}

fn app_for(root: &Path) -> App {
    let mut app = App::from(super::load(root));
    app.update(Msg::Resize(100, 24));
    app.update(key(KeyCode::Char('2')));
    app
}

fn frame(app: &App, w: u16, h: u16) -> Terminal<TestBackend> {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    super::render(&mut t, app).unwrap();
    t
}

/// Executes a `StartRun` command to the end, feeding every event to the app.
fn execute(app: &mut App, cmds: Vec<Cmd>) {
    let [Cmd::StartRun { ws, request }] = cmds.as_slice() else {
        panic!("expected one StartRun, got {cmds:?}")
    };
    let plans = plan::plans(ws, request).unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        for p in plans {
            let (tx, mut rx) = mpsc::unbounded_channel();
            let task = tokio::spawn(runner::run(p, tx, CancellationToken::new()));
            while let Some(ev) = rx.recv().await {
                app.update(Msg::Run(ev));
            }
            task.await.unwrap().unwrap();
        }
    });
}

fn status_of(app: &App, id: &str) -> Option<Status> {
    app.evals.result("greet", id).map(|r| r.status)
}

#[test]
fn r_runs_the_selected_suite_and_results_fill_the_table() {
    let ws = echo();
    let mut app = app_for(ws.path());
    assert_eq!(app.evals.suite().unwrap().name, "greet");
    let cmds = app.update(ch('r'));
    assert_eq!(
        requests(&cmds),
        vec![PlanRequest {
            suites: vec!["greet".into()],
            ..PlanRequest::default()
        }]
    );
    execute(&mut app, cmds);
    assert_eq!(status_of(&app, "ada"), Some(Status::Pass));
    assert_eq!(status_of(&app, "bob"), Some(Status::Fail));
    assert_eq!(status_of(&app, "no-name"), Some(Status::Error));
    assert!(app.evals.run.is_none());
    let last = app.evals.last_run.clone().unwrap();
    assert!(last.complete);
    assert_eq!(
        (last.counts.passed, last.counts.failed, last.counts.errors),
        (2, 2, 1)
    );
    assert!(
        app.note
            .as_deref()
            .unwrap()
            .contains("2 passed, 2 failed, 1 error")
    );
    let t = frame(&app, 140, 24);
    let text = t.backend().to_string();
    assert!(
        text.contains("contains: expected output to contain \"Zed\""),
        "{text}"
    );
    assert!(text.contains("template: missing variable `name`"), "{text}");
    insta::assert_snapshot!(
        "evals_table",
        text.split(&app.evals.last_run.as_ref().unwrap().run_id)
            .collect::<Vec<_>>()
            .join("RUN_ID")
    );
}

#[test]
fn capital_r_runs_every_suite_of_the_prompt() {
    let ws = echo();
    let mut app = app_for(ws.path());
    let cmds = app.update(ch('R'));
    assert_eq!(
        requests(&cmds),
        vec![PlanRequest {
            prompts: vec!["greet".into()],
            ..PlanRequest::default()
        }]
    );
    execute(&mut app, cmds);
    assert_eq!(
        app.evals.result("other", "solo").map(|r| r.status),
        Some(Status::Pass)
    );
    assert_eq!(app.evals.last_run.as_ref().unwrap().total, 6);
}

#[test]
fn failures_filter_and_review_navigation() {
    let ws = echo();
    let mut app = app_for(ws.path());
    let cmds = app.update(ch('r'));
    execute(&mut app, cmds);
    // n / p walk the failures and errors, wrapping around.
    app.update(ch('n'));
    assert_eq!(app.evals.current_case(), Some(("greet", "bob")));
    app.update(ch('n'));
    assert_eq!(app.evals.current_case(), Some(("greet", "no-name")));
    app.update(ch('n'));
    assert_eq!(app.evals.current_case(), Some(("greet", "dee")));
    app.update(ch('n'));
    assert_eq!(app.evals.current_case(), Some(("greet", "bob")));
    app.update(ch('p'));
    assert_eq!(app.evals.current_case(), Some(("greet", "dee")));
    // f keeps only failures and errors, and the cursor stays on its case.
    app.update(ch('f'));
    assert_eq!(app.evals.rows.len(), 3);
    assert_eq!(app.evals.current_case(), Some(("greet", "dee")));
    app.update(ch('f'));
    assert_eq!(app.evals.rows.len(), 5);
    // / filters by id or text; Enter keeps it, Esc clears it.
    app.update(ch('/'));
    for c in "bo".chars() {
        app.update(ch(c));
    }
    assert_eq!(app.evals.rows.len(), 1);
    app.update(key(KeyCode::Enter));
    assert!(!app.evals.filter_editing);
    assert_eq!(app.evals.rows.len(), 1);
    app.update(ch('/'));
    app.update(key(KeyCode::Esc));
    assert_eq!(app.evals.rows.len(), 5);
    // Text in the output matches too: every output says "Hello".
    app.update(ch('/'));
    for c in "hello dee".chars() {
        app.update(ch(c));
    }
    assert_eq!(app.evals.rows.len(), 1);
    assert_eq!(app.evals.current_case(), Some(("greet", "dee")));
}

#[test]
fn the_detail_shows_everything_and_steps_through_failures() {
    let ws = echo();
    let mut app = app_for(ws.path());
    let cmds = app.update(ch('r'));
    execute(&mut app, cmds);
    app.update(ch('n'));
    app.update(key(KeyCode::Enter));
    assert_eq!(app.evals.detail.as_ref().unwrap().id, "bob");
    let text = frame(&app, 100, 30).backend().to_string();
    for needle in [
        "greet/bob",
        "FAIL",
        "── assertions ──",
        "✗ contains",
        "expected output to contain \"Zed\"",
        "── output ──",
        "Hello Bob",
        "── vars ──",
        "\"name\": \"Bob\"",
        "rendered prompt (greet)",
    ] {
        assert!(text.contains(needle), "{needle} missing:\n{text}");
    }
    insta::assert_snapshot!("evals_detail", frame(&app, 100, 30).backend());
    // n steps to the next failure without leaving the detail.
    app.update(ch('n'));
    assert_eq!(app.evals.detail.as_ref().unwrap().id, "no-name");
    app.update(key(KeyCode::Down));
    assert_eq!(app.evals.detail.as_ref().unwrap().scroll, 1);
    app.update(key(KeyCode::Esc));
    assert!(app.evals.detail.is_none());
    assert_eq!(app.evals.current_case(), Some(("greet", "no-name")));
}

#[test]
fn e_opens_the_prompt_with_the_case_in_the_preview_and_dot_reruns_one_case() {
    let ws = echo();
    let mut app = app_for(ws.path());
    let cmds = app.update(ch('r'));
    execute(&mut app, cmds);
    app.update(ch('n'));
    let cmds = app.update(ch('.'));
    assert_eq!(
        requests(&cmds),
        vec![PlanRequest {
            suites: vec!["greet".into()],
            only_cases: Some(vec![("greet".into(), "bob".into())]),
            no_cache: true,
            ..PlanRequest::default()
        }]
    );
    execute(&mut app, cmds);
    assert_eq!(app.evals.last_run.as_ref().unwrap().total, 1);
    assert_eq!(
        status_of(&app, "ada"),
        Some(Status::Pass),
        "other results stay"
    );
    app.update(ch('e'));
    assert_eq!(app.tab, Tab::Prompts);
    assert_eq!(app.prompts.focus, super::panes::prompts::Focus::Editor);
    let e = app.prompts.current().unwrap();
    assert_eq!(e.name, "greet");
    let c = e.case().unwrap();
    assert_eq!((c.suite.as_str(), c.id.as_str()), ("greet", "bob"));
}

#[test]
fn suites_show_their_pass_rate_and_are_selectable() {
    let ws = echo();
    let mut app = app_for(ws.path());
    let cmds = app.update(ch('R'));
    execute(&mut app, cmds);
    let text = frame(&app, 100, 24).backend().to_string();
    assert!(text.contains(" 40% greet"), "{text}");
    assert!(text.contains("100% other"), "{text}");
    app.update(ch('h'));
    assert_eq!(app.evals.focus, EvalsFocus::Suites);
    app.update(ch('j'));
    assert_eq!(app.evals.suite().unwrap().name, "other");
    assert_eq!(app.evals.rows.len(), 1);
}

#[test]
fn results_of_earlier_runs_are_there_at_start() {
    let ws = echo();
    let mut app = app_for(ws.path());
    let cmds = app.update(ch('r'));
    execute(&mut app, cmds);
    let again = app_for(ws.path());
    assert_eq!(
        again.evals.result("greet", "bob").map(|r| r.status),
        Some(Status::Fail)
    );
    assert_eq!(again.evals.counts["greet"].passed, 2);
}

/// A local OpenAI-compatible server answering after `delay`, counting requests.
fn slow_server(delay: Duration) -> (String, Arc<AtomicUsize>) {
    let hits = Arc::new(AtomicUsize::new(0));
    let (tx, rx) = std::sync::mpsc::channel();
    let counter = hits.clone();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Runtime::new().unwrap();
        rt.block_on(async move {
            let app = axum::Router::new().route(
                "/v1/chat/completions",
                axum::routing::post(move |axum::Json(body): axum::Json<serde_json::Value>| {
                    let counter = counter.clone();
                    async move {
                        counter.fetch_add(1, Ordering::SeqCst);
                        tokio::time::sleep(delay).await;
                        let user = body["messages"][0]["content"]
                            .as_str()
                            .unwrap_or("")
                            .to_string();
                        axum::Json(serde_json::json!({
                            "choices": [{"message": {"role": "assistant", "content": user}}],
                            "usage": {"prompt_tokens": 10, "completion_tokens": 5}
                        }))
                    }
                }),
            );
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            tx.send(listener.local_addr().unwrap()).unwrap();
            axum::serve(listener, app).await.unwrap();
        });
    });
    let addr = rx.recv().unwrap();
    (format!("http://{addr}/v1"), hits)
}

#[test]
fn a_live_run_against_a_slow_server_shows_the_gauge_cancels_and_resumes() {
    let (url, hits) = slow_server(Duration::from_millis(150));
    let ws = workspace(&format!(
        "[providers.p]\nkind = \"openai\"\nbase_url = \"{url}\"\nconcurrency = 1\n[pricing]\n\"m\" = {{ input = 100.0, output = 100.0 }}\n"
    ));
    let mut app = app_for(ws.path());
    let cmds = app.update(ch('r'));
    let [Cmd::StartRun { ws, request }] = cmds.as_slice() else {
        panic!()
    };
    let plans = plan::plans(ws, request).unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let cancel = CancellationToken::new();
    let start = Instant::now();
    let latency = regex::Regex::new(r"\d+ ms").unwrap();
    rt.block_on(async {
        let (tx, mut rx) = mpsc::unbounded_channel();
        let task = tokio::spawn(runner::run(
            plans.into_iter().next().unwrap(),
            tx,
            cancel.clone(),
        ));
        let mut scored = 0;
        while let Some(ev) = rx.recv().await {
            let is_score = matches!(ev, RunEvent::CaseScored(_));
            app.update(Msg::Run(ev));
            if is_score {
                scored += 1;
                if scored == 2 {
                    // Mid-run: two cases in are too few for an ETA, shown as "—".
                    app.update(Msg::Tick(start + Duration::from_secs(2)));
                    let text = frame(&app, 100, 24).backend().to_string();
                    let run_id = app.evals.run.as_ref().unwrap().run_id.clone();
                    // Latencies vary by a few ms from run to run: masked.
                    let text = latency.replace_all(&text, "NN ms");
                    insta::assert_snapshot!("evals_gauge_mid_run", text.replace(&run_id, "RUN_ID"));
                    // Typing and navigation work while results stream in.
                    app.update(ch('j'));
                    assert_eq!(app.evals.cursor, 1);
                    let cmds = app.update(ch('c'));
                    assert_eq!(cmds, vec![Cmd::CancelRun]);
                    assert!(app.evals.run.as_ref().unwrap().cancelling);
                    cancel.cancel();
                }
            }
        }
        task.await.unwrap().unwrap();
    });
    let last = app.evals.last_run.clone().unwrap();
    assert!(!last.complete, "cancelled runs are incomplete");
    assert!(app.note.as_deref().unwrap().contains("u resumes it"));
    let asked_before = hits.load(Ordering::SeqCst);
    assert!(
        asked_before < 4,
        "cancel stopped the run ({asked_before} requests)"
    );
    // u resumes it: the recorded cases are not asked again.
    let cmds = app.update(ch('u'));
    assert_eq!(
        requests(&cmds),
        vec![PlanRequest {
            prompts: vec!["greet".into()],
            suites: vec!["greet".into()],
            resume: true,
            ..PlanRequest::default()
        }]
    );
    execute(&mut app, cmds);
    let resumed = app.evals.last_run.clone().unwrap();
    assert!(resumed.complete);
    assert_eq!(resumed.run_id, last.run_id, "the same run, continued");
    // 4 cases reach the server (no-name is a template error); none is asked twice,
    // except one that was in flight when the run was cancelled.
    let total = hits.load(Ordering::SeqCst);
    assert!((4..=5).contains(&total), "{total} requests");
}

#[test]
fn a_run_is_refused_when_the_workspace_would_send_a_key_to_a_host_not_allowed() {
    let ws = workspace(
        "[providers.p]\nkind = \"openai\"\nbase_url = \"https://collector.invalid/v1\"\napi_key_env = \"PW_TUI_TRUST_KEY\"\n",
    );
    let mut app = app_for(ws.path());
    let cmds = app.update(ch('r'));
    let [Cmd::StartRun { ws, request }] = cmds.as_slice() else {
        panic!("expected one StartRun, got {cmds:?}")
    };
    // What the event loop's start_run does first, before anything is sent.
    let Err(err) = plan::plans(ws, request) else {
        panic!("the run was planned")
    };
    assert!(
        err.message.ends_with(
            "workspace.toml:6:12: provider `p` would send its key (PW_TUI_TRUST_KEY) to `collector.invalid`, a host you have not allowed"
        ),
        "{}",
        err.message
    );
    assert!(
        err.help
            .contains("export PROMPTWRIGHT_ALLOW_HOSTS=collector.invalid"),
        "{}",
        err.help
    );
}
