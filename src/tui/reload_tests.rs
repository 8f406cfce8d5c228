//! The workbench acts on what the editor shows: a prompt reloaded from disk, or edited,
//! is what the Evals pane runs, what the gate evaluates and what a release holds.

use std::path::Path;

use ratatui::crossterm::event::KeyCode;

use super::app::App;
use super::msg::{Cmd, Msg};
use super::testing::{ch, ctrl, echo_workspace, key, perform, write};
use promptwright_core::release::{self, Ref};
use promptwright_core::vocab::Source;
use promptwright_core::workspace::prompt::parse_prompt;

const V1: &str = "model = \"m\"\n[[messages]]\nrole = \"system\"\ncontent = \"You work for {{ company }}. Be brief.\"\n[[messages]]\nrole = \"user\"\ncontent = \"Hi, I am {{ name }}.\"\n";

const SUITE: &str = "prompt = \"greet\"\n[[cases]]\nid = \"ada\"\nvars = { company = \"Acme\", name = \"Ada\" }\n[[cases.assert]]\ntype = \"icontains\"\nvalue = \"brief\"\n";

fn workspace() -> tempfile::TempDir {
    let dir = echo_workspace("");
    write(dir.path(), "prompts/greet.toml", V1);
    write(dir.path(), "evals/s.toml", SUITE);
    dir
}

fn open(root: &Path) -> App {
    let mut app = App::from(super::load(root));
    app.update(Msg::Resize(120, 32));
    app
}

/// The content hash of the prompt file as it is on disk now.
fn disk_sha(root: &Path) -> String {
    let text = std::fs::read_to_string(root.join("prompts/greet.toml")).unwrap();
    parse_prompt(
        "greet",
        &Source::new("prompts/greet.toml", text),
        None,
        std::path::Path::new("."),
    )
    .unwrap()
    .content_sha256
}

/// Gates and exports from the Release pane with keys; the message it ends with.
fn release_with_keys(app: &mut App, root: &Path, note: &str) -> String {
    let cmds = app.update(ch('4'));
    perform(app, root, cmds);
    let cmds = app.update(ch('g'));
    perform(app, root, cmds);
    app.update(ch('m'));
    for c in note.chars() {
        app.update(ch(c));
    }
    app.update(key(KeyCode::Enter));
    let cmds = app.update(ch('x'));
    perform(app, root, cmds);
    app.release.message.clone().unwrap_or_default()
}

#[test]
fn a_reloaded_prompt_is_what_runs_gates_and_is_released() {
    let ws = workspace();
    let root = ws.path();
    let mut app = open(root);
    let msg = release_with_keys(&mut app, root, "first");
    assert!(msg.contains("v1"), "{msg}");

    // Another program rewrites the prompt; the watch reports it and r reloads it.
    let v2 = V1.replace("Be brief.", "Be brief and warm.");
    write(root, "prompts/greet.toml", &v2);
    app.update(ch('1'));
    app.update(Msg::FileChanged {
        prompt: "greet".into(),
        text: v2.clone(),
    });
    let cmds = app.update(ch('r'));
    perform(&mut app, root, cmds);
    assert!(app.prompts.current().unwrap().text().contains("warm"));

    // The Evals pane runs the reloaded text.
    app.update(ch('2'));
    let cmds = app.update(ch('r'));
    assert!(
        matches!(cmds.as_slice(), [Cmd::StartRun { .. }]),
        "{cmds:?}"
    );
    perform(&mut app, root, cmds);
    let output = app
        .evals
        .result("s", "ada")
        .unwrap()
        .output
        .clone()
        .unwrap();
    assert!(output.contains("warm"), "the run used stale text: {output}");
    assert!(release::latest_run(root, "greet", &disk_sha(root)).is_some());

    // The gate evaluates it and x releases it: v2 holds the file on disk.
    let msg = release_with_keys(&mut app, root, "warmer");
    assert!(msg.contains("released greet v2"), "{msg}");
    let v2_file = release::resolve(root, "greet", &Ref::Version(2)).unwrap();
    assert_eq!(v2_file.content_sha256(), disk_sha(root));
    assert!(v2_file.def.messages[0].content.contains("warm"));
}

#[test]
fn an_edit_runs_before_it_is_saved_and_is_released_once_saved() {
    let ws = workspace();
    let root = ws.path();
    let mut app = open(root);
    // Edit without saving: a description at the top changes the content.
    app.update(key(KeyCode::Enter));
    for c in "description = \"edited\"\n".chars() {
        app.update(if c == '\n' {
            key(KeyCode::Enter)
        } else {
            ch(c)
        });
    }
    app.update(key(KeyCode::Esc));
    let edited = app.draft_prompt("greet").unwrap();
    assert_eq!(edited.def.description.as_deref(), Some("edited"));

    // The proposal and the gate are about the editor's text...
    let msg = release_with_keys(&mut app, root, "edited");
    let p = app.release.proposal().unwrap();
    assert_eq!(p.draft.content_sha256, edited.content_sha256);
    assert!(app.release.verdict.as_ref().is_some_and(|v| v.passed));
    // ...but a release is the file under review: x asks for a save first.
    assert!(msg.contains("unsaved edits"), "{msg}");
    assert!(!root.join("releases/greet/v1.toml").exists());

    app.update(ch('1'));
    let cmds = app.update(ctrl('s'));
    perform(&mut app, root, cmds);
    let cmds = app.update(ch('4'));
    perform(&mut app, root, cmds);
    let cmds = app.update(ch('x'));
    perform(&mut app, root, cmds);
    let msg = app.release.message.clone().unwrap_or_default();
    assert!(msg.contains("released greet v1"), "{msg}");
    let v1 = release::resolve(root, "greet", &Ref::Version(1)).unwrap();
    assert_eq!(v1.content_sha256(), disk_sha(root));
    assert_eq!(v1.def.description.as_deref(), Some("edited"));
}
