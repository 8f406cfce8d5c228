//! The editor's own keys, driven by key events: undo and redo, search with highlighted
//! matches, go-to-line, the `$EDITOR` hand-off as a command and its result, and a status
//! bar that names every key the README says it names.

use std::path::PathBuf;

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::KeyCode;
use ratatui::style::Color;

use super::app::App;
use super::keymap::Context;
use super::msg::{Cmd, Msg};
use super::panes::editor::Bar;
use super::testing::{ch, ctrl, echo_workspace, key, write};

const PROMPT: &str = "description = \"d\"\n\n[[messages]]\nrole = \"system\"\ncontent = \"You work for {{ company }}.\"\n\n[[messages]]\nrole = \"user\"\ncontent = \"Hi, I am {{ name }}.\"\n";

fn editing() -> (tempfile::TempDir, App) {
    let ws = echo_workspace("");
    write(ws.path(), "prompts/greet.toml", PROMPT);
    let mut app = App::from(super::load(ws.path()));
    app.update(Msg::Resize(120, 30));
    app.update(key(KeyCode::Enter));
    assert_eq!(app.context(), Context::Editor);
    (ws, app)
}

fn text(app: &App) -> String {
    app.prompts.current().unwrap().text()
}

fn cursor(app: &App) -> (usize, usize) {
    let c = app.prompts.current().unwrap().editor.cursor();
    (c.0, c.1)
}

fn frame(app: &App) -> Terminal<TestBackend> {
    let mut t = Terminal::new(TestBackend::new(120, 30)).unwrap();
    super::render(&mut t, app).unwrap();
    t
}

#[test]
fn ctrl_z_undoes_and_ctrl_y_redoes() {
    let (_ws, mut app) = editing();
    for c in "# new".chars() {
        app.update(ch(c));
    }
    let typed = text(&app);
    assert!(typed.starts_with("# new"));
    let mut undos = 0;
    while text(&app) != PROMPT {
        let cmds = app.update(ctrl('z'));
        assert!(
            matches!(cmds.as_slice(), [Cmd::ScheduleValidate { .. }]),
            "an undo is an edit: validated again"
        );
        undos += 1;
        assert!(undos <= 5, "Ctrl-Z does not undo: {:?}", text(&app));
    }
    assert!(app.update(ctrl('z')).is_empty());
    assert_eq!(app.note.as_deref(), Some("nothing to undo"));
    for _ in 0..undos {
        app.update(ctrl('y'));
    }
    assert_eq!(text(&app), typed);
    assert!(app.prompts.current().unwrap().is_dirty());
}

#[test]
fn ctrl_f_searches_highlights_and_steps_through_matches() {
    let (_ws, mut app) = editing();
    app.update(ctrl('f'));
    assert_eq!(app.context(), Context::EditorBar);
    for c in "MESSAGES".chars() {
        app.update(ch(c));
    }
    // Ignoring case, from the cursor: the first [[messages]] (line 3).
    assert_eq!(cursor(&app), (2, 2));
    let t = frame(&app);
    insta::assert_snapshot!("editor_search", t.backend());
    // Every match is highlighted: both [[messages]] lines, in the text column.
    let buf = t.backend().buffer();
    let highlighted = |y: u16| (0..120).any(|x| buf[(x, y)].bg == Color::Yellow);
    assert!(
        highlighted(2 + 2) && highlighted(2 + 6),
        "matches not highlighted"
    );
    assert!(!highlighted(2 + 4));
    app.update(key(KeyCode::Enter));
    assert_eq!(cursor(&app), (6, 2));
    app.update(key(KeyCode::Up));
    assert_eq!(cursor(&app), (2, 2));
    // Esc closes the bar and the highlighting; Ctrl-F brings the query back.
    app.update(key(KeyCode::Esc));
    assert_eq!(app.context(), Context::Editor);
    let t = frame(&app);
    let buf = t.backend().buffer();
    assert!(!(0..120).any(|x| buf[(x, 4)].bg == Color::Yellow));
    app.update(ctrl('f'));
    assert_eq!(
        app.prompts.bar().cloned(),
        Some(Bar::Search("MESSAGES".into()))
    );
    app.update(key(KeyCode::Enter));
    assert_eq!(cursor(&app), (6, 2));
    // No match says so and leaves the cursor where it was.
    app.update(ch('x'));
    assert_eq!(app.note.as_deref(), Some("no match"));
    assert_eq!(cursor(&app), (6, 2));
    // The bar's keys type into the bar, never into the text.
    assert_eq!(text(&app), PROMPT);
}

