//! The bad-input corpus (`tests/bad-inputs/NN-name/`, see its README): broken workspaces
//! as they occur on disk, each run through the real binary. Every one must be refused
//! with exit code 2, its file and line named on stderr as its `expect.txt` says, no
//! panic, and nothing written.

// Integration tests: a failed setup step panics, and the panic is the report.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::{Path, PathBuf};

use common::{copy_dir, promptwright, tree};

/// What a folder's `expect.txt` says.
#[derive(Debug)]
struct Expect {
    /// `path:line` or `path:line:col`.
    at: String,
    says: Vec<String>,
    run: Vec<String>,
}

fn expect(dir: &Path) -> Expect {
    let text = std::fs::read_to_string(dir.join("expect.txt"))
        .unwrap_or_else(|e| panic!("{}: expect.txt: {e}", dir.display()));
    let mut at = None;
    let mut says = Vec::new();
    let mut run = vec!["check".to_string()];
    for line in text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
    {
        let (key, value) = line
            .split_once(": ")
            .unwrap_or_else(|| panic!("{}: expect.txt: `{line}`", dir.display()));
        match key {
            "at" => at = Some(value.to_string()),
            "says" => says.push(value.to_string()),
            "run" => run = value.split_whitespace().map(str::to_string).collect(),
            other => panic!("{}: expect.txt: unknown key `{other}`", dir.display()),
        }
    }
    let at = at.unwrap_or_else(|| panic!("{}: expect.txt has no `at:`", dir.display()));
    let parts: Vec<&str> = at.split(':').collect();
    assert!(
        (2..=3).contains(&parts.len())
            && parts[1..]
                .iter()
                .all(|n| n.parse::<usize>().is_ok_and(|n| n >= 1)),
        "{}: `at: {at}` is not path:line or path:line:col",
        dir.display()
    );
    assert!(
        !says.is_empty(),
        "{}: expect.txt has no `says:`",
        dir.display()
    );
    Expect { at, says, run }
}

fn corpus() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/bad-inputs");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    dirs
}

/// Runs one broken workspace; returns what went wrong, if anything.
fn check_one(dir: &Path) -> Vec<String> {
    let want = expect(dir);
    let name = dir.file_name().unwrap().to_string_lossy().into_owned();
    let tmp = tempfile::tempdir().unwrap();
    let ws = tmp.path().join(&name);
    copy_dir(dir, &ws);
    let before = tree(&ws);
    assert!(
        before == tree(dir),
        "{name}: the copy differs from the corpus"
    );
    let mut problems = Vec::new();
    for command in &want.run {
        let out = promptwright(&ws).arg(command).output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        let mut fail =
            |what: String| problems.push(format!("{name}: `{command}`: {what}\n{stderr}"));
        if out.status.code() != Some(2) {
            fail(format!("exit code {:?}, not 2", out.status.code()));
        }
        if stderr.contains("panicked") || stderr.contains("RUST_BACKTRACE") {
            fail("panicked".into());
        }
        if !stdout.is_empty() {
            fail(format!("wrote to stdout: {stdout}"));
        }
        let location = format!("error: {}:", want.at);
        if !stderr.contains(&location) {
            fail(format!("no `{location}` on stderr"));
        }
        for phrase in &want.says {
            if !stderr.contains(phrase.as_str()) {
                fail(format!("no `{phrase}` on stderr"));
            }
        }
        if ws.join(".promptwright").exists() {
            fail("created .promptwright/".into());
        }
        if tree(&ws) != before {
            fail("changed the workspace".into());
        }
    }
    problems
}

#[test]
fn every_broken_workspace_is_refused_at_its_file_and_line_and_nothing_is_written() {
    let dirs = corpus();
    assert!(dirs.len() >= 20, "{} broken workspaces", dirs.len());
    let mut problems = Vec::new();
    let mut runs = 0;
    for dir in &dirs {
        runs += expect(dir).run.len();
        problems.extend(check_one(dir));
    }
    assert!(
        problems.is_empty(),
        "{} of {runs} runs went wrong:\n\n{}",
        problems.len(),
        problems.join("\n")
    );
}

#[test]
fn the_corpus_folders_are_numbered_and_described() {
    for (i, dir) in corpus().iter().enumerate() {
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        assert!(
            name.starts_with(&format!("{:02}-", i + 1)),
            "{name}: folders are numbered 01-, 02-, ... without gaps"
        );
        let text = std::fs::read_to_string(dir.join("expect.txt")).unwrap();
        assert!(
            text.starts_with("# "),
            "{name}: expect.txt starts with a description"
        );
        assert!(
            dir.join("workspace.toml").exists(),
            "{name}: no workspace.toml"
        );
    }
}
