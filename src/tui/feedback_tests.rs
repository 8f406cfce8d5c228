//! Every action says what it did, on the screen: an export (what it wrote, or which
//! checks refuse it), a rollback without a reason, `n`/`p` with a single failure, `e`
//! from a case.

use std::path::Path;

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::KeyCode;

use super::app::{App, Tab};
use super::keymap::Context;
use super::msg::Msg;
use super::panes::prompts::Focus;
use super::testing::{ch, echo_workspace, key, perform, write};

const PROMPT: &str =
    "model = \"m\"\n[[messages]]\nrole = \"user\"\ncontent = \"Hi, I am {{ name }}. Be brief.\"\n";

/// One suite of two cases; `second` is the second case's expected text (`brief`
/// passes on the echo provider, anything absent fails).
fn workspace(second: &str) -> tempfile::TempDir {
    let dir = echo_workspace("[gate]\nmin_pass_rate = 1.0\n");
    write(dir.path(), "prompts/greet.toml", PROMPT);
    write(
        dir.path(),
        "evals/s.toml",
        &format!(
            "prompt = \"greet\"\n[[cases]]\nid = \"ada\"\nvars = {{ name = \"Ada\" }}\n[[cases.assert]]\ntype = \"icontains\"\nvalue = \"brief\"\n[[cases]]\nid = \"bo\"\nvars = {{ name = \"Bo\" }}\n[[cases.assert]]\ntype = \"icontains\"\nvalue = \"{second}\"\n"
        ),
    );
    dir
}

fn open(root: &Path) -> App {
    let mut app = App::from(super::load(root));
    app.update(Msg::Resize(100, 28));
    app
}

fn screen(app: &App) -> String {
    let mut t = Terminal::new(TestBackend::new(100, 28)).unwrap();
    super::render(&mut t, app).unwrap();
    t.backend().to_string()
}

/// What a terminal shows, joined into one line per row without the borders' padding,
/// so a message wrapped over two rows can be searched for.
fn flat(screen: &str) -> String {
    screen
        .lines()
        .map(|l| l.trim_matches(|c| c == '"' || c == '│' || c == ' '))
        .collect::<Vec<_>>()
        .join(" ")
}

fn keys(app: &mut App, root: &Path, text: &str) {
    for c in text.chars() {
        let cmds = app.update(ch(c));
        perform(app, root, cmds);
    }
}

#[test]
fn a_blocked_export_names_the_failing_checks_on_screen() {
    let ws = workspace("nope");
    let root = ws.path();
    let mut app = open(root);
    keys(&mut app, root, "4gmfirst");
    app.update(key(KeyCode::Enter));
    keys(&mut app, root, "x");
    assert!(!root.join("releases/greet/v1.toml").exists());
    insta::assert_snapshot!("export_refused", screen(&app));
    assert!(
        flat(&screen(&app)).contains("blocked: min_pass_rate fails"),
        "{}",
        screen(&app)
    );
}

#[test]
fn an_export_shows_the_version_and_the_files_it_wrote() {
    let ws = workspace("bo");
    let root = ws.path();
    let mut app = open(root);
    keys(&mut app, root, "4gmfirst");
    app.update(key(KeyCode::Enter));
    keys(&mut app, root, "x");
    assert!(root.join("releases/greet/v1.toml").is_file());
    let shown = flat(&screen(&app));
    assert!(
        shown.contains(
            "released greet v1: wrote releases/greet/v1.toml, releases/greet/log.jsonl, releases/greet.toml"
        ),
        "{}",
        screen(&app)
    );
}

#[test]
fn a_rollback_without_a_reason_says_so_in_the_dialog() {
    let ws = workspace("bo");
    let root = ws.path();
    let mut app = open(root);
    keys(&mut app, root, "4gmfirst");
    app.update(key(KeyCode::Enter));
    keys(&mut app, root, "x");
    // A second release, so there is a version to roll back to.
    write(
        root,
        "prompts/greet.toml",
        &PROMPT.replace("Be brief.", "Be brief, Bo."),
    );
    app.update(Msg::FileChanged {
        prompt: "greet".into(),
        text: std::fs::read_to_string(root.join("prompts/greet.toml")).unwrap(),
    });
    keys(&mut app, root, "1r4gmsecond");
    app.update(key(KeyCode::Enter));
    keys(&mut app, root, "xb");
    assert!(app.release.rollback.is_some(), "{}", screen(&app));
    let cmds = app.update(key(KeyCode::Enter));
    assert!(cmds.is_empty(), "no reason, no rollback: {cmds:?}");
    assert!(
        flat(&screen(&app)).contains("a rollback needs a reason"),
        "{}",
        screen(&app)
    );
    assert_eq!(app.context(), Context::ReleaseInput, "still asking");
}

#[test]
fn n_on_the_only_failure_says_it_is_the_only_one() {
    let ws = workspace("nope");
    let root = ws.path();
    let mut app = open(root);
    keys(&mut app, root, "2r");
    keys(&mut app, root, "n");
    assert_eq!(app.evals.current_case(), Some(("s", "bo")));
    keys(&mut app, root, "n");
    assert_eq!(app.evals.current_case(), Some(("s", "bo")));
    assert!(
        screen(&app).contains("only one failure"),
        "{}",
        screen(&app)
    );
    keys(&mut app, root, "p");
    assert!(screen(&app).contains("only one failure"));
}

#[test]
fn e_on_a_case_enters_the_editor_with_that_case_in_the_preview() {
    let ws = workspace("nope");
    let root = ws.path();
    let mut app = open(root);
    app.update(Msg::Resize(120, 30));
    keys(&mut app, root, "2rne");
    assert_eq!(app.tab, Tab::Prompts);
    assert_eq!(app.prompts.focus(), Focus::Editor);
    assert_eq!(app.context(), Context::Editor);
    let mut t = Terminal::new(TestBackend::new(120, 30)).unwrap();
    super::render(&mut t, &app).unwrap();
    insta::assert_snapshot!("edit_from_case", t.backend());
    // Keys now type into the prompt.
    app.update(ch('#'));
    assert!(app.prompts.current().unwrap().text().starts_with('#'));
}
