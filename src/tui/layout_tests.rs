//! Layout at real sizes: long lines in the side-by-side views wrap (and a line taller
//! than the screen scrolls to its end), the help takes the terminal's width, the Release
//! pane's checks keep their details and its verdict stays in view on a small terminal,
//! the editor keeps its line numbers when scrolled sideways.

use ratatui::crossterm::event::KeyCode;

use super::app::App;
use super::diff_tests;
use super::msg::{Cmd, Msg};
use super::release_tests;
use super::testing::{self, ch, key, write};

/// A rule of `words` words ending in a marker: only a wrapped (or scrolled) view shows
/// the marker in a narrow column.
fn long_rule(words: usize) -> String {
    let mut s: String = (0..words).map(|i| format!("word{i} ")).collect();
    s.push_str("END-OF-RULE.");
    s
}

fn diff_with_long_draft(words: usize) -> (tempfile::TempDir, App) {
    let ws = diff_tests::workspace();
    let draft = diff_tests::DRAFT.replace(
        "Be warm and precise.",
        &format!("Be warm and precise. {}", long_rule(words)),
    );
    write(ws.path(), "prompts/greet.toml", &draft);
    let app = diff_tests::open(ws.path());
    (ws, app)
}

#[test]
fn the_diff_pane_opens_at_the_top_and_wraps_long_lines() {
    let (_ws, mut app) = diff_with_long_draft(20);
    app.update(Msg::Resize(90, 24));
    assert_eq!((app.diff.scroll, app.diff.skip), (0, 0));
    let text = diff_tests::frame(&app, 90, 24);
    assert!(
        text.contains("     settings"),
        "the top is in view:\n{text}"
    );
    assert!(text.contains("END-OF-RULE."), "wrapped, not cut:\n{text}");
    insta::assert_snapshot!("diff_wrapped_side_by_side", text);
    app.update(ch('s'));
    let text = diff_tests::frame(&app, 90, 24);
    assert!(text.contains("END-OF-RULE."), "unified wraps too:\n{text}");
}

#[test]
fn a_line_taller_than_the_screen_scrolls_to_its_end() {
    let (_ws, mut app) = diff_with_long_draft(600);
    app.update(Msg::Resize(90, 24));
    let hunk = app
        .diff
        .prompt_diff()
        .unwrap()
        .doc
        .rows
        .iter()
        .position(|r| {
            r.right
                .as_ref()
                .is_some_and(|l| l.text.contains("END-OF-RULE"))
        })
        .unwrap();
    while app.diff.scroll != hunk {
        assert!(app.diff.scroll < hunk, "n passed the long row");
        app.update(ch('n'));
    }
    assert!(!diff_tests::frame(&app, 90, 24).contains("END-OF-RULE."));
    let mut presses = 0;
    while !diff_tests::frame(&app, 90, 24).contains("END-OF-RULE.") {
        app.update(key(KeyCode::PageDown));
        presses += 1;
        assert!(presses < 40, "never reached the end of the line");
    }
    assert_eq!(app.diff.scroll, hunk, "still inside the same row");
    assert!(app.diff.skip > 0);
    // Up goes back through the row's lines, then to the rows before it.
    for _ in 0..presses {
        app.update(key(KeyCode::PageUp));
    }
    assert_eq!((app.diff.scroll, app.diff.skip), (hunk, 0));
    app.update(key(KeyCode::Up));
    assert!(app.diff.scroll < hunk);
}

#[test]
fn a_case_s_two_outputs_wrap_in_the_diff_pane() {
    let ws = diff_tests::workspace();
    let long = diff_tests::DRAFT.replace(
        "Be warm and precise.",
        &format!("Be warm and precise. {}", long_rule(30)),
    );
    diff_tests::run_as(ws.path(), diff_tests::V1);
    diff_tests::run_as(ws.path(), &long);
    let mut app = diff_tests::open(ws.path());
    app.update(Msg::Resize(90, 24));
    app.update(ch('o'));
    app.update(key(KeyCode::Enter));
    assert!(app.diff.case_open);
    let text = diff_tests::frame(&app, 90, 24);
    assert!(text.contains("END-OF-RULE."), "{text}");
}

