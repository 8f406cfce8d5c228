//! The Evals pane with cases drawn several times: draws passed per case with a flaky
//! mark, `f` down to the flaky cases, and the detail stepping through the draws. Real
//! runs against a local server whose answers depend on how often it was asked.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use ratatui::crossterm::event::KeyCode;

use super::app::App;
use super::msg::Msg;
use super::panes::evals::Show;
use super::testing::{ch, execute, key, masked_latencies, masked_screen, serve_openai, write};

/// `ada` is always answered right, `bob` right on every other ask, `cy` never. One
/// request at a time, so draw k of a case is its k-th ask.
fn workspace() -> tempfile::TempDir {
    let asked: Arc<Mutex<HashMap<String, usize>>> = Arc::default();
    let url = serve_openai(move |body| {
        let asked = asked.clone();
        async move {
            let user = body["messages"][0]["content"]
                .as_str()
                .unwrap_or("")
                .to_string();
            let k = {
                let mut asked = asked.lock().unwrap();
                let k = asked.entry(user.clone()).or_default();
                *k += 1;
                *k
            };
            let right = match user.as_str() {
                "Hello Ada" => true,
                "Hello Bob" => k % 2 == 0,
                _ => false,
            };
            if right {
                user
            } else {
                format!("no idea ({k})")
            }
        }
    });
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        root,
        "workspace.toml",
        &format!(
            "[workspace]\nname = \"demo\"\ndefault_provider = \"p\"\n[providers.p]\nkind = \"openai\"\nbase_url = \"{url}\"\nconcurrency = 1\n"
        ),
    );
    write(
        root,
        "prompts/greet.toml",
        "model = \"m\"\n[[messages]]\nrole = \"user\"\ncontent = \"Hello {{ name }}\"\n",
    );
    let mut suite = String::from(
        "prompt = \"greet\"\nrepeat = 4\nmin_pass_fraction = 0.5\n[[assert]]\ntype = \"icontains\"\nvalue = \"hello\"\n",
    );
    for name in ["Ada", "Bob", "Cy"] {
        suite.push_str(&format!(
            "[[cases]]\nid = \"{}\"\nvars = {{ name = \"{name}\" }}\n",
            name.to_lowercase()
        ));
    }
    write(root, "evals/greet.toml", &suite);
    dir
}

fn ran(root: &std::path::Path) -> App {
    let mut app = App::from(super::load(root));
    app.update(Msg::Resize(100, 20));
    app.update(key(KeyCode::Char('2')));
    let cmds = app.update(ch('r'));
    execute(&mut app, cmds);
    app
}

#[test]
fn each_case_shows_its_draws_passed_and_flaky_ones_are_marked() {
    let ws = workspace();
    let app = ran(ws.path());
    let bob = app.evals.result("greet", "bob").unwrap();
    assert_eq!((bob.passes(), bob.sample_count()), (2, 4));
    let screen = masked_screen(&app, ws.path(), 150, 12);
    assert!(screen.contains("draws"), "{screen}");
    assert!(screen.contains("4/4    ada"), "{screen}");
    assert!(screen.contains("2/4~   bob"), "{screen}");
    assert!(screen.contains("0/4    cy"), "{screen}");
    let run_id = app.evals.last_run().unwrap().run_id.clone();
    let shown = masked_latencies(&screen).replace(&run_id, "RUN_ID");
    insta::assert_snapshot!("evals_repeated", shown);
}

#[test]
fn f_narrows_to_failures_then_to_flaky_cases_then_shows_all() {
    let ws = workspace();
    let mut app = ran(ws.path());
    assert_eq!(app.evals.visible_rows(), 3);
    app.update(ch('f'));
    assert_eq!(
        (app.evals.show(), app.evals.visible_rows()),
        (Show::Failures, 1)
    );
    app.update(ch('f'));
    assert_eq!(
        (app.evals.show(), app.evals.visible_rows()),
        (Show::Flaky, 1)
    );
    assert_eq!(app.evals.current_case(), Some(("greet", "bob")));
    let screen = masked_screen(&app, ws.path(), 100, 20);
    assert!(screen.contains("flaky only"), "{screen}");
    app.update(ch('f'));
    assert_eq!((app.evals.show(), app.evals.visible_rows()), (Show::All, 3));
}

#[test]
fn the_detail_steps_through_the_draws_of_a_case() {
    let ws = workspace();
    let mut app = ran(ws.path());
    app.update(key(KeyCode::Down));
    app.update(key(KeyCode::Enter));
    let screen = |app: &App| masked_screen(app, ws.path(), 100, 20);
    let whole = screen(&app);
    assert!(whole.contains("all draws"), "{whole}");
    assert!(whole.contains("2/4 passed · flaky"), "{whole}");
    app.update(ch(']'));
    let first = screen(&app);
    assert!(first.contains("draw 1 of 4"), "{first}");
    assert!(first.contains("[✗]"), "{first}");
    assert!(
        first.contains("no idea (1)"),
        "the first draw's output\n{first}"
    );
    app.update(ch(']'));
    let second = screen(&app);
    assert!(
        second.contains("draw 2 of 4") && second.contains("Hello Bob"),
        "{second}"
    );
    insta::assert_snapshot!("evals_detail_draw", masked_latencies(&second));
    app.update(ch('['));
    app.update(ch('['));
    assert!(screen(&app).contains("all draws"));
    app.update(key(KeyCode::Left));
    assert!(screen(&app).contains("draw 4 of 4"));
}
