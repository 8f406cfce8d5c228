//! "Fix it here": Enter on a problem opens workspace.toml or a suite in the editor at the
//! error, Ctrl-S saves it atomically (its mode kept), the workspace is read again and
//! the problems list empties. Edits of an opened file are kept when it is closed and
//! guarded at quit; nothing is read or written outside the workspace.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use ratatui::crossterm::event::KeyCode;

use super::app::{App, Overlay, Tab};
use super::loaders::files::read_for_edit;
use super::msg::{Cmd, Msg};
use super::panes::prompts::Focus;
use super::testing::{ch, ctrl, key, masked_screen, perform, write};

const WORKSPACE: &str = "[workspace]\nname = \"demo\"\ndefault_provider = \"local\"\n[providers.local]\nkind = \"echo\"\n[gate]\nmin_pass_rate = \"high\"\n";
const PROMPT: &str = "[[messages]]\nrole = \"user\"\ncontent = \"Hi {{ name }}\"\n";
const SUITE: &str = "prompt = \"greet\"\n[[cases]]\nid = \"ada\"\nvars = { name = \"Ada\" }\n";

fn screen(app: &App, root: &Path) -> String {
    masked_screen(app, root, 100, 24)
}

fn run(app: &mut App, root: &Path, msg: Msg) {
    let cmds = app.update(msg);
    perform(app, root, cmds);
}

fn typed(app: &mut App, root: &Path, text: &str) {
    for c in text.chars() {
        run(app, root, ch(c));
    }
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

fn chmod(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

#[test]
fn a_broken_workspace_toml_is_fixed_in_the_editor_from_the_problems_list() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "workspace.toml", WORKSPACE);
    write(root, "prompts/greet.toml", PROMPT);
    write(root, "evals/greet.toml", SUITE);
    let ws_file = root.join("workspace.toml");
    chmod(&ws_file, 0o640);
    let mut app = App::from(super::load(root));
    app.update(Msg::Resize(100, 24));
    let text = screen(&app, root);
    assert!(
        text.contains("✗ workspace: 1 error (! lists them)"),
        "{text}"
    );

    run(&mut app, root, ch('!'));
    let text = screen(&app, root);
    assert!(text.contains("▶ ✗ WS"), "{text}");
    assert!(text.contains("workspace.toml:7:17"), "{text}");
    assert!(text.contains("Enter open"), "{text}");
    insta::assert_snapshot!("fix_here_problems", text);
    // Narrow: a problem's continuation lines hang under it.
    let narrow = masked_screen(&app, root, 60, 24);
    insta::assert_snapshot!("fix_here_problems_60_wide", narrow);
    let rows: Vec<&str> = narrow.lines().collect();
    let first = rows.iter().position(|r| r.contains("▶ ✗")).unwrap();
    assert!(rows[first + 1].contains("│ │    "), "{narrow}");

    run(&mut app, root, key(KeyCode::Enter));
    assert_eq!(app.overlay, None);
    assert_eq!(
        (app.tab, app.prompts.focus()),
        (Tab::Prompts, Focus::Editor)
    );
    let e = app.prompts.editing().unwrap();
    assert_eq!(e.rel_path, "workspace.toml");
    assert_eq!(e.editor.cursor(), (6, 16), "at 7:17");
    let text = screen(&app, root);
    insta::assert_snapshot!("fix_here_workspace_toml_open", text);
    // Ctrl-O hands this file, not the selected prompt, to $EDITOR.
    let cmds = app.update(ctrl('o'));
    assert!(
        matches!(cmds.as_slice(), [Cmd::EditExternally { path, unsaved: None, .. }]
            if path.ends_with("workspace.toml")),
        "{cmds:?}"
    );

    // `"high"` becomes `0.5`, typed at the cursor.
    for _ in 0.."\"high\"".len() {
        run(&mut app, root, key(KeyCode::Delete));
    }
    typed(&mut app, root, "0.5");
    assert_eq!(app.prompts.dirty_count(), 1);
    // The editor's keys work here too: undo, redo.
    run(&mut app, root, ctrl('z'));
    assert!(
        app.prompts
            .editing()
            .unwrap()
            .text()
            .contains("min_pass_rate = 0.")
    );
    run(&mut app, root, ctrl('y'));
    run(&mut app, root, ctrl('s'));

    let on_disk = std::fs::read_to_string(&ws_file).unwrap();
    assert_eq!(on_disk, WORKSPACE.replace("\"high\"", "0.5"));
    assert_eq!(mode(&ws_file), 0o640, "the replaced file keeps its mode");
    assert!(app.ws.load_errors.is_empty(), "{:?}", app.ws.load_errors);
    assert_eq!(app.prompts.dirty_count(), 0);
    assert_eq!(app.ws.name, "demo");
    let text = screen(&app, root);
    assert!(
        text.contains("saved workspace.toml: the workspace loads (1 suite)"),
        "{text}"
    );
    insta::assert_snapshot!("fix_here_workspace_toml_saved", text);

    run(&mut app, root, key(KeyCode::Esc));
    run(&mut app, root, ch('!'));
    assert!(screen(&app, root).contains("No problems: the workspace loads."));
    run(&mut app, root, key(KeyCode::Esc));
    run(&mut app, root, ch('2'));
    let text = screen(&app, root);
    assert!(text.contains("greet") && text.contains("ada"), "{text}");
    assert!(!text.contains("No suites"), "{text}");
}

