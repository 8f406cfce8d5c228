//! A release note belongs to one prompt and one draft: editing the draft sets the note
//! aside (said on the message line, offered again by `m`), switching prompts keeps each
//! prompt's own note.

use ratatui::crossterm::event::KeyCode;

use super::app::{App, Tab};
use super::msg::Msg;
use super::release_tests::{PROMPT, SUITE, frame, type_text};
use super::testing::{ch, echo_workspace, key, perform, write};

/// Two prompts; `greet`'s gate blocks (a case that cannot pass on the echo provider).
fn workspace() -> tempfile::TempDir {
    let dir = echo_workspace("[gate]\nmin_pass_rate = 1.0\n");
    let root = dir.path();
    write(root, "prompts/greet.toml", PROMPT);
    write(root, "prompts/other.toml", PROMPT);
    write(
        root,
        "evals/s.toml",
        &format!(
            "{SUITE}\n[[cases]]\nid = \"never\"\nvars = {{ company = \"A\", name = \"B\" }}\n[[cases.assert]]\ntype = \"contains\"\nvalue = \"zzz\"\n"
        ),
    );
    write(
        root,
        "evals/o.toml",
        &SUITE.replace("\"greet\"", "\"other\""),
    );
    dir
}

fn to_release(app: &mut App, root: &std::path::Path) {
    let cmds = app.update(ch('4'));
    perform(app, root, cmds);
    assert_eq!(app.tab, Tab::Release);
}

fn write_note(app: &mut App, text: &str) {
    app.update(ch('m'));
    type_text(app, text);
    app.update(key(KeyCode::Enter));
}

#[test]
fn a_blocked_note_is_set_aside_when_the_draft_changes_and_kept_per_prompt() {
    let ws = workspace();
    let root = ws.path();
    let mut app = App::from(super::load(root));
    app.update(Msg::Resize(120, 32));
    to_release(&mut app, root);
    assert_eq!(app.release.prompt.as_deref(), Some("greet"));
    write_note(&mut app, "Friendlier tone");
    let cmds = app.update(ch('g'));
    perform(&mut app, root, cmds);
    assert!(!app.release.verdict.as_ref().unwrap().passed);
    assert!(
        app.update(ch('x')).is_empty(),
        "a blocked draft is not exported"
    );
    assert_eq!(app.release.note, "Friendlier tone");

    // Edit the prompt: a new draft, a new proposal.
    app.update(ch('1'));
    app.update(key(KeyCode::Enter));
    type_text(&mut app, "description = \"x\"");
    app.update(key(KeyCode::Enter));
    app.update(key(KeyCode::Esc));
    to_release(&mut app, root);
    assert_eq!(app.release.note, "", "the old note is not the new draft's");
    let message = app.release.message.clone().unwrap();
    assert!(
        message.contains("set aside") && message.contains("m offers it"),
        "{message}"
    );
    assert!(frame(&app).contains("set aside"), "{}", frame(&app));
    // m brings it back to edit, nothing lost.
    app.update(ch('m'));
    assert_eq!(app.release.note, "Friendlier tone");
    app.update(key(KeyCode::Esc));

    // Each prompt keeps its own note.
    app.update(ch('1'));
    app.update(ch('j'));
    to_release(&mut app, root);
    assert_eq!(app.release.prompt.as_deref(), Some("other"));
    assert_eq!(app.release.note, "");
    write_note(&mut app, "Other's note");
    app.update(ch('1'));
    app.update(ch('k'));
    to_release(&mut app, root);
    assert_eq!(app.release.prompt.as_deref(), Some("greet"));
    assert_eq!(app.release.note, "Friendlier tone");
    app.update(ch('1'));
    app.update(ch('j'));
    to_release(&mut app, root);
    assert_eq!(app.release.note, "Other's note");
}
