//! The Evals pane driven by real runs: the planner and the runner execute the commands
//! the app returns, against the echo provider and a local HTTP server with latency, and
//! their events are fed back to `update` as the event loop would.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::KeyCode;

use super::app::{App, Tab};
use super::msg::{Cmd, Msg};
use super::panes::evals::EvalsFocus;
use super::testing::{ch, execute, key, masked_latencies, requests, serve_openai, write};
use promptwright_core::plan::{self, PlanRequest};
use promptwright_core::runner::RunEvent;
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
    assert!(!app.evals.is_running());
    let last = app.evals.last_run().cloned().unwrap();
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
        text.split(&app.evals.last_run().unwrap().run_id)
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
    assert_eq!(app.evals.last_run().unwrap().total, 6);
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
    assert_eq!(app.evals.visible_rows(), 3);
    assert_eq!(app.evals.current_case(), Some(("greet", "dee")));
    app.update(ch('f'));
    assert_eq!(app.evals.visible_rows(), 5);
    // / filters by id or text; Enter keeps it, Esc clears it.
    app.update(ch('/'));
    for c in "bo".chars() {
        app.update(ch(c));
    }
    assert_eq!(app.evals.visible_rows(), 1);
    app.update(key(KeyCode::Enter));
    assert!(!app.evals.is_filtering());
    assert_eq!(app.evals.visible_rows(), 1);
    app.update(ch('/'));
    app.update(key(KeyCode::Esc));
    assert_eq!(app.evals.visible_rows(), 5);
    // Text in the output matches too: every output says "Hello".
    app.update(ch('/'));
    for c in "hello dee".chars() {
        app.update(ch(c));
    }
    assert_eq!(app.evals.visible_rows(), 1);
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
    assert_eq!(app.evals.detail().unwrap().id, "bob");
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
    assert_eq!(app.evals.detail().unwrap().id, "no-name");
    app.update(key(KeyCode::Down));
    assert_eq!(app.evals.detail().unwrap().scroll, 1);
    app.update(key(KeyCode::Esc));
    assert!(app.evals.detail().is_none());
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
    assert_eq!(app.evals.last_run().unwrap().total, 1);
    assert_eq!(
        status_of(&app, "ada"),
        Some(Status::Pass),
        "other results stay"
    );
    app.update(ch('e'));
    assert_eq!(app.tab, Tab::Prompts);
    assert_eq!(app.prompts.focus(), super::panes::prompts::Focus::Editor);
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
    assert_eq!(app.evals.focus(), EvalsFocus::Suites);
    app.update(ch('j'));
    assert_eq!(app.evals.suite().unwrap().name, "other");
    assert_eq!(app.evals.visible_rows(), 1);
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
    assert_eq!(again.evals.tally("greet").passed, 2);
}

/// A local OpenAI-compatible server that echoes the user message, holding each answer
/// until the test lets it through: `release(n)` lets n more answer, `open` all.
struct HeldServer {
    url: String,
    hits: Arc<(std::sync::Mutex<usize>, std::sync::Condvar)>,
    permits: Arc<tokio::sync::Semaphore>,
}

impl HeldServer {
    fn start() -> HeldServer {
        let hits = Arc::new((std::sync::Mutex::new(0), std::sync::Condvar::new()));
        let permits = Arc::new(tokio::sync::Semaphore::new(0));
        let (counter, gate) = (hits.clone(), permits.clone());
        let url = serve_openai(move |body| {
            let (counter, gate) = (counter.clone(), gate.clone());
            async move {
                *counter.0.lock().unwrap() += 1;
                counter.1.notify_all();
                // Closed means open: every acquire returns at once.
                if let Ok(p) = gate.acquire().await {
                    p.forget();
                }
                body["messages"][0]["content"]
                    .as_str()
                    .unwrap_or("")
                    .to_string()
            }
        });
        HeldServer { url, hits, permits }
    }

    fn hits(&self) -> usize {
        *self.hits.0.lock().unwrap()
    }

    /// Blocks until the server has had `n` requests in all.
    fn wait_hits(&self, n: usize) {
        let (lock, cond) = &*self.hits;
        let (_guard, t) = cond
            .wait_timeout_while(lock.lock().unwrap(), Duration::from_secs(120), |h| *h < n)
            .unwrap();
        assert!(!t.timed_out(), "hung waiting for {n} requests");
    }

    fn release(&self, n: usize) {
        self.permits.add_permits(n);
    }