#[test]
fn a_broken_suite_is_fixed_in_the_editor_and_its_edits_survive_closing_it() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        root,
        "workspace.toml",
        &WORKSPACE.replace("\"high\"", "0.5"),
    );
    write(root, "prompts/greet.toml", PROMPT);
    // Two broken suites: the second problem is the one fixed here.
    write(root, "evals/a.toml", "prompt = 3\n");
    write(
        root,
        "evals/s.toml",
        "prompt = \"greet\"\n[[cases]]\nid = 3\nvars = { name = \"Tri\" }\n",
    );
    let suite = root.join("evals/s.toml");
    chmod(&suite, 0o604);
    let mut app = App::from(super::load(root));
    app.update(Msg::Resize(100, 24));
    assert_eq!(app.ws.load_errors.len(), 2, "{:?}", app.ws.load_errors);

    run(&mut app, root, ch('!'));
    run(&mut app, root, ch('j'));
    assert_eq!(app.overlay, Some(Overlay::Problems { selected: 1 }));
    run(&mut app, root, key(KeyCode::Enter));
    let e = app.prompts.editing().unwrap();
    assert_eq!(e.rel_path, "evals/s.toml");
    assert_eq!(e.editor.cursor(), (2, 5), "at 3:6");
    let text = screen(&app, root);
    assert!(text.contains("Problems in this file"), "{text}");
    insta::assert_snapshot!("fix_here_suite_open", text);

    run(&mut app, root, key(KeyCode::Delete));
    typed(&mut app, root, "\"three\"");

    // Closing keeps the edits; quitting asks about them.
    run(&mut app, root, key(KeyCode::Esc));
    assert!(!app.prompts.shows_file());
    assert!(
        app.note
            .as_deref()
            .unwrap()
            .contains("keeps its unsaved edits"),
        "{:?}",
        app.note
    );
    run(&mut app, root, ch('q'));
    assert_eq!(app.overlay, Some(Overlay::ConfirmQuit));
    assert!(screen(&app, root).contains("evals/s.toml"));
    run(&mut app, root, key(KeyCode::Esc));

    // Opened again: the edits are there, not the file's text.
    run(&mut app, root, ch('!'));
    run(&mut app, root, ch('j'));
    run(&mut app, root, key(KeyCode::Enter));
    assert!(app.note.as_deref().unwrap().contains("unsaved edits kept"));
    assert!(
        app.prompts
            .editing()
            .unwrap()
            .text()
            .contains("id = \"three\"")
    );
    // Search and go-to-line work on it.
    run(&mut app, root, ctrl('g'));
    typed(&mut app, root, "4");
    run(&mut app, root, key(KeyCode::Enter));
    assert_eq!(app.prompts.editing().unwrap().editor.cursor(), (3, 0));

    run(&mut app, root, ctrl('s'));
    assert_eq!(
        std::fs::read_to_string(&suite).unwrap(),
        "prompt = \"greet\"\n[[cases]]\nid = \"three\"\nvars = { name = \"Tri\" }\n"
    );
    assert_eq!(mode(&suite), 0o604);
    assert_eq!(app.ws.load_errors.len(), 1, "{:?}", app.ws.load_errors);
    assert_eq!(
        app.note.as_deref(),
        Some("saved evals/s.toml: no problems in it; 1 problem elsewhere (! lists them)")
    );
    assert!(app.prompts.editing().unwrap().errors.is_empty());
    run(&mut app, root, key(KeyCode::Esc));
    run(&mut app, root, ch('!'));
    let text = screen(&app, root);
    assert!(
        text.contains("evals/a.toml") && !text.contains("s.toml"),
        "{text}"
    );
    run(&mut app, root, key(KeyCode::Esc));

    // The last one, and with it the workspace: the suite appears.
    std::fs::remove_file(root.join("evals/a.toml")).unwrap();
    run(&mut app, root, Msg::WorkspaceFilesChanged);
    assert!(app.ws.load_errors.is_empty());
    run(&mut app, root, ch('2'));
    let text = screen(&app, root);
    assert!(text.contains("three"), "{text}");
}

