//! The workbench in a real terminal (tmux): `Ctrl-O` saves the editor's unsaved text,
//! steps aside for `$EDITOR` (a script that edits the file), then takes the terminal
//! back and shows the file as the editor left it.

// Integration tests: a failed setup step panics, and the panic is the report.
#![allow(clippy::unwrap_used)]

mod common;

use std::os::unix::fs::PermissionsExt;
use std::time::{Duration, Instant};

use common::server::HANG;
use common::tmux::Tmux;
use common::write;

const PROMPT: &str = "[[messages]]\nrole = \"user\"\ncontent = \"Hi {{ name }}\"\n";

#[test]
fn ctrl_o_saves_runs_the_editor_and_reloads_what_it_wrote() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        root,
        "workspace.toml",
        "[workspace]\nname = \"demo\"\ndefault_provider = \"local\"\n[providers.local]\nkind = \"echo\"\n",
    );
    write(root, "prompts/greet.toml", PROMPT);
    // The "editor": records what it was given, then adds a line, as a person would.
    let editor = root.join("edit.sh");
    std::fs::write(
        &editor,
        "#!/bin/sh\ncp \"$1\" \"$(dirname \"$0\")/seen.txt\"\nprintf '# from-editor\\n' >> \"$1\"\n",
    )
    .unwrap();
    std::fs::set_permissions(&editor, std::fs::Permissions::from_mode(0o755)).unwrap();
    let command = format!(
        "VISUAL= EDITOR='{}' exec '{}'",
        editor.display(),
        env!("CARGO_BIN_EXE_promptwright")
    );
    let tmux = Tmux::start(root, &command);
    tmux.wait_for("the workbench", |s| s.contains("prompts/greet.toml"));
    // Enter the editor and type a line that is not saved.
    tmux.keys(&["Enter"]);
    tmux.literal("# mine");
    tmux.keys(&["Enter"]);
    tmux.wait_for("the unsaved edit", |s| s.contains("● unsaved"));
    tmux.keys(&["C-o"]);
    let screen = tmux.wait_for("the file back from the editor", |s| {
        s.contains("# from-editor") && !s.contains("● unsaved")
    });
    assert!(screen.contains("# mine"), "{screen}");
    // The editor saw the unsaved line: it was saved first, never lost.
    let seen = std::fs::read_to_string(root.join("seen.txt")).unwrap();
    assert_eq!(seen, format!("# mine\n{PROMPT}"));
    let on_disk = std::fs::read_to_string(root.join("prompts/greet.toml")).unwrap();
    assert_eq!(on_disk, format!("# mine\n{PROMPT}# from-editor\n"));
    // The workbench took the terminal back: keys work, and it quits without asking
    // (nothing unsaved).
    tmux.keys(&["Escape"]);
    // Apart from the Escape, or the two read as Alt-q.
    tmux.wait_for("the list", |s| s.contains("Enter/e edit"));
    tmux.keys(&["q"]);
    let start = Instant::now();
    while tmux.run(&["has-session", "-t", "pw"], &[]).status.success() {
        assert!(start.elapsed() < HANG, "did not quit:\n{}", tmux.screen());
        std::thread::sleep(Duration::from_millis(100));
    }
}
