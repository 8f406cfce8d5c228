//! The compare view driven by keys through the real executor: pick a second target and
//! a released version, run the grid of four cells against two local servers, move
//! through cases and cells, open a case's outputs side by side.

use ratatui::crossterm::event::KeyCode;

use super::app::App;
use super::drive::Drive;
use super::keymap::Context;
use super::msg::Msg;
use super::panes::compare::Phase;
use super::testing::{ch, key, masked_latencies, masked_screen, release_v1, serve_openai, write};

/// `plain` says back what it is asked; `fancy` dresses it up, and drops the name when
/// the prompt is the released v1 ("Hi").
fn workspace() -> tempfile::TempDir {
    let plain = serve_openai(|body| async move {
        body["messages"][0]["content"]
            .as_str()
            .unwrap_or("")
            .to_string()
    });
    let fancy = serve_openai(|body| async move {
        let asked = body["messages"][0]["content"].as_str().unwrap_or("");
        match asked.strip_prefix("Hi ") {
            Some(_) => "Hi there, friend".to_string(),
            None => format!("{asked}, dear friend"),
        }
    });
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        root,
        "workspace.toml",
        &format!(
            "[workspace]\nname = \"demo\"\ndefault_provider = \"plain\"\n[providers.plain]\nkind = \"openai\"\nbase_url = \"{plain}\"\n[providers.fancy]\nkind = \"openai\"\nbase_url = \"{fancy}\"\n[gate]\nmin_pass_rate = 0.0\n"
        ),
    );
    let prompt = |greeting: &str| {
        format!(
            "model = \"m\"\n[[messages]]\nrole = \"user\"\ncontent = \"{greeting} {{{{ name }}}}\"\n"
        )
    };
    release_v1(root, &prompt("Hi"));
    let mut suite = String::from("prompt = \"greet\"\n");
    for name in ["Ada", "Bob"] {
        suite.push_str(&format!(
            "[[cases]]\nid = \"{}\"\nvars = {{ name = \"{name}\" }}\n[[cases.assert]]\ntype = \"icontains\"\nvalue = \"{name}\"\n",
            name.to_lowercase()
        ));
    }
    write(root, "evals/greet.toml", &suite);
    write(root, "prompts/greet.toml", &prompt("Hello"));
    dir
}

#[test]
fn the_compare_view_runs_a_grid_and_shows_a_case_in_every_cell() {
    let ws = workspace();
    let root = ws.path();
    let mut app = App::from(super::load(root));
    app.update(Msg::Resize(120, 32));
    let mut drive = Drive::new(&app, root).unwrap();
    drive.send(&mut app, ch('2')).unwrap();
    drive.send(&mut app, ch('C')).unwrap();
    assert_eq!(app.context(), Context::Compare);
    let picker = masked_screen(&app, root, 120, 32);
    assert!(
        picker.contains("[x] plain") && picker.contains("[ ] fancy"),
        "{picker}"
    );
    assert!(
        picker.contains("[x] draft") && picker.contains("[ ] v1"),
        "{picker}"
    );
    // Pick fancy (the second target) and v1 (after draft and current).
    drive.send(&mut app, key(KeyCode::Down)).unwrap();
    drive.send(&mut app, ch(' ')).unwrap();
    for _ in 0..3 {
        drive.send(&mut app, key(KeyCode::Down)).unwrap();
    }
    drive.send(&mut app, ch(' ')).unwrap();
    insta::assert_snapshot!("compare_picker", masked_screen(&app, root, 120, 32));
    drive.send(&mut app, key(KeyCode::Enter)).unwrap();
    let view = app.evals.compare().unwrap();
    assert_eq!(view.phase(), Phase::Done, "{}", view.describe());
    assert_eq!(
        view.describe().split(" cells ").nth(1).unwrap()[..1].to_string(),
        "4"
    );
    let grid = masked_screen(&app, root, 120, 32);
    for label in [
        "A draft · plain/m",
        "B draft · fancy/m",
        "C v1 · plain/m",
        "D v1 · fancy/m",
    ] {
        assert!(grid.contains(label), "{label}\n{grid}");
    }
    // v1 on fancy loses the name: the only failing cell, and both rows differ.
    assert!(grid.contains("≠ greet/ada"), "{grid}");
    assert!(grid.contains("FAIL 0.00"), "{grid}");
    assert!(grid.contains("▲ best"), "{grid}");
    // Latencies are the machine's, and the best of three cells that pass alike and
    // cost alike goes to the fastest: both masked, keeping the columns.
    let masked = masked_latencies(&grid).replace("▲ best", "      ");
    insta::assert_snapshot!("compare_grid", masked);
    // The second cell of the first case, opened: every cell's output side by side.
    drive.send(&mut app, key(KeyCode::Right)).unwrap();
    drive.send(&mut app, key(KeyCode::Enter)).unwrap();
    let case = masked_screen(&app, root, 120, 32);
    assert!(case.contains("greet/ada · every cell's output"), "{case}");
    assert!(case.contains("Hello Ada, dear friend"), "{case}");
    assert!(case.contains("Hi there, friend"), "{case}");
    insta::assert_snapshot!("compare_case", case);
    drive.send(&mut app, key(KeyCode::Esc)).unwrap();
    assert!(!app.evals.compare().unwrap().is_open());
    drive.send(&mut app, key(KeyCode::Esc)).unwrap();
    assert!(app.evals.compare().is_none());
    assert_eq!(app.context(), Context::EvalsList);
}
