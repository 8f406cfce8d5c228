//! Releases are atomic across their three files and locked: a release or rollback
//! killed at any write leaves a state `check` accepts or names, and
//! `release NAME --repair` finishes it; racing a release with a rollback loses no log
//! line; `check` cross-checks the log against the version files; a release folder
//! linked out of the workspace is never written through.

// Integration tests: a failed setup step panics, and the panic is the report.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::Path;

use common::{code, stderr, stdout, write};

use common::{as_tester as bin, run_as_tester as run};

const WORKSPACE: &str = "[workspace]\nname = \"t\"\ndefault_provider = \"local\"\n\n[providers.local]\nkind = \"echo\"\n\n[gate]\nmin_pass_rate = 1.0\n";

fn prompt(extra: &str) -> String {
    format!(
        "[[messages]]\nrole = \"system\"\ncontent = \"You work at Acme. Be kind.{extra}\"\n\n[[messages]]\nrole = \"user\"\ncontent = \"Hello, I am {{{{ name }}}}.\"\n"
    )
}

const SUITE: &str = "prompt = \"greet\"\n[[cases]]\nid = \"acme\"\nvars = { name = \"Ada\" }\n[[cases.assert]]\ntype = \"icontains\"\nvalue = \"acme\"\n";

/// A workspace with `versions` releases of `greet` made, the last one current.
fn released(versions: usize) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "workspace.toml", WORKSPACE);
    write(root, "evals/greet.toml", SUITE);
    for v in 1..=versions {
        write(root, "prompts/greet.toml", prompt(&format!(" v{v}")));
        let o = run(root, &["release", "greet", "--note", &format!("v{v}")]);
        assert_eq!(code(&o), 0, "{}", stderr(&o));
    }
    dir
}

fn log_lines(root: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(root.join("releases/greet/log.jsonl"))
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn current_version(root: &Path) -> i64 {
    let text = std::fs::read_to_string(root.join("releases/greet.toml")).unwrap();
    let t: toml::Table = toml::from_str(&text).unwrap();
    t["version"].as_integer().unwrap()
}

/// Files under releases/ whose names mark them as temporary.
fn temp_files(root: &Path) -> Vec<String> {
    let mut out = Vec::new();
    for dir in ["releases", "releases/greet"] {
        for e in std::fs::read_dir(root.join(dir))
            .into_iter()
            .flatten()
            .flatten()
        {
            let n = e.file_name().to_string_lossy().into_owned();
            if n.ends_with(".tmp") {
                out.push(format!("{dir}/{n}"));
            }
        }
    }
    out
}

/// After a kill: `check` accepts the state or names it with the repair command; the
/// repair makes it whole; then the state is the one before or the one after.
fn check_repair_and_settle(root: &Path, point: &str, before: i64, after: i64) {
    let o = run(root, &["check"]);
    let err = stderr(&o);
    match code(&o) {
        0 => {}
        2 => {
            assert!(err.contains("interrupted"), "{point}: {err}");
            assert!(
                err.contains("promptwright release greet --repair"),
                "{point}: {err}"
            );
        }
        c => panic!("{point}: check exited {c}: {err}"),
    }
    let o = run(root, &["release", "greet", "--repair"]);
    assert_eq!(code(&o), 0, "{point}: {}", stderr(&o));
    let o = run(root, &["check"]);
    assert_eq!(code(&o), 0, "{point}: after repair: {}", stderr(&o));
    assert!(!stderr(&o).contains("warning"), "{point}: {}", stderr(&o));
    assert_eq!(temp_files(root), Vec::<String>::new(), "{point}");
    let now = current_version(root);
    assert!(now == before || now == after, "{point}: v{now}");
    assert_eq!(
        log_lines(root).last().unwrap()["version"],
        now,
        "{point}: the log's last line names the current version"
    );
}

#[cfg(debug_assertions)]
#[test]
fn a_release_killed_at_any_write_is_named_by_check_and_finished_by_repair() {
    for point in [
        "rename:v2.toml",
        "release:after-version",
        "rename:log.jsonl",
        "release:after-log",
        "rename:greet.toml",
    ] {
        let dir = released(1);
        let root = dir.path();
        write(root, "prompts/greet.toml", prompt(" v2"));
        let o = bin(root)
            .args(["release", "greet", "--note", "v2"])
            .env("PROMPTWRIGHT_TEST_FAILPOINT", point)
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(137), "{point}: {}", stderr(&o));
        // A half-written folder refuses further releases until repaired.
        if point != "rename:v2.toml" && point != "rename:greet.toml" {
            write(root, "prompts/greet.toml", prompt(" v3"));
            let o = run(root, &["release", "greet", "--note", "v3"]);
            assert_eq!(code(&o), 2, "{point}: {}", stderr(&o));
            assert!(stderr(&o).contains("--repair"), "{point}: {}", stderr(&o));
        }
        check_repair_and_settle(root, point, 1, 2);
        // And releasing goes on from there.
        write(root, "prompts/greet.toml", prompt(" v4"));
        let o = run(root, &["release", "greet", "--note", "next"]);
        assert_eq!(code(&o), 0, "{point}: {}", stderr(&o));
        assert_eq!(run(root, &["check"]).status.code(), Some(0), "{point}");
    }
}

