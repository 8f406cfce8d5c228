//! After a cancelled run, the rows it did not reach still show an earlier run's result:
//! they are dimmed, marked `*` and explained, until a run scores them again.

use std::path::Path;

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::app::App;
use super::msg::{Cmd, Msg};
use super::testing::{ch, echo_workspace, perform, write};

fn workspace() -> tempfile::TempDir {
    let dir = echo_workspace("");
    let root = dir.path();
    write(
        root,
        "prompts/greet.toml",
        "model = \"m\"\n[[messages]]\nrole = \"user\"\ncontent = \"Hello {{ name }}\"\n",
    );
    write(
        root,
        "evals/greet.toml",
        "prompt = \"greet\"\n[[assert]]\ntype = \"icontains\"\nvalue = \"hello\"\n[[cases]]\nid = \"ada\"\nvars = { name = \"Ada\" }\n[[cases]]\nid = \"bob\"\nvars = { name = \"Bob\" }\n[[cases]]\nid = \"cy\"\nvars = { name = \"Cy\" }\n",
    );
    dir
}

/// Performs a `StartRun` the way the event loop does after `c`: the run is cancelled
/// before it reaches any case, so it ends incomplete.
fn run_cancelled(app: &mut App, cmds: Vec<Cmd>) {
    let [Cmd::StartRun { ws, request }] = cmds.as_slice() else {
        panic!("expected one StartRun, got {cmds:?}")
    };
    let plans = promptwright_core::plan::plans(ws, request).unwrap();
    let cancel = CancellationToken::new();
    cancel.cancel();
    let (tx, mut rx) = mpsc::unbounded_channel();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    for p in plans {
        rt.block_on(promptwright_core::runner::run(
            p,
            tx.clone(),
            cancel.clone(),
        ))
        .unwrap();
    }
    while let Ok(ev) = rx.try_recv() {
        app.update(Msg::Run(ev));
    }
}

/// The frame, with what differs between runs masked: run ids and latencies.
fn screen(app: &App) -> String {
    let mut t = Terminal::new(TestBackend::new(100, 14)).unwrap();
    super::render(&mut t, app).unwrap();
    let text = t.backend().to_string();
    let text = regex::Regex::new(r"\d{8}-\d{6}-[0-9a-f]{6}")
        .unwrap()
        .replace_all(&text, "YYYYMMDD-HHMMSS-RUNID0");
    regex::Regex::new(r" \d ms")
        .unwrap()
        .replace_all(&text, " N ms")
        .into_owned()
}

fn open(root: &Path) -> App {
    let mut app = App::from(super::load(root));
    app.update(Msg::Resize(100, 14));
    app
}

#[test]
fn rows_a_cancelled_run_did_not_reach_are_marked_as_older() {
    let ws = workspace();
    let root = ws.path();
    let mut app = open(root);
    app.update(ch('2'));
    let cmds = app.update(ch('r'));
    perform(&mut app, root, cmds);
    assert!(!screen(&app).contains("older run"), "{}", screen(&app));

    let cmds = app.update(ch('r'));
    run_cancelled(&mut app, cmds);
    assert!(!app.evals.last_run().unwrap().complete);
    for id in ["ada", "bob", "cy"] {
        assert!(app.evals.is_older("greet", id), "{id}");
    }
    insta::assert_snapshot!("rows_from_an_older_run", screen(&app));

    // Rerunning one case makes that row current again; the others stay marked.
    app.update(ch('j'));
    let cmds = app.update(ch('.'));
    perform(&mut app, root, cmds);
    assert!(!app.evals.is_older("greet", "bob"));
    assert!(app.evals.is_older("greet", "ada") && app.evals.is_older("greet", "cy"));
    let text = screen(&app);
    assert!(text.contains("2 from an older run"), "{text}");
    assert!(text.contains("PASS*") && text.contains("PASS "), "{text}");

    // A complete run of the suite leaves nothing marked.
    let cmds = app.update(ch('r'));
    perform(&mut app, root, cmds);
    assert!(!app.evals.shows_older());
    assert!(!screen(&app).contains("older run"));
}
