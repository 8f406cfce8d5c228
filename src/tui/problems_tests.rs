//! A workspace that does not load says why, in the workbench: every load error at its
//! file:line:col, from any pane, instead of an empty "No suites" pane.

use std::path::Path;

use ratatui::crossterm::event::KeyCode;

use super::app::{App, Overlay};
use super::msg::Msg;
use super::testing::{ch, key, masked_screen, perform, write};

fn broken() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        root,
        "workspace.toml",
        "[workspace]\nname = \"demo\"\ndefault_provider = \"local\"\n[providers.local]\nkind = \"echo\"\n[gate]\nmin_pass_rate = \"high\"\n",
    );
    write(
        root,
        "prompts/greet.toml",
        "[[messages]]\nrole = \"user\"\ncontent = \"Hi {{ name }}\"\n",
    );
    write(
        root,
        "evals/s.toml",
        "prompt = \"greet\"\n[[cases]]\nid = 3\n",
    );
    dir
}

fn screen(app: &App, root: &Path) -> String {
    masked_screen(app, root, 100, 24)
}

#[test]
fn load_errors_are_listed_at_file_line_col_from_any_pane() {
    let ws = broken();
    let root = ws.path();
    let mut app = App::from(super::load(root));
    app.update(Msg::Resize(100, 24));
    assert_eq!(app.ws.load_errors.len(), 2, "{:?}", app.ws.load_errors);

    app.update(ch('2'));
    let text = screen(&app, root);
    assert!(!text.contains("No suites"), "{text}");
    assert!(text.contains("! lists its 2 problems"), "{text}");
    assert!(
        text.contains("✗ workspace: 2 errors (! lists them)"),
        "{text}"
    );

    app.update(ch('!'));
    assert_eq!(app.overlay, Some(Overlay::Problems { selected: 0 }));
    let text = screen(&app, root);
    assert!(text.contains("workspace.toml:7:17"), "{text}");
    assert!(text.contains("evals/s.toml:3:6"), "{text}");
    insta::assert_snapshot!("problems_overlay", text);
    app.update(key(KeyCode::Esc));
    assert_eq!(app.overlay, None);

    // From the Release pane too.
    app.update(ch('4'));
    app.update(ch('!'));
    assert!(screen(&app, root).contains("workspace.toml:7:17"));
    app.update(ch('!'));

    // Fixed in another editor: the watch notices and the workspace is read again.
    let mut watch = super::watch::FileWatch::new(&app, root);
    let ws_file = root.join("workspace.toml");
    let fixed = std::fs::read_to_string(&ws_file)
        .unwrap()
        .replace("\"high\"", "0.5");
    write(root, "workspace.toml", &fixed);
    write(
        root,
        "evals/s.toml",
        "prompt = \"greet\"\n[[cases]]\nid = \"three\"\nvars = { name = \"Tri\" }\n",
    );
    for f in [&ws_file, &root.join("evals/s.toml")] {
        let h = std::fs::File::options().write(true).open(f).unwrap();
        let t = std::fs::metadata(f).unwrap().modified().unwrap();
        h.set_modified(t + std::time::Duration::from_secs(2))
            .unwrap();
    }
    let changes = watch.changes();
    assert!(
        matches!(changes.as_slice(), [Msg::WorkspaceFilesChanged]),
        "{changes:?}"
    );
    for m in changes {
        let cmds = app.update(m);
        perform(&mut app, root, cmds);
    }
    assert!(app.ws.load_errors.is_empty(), "{:?}", app.ws.load_errors);
    app.update(ch('2'));
    let text = screen(&app, root);
    assert!(
        text.contains("three") && !text.contains("problems"),
        "{text}"
    );
}