#[cfg(debug_assertions)]
#[test]
fn a_rollback_killed_at_any_write_is_named_by_check_and_finished_by_repair() {
    for point in [
        "rename:log.jsonl",
        "rollback:after-log",
        "rename:greet.toml",
    ] {
        let dir = released(2);
        let root = dir.path();
        let o = bin(root)
            .args(["rollback", "greet", "--reason", "bad"])
            .env("PROMPTWRIGHT_TEST_FAILPOINT", point)
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(137), "{point}: {}", stderr(&o));
        check_repair_and_settle(root, point, 2, 1);
    }
}

#[test]
fn a_release_racing_a_rollback_loses_no_log_line() {
    let dir = released(2);
    let root = dir.path();
    let mut expected = log_lines(root).len();
    for round in 0..6 {
        write(
            root,
            "prompts/greet.toml",
            prompt(&format!(" round {round}")),
        );
        let release = bin(root)
            .args(["release", "greet", "--note", &format!("round {round}")])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let rollback = bin(root)
            .args(["rollback", "greet", "--reason", &format!("round {round}")])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        for child in [release, rollback] {
            let o = child.wait_with_output().unwrap();
            match code(&o) {
                0 => expected += 1,
                // The other one moved the releases first: refused, nothing written.
                2 => assert!(
                    stderr(&o).contains("changed") || stderr(&o).contains("no earlier one"),
                    "{}",
                    stderr(&o)
                ),
                c => panic!("exit {c}: {}{}", stdout(&o), stderr(&o)),
            }
        }
        assert_eq!(log_lines(root).len(), expected, "round {round}");
        let o = run(root, &["check"]);
        assert_eq!(code(&o), 0, "round {round}: {}", stderr(&o));
    }
}

/// `check` on a tampered folder: exit 2, the message naming the file.
fn tampered(root: &Path, needle: &str) {
    let o = run(root, &["check"]);
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(
        stderr(&o).contains(needle),
        "expected {needle:?} in:\n{}",
        stderr(&o)
    );
    assert!(
        !stderr(&o).contains("--repair"),
        "tampering is not repairable: {}",
        stderr(&o)
    );
}

#[test]
fn check_cross_checks_the_log_against_the_version_files() {
    let dir = released(2);
    let root = dir.path();
    let log_path = root.join("releases/greet/log.jsonl");
    let log = std::fs::read_to_string(&log_path).unwrap();
    let lines: Vec<&str> = log.lines().collect();

    // A deleted log line: the last one, then the first.
    std::fs::write(&log_path, format!("{}\n", lines[0])).unwrap();
    tampered(
        root,
        "releases/greet/v2.toml: v2 has no line in releases/greet/log.jsonl",
    );
    std::fs::write(&log_path, format!("{}\n", lines[1])).unwrap();
    tampered(root, "releases/greet/v1.toml: v1 has no line");

    // An edited note.
    std::fs::write(
        &log_path,
        log.replace("\"note\":\"v2\"", "\"note\":\"all fine\""),
    )
    .unwrap();
    tampered(
        root,
        "releases/greet/log.jsonl:2:1: the log's release of v2 does not match releases/greet/v2.toml: note differs",
    );
    std::fs::write(&log_path, &log).unwrap();
    assert_eq!(code(&run(root, &["check"])), 0);

    // v2 replaced by v1's content, its version fields edited to pass as v2.
    let v1 = std::fs::read_to_string(root.join("releases/greet/v1.toml")).unwrap();
    let forged = v1.replacen("version = 1\n", "version = 2\nparent_version = 1\n", 1);
    std::fs::write(root.join("releases/greet/v2.toml"), &forged).unwrap();
    std::fs::write(root.join("releases/greet.toml"), &forged).unwrap();
    tampered(
        root,
        "the log's release of v2 does not match releases/greet/v2.toml: content_sha256",
    );
}

#[test]
fn a_release_folder_linked_out_of_the_workspace_is_never_written_through() {
    for link in [
        "releases/greet",
        "releases/greet.toml",
        "releases/greet/log.jsonl",
    ] {
        let dir = released(1);
        let root = dir.path();
        let outside = tempfile::tempdir().unwrap();
        let target = outside.path().join("target");
        let from = root.join(link);
        if from.is_dir() {
            std::fs::rename(&from, &target).unwrap();
        } else {
            std::fs::copy(&from, &target).unwrap();
            std::fs::remove_file(&from).unwrap();
        }
        std::os::unix::fs::symlink(&target, &from).unwrap();
        let before = common::tree(outside.path());
        write(root, "prompts/greet.toml", prompt(" v2"));
        let o = run(root, &["release", "greet", "--note", "v2"]);
        assert_eq!(code(&o), 2, "{link}: {}", stderr(&o));
        assert!(
            stderr(&o).contains("outside the workspace"),
            "{link}: {}",
            stderr(&o)
        );
        let o = run(root, &["rollback", "greet", "--to", "1", "--reason", "r"]);
        assert_eq!(code(&o), 2, "{link}: {}", stderr(&o));
        let o = run(root, &["check"]);
        assert_eq!(code(&o), 2, "{link}: {}", stderr(&o));
        assert!(
            stderr(&o).contains("outside the workspace"),
            "{link}: {}",
            stderr(&o)
        );
        assert_eq!(common::tree(outside.path()), before, "{link}: untouched");
    }
}