#[test]
fn a_file_a_problem_names_is_opened_and_saved_only_inside_the_workspace() {
    let base = tempfile::tempdir().unwrap();
    let root = base.path().join("ws");
    write(&root, "workspace.toml", WORKSPACE);
    write(base.path(), "outside.jsonl", "{\"secret\": 1}\n");
    std::os::unix::fs::symlink(base.path().join("outside.jsonl"), root.join("data.jsonl")).unwrap();
    let link = root.join("data.jsonl");
    let err = read_for_edit(&root, &link.display().to_string()).unwrap_err();
    assert!(err.contains("outside the workspace"), "{err}");
    let err = super::effects::save(&root, &link, "x\n".into()).unwrap_err();
    assert!(err.contains("outside the workspace"), "{err}");
    assert_eq!(
        std::fs::read_to_string(base.path().join("outside.jsonl")).unwrap(),
        "{\"secret\": 1}\n"
    );
    // Too large, or not text: said, not opened.
    std::fs::write(root.join("big.jsonl"), vec![b'a'; 3 << 20]).unwrap();
    let big = root.join("big.jsonl").display().to_string();
    assert!(
        read_for_edit(&root, &big)
            .unwrap_err()
            .contains("too large")
    );
    std::fs::write(root.join("bin.jsonl"), b"a\0b").unwrap();
    let bin = root.join("bin.jsonl").display().to_string();
    assert!(read_for_edit(&root, &bin).unwrap_err().contains("not text"));

    // The refusal reaches the status line; the overlay stays.
    let mut app = App::from(super::load(&root));
    app.ws.load_errors = vec![promptwright_core::vocab::Diagnostic::file(
        link.display().to_string(),
        "bad line",
    )];
    app.update(ch('!'));
    let cmds = app.update(key(KeyCode::Enter));
    assert!(
        matches!(cmds.as_slice(), [Cmd::OpenFile { .. }]),
        "{cmds:?}"
    );
    perform(&mut app, &root, cmds);
    assert!(matches!(app.overlay, Some(Overlay::Problems { .. })));
    assert!(
        app.note
            .as_deref()
            .unwrap()
            .contains("outside the workspace")
    );
}

#[test]
fn an_opened_file_changed_on_disk_is_reloaded_unless_it_has_edits() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "workspace.toml", WORKSPACE);
    let mut app = App::from(super::load(root));
    run(&mut app, root, ch('!'));
    run(&mut app, root, key(KeyCode::Enter));
    let mut watch = super::watch::FileWatch::new(&app, root);
    let e = app.prompts.editing().unwrap();
    watch.watch(&e.name, &e.path, &e.text());

    let fixed = WORKSPACE.replace("\"high\"", "0.7");
    let ws_file = root.join("workspace.toml");
    std::fs::write(&ws_file, &fixed).unwrap();
    let h = std::fs::File::options().write(true).open(&ws_file).unwrap();
    let t = std::fs::metadata(&ws_file).unwrap().modified().unwrap();
    h.set_modified(t + std::time::Duration::from_secs(2))
        .unwrap();
    let changes = watch.changes();
    assert!(
        changes
            .iter()
            .any(|m| matches!(m, Msg::FileChanged { prompt, .. } if prompt == "workspace.toml")),
        "{changes:?}"
    );
    for m in changes {
        run(&mut app, root, m);
    }
    assert_eq!(app.prompts.editing().unwrap().text(), fixed);
    assert_eq!(
        app.note.as_deref(),
        Some("workspace.toml changed on disk: reloaded")
    );
    assert!(app.ws.load_errors.is_empty(), "{:?}", app.ws.load_errors);

    // With edits, the disk's text waits and saving is said to overwrite it.
    run(&mut app, root, key(KeyCode::Enter));
    let edited = app.prompts.editing().unwrap().text();
    run(
        &mut app,
        root,
        Msg::FileChanged {
            prompt: "workspace.toml".into(),
            text: WORKSPACE.into(),
        },
    );
    assert_eq!(app.prompts.editing().unwrap().text(), edited);
    let text = screen(&app, root);
    assert!(
        text.contains("changed on disk by another program; saving will overwrite it"),
        "{text}"
    );
}

#[test]
fn a_fixed_workspace_toml_names_the_workspace_while_a_suite_is_still_broken() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "workspace.toml", WORKSPACE);
    write(root, "prompts/greet.toml", PROMPT);
    write(
        root,
        "evals/s.toml",
        "prompt = \"greet\"\n[[cases]]\nid = 3\n",
    );
    let mut app = App::from(super::load(root));
    assert!(app.ws.config.is_none());
    run(&mut app, root, ch('!'));
    run(&mut app, root, key(KeyCode::Enter));
    assert_eq!(app.prompts.editing().unwrap().rel_path, "workspace.toml");
    for _ in 0.."\"high\"".len() {
        run(&mut app, root, key(KeyCode::Delete));
    }
    typed(&mut app, root, "1");
    run(&mut app, root, ctrl('s'));
    assert_eq!(app.ws.load_errors.len(), 1, "{:?}", app.ws.load_errors);
    // The providers are known again: the status bar names the workspace and provider.
    assert_eq!(app.ws.name, "demo");
    assert!(app.ws.config.is_some());
    run(&mut app, root, key(KeyCode::Esc));
    let text = screen(&app, root);
    assert!(text.contains(" demo  │ greet │ local/-"), "{text}");
}
