//! The workbench in a real terminal (tmux): `Ctrl-O` saves the editor's unsaved text,
//! steps aside for `$EDITOR` (a script that edits the file), then takes the terminal
//! back and shows the file as the editor left it.

// Integration tests: a failed setup step panics, and the panic is the report.
#![allow(clippy::unwrap_used)]

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use common::server::HANG;
use common::write;

/// A tmux server of our own, on its own socket, killed when dropped.
struct Tmux {
    socket: String,
}

impl Tmux {
    fn start(dir: &Path, command: &str) -> Tmux {
        let tmux = Tmux {
            socket: format!("pw-test-{}", std::process::id()),
        };
        let o = tmux.run(
            &[
                "new-session",
                "-d",
                "-s",
                "pw",
                "-x",
                "120",
                "-y",
                "30",
                "-c",
            ],
            &[dir.to_str().unwrap(), command],
        );
        assert!(
            o.status.success(),
            "tmux: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        tmux
    }

    fn run(&self, args: &[&str], more: &[&str]) -> Output {
        Command::new("tmux")
            .args(["-L", &self.socket, "-f", "/dev/null"])
            .args(args)
            .args(more)
            .output()
            .expect("tmux is installed")
    }

    fn keys(&self, keys: &[&str]) {
        assert!(self.run(&["send-keys", "-t", "pw"], keys).status.success());
    }

    fn literal(&self, text: &str) {
        assert!(
            self.run(&["send-keys", "-t", "pw", "-l"], &[text])
                .status
                .success()
        );
    }

    fn screen(&self) -> String {
        String::from_utf8_lossy(&self.run(&["capture-pane", "-p", "-t", "pw"], &[]).stdout)
            .into_owned()
    }

    /// Waits for the screen to satisfy `ok`. tmux has no signal for "the screen now
    /// shows", so this looks again every 100 ms; it asserts no duration (the deadline
    /// only catches a hang).
    fn wait_for(&self, what: &str, ok: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let s = self.screen();
            if ok(&s) {
                return s;
            }
            assert!(
                start.elapsed() < HANG,
                "hung waiting for {what}; the screen:\n{s}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.run(&["kill-server"], &[]);
    }
}

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
