//! Tool calls in the workbench: the demo's order assistant, replayed from its cassette,
//! shows each answer's calls in the case detail.

use ratatui::crossterm::event::KeyCode;

use super::app::App;
use super::msg::Msg;
use super::testing::{ch, execute, key, masked_latencies, masked_screen};

/// A copy of the repository's demo workspace.
fn demo() -> tempfile::TempDir {
    fn copy(from: &std::path::Path, to: &std::path::Path) {
        std::fs::create_dir_all(to).unwrap();
        for entry in std::fs::read_dir(from).unwrap() {
            let path = entry.unwrap().path();
            let target = to.join(path.file_name().unwrap());
            if path.is_dir() {
                copy(&path, &target);
            } else {
                std::fs::copy(&path, &target).unwrap();
            }
        }
    }
    let repo = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        repo.join("workspace.toml"),
        dir.path().join("workspace.toml"),
    )
    .unwrap();
    for d in ["prompts", "evals", "releases"] {
        copy(&repo.join(d), &dir.path().join(d));
    }
    dir
}

#[test]
fn the_case_detail_shows_the_tools_an_answer_called() {
    let ws = demo();
    let mut app = App::from(super::load(ws.path()));
    app.update(Msg::Resize(100, 24));
    app.update(key(KeyCode::Char('2')));
    // Suites are listed by name: order-status is the first.
    let cmds = app.update(ch('r'));
    execute(&mut app, cmds);
    let case = app
        .evals
        .result("order-status", "cancel-without-id")
        .unwrap();
    assert_eq!(case.tool_calls[0].name, "cancel_order");
    // Down to the one failing case, on purpose the one with a bad call.
    app.update(ch('f'));
    assert_eq!(app.evals.visible_rows(), 1);
    app.update(key(KeyCode::Enter));
    let screen = masked_screen(&app, ws.path(), 100, 24);
    assert!(screen.contains("→ cancel_order({"), "{screen}");
    assert!(screen.contains("\"order_id\": \"last\""), "{screen}");
    let run_id = app.evals.last_run().unwrap().run_id.clone();
    insta::assert_snapshot!(
        "evals_detail_tool_calls",
        masked_latencies(&screen).replace(&run_id, "RUN_ID")
    );
}
