//! The binary in a real terminal (tmux): the terminal is given back as it was (main
//! screen, cursor shown, cooked mode, no mouse capture) after the workbench quits and
//! after it panics; `eval` colours its output and draws its progress bar on a terminal
//! only, and `NO_COLOR` turns the colour off.

// Integration tests: a failed setup step panics, and the panic is the report.
#![allow(clippy::unwrap_used)]

mod common;

use common::server::*;
use common::tmux::Tmux;
use common::write;

/// A prompt of the workbench's own tests (the eval tests use the server's `PROMPT`).
const GREET: &str = "[[messages]]\nrole = \"user\"\ncontent = \"Hi {{ name }}\"\n";

/// Runs the workbench in a shell under tmux, ends it with `keys`, and returns the
/// screen the shell shows after it: its exit code and `stty -a`, printed by the shell
/// once the workbench is gone. The shell then waits, so tmux can be asked about the
/// pane.
fn after_the_workbench(env: &str, keys: &[&str]) -> (Tmux, String) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        root,
        "workspace.toml",
        "[workspace]\nname = \"demo\"\ndefault_provider = \"local\"\n[providers.local]\nkind = \"echo\"\n",
    );
    write(root, "prompts/greet.toml", GREET);
    let command = format!(
        "{env} '{}'; echo \"exit=$?\"; stty -a; exec cat",
        env!("CARGO_BIN_EXE_promptwright")
    );
    let tmux = Tmux::start(root, &command);
    tmux.wait_for("the workbench", |s| s.contains("prompts/greet.toml"));
    assert_eq!(
        tmux.flag("alternate_on"),
        "1",
        "the workbench draws on the alternate screen"
    );
    assert_eq!(tmux.flag("mouse_any_flag"), "1", "and captures the mouse");
    tmux.keys(keys);
    let screen = tmux.wait_for("the shell after the workbench", |s| {
        s.contains("exit=") && s.contains("icanon")
    });
    (tmux, screen)
}

/// The terminal is as the shell left it: main screen, cursor shown, no mouse capture,
/// line editing and echo on (not raw mode).
fn assert_restored(tmux: &Tmux, screen: &str) {
    assert_eq!(
        tmux.flag("alternate_on"),
        "0",
        "still on the alternate screen"
    );
    assert_eq!(tmux.flag("cursor_flag"), "1", "the cursor is hidden");
    assert_eq!(
        tmux.flag("mouse_any_flag"),
        "0",
        "the mouse is still captured"
    );
    let words: Vec<&str> = screen.split_whitespace().collect();
    for mode in ["icanon", "echo", "isig"] {
        assert!(words.contains(&mode), "{mode} is off (raw mode):\n{screen}");
    }
    assert!(
        !screen.contains("1 Prompts"),
        "the workbench is still drawn:\n{screen}"
    );
}

#[test]
fn q_gives_the_terminal_back_as_it_was() {
    let (tmux, screen) = after_the_workbench("", &["q"]);
    assert!(screen.contains("exit=0"), "{screen}");
    assert_restored(&tmux, &screen);
}

#[cfg(debug_assertions)]
#[test]
fn a_panic_gives_the_terminal_back_as_it_was_and_says_why() {
    // The failpoint panics at the first key (debug builds only).
    let (tmux, screen) = after_the_workbench(
        "RUST_BACKTRACE=0 PROMPTWRIGHT_TEST_FAILPOINT=tui-panic-on-key",
        &["j"],
    );
    assert!(screen.contains("exit=101"), "{screen}");
    assert!(screen.contains("failpoint tui-panic-on-key"), "{screen}");
    assert_restored(&tmux, &screen);
}

/// `promptwright ARGS` in a shell under tmux in `root`, then its exit code.
fn in_a_shell(root: &std::path::Path, env: &str, args: &str) -> Tmux {
    let command = format!(
        "env -u NO_COLOR -u CLICOLOR_FORCE {env} '{}' {args}; echo \"exit=$?\"; exec cat",
        env!("CARGO_BIN_EXE_promptwright")
    );
    Tmux::start(root, &command)
}

#[test]
fn eval_colours_its_results_on_a_terminal_and_no_color_turns_colour_off() {
    let server = Server::always(chat("hello", 1, 1));
    for (env, coloured) in [("", true), ("NO_COLOR=1", false)] {
        let ws = workspace(&openai(&server.url, ""), PROMPT, &suite(2));
        let tmux = in_a_shell(ws.path(), env, "eval");
        let plain = tmux.wait_for("the results", |s| s.contains("exit="));
        assert!(plain.contains("exit=0"), "{plain}");
        let styled = tmux.styled_screen();
        assert_eq!(
            styled.contains("\x1b["),
            coloured,
            "{env:?}: coloured should be {coloured}:\n{styled:?}"
        );
    }
}

#[test]
fn eval_draws_its_progress_bar_on_a_terminal_only() {
    // c1 answers; c2 waits until the test has seen the bar.
    let gate = Gate::new();
    let held = gate.clone();
    let server = Server::start(move |hit, _| {
        if hit.user() == "Say w1" {
            chat("first", 1, 1)
        } else {
            chat("later", 1, 1).held(&held)
        }
    });
    let providers = openai(&server.url, "").replace("timeout_s = 1", "timeout_s = 60");
    let ws = workspace(&providers, PROMPT, &suite(2));
    let root = ws.path();
    // Results to a file, stderr on the terminal: the bar shows mid-run, then goes.
    let tmux = in_a_shell(root, "", "eval -j 1 > out.txt");
    let mid = tmux.wait_for("the progress bar", |s| s.contains("1/2"));
    assert!(mid.contains("ETA"), "{mid}");
    gate.open();
    let end = tmux.wait_for("the end of the run", |s| s.contains("exit="));
    assert!(end.contains("exit=0"), "{end}");
    assert!(!end.contains("1/2"), "the bar stays on the screen:\n{end}");

    // stderr to a pipe: no bar at all.
    let out = output_or_hang(bin(root).args(["eval", "-j", "1", "--no-cache"]));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        !stderr.contains("ETA") && !stderr.contains('\r'),
        "{stderr:?}"
    );
}
