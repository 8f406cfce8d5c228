//! The Diff pane: keys ask for diffs (`Cmd::LoadDiff`), the computation the event loop
//! runs is applied back, and frames are snapshotted in both views; the outputs view
//! compares real runs of two versions made by the runner on the echo provider.

use std::path::Path;

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::app::{App, Tab};
use super::msg::{Cmd, Msg};
use super::panes::diff::DiffMode;
use super::testing::{ch, echo_workspace, release_v1, write};
use promptwright_core::diff::{CaseChange, View};
use promptwright_core::release::Ref;
use promptwright_core::workspace::Workspace;

pub(super) const V1: &str = r#"description = "Greets a customer"
model = "m0"

[[messages]]
role = "system"
content = "You work for {{ company }}. Be brief."

[[messages]]
role = "user"
content = "Hello, I am {{ name }}."
"#;

pub(super) const DRAFT: &str = r#"description = "Greets a customer"
model = "m1"

[[messages]]
role = "system"
content = "You work for {{ company }}. Be warm and precise."

[[messages]]
role = "user"
content = "Hello, I am {{ name }}. {{ mood }}"
"#;

const SUITE: &str = r#"prompt = "greet"
[[cases]]
id = "brief"
vars = { company = "Acme", name = "Ada", mood = "" }
[[cases.assert]]
type = "icontains"
value = "brief"

[[cases]]
id = "warm"
vars = { company = "Acme", name = "Bo", mood = "" }
[[cases.assert]]
type = "icontains"
value = "warm"

[[cases]]
id = "same"
vars = { company = "Acme", name = "Cy", mood = "" }
[[cases.assert]]
type = "icontains"
value = "acme"
"#;

pub(super) fn workspace() -> tempfile::TempDir {
    let dir = echo_workspace("");
    let root = dir.path();
    write(root, "prompts/greet.toml", DRAFT);
    write(root, "evals/s.toml", SUITE);
    release_v1(root, V1);
    dir
}

/// Runs every suite of `greet` as `text` defines it (the runner keys records by content).
pub(super) fn run_as(root: &Path, text: &str) {
    run_cases_as(root, text, None);
}

/// Like [`run_as`], for only these (suite, case) pairs: what `.` reruns in the Evals pane.
fn run_cases_as(root: &Path, text: &str, only: Option<&[(&str, &str)]>) {
    write(root, "prompts/greet.toml", text);
    let ws = Workspace::load(root).unwrap();
    let request = promptwright_core::plan::PlanRequest {
        only_cases: only.map(|o| {
            o.iter()
                .map(|(s, c)| (s.to_string(), c.to_string()))
                .collect()
        }),
        ..Default::default()
    };
    let plans = promptwright_core::plan::plans(&ws, &request).unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        for p in plans {
            let (tx, _rx) = mpsc::unbounded_channel();
            promptwright_core::runner::run(p, tx, CancellationToken::new())
                .await
                .unwrap();
        }
    });
}

pub(super) fn frame(app: &App, w: u16, h: u16) -> String {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    super::render(&mut t, app).unwrap();
    t.backend().to_string()
}

/// Performs the `LoadDiff` commands as the event loop would.
pub(super) fn perform(app: &mut App, root: &Path, cmds: Vec<Cmd>) {
    for cmd in cmds {
        let Cmd::LoadDiff {
            prompt,
            from,
            to,
            draft,
        } = cmd
        else {
            panic!("unexpected {cmd:?}")
        };
        let loaded = super::loaders::diff::load(root, &prompt, from, to, draft);
        app.update(Msg::DiffLoaded(Box::new(loaded)));
    }
}

pub(super) fn open(root: &Path) -> App {
    let mut app = App::from(super::load(root));
    app.update(Msg::Resize(120, 30));
    let cmds = app.update(ch('3'));
    assert_eq!(app.tab, Tab::Diff);
    assert!(
        matches!(cmds.as_slice(), [Cmd::LoadDiff { prompt, from: Ref::Current, to: Ref::Draft, draft: Some(_) }] if prompt == "greet"),
        "{cmds:?}"
    );
    perform(&mut app, root, cmds);
    app
}

#[test]
fn current_against_draft_side_by_side_then_unified() {
    let ws = workspace();
    let mut app = open(ws.path());
    let d = app.diff.prompt_diff().expect("diff computed");
    assert_eq!(d.variables.added, vec!["mood".to_string()]);
    assert!(d.fields.iter().any(|f| f.name == "model"));
    let text = frame(&app, 120, 30);
    assert!(text.contains("greet: current (v1) → draft"), "{text}");
    insta::assert_snapshot!("diff_side_by_side", text);
    app.update(ch('s'));
    assert_eq!(app.diff.view, View::Unified);
    insta::assert_snapshot!("diff_unified", frame(&app, 120, 30));
}

