//! A full disk and a second `eval --resume`, through the real binary: a run whose
//! record cannot be written ends promptly with exit 2 and stays resumable, and a run
//! being continued by one process cannot be continued by another.

// Integration tests: a failed setup step panics, and the panic is the report.
#![allow(clippy::unwrap_used)]

mod common;

use common::server::output_or_hang;
use common::{code, promptwright, run_in, stderr, write};
use std::path::{Path, PathBuf};

/// An offline workspace of `n` cases whose echo answers all pass.
fn workspace(n: usize) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        root,
        "workspace.toml",
        "[workspace]\nname = \"t\"\ndefault_provider = \"e\"\n[providers.e]\nkind = \"echo\"\n",
    );
    write(
        root,
        "prompts/p.toml",
        "[[messages]]\nrole = \"user\"\ncontent = \"n={{ n }}\"\n",
    );
    write(
        root,
        "evals/s.toml",
        "prompt = \"p\"\ndataset = \"data/cases.jsonl\"\n[[assert]]\ntype = \"starts-with\"\nvalue = \"n=\"\n",
    );
    let lines: String = (0..n)
        .map(|i| format!("{{\"id\": \"c{i}\", \"vars\": {{\"n\": {i}}}}}\n"))
        .collect();
    write(root, "evals/data/cases.jsonl", lines);
    dir
}

fn record(root: &Path) -> PathBuf {
    let runs: Vec<PathBuf> = std::fs::read_dir(root.join(".promptwright/runs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "jsonl"))
        .collect();
    assert_eq!(runs.len(), 1, "{runs:?}");
    runs[0].clone()
}

fn lines(path: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[cfg(debug_assertions)]
#[test]
fn a_full_disk_ends_the_run_promptly_with_exit_2_and_resume_completes_it() {
    const CASES: usize = 3000;
    let dir = workspace(CASES);
    let root = dir.path();
    // A run that kept going after the failed write would hang here (killed after
    // `HANG`, minutes: never reached by a slow machine) or show in the record below.
    let out = output_or_hang(
        promptwright(root)
            .args(["eval", "-j", "64", "--format", "json"])
            // The 101st line written to the record fails, as on a full disk.
            .env(
                "PROMPTWRIGHT_TEST_FAILPOINT",
                "record-write-fails-after=100",
            ),
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("cannot write the run record"), "{err}");
    assert!(err.contains("promptwright eval --resume"), "{err}");
    assert!(
        out.stdout.is_empty(),
        "no results on stdout after a failed run"
    );

    // The header and 99 cases made it; no end line: the run reads as incomplete.
    let path = record(root);
    let kept = lines(&path);
    assert_eq!(kept.len(), 100);
    assert!(kept.iter().all(|l| l["type"] != "end"));

    // Space is back: resume asks only for the rest, and completes the same record.
    let o = run_in(root, &["eval", "--resume", "-j", "64", "--format", "json"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("99 cases already recorded"),
        "{}",
        stderr(&o)
    );
    assert_eq!(record(root), path);
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let run = &json["runs"][0];
    assert_eq!(run["complete"], true);
    assert_eq!(run["summary"]["passed"], CASES);
    let all = lines(&path);
    assert_eq!(all.last().unwrap()["complete"], true);
    assert_eq!(
        all.iter().filter(|l| l["type"] == "case").count(),
        CASES,
        "each case recorded once"
    );
}

#[test]
fn a_run_being_continued_elsewhere_cannot_be_resumed_twice() {
    let dir = workspace(20);
    let root = dir.path();
    assert_eq!(code(&run_in(root, &["eval"])), 0);
    // Make the run incomplete: drop its end line and its last case.
    let path = record(root);
    let text = std::fs::read_to_string(&path).unwrap();
    let kept: Vec<&str> = text.lines().collect();
    std::fs::write(&path, kept[..kept.len() - 2].join("\n") + "\n").unwrap();
    let before = std::fs::read(&path).unwrap();

    // Another process is continuing it: it holds the record's lock.
    let other = std::fs::OpenOptions::new()
        .append(true)
        .open(&path)
        .unwrap();
    assert!(promptwright_core::store::lock::try_lock(&other).unwrap());
    let o = run_in(root, &["eval", "--resume"]);
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("is being continued by another promptwright process"),
        "{}",
        stderr(&o)
    );
    assert!(stderr(&o).contains("help:"), "{}", stderr(&o));
    assert_eq!(std::fs::read(&path).unwrap(), before, "nothing written");

    // Once it is done, the run can be continued.
    drop(other);
    let o = run_in(root, &["eval", "--resume"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(lines(&path).last().unwrap()["complete"] == true);
}