#[test]
fn a_regression_s_outputs_wrap_and_the_checks_keep_their_details() {
    let ws = release_tests::workspace();
    let root = ws.path();
    let mut app = release_tests::open(root);
    release_tests::release_now(&mut app, root, "v1");
    let draft = release_tests::PROMPT.replace(" Be brief.", &format!(" {}", long_rule(30)));
    write(root, "prompts/greet.toml", &draft);
    let mut app = App::from(super::load(root));
    app.update(Msg::Resize(90, 24));
    let cmds = app.update(ch('4'));
    testing::perform(&mut app, root, cmds);
    let cmds = app.update(ch('g'));
    testing::perform(&mut app, root, cmds);
    let v = app.release.verdict.clone().unwrap();
    assert!(!v.passed);
    let text = release_tests::frame_at(&app, 90, 30);
    for c in &v.checks {
        // Each detail whole, wrapped under its check.
        for w in c.detail.split_whitespace() {
            assert!(text.contains(w), "{w} of {}'s detail cut:\n{text}", c.name);
        }
    }
    insta::assert_snapshot!("release_checks_90x30", text);
    app.update(key(KeyCode::Enter));
    assert!(app.release.case_open);
    let text = release_tests::frame_at(&app, 90, 30);
    assert!(text.contains("END-OF-RULE."), "{text}");
}

#[test]
fn at_60_by_15_the_release_verdict_stays_visible() {
    let ws = release_tests::workspace();
    let root = ws.path();
    let mut app = App::from(super::load(root));
    app.update(Msg::Resize(60, 15));
    let cmds = app.update(ch('4'));
    testing::perform(&mut app, root, cmds);
    let cmds = app.update(ch('g'));
    testing::perform(&mut app, root, cmds);
    let text = release_tests::frame_at(&app, 60, 15);
    assert!(text.contains("✓ PASS"), "{text}");
    insta::assert_snapshot!("release_60x15", text);
}

#[test]
fn the_help_takes_the_terminal_s_width_and_wraps() {
    let ws = diff_tests::workspace();
    let mut app = diff_tests::open(ws.path());
    app.update(ch('?'));
    // The longest sentence of the Diff pane's help, whole on a wide terminal...
    let wide = diff_tests::frame(&app, 160, 50);
    assert!(
        wide.contains("Toggle the prompt diff and the per-case output changes"),
        "{wide}"
    );
    // ...and wrapped, every word kept, on a narrow one.
    app.update(Msg::Resize(60, 50));
    let narrow = diff_tests::frame(&app, 60, 50);
    for word in ["per-case", "output", "changes", "(or", "regression", "fix)"] {
        assert!(narrow.contains(word), "{word} cut:\n{narrow}");
    }
    insta::assert_snapshot!("help_60_wide", narrow);
}

#[test]
fn the_editor_keeps_its_line_numbers_when_scrolled_sideways() {
    let ws = diff_tests::workspace();
    let mut app = App::from(super::load(ws.path()));
    app.update(Msg::Resize(80, 20));
    app.update(key(KeyCode::Enter));
    let mut last = Vec::new();
    // A comment before the first line: the text stays valid.
    for c in format!("# {} ", long_rule(25)).chars() {
        last = app.update(ch(c));
    }
    if let Some(Cmd::ScheduleValidate {
        prompt, generation, ..
    }) = last.pop()
    {
        app.update(Msg::ValidateDue { prompt, generation });
    }
    let text = diff_tests::frame(&app, 80, 20);
    assert!(
        text.contains("END-OF-RULE."),
        "the cursor is in view:\n{text}"
    );
    for n in 1..=6 {
        assert!(
            text.contains(&format!("│ {n:>2} ")),
            "line number {n} gone:\n{text}"
        );
    }
    insta::assert_snapshot!("editor_scrolled_sideways", text);
}