#[test]
fn n_and_p_jump_between_hunks() {
    let ws = workspace();
    let mut app = open(ws.path());
    let hunks = app
        .diff
        .prompt_diff()
        .unwrap()
        .doc
        .hunks(View::SideBySide)
        .to_vec();
    assert!(hunks.len() >= 2, "{hunks:?}");
    app.update(ch('n'));
    assert!(
        app.diff.scroll > 0 && hunks.contains(&app.diff.scroll),
        "moved to a hunk: {} of {hunks:?}",
        app.diff.scroll
    );
    let at = app.diff.scroll;
    app.update(ch('n'));
    assert!(app.diff.scroll > at);
    app.update(ch('p'));
    assert_eq!(app.diff.scroll, at);
}

#[test]
fn sides_are_picked_with_keys_and_the_draft_is_the_editors_text() {
    let ws = workspace();
    let mut app = open(ws.path());
    // f cycles the left side: draft, current, v1, ...
    let cmds = app.update(ch('f'));
    assert!(
        matches!(
            cmds.as_slice(),
            [Cmd::LoadDiff {
                from: Ref::Version(1),
                ..
            }]
        ),
        "{cmds:?}"
    );
    perform(&mut app, ws.path(), cmds);
    assert!(frame(&app, 120, 30).contains("greet: v1 → draft"));
    let cmds = app.update(ch('t'));
    assert!(
        matches!(
            cmds.as_slice(),
            [Cmd::LoadDiff {
                to: Ref::Current,
                ..
            }]
        ),
        "{cmds:?}"
    );
    perform(&mut app, ws.path(), cmds);
    assert!(frame(&app, 120, 30).contains("The two sides are identical."));
    // Unsaved edits in the editor show up in the draft side.
    app.update(ch('1'));
    app.update(Msg::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE)));
    for c in "# x\n".chars() {
        let code = if c == '\n' {
            KeyCode::Enter
        } else {
            KeyCode::Char(c)
        };
        app.update(Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)));
    }
    app.update(Msg::Key(KeyEvent::new(
        KeyCode::Char('m'),
        KeyModifiers::NONE,
    )));
    let g = app.prompts.current().unwrap().generation;
    app.update(Msg::ValidateDue {
        prompt: "greet".into(),
        generation: g,
    });
    app.update(Msg::Key(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE)));
    let cmds = app.update(ch('3'));
    let [
        Cmd::LoadDiff {
            draft: Some(def), ..
        },
    ] = cmds.as_slice()
    else {
        panic!("{cmds:?}")
    };
    assert_eq!(
        def.messages[0].content,
        "You work for {{ company }}. Be warm and precise."
    );
}

/// The demo's three cases in review order: the regression, the fix, the unchanged one.
fn assert_review_order(app: &App) {
    let o = app.diff.outputs().expect("both sides have runs");
    let order: Vec<(CaseChange, &str)> =
        o.cases.iter().map(|c| (c.change, c.id.as_str())).collect();
    assert_eq!(
        order,
        vec![
            (CaseChange::Regression, "brief"),
            (CaseChange::Fix, "warm"),
            (CaseChange::Unchanged, "same")
        ]
    );
}

#[test]
fn outputs_view_lists_regressions_first_and_opens_a_case() {
    let ws = workspace();
    run_as(ws.path(), V1);
    run_as(ws.path(), DRAFT);
    let mut app = open(ws.path());
    app.update(ch('o'));
    assert_eq!(app.diff.mode, DiffMode::Outputs);
    assert_review_order(&app);
    let text = frame(&app, 120, 30);
    insta::assert_snapshot!("diff_outputs", text);
    app.update(ch('j'));
    assert_eq!(app.diff.cursor, 1);
    app.update(ch('n'));
    app.update(Msg::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE)));
    assert!(app.diff.case_open);
    let text = frame(&app, 120, 30);
    assert!(
        text.contains("Be brief.") && text.contains("Be warm and precise."),
        "{text}"
    );
    app.update(Msg::Key(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE)));
    assert!(!app.diff.case_open);
}

#[test]
fn rerunning_one_case_of_the_draft_invents_no_regressions() {
    let ws = workspace();
    run_as(ws.path(), V1);
    run_as(ws.path(), DRAFT);
    // The draft's newest run holds one case; the others keep their earlier results.
    run_cases_as(ws.path(), DRAFT, Some(&[("s", "same")]));
    let mut app = open(ws.path());
    app.update(ch('o'));
    let o = app.diff.outputs().expect("both sides have results");
    let labels: Vec<(&str, &str)> = o.cases.iter().map(|c| (c.label(), c.id.as_str())).collect();
    assert_eq!(
        labels,
        [
            ("regression", "brief"),
            ("fix", "warm"),
            ("output changed", "same")
        ]
    );
    assert_eq!(o.counts.regressions_total(), 1);
    // A case the draft never ran is "not run", never "missing".
    write(
        ws.path(),
        "evals/s.toml",
        &format!(
            "{SUITE}\n[[cases]]\nid = \"later\"\nvars = {{ company = \"Acme\", name = \"Di\", mood = \"\" }}\n"
        ),
    );
    run_cases_as(ws.path(), V1, Some(&[("s", "later")]));
    write(ws.path(), "prompts/greet.toml", DRAFT);
    let mut app = open(ws.path());
    app.update(ch('o'));
    let text = frame(&app, 160, 12);
    assert!(text.contains("NOT RUN        s/later  pass → –"), "{text}");
    assert!(text.contains("1 not run"), "{text}");
    assert!(!text.contains("MISSING"), "{text}");
}

