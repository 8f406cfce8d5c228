//! The Release pane end to end: the commands it returns are performed with the same
//! functions the event loop uses (a real gate through the runner on the echo provider,
//! real files written), and the results are fed back as messages.

use std::path::Path;

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::KeyCode;

use super::app::{App, Tab};
use super::msg::{Cmd, Msg};
use super::panes::prompts::ReleaseStatus;
use super::panes::release::Input;
use super::testing::{ch, echo_workspace, key, perform, write};

pub(super) const PROMPT: &str = "model = \"m\"\n[[messages]]\nrole = \"system\"\ncontent = \"You work for {{ company }}. Be brief.\"\n[[messages]]\nrole = \"user\"\ncontent = \"Hi, I am {{ name }}.\"\n";

pub(super) const SUITE: &str = r#"prompt = "greet"
[[cases]]
id = "brief"
vars = { company = "Acme", name = "Ada" }
[[cases.assert]]
type = "icontains"
value = "brief"

[[cases]]
id = "company"
vars = { company = "Acme", name = "Bo" }
[[cases.assert]]
type = "icontains"
value = "acme"
"#;

pub(super) fn workspace() -> tempfile::TempDir {
    let dir = echo_workspace("[gate]\nmin_pass_rate = 1.0\n");
    let root = dir.path();
    write(root, "prompts/greet.toml", PROMPT);
    write(root, "evals/s.toml", SUITE);
    dir
}

/// The frame, with what differs between machines and runs masked: times and the author
/// (from git config or $USER).
pub(super) fn frame(app: &App) -> String {
    frame_at(app, 120, 32)
}

pub(super) fn frame_at(app: &App, w: u16, h: u16) -> String {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    super::render(&mut t, app).unwrap();
    let text = t.backend().to_string();
    let text = regex::Regex::new(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}")
        .unwrap()
        .replace_all(&text, "YYYY-MM-DDTHH:MM:SS");
    let author = app.release.history.first().map(|e| match e {
        promptwright_core::release::LogEntry::Release(r) => r.author.clone(),
        promptwright_core::release::LogEntry::Rollback(r) => r.author.clone(),
        promptwright_core::release::LogEntry::Promote(l)
        | promptwright_core::release::LogEntry::LabelRollback(l) => l.author.clone(),
    });
    match author {
        Some(a) if !a.is_empty() => text.replace(&format!("  {a}  "), "  AUTHOR  "),
        _ => text.into_owned(),
    }
}

pub(super) fn open(root: &Path) -> App {
    let mut app = App::from(super::load(root));
    app.update(Msg::Resize(120, 32));
    let cmds = app.update(ch('4'));
    assert_eq!(app.tab, Tab::Release);
    assert!(
        matches!(cmds.as_slice(), [Cmd::LoadRelease { prompt, .. }] if prompt == "greet"),
        "{cmds:?}"
    );
    perform(&mut app, root, cmds);
    app
}

pub(super) fn type_text(app: &mut App, text: &str) {
    for c in text.chars() {
        app.update(ch(c));
    }
}

/// Gates and exports the draft with `note`.
pub(super) fn release_now(app: &mut App, root: &Path, note: &str) {
    let cmds = app.update(ch('g'));
    perform(app, root, cmds);
    assert!(
        app.release.verdict.as_ref().unwrap().passed,
        "{}",
        frame(app)
    );
    app.update(ch('m'));
    type_text(app, note);
    app.update(key(KeyCode::Enter));
    let cmds = app.update(ch('x'));
    assert!(matches!(cmds.as_slice(), [Cmd::Export { .. }]), "{cmds:?}");
    perform(app, root, cmds);
}