#[test]
fn ctrl_g_goes_to_a_line() {
    let (_ws, mut app) = editing();
    app.update(ctrl('g'));
    assert_eq!(app.prompts.bar().cloned(), Some(Bar::GoTo(String::new())));
    for c in "8a".chars() {
        app.update(ch(c));
    }
    assert_eq!(
        app.prompts.bar().cloned(),
        Some(Bar::GoTo("8".into())),
        "digits only"
    );
    insta::assert_snapshot!("editor_go_to_line", frame(&app).backend());
    app.update(key(KeyCode::Enter));
    assert_eq!(app.context(), Context::Editor);
    assert_eq!(cursor(&app), (7, 0));
    app.update(ctrl('g'));
    for c in "999".chars() {
        app.update(ch(c));
    }
    app.update(key(KeyCode::Enter));
    assert_eq!(cursor(&app), (8, 0));
    assert_eq!(app.note.as_deref(), Some("line 9 is the nearest there is"));
    assert_eq!(text(&app), PROMPT);
}

#[test]
fn ctrl_o_hands_the_file_to_editor_with_unsaved_edits_and_takes_it_back() {
    let (ws, mut app) = editing();
    // Nothing unsaved: the file as it is.
    let path: PathBuf = ws.path().join("prompts/greet.toml");
    assert_eq!(
        app.update(ctrl('o')),
        vec![Cmd::EditExternally {
            prompt: "greet".into(),
            path: path.clone(),
            unsaved: None,
        }]
    );
    // Unsaved edits travel with the command, to be written before the editor opens.
    app.update(ch('#'));
    let cmds = app.update(ctrl('o'));
    assert_eq!(
        cmds,
        vec![Cmd::EditExternally {
            prompt: "greet".into(),
            path,
            unsaved: Some(format!("#{PROMPT}")),
        }]
    );
    // The editor's result replaces the text, saved; the workspace is read again.
    let edited = format!("# from the editor\n{PROMPT}");
    let cmds = app.update(Msg::ExternalEdited {
        prompt: "greet".into(),
        result: Ok(edited.clone()),
    });
    assert_eq!(cmds, vec![Cmd::ReloadWorkspace]);
    assert_eq!(text(&app), edited);
    assert!(!app.prompts.current().unwrap().is_dirty());
    assert_eq!(
        app.note.as_deref(),
        Some("reloaded prompts/greet.toml from the editor")
    );
    // A failure is reported and changes nothing.
    app.update(Msg::ExternalEdited {
        prompt: "greet".into(),
        result: Err("no editor: set $VISUAL or $EDITOR".into()),
    });
    assert_eq!(text(&app), edited);
    assert!(app.note.as_deref().unwrap().starts_with("no editor"));
    // From the list, `o` does the same.
    app.update(key(KeyCode::Esc));
    assert!(matches!(
        app.update(ch('o')).as_slice(),
        [Cmd::EditExternally { .. }]
    ));
}

/// The keys the README's workbench section says the editor's status bar names.
fn readme_editor_keys() -> Vec<String> {
    let readme = include_str!("../../README.md");
    let start = readme
        .find("In the editor every key is text except")
        .expect("the README names the editor's keys");
    let sentence = &readme[start..];
    let sentence = &sentence[..sentence.find("(the status bar names them)").unwrap()];
    sentence
        .split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect()
}

/// Keys as the bar writes them, `Ctrl-N/P` standing for `Ctrl-N` and `Ctrl-P`.
fn keys_in_bar(bar: &str) -> Vec<String> {
    let mut out = Vec::new();
    for word in bar.split_whitespace() {
        let mut parts = word.split('/');
        let Some(first) = parts.next() else { continue };
        out.push(first.to_string());
        let prefix = first.split_once('-').map_or("", |(m, _)| m);
        for p in parts {
            out.push(if prefix.is_empty() || p.contains('-') {
                p.to_string()
            } else {
                format!("{prefix}-{p}")
            });
        }
    }
    out
}

#[test]
fn the_status_bar_names_every_editor_key_the_readme_names() {
    let wanted = readme_editor_keys();
    assert!(wanted.len() >= 5, "{wanted:?}");
    let (_ws, mut app) = editing();
    // With an unsaved edit too: the marker must not push keys off the bar.
    for unsaved in [false, true] {
        if unsaved {
            app.update(ch('#'));
            app.note = None;
        }
        let t = frame(&app);
        let bar: String = (0..120)
            .map(|x| t.backend().buffer()[(x, 29)].symbol().to_string())
            .collect();
        let named = keys_in_bar(&bar);
        for k in &wanted {
            assert!(named.contains(k), "{k} missing from the bar: {bar}");
        }
    }
}