#[test]
fn without_a_release_the_pane_says_what_to_do() {
    let ws = workspace();
    std::fs::remove_dir_all(ws.path().join("releases")).unwrap();
    let app = open(ws.path());
    let text = frame(&app, 120, 30);
    assert!(text.contains("no release"), "{text}");
    // Only the draft is left to pick.
    assert_eq!(app.diff.choices(), vec![Ref::Draft]);
}

#[test]
fn a_large_diff_scrolls_drawing_only_what_shows() {
    let ws = workspace();
    let long: String = (0..5000)
        .map(|i| format!("line {i} of the policy\n"))
        .collect();
    let edited = long.replace("line 2500 of", "line 2500 (edited) of");
    write(
        ws.path(),
        "prompts/greet.toml",
        &format!("[[messages]]\nrole = \"system\"\ncontent = \"\"\"\n{edited}\"\"\"\n"),
    );
    release_v1(
        ws.path(),
        &format!("[[messages]]\nrole = \"system\"\ncontent = \"\"\"\n{long}\"\"\"\n"),
    );
    let mut app = open(ws.path());
    app.update(ch('n'));
    let text = frame(&app, 120, 30);
    assert!(text.contains("(edited)"), "the hunk is on screen:\n{text}");
    let built = || crate::tui::panes::doc_view::ROWS_BUILT.with(std::cell::Cell::get);
    let mut last = String::new();
    for _ in 0..250 {
        app.update(Msg::Key(KeyEvent::new(
            KeyCode::PageDown,
            KeyModifiers::NONE,
        )));
        let before = built();
        let text = frame(&app, 120, 30);
        // A 30-row terminal shows fewer than 30 rows of the document: only those are
        // built, never the 5000.
        let rows = built() - before;
        assert!((1..30).contains(&rows), "a frame built {rows} rows");
        last = text;
    }
    assert!(
        last.contains("line 4999 of"),
        "PageDown reached the end:\n{last}"
    );
}

#[test]
fn r_runs_the_current_release_and_the_outputs_compare_both_sides() {
    let ws = workspace();
    run_as(ws.path(), DRAFT);
    let mut app = open(ws.path());
    app.update(ch('o'));
    // Only the draft has run: the hint names the key that runs the release, here.
    let text = frame(&app, 120, 30);
    assert!(text.contains("press R to run its suites"), "{text}");
    assert!(!text.contains("Evals pane"), "{text}");
    insta::assert_snapshot!("diff_outputs_release_not_run", text);
    let draft_brief = app.evals.result("s", "brief").cloned();
    assert_eq!(
        draft_brief.as_ref().map(|r| r.status),
        Some(promptwright_core::store::Status::Fail)
    );

    let cmds = app.update(ch('R'));
    assert!(
        matches!(cmds.as_slice(), [Cmd::RunCurrent { prompt, .. }] if prompt == "greet"),
        "{cmds:?}"
    );
    assert!(app.diff.running.is_some());
    assert!(frame(&app, 120, 30).contains("running current: 0/0"));
    // A second run waits for this one.
    assert!(app.update(ch('R')).is_empty());
    super::testing::perform(&mut app, ws.path(), cmds);

    assert!(app.diff.running.is_none());
    assert_review_order(&app);
    let text = frame(&app, 120, 30);
    assert!(
        text.contains("ran current (v1): 3 cases · ✓2 ✗1 !0"),
        "{text}"
    );
    insta::assert_snapshot!("diff_outputs_after_running_current", text);
    // The release's results are not the draft's: the Evals pane still shows the draft.
    assert_eq!(app.evals.result("s", "brief").cloned(), draft_brief);
    assert!(!app.evals.is_running() && app.evals.last_run().is_none());
}

#[test]
fn r_without_a_current_release_says_so() {
    let ws = workspace();
    std::fs::remove_dir_all(ws.path().join("releases")).unwrap();
    let mut app = open(ws.path());
    let cmds = app.update(ch('R'));
    super::testing::perform(&mut app, ws.path(), cmds);
    let text = frame(&app, 120, 30);
    assert!(
        text.contains("the current release could not run: greet has no release yet"),
        "{text}"
    );
}