#[test]
fn a_first_release_gates_then_exports_three_files() {
    let ws = workspace();
    let root = ws.path();
    let mut app = open(root);
    let text = frame(&app);
    assert!(
        text.contains("greet → v1") && text.contains("first release: no baseline"),
        "{text}"
    );
    assert!(text.contains("gate not run yet"), "{text}");
    // x before the gate says why it cannot export.
    assert!(app.update(ch('x')).is_empty());
    assert_eq!(
        app.release.message.as_deref(),
        Some("run the gate first (g)")
    );
    // g reads the proposal again (from the editor's text), then gates it.
    let cmds = app.update(ch('g'));
    assert!(
        matches!(cmds.as_slice(), [Cmd::LoadRelease { .. }]),
        "{cmds:?}"
    );
    perform(&mut app, root, cmds);
    assert!(app.release.gating.is_none());
    let v = app.release.verdict.clone().unwrap();
    assert!(v.passed && v.first_release);
    insta::assert_snapshot!("release_gate_passed", frame(&app));
    // A note is required: x asks for one.
    assert!(app.update(ch('x')).is_empty());
    assert_eq!(app.release.input, Some(Input::Note));
    type_text(&mut app, "First release");
    app.update(key(KeyCode::Enter));
    let cmds = app.update(ch('x'));
    perform(&mut app, root, cmds);
    for f in [
        "releases/greet/v1.toml",
        "releases/greet.toml",
        "releases/greet/log.jsonl",
    ] {
        assert!(root.join(f).is_file(), "{f} not written");
    }
    assert!(
        app.release
            .message
            .as_deref()
            .unwrap()
            .starts_with("released greet v1")
    );
    assert_eq!(app.release.history.len(), 1);
    assert!(frame(&app).contains("First release"));
    assert_eq!(
        app.prompts.current().unwrap().status(),
        ReleaseStatus::Released
    );
}

