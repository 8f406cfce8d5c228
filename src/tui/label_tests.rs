//! Labels in the Release pane, driven by keys: `l` selects a label, `p` runs the current
//! release afresh against it and shows the verdict before asking a reason (Esc writes
//! nothing), `B` moves a label back; the commands are carried out by the real executor
//! and the files checked.

use std::path::Path;

use ratatui::crossterm::event::KeyCode;

use super::msg::Cmd;
use super::panes::release::{Input, LabelMove};
use super::release_tests::{PROMPT, SUITE, frame, open, release_now, type_text};
use super::testing::{ch, echo_workspace, key, perform, write};

const LABELS: &str = "[gate]\nmin_pass_rate = 0.5\nmax_regressions = 1\n\n[labels.staging]\n\n[labels.strict]\nafter = \"staging\"\nmin_pass_rate = 1.0\n";

fn workspace() -> tempfile::TempDir {
    let dir = echo_workspace(LABELS);
    write(dir.path(), "prompts/greet.toml", PROMPT);
    write(dir.path(), "evals/s.toml", SUITE);
    dir
}

fn read(root: &Path, rel: &str) -> Option<String> {
    std::fs::read_to_string(root.join(rel)).ok()
}

#[test]
fn promote_shows_the_fresh_verdict_then_asks_a_reason_and_moves_the_label() {
    let ws = workspace();
    let root = ws.path();
    let mut app = open(root);
    release_now(&mut app, root, "v1");
    let text = frame(&app);
    assert!(text.contains("labels: ▸staging — · strict —"), "{text}");
    // p runs v1 afresh against staging's thresholds and shows the verdict first.
    let cmds = app.update(ch('p'));
    assert!(
        matches!(cmds.as_slice(), [Cmd::PromoteGate { label, .. }] if label == "staging"),
        "{cmds:?}"
    );
    perform(&mut app, root, cmds);
    assert!(
        matches!(&app.release.label_move, Some(LabelMove::Promote { verdict, .. }) if verdict.passed)
    );
    assert_eq!(app.release.input, Some(Input::LabelReason));
    insta::assert_snapshot!("release_promote_dry_run", frame(&app));
    // Esc: the dry run ends, nothing is written.
    app.update(key(KeyCode::Esc));
    assert!(app.release.label_move.is_none());
    assert_eq!(read(root, "releases/greet@staging.toml"), None);
    // Again: no reason, no move; with one, the label file is v1's copy.
    let cmds = app.update(ch('p'));
    perform(&mut app, root, cmds);
    assert!(
        app.update(key(KeyCode::Enter)).is_empty(),
        "a reason is required"
    );
    type_text(&mut app, "qa ready");
    let cmds = app.update(key(KeyCode::Enter));
    assert!(
        matches!(cmds.as_slice(), [Cmd::Promote { reason, .. }] if reason == "qa ready"),
        "{cmds:?}"
    );
    perform(&mut app, root, cmds);
    assert_eq!(
        read(root, "releases/greet@staging.toml"),
        read(root, "releases/greet/v1.toml")
    );
    assert!(app.release.label_move.is_none());
    app.update(ch('l'));
    assert_eq!(app.release.selected_label().unwrap().name, "strict");
    insta::assert_snapshot!("release_labels", frame(&app));
}

#[test]
fn a_blocked_promotion_shows_the_failing_check_and_writes_nothing() {
    let ws = workspace();
    let root = ws.path();
    // "brief" fails: 1 of 2 passes the gate's 0.5, not strict's 1.0.
    write(
        root,
        "prompts/greet.toml",
        &PROMPT.replace("Be brief.", "Be kind."),
    );
    let mut app = open(root);
    release_now(&mut app, root, "v1");
    let cmds = app.update(ch('p'));
    perform(&mut app, root, cmds);
    type_text(&mut app, "go");
    let cmds = app.update(key(KeyCode::Enter));
    perform(&mut app, root, cmds);
    assert!(read(root, "releases/greet@staging.toml").is_some());
    app.update(ch('l'));
    let cmds = app.update(ch('p'));
    perform(&mut app, root, cmds);
    assert!(
        matches!(&app.release.label_move, Some(LabelMove::Promote { verdict, .. }) if !verdict.passed)
    );
    assert_eq!(
        app.release.input, None,
        "no reason asked for a blocked move"
    );
    insta::assert_snapshot!("release_promote_blocked", frame(&app));
    app.update(key(KeyCode::Esc));
    assert!(app.release.label_move.is_none());
    assert_eq!(read(root, "releases/greet@strict.toml"), None);
}

#[test]
fn b_moves_the_selected_label_back_with_a_reason() {
    let ws = workspace();
    let root = ws.path();
    let mut app = open(root);
    release_now(&mut app, root, "v1");
    let promote = |app: &mut super::app::App| {
        let cmds = app.update(ch('p'));
        perform(app, root, cmds);
        type_text(app, "go");
        let cmds = app.update(key(KeyCode::Enter));
        perform(app, root, cmds);
    };
    promote(&mut app);
    write(
        root,
        "prompts/greet.toml",
        &PROMPT.replace("Hi, I am", "Hello, I am"),
    );
    let mut app = open(root);
    release_now(&mut app, root, "v2");
    promote(&mut app);
    assert_eq!(
        read(root, "releases/greet@staging.toml"),
        read(root, "releases/greet/v2.toml")
    );
    let cmds = app.update(ch('B'));
    perform(&mut app, root, cmds);
    assert!(matches!(&app.release.label_move, Some(LabelMove::Rollback(p)) if p.to.version == 1));
    insta::assert_snapshot!("release_label_rollback_dry_run", frame(&app));
    type_text(&mut app, "v2 broke qa");
    let cmds = app.update(key(KeyCode::Enter));
    assert!(
        matches!(cmds.as_slice(), [Cmd::RollbackLabel { .. }]),
        "{cmds:?}"
    );
    perform(&mut app, root, cmds);
    assert_eq!(
        read(root, "releases/greet@staging.toml"),
        read(root, "releases/greet/v1.toml")
    );
    assert!(frame(&app).contains("staging v1"), "{}", frame(&app));
}