    fn open(&self) {
        self.permits.close();
    }
}

/// The whole loop through the real executor, one `Drive` kept as the event loop keeps
/// its `Effects`: r runs against a server that holds answers, a `c` from the scripted
/// event stream cancels mid-run (the executor cancels, not the test), u resumes, the
/// editor saves, a change by another program is noticed and reloaded, and the Release
/// pane gates and exports what was reloaded.
#[test]
fn the_real_loop_runs_cancels_resumes_saves_reloads_gates_and_exports() {
    let server = HeldServer::start();
    let ws = workspace(&format!(
        "[providers.p]\nkind = \"openai\"\nbase_url = \"{}\"\nconcurrency = 1\ntimeout_s = 120\n[pricing]\n\"m\" = {{ input = 100.0, output = 100.0 }}\n[gate]\nmin_pass_rate = 0.2\nmax_errors = 1\n",
        server.url
    ));
    let root = ws.path();
    let mut app = app_for(root);
    let mut drive = super::drive::Drive::new(&app, root).unwrap();

    // ada and bob answer; cy is then held (concurrency 1: no-name and dee wait behind it).
    // Once both are scored and cy is at the server, the scripted stream presses c.
    server.release(2);
    let (scored_tx, scored_rx) = std::sync::mpsc::channel();
    let keys = drive.sender();
    std::thread::scope(|s| {
        let server = &server;
        s.spawn(move || {
            // A closed channel: the test failed before this point.
            if scored_rx.recv().is_err() {
                return;
            }
            server.wait_hits(3);
            keys.send(ch('c')).unwrap();
        });
        let latency = regex::Regex::new(r" +\d+ ms +").unwrap();
        let mut scored = 0;
        let cmds = app.update(ch('r'));
        // The closure owns the sender: if the test fails inside it, the thread above
        // sees the channel close instead of waiting for ever.
        drive
            .settle(&mut app, cmds, move |app, m| {
                if matches!(m, Msg::Run(RunEvent::CaseScored(_))) {
                    scored += 1;
                    if scored == 2 {
                        scored_tx.send(()).unwrap();
                    }
                }
                let is_c = matches!(&m, Msg::Key(k) if k.code == KeyCode::Char('c'));
                if !is_c {
                    return app.update(m);
                }
                // Mid-run: two cases in are too few for an ETA, shown as "—".
                app.update(Msg::Tick(app.now + Duration::from_secs(2)));
                let text = frame(app, 100, 24).backend().to_string();
                let run_id = app.evals.run().unwrap().run_id.clone();
                // Latencies vary from run to run, and so does their width: masked.
                let text = latency.replace_all(&text, "  NN ms  ");
                insta::assert_snapshot!("evals_gauge_mid_run", text.replace(&run_id, "RUN_ID"));
                // Typing and navigation work while results stream in.
                let mut cmds = app.update(ch('j'));
                assert_eq!(app.evals.current_case(), Some(("greet", "bob")));
                let cancel = app.update(m);
                assert_eq!(cancel, vec![Cmd::CancelRun]);
                assert!(app.evals.run().unwrap().cancelling);
                cmds.extend(cancel);
                cmds
            })
            .unwrap();
    });
    let last = app.evals.last_run().cloned().unwrap();
    assert!(!last.complete, "cancelled runs are incomplete");
    let done = last.counts.passed + last.counts.failed + last.counts.errors;
    // Nothing starts after the cancel, not even a case that asks no server.
    assert_eq!(done, 2, "ada and bob; cy was cut off");
    assert!(app.note.as_deref().unwrap().contains("u resumes it"));
    assert_eq!(server.hits(), 3);

    // u resumes it: the recorded cases are not asked again; cy, cut off, is.
    server.open();
    drive.send(&mut app, ch('u')).unwrap();
    let resumed = app.evals.last_run().cloned().unwrap();
    assert!(resumed.complete);
    assert_eq!(resumed.run_id, last.run_id, "the same run, continued");
    // cy again and dee (no-name is a template error and asks nothing).
    assert_eq!(server.hits(), 5);

    // The editor saves; the watch knows its own save from another program's.
    drive.send(&mut app, ch('1')).unwrap();
    drive.send(&mut app, key(KeyCode::Enter)).unwrap();
    for c in "description = \"saved\"".chars() {
        drive.send(&mut app, ch(c)).unwrap();
    }
    drive.send(&mut app, key(KeyCode::Enter)).unwrap();
    drive.send(&mut app, key(KeyCode::Esc)).unwrap();
    drive.send(&mut app, super::testing::ctrl('s')).unwrap();
    let on_disk = std::fs::read_to_string(root.join("prompts/greet.toml")).unwrap();
    assert!(
        on_disk.starts_with("description = \"saved\"\n"),
        "{on_disk}"
    );
    assert_eq!(
        drive.poll_files(&mut app).unwrap(),
        0,
        "our own save is no news"
    );

    // Another program rewrites the file: noticed, and r reloads it.
    let theirs = on_disk.replace("Hello {{ name }}", "Hello there {{ name }}");
    write(root, "prompts/greet.toml", &theirs);
    assert_eq!(drive.poll_files(&mut app).unwrap(), 1);
    drive.send(&mut app, ch('r')).unwrap();
    assert_eq!(app.prompts.current().unwrap().text(), theirs);

    // The Release pane gates what was reloaded and exports it.
    drive.send(&mut app, ch('4')).unwrap();
    drive.send(&mut app, ch('g')).unwrap();
    let verdict = app.release.verdict.clone().unwrap();
    assert!(verdict.passed, "{verdict:?}");
    // The gate asked the server for the reloaded text, cases of both suites.
    assert!(server.hits() > 5);
    drive.send(&mut app, ch('m')).unwrap();
    for c in "reloaded".chars() {
        drive.send(&mut app, ch(c)).unwrap();
    }
    drive.send(&mut app, key(KeyCode::Enter)).unwrap();
    drive.send(&mut app, ch('x')).unwrap();
    let msg = app.release.message.clone().unwrap_or_default();
    assert!(msg.starts_with("released greet v1"), "{msg}");
    let v1 = std::fs::read_to_string(root.join("releases/greet/v1.toml")).unwrap();
    assert!(v1.contains("Hello there {{ name }}"), "{v1}");
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

#[test]
fn the_run_gauge_shows_each_metric_mean_after_a_run() {
    let ws = echo();
    let suite = SUITE
        .replace(
            "type = \"icontains\"\nvalue = \"hello\"",
            "type = \"icontains\"\nvalue = \"hello\"\nmetric = \"greeting\"",
        )
        .replace(
            "type = \"contains\"\nvalue = \"Zed\"",
            "type = \"contains\"\nvalue = \"Zed\"\nmetric = \"names\"",
        );
    write(ws.path(), "evals/greet.toml", &suite);
    let mut app = app_for(ws.path());
    let cmds = app.update(ch('r'));
    execute(&mut app, cmds);
    let last = app.evals.last_run().cloned().unwrap();
    assert_eq!(last.metrics.get("greeting"), Some(&1.0));
    assert_eq!(last.metrics.get("names"), Some(&0.0));
    let text = frame(&app, 140, 24).backend().to_string();
    assert!(text.contains("· greeting 1.00 · names 0.00"), "{text}");
    insta::assert_snapshot!(
        "evals_metrics",
        text.split(&last.run_id).collect::<Vec<_>>().join("RUN_ID")
    );
}

#[test]
fn recorded_results_arrive_after_the_first_frame_and_never_replace_fresher_ones() {
    let ws = echo();
    let root = ws.path();
    let mut earlier = app_for(root);
    let cmds = earlier.update(ch('r'));
    execute(&mut earlier, cmds);
    // Opened again: the first frame comes before the record is read.
    let mut app = App::from(super::first_load(root));
    app.update(Msg::Resize(100, 24));
    app.update(key(KeyCode::Char('2')));
    assert_eq!(status_of(&app, "ada"), None);
    insta::assert_snapshot!("evals_before_recorded", frame(&app, 100, 12).backend());
    let recorded = super::recorded_results(root);
    assert!(app.update(Msg::RecordedLoaded(recorded.clone())).is_empty());
    assert_eq!(status_of(&app, "ada"), Some(Status::Pass));
    assert_eq!(status_of(&app, "bob"), Some(Status::Fail));
    let shown = masked_latencies(&frame(&app, 100, 12).backend().to_string());
    insta::assert_snapshot!("evals_after_recorded", shown);
    // A result the app already holds (from a run started before the read finished)
    // is newer than any record: it stays.
    let mut stale = recorded;
    for r in &mut stale {
        r.status = Status::Error;
    }
    app.update(Msg::RecordedLoaded(stale));
    assert_eq!(status_of(&app, "ada"), Some(Status::Pass));
}