#[test]
fn a_regression_blocks_the_export_and_opens_its_output_diff() {
    let ws = workspace();
    let root = ws.path();
    let mut app = open(root);
    release_now(&mut app, root, "v1");
    // The draft drops "brief": case `brief` regresses.
    write(
        root,
        "prompts/greet.toml",
        &PROMPT.replace(" Be brief.", " Be long."),
    );
    let cmds = vec![Cmd::ReloadWorkspace];
    perform(&mut app, root, cmds);
    let mut app2 = App::from(super::load(root));
    app2.update(Msg::Resize(120, 32));
    let cmds = app2.update(ch('4'));
    perform(&mut app2, root, cmds);
    let cmds = app2.update(ch('g'));
    perform(&mut app2, root, cmds);
    let v = app2.release.verdict.clone().unwrap();
    assert!(!v.passed);
    assert_eq!(v.regressions.len(), 1);
    assert_eq!(v.baseline_version, Some(1));
    insta::assert_snapshot!("release_blocked", frame(&app2));
    let before: Vec<_> = std::fs::read_dir(root.join("releases/greet"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert!(
        app2.update(ch('x')).is_empty(),
        "a blocked draft is never exported"
    );
    assert!(
        app2.release
            .message
            .as_deref()
            .unwrap()
            .starts_with("blocked:"),
        "{:?}",
        app2.release.message
    );
    let after: Vec<_> = std::fs::read_dir(root.join("releases/greet"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(before, after);
    app2.update(key(KeyCode::Enter));
    assert!(app2.release.case_open);
    let text = frame(&app2);
    assert!(
        text.contains("Be brief.") && text.contains("Be long."),
        "{text}"
    );
    app2.update(key(KeyCode::Esc));
    assert!(!app2.release.case_open);
}

#[test]
fn rollback_shows_the_dry_run_asks_a_reason_and_restores() {
    let ws = workspace();
    let root = ws.path();
    let mut app = open(root);
    release_now(&mut app, root, "v1");
    write(
        root,
        "prompts/greet.toml",
        &PROMPT.replace("Hi, I am", "Hello, I am"),
    );
    let mut app = App::from(super::load(root));
    app.update(Msg::Resize(120, 32));
    let cmds = app.update(ch('4'));
    perform(&mut app, root, cmds);
    release_now(&mut app, root, "v2");
    assert_eq!(app.release.history.len(), 2);
    let current = std::fs::read_to_string(root.join("releases/greet.toml")).unwrap();
    assert!(current.contains("version = 2"));
    // b plans the rollback and shows its diff; Esc cancels and writes nothing.
    let cmds = app.update(ch('b'));
    perform(&mut app, root, cmds);
    assert!(app.release.rollback.is_some());
    assert_eq!(app.release.input, Some(Input::Reason));
    insta::assert_snapshot!("release_rollback_dry_run", frame(&app));
    app.update(key(KeyCode::Esc));
    assert!(app.release.rollback.is_none());
    assert_eq!(
        std::fs::read_to_string(root.join("releases/greet.toml")).unwrap(),
        current
    );
    // Again, with a reason: v1 is current.
    let cmds = app.update(ch('b'));
    perform(&mut app, root, cmds);
    assert!(
        app.update(key(KeyCode::Enter)).is_empty(),
        "a reason is required"
    );
    type_text(&mut app, "greeting tested badly");
    let cmds = app.update(key(KeyCode::Enter));
    assert!(
        matches!(cmds.as_slice(), [Cmd::Rollback { reason, .. }] if reason == "greeting tested badly")
    );
    perform(&mut app, root, cmds);
    let now = std::fs::read_to_string(root.join("releases/greet.toml")).unwrap();
    assert!(now.contains("version = 1"), "{now}");
    assert!(
        app.release
            .message
            .as_deref()
            .unwrap()
            .contains("rolled greet back to v1")
    );
    assert!(frame(&app).contains("rollback from v2"));
}

#[test]
fn the_gate_refuses_a_workspace_that_would_send_a_key_to_a_host_not_allowed() {
    // 0.0.0.0 reaches this machine without being loopback: a foreign host we can watch.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let port = listener.local_addr().unwrap().port();
    let dir = echo_workspace(&format!(
        "[providers.remote]\nkind = \"openai\"\nbase_url = \"https://0.0.0.0:{port}/v1\"\napi_key_env = \"PW_TUI_TRUST_KEY\"\n"
    ));
    let root = dir.path();
    write(root, "prompts/greet.toml", PROMPT);
    write(root, "evals/s.toml", SUITE);
    let mut app = open(root);
    let cmds = app.update(ch('g'));
    perform(&mut app, root, cmds);
    let message = app.release.message.clone().unwrap_or_default();
    assert!(
        message.starts_with("the gate could not run: ")
            && message.contains(&format!(
                "workspace.toml:8:12: provider `remote` would send its key (PW_TUI_TRUST_KEY) to `0.0.0.0:{port}`"
            ))
            && message.contains(&format!("export PROMPTWRIGHT_ALLOW_HOSTS=0.0.0.0:{port}")),
        "{message}"
    );
    assert!(app.release.verdict.is_none());
    assert!(listener.accept().is_err(), "nothing connected");
}

#[test]
fn the_history_draws_the_pass_rate_of_each_released_version() {
    let dir = echo_workspace("[gate]\nmin_pass_rate = 0.5\nmax_regressions = 1\n");
    let root = dir.path();
    write(root, "prompts/greet.toml", PROMPT);
    write(root, "evals/s.toml", SUITE);
    let mut app = open(root);
    release_now(&mut app, root, "all pass");
    // v2 drops "brief": half the cases pass.
    write(
        root,
        "prompts/greet.toml",
        &PROMPT.replace("Be brief.", "Be long."),
    );
    let mut app = App::from(super::load(root));
    app.update(Msg::Resize(120, 32));
    let cmds = app.update(ch('4'));
    perform(&mut app, root, cmds);
    release_now(&mut app, root, "half pass");
    let text = frame(&app);
    assert!(text.contains("Pass rate v1–v2"), "{text}");
    assert!(text.contains("v2 50.0%"), "{text}");
    insta::assert_snapshot!("release_history_trend", text);
}
