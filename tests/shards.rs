//! `eval --shard I/N` and `merge`, through the real binary against a local
//! OpenAI-compatible server: the shards of a run, merged, equal the run unsharded.

// Integration tests: a failed setup step panics, and the panic is the report.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

mod common;

use common::server::*;
use common::{code, stderr, stdout, write};
use serde_json::Value;

/// A server whose answer depends on the case: `Say wN` → `said wN`, tokens by N; case
/// w13 is refused, so the runs hold passes, failures and an error.
fn server() -> Server {
    Server::start(|hit, _| {
        let user = hit.user();
        if user.ends_with("w13") {
            return api_error(400, "bad request for w13");
        }
        let n: u64 = user.trim_start_matches("Say w").parse().unwrap_or(0);
        chat(&format!("said {}", &user[4..]), 10 + n, n)
    })
}

/// 40 cases over two suites; a case passes when its number is odd.
fn shard_workspace(url: &str) -> tempfile::TempDir {
    let dir = workspace(
        &format!(
            "{}\n[pricing]\nm1 = {{ input = 1.0, output = 2.0 }}\n",
            openai(url, "")
        ),
        PROMPT,
        &suite(25).replace(
            "type = \"min-length\"\nvalue = 1",
            "type = \"regex\"\nvalue = \"[13579]$\"",
        ),
    );
    let mut other =
        String::from("prompt = \"p\"\n[[assert]]\ntype = \"icontains\"\nvalue = \"said\"\n");
    for i in 26..=40 {
        other.push_str(&format!(
            "[[cases]]\nid = \"k{i}\"\nvars = {{ word = \"w{i}\" }}\n"
        ));
    }
    write(dir.path(), "evals/t.toml", other);
    dir
}

fn record_path(root: &Path, run: &Run) -> PathBuf {
    let id = run.run0()["run_id"].as_str().unwrap();
    root.join(".promptwright/runs").join(format!("{id}.jsonl"))
}

/// A record's cases by suite and id, without what differs between any two runs.
fn cases_of(path: &Path) -> BTreeMap<(String, String), Value> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut out = BTreeMap::new();
    for line in text.lines() {
        let mut v: Value = serde_json::from_str(line).unwrap();
        if v["type"] == "case" {
            let o = v.as_object_mut().unwrap();
            o.remove("latency_ms");
            let key = (
                o["suite"].as_str().unwrap().into(),
                o["id"].as_str().unwrap().into(),
            );
            out.insert(key, v);
        }
    }
    out
}

fn merge(root: &Path, records: &[&Path]) -> std::process::Output {
    let mut cmd = bin(root);
    cmd.arg("merge").args(records);
    output_or_hang(&mut cmd)
}

#[test]
fn four_shards_merged_equal_the_run_unsharded() {
    let srv = server();
    let dir = shard_workspace(&srv.url);
    let root = dir.path();
    let whole = eval_env(root, &["--no-cache"], &[("OPENAI_API_KEY", "k")]);
    assert_eq!(whole.code(), 1, "{}", whole.stderr());
    assert_eq!(whole.cases().len(), 40);
    let mut shards = Vec::new();
    let mut sizes = Vec::new();
    for i in 1..=4 {
        let run = eval_env(
            root,
            &["--no-cache", "--shard", &format!("{i}/4")],
            &[("OPENAI_API_KEY", "k")],
        );
        assert!(matches!(run.code(), 0 | 1), "{}", run.stderr());
        sizes.push(run.cases().len());
        let path = record_path(root, &run);
        let header: Value = serde_json::from_str(
            std::fs::read_to_string(&path)
                .unwrap()
                .lines()
                .next()
                .unwrap(),
        )
        .unwrap();
        assert_eq!(header["shard"], format!("{i}/4"));
        shards.push(path);
    }
    assert_eq!(sizes.iter().sum::<usize>(), 40, "{sizes:?}");
    assert!(sizes.iter().all(|&n| n > 0 && n < 40), "{sizes:?}");
    assert_eq!(
        srv.count(),
        80,
        "each case asked once unsharded and once in its shard"
    );

    // Given in any order.
    let refs: Vec<&Path> = shards.iter().rev().map(PathBuf::as_path).collect();
    let out = merge(root, &refs);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let merged = PathBuf::from(stdout(&out).trim());
    let expected = cases_of(&record_path(root, &whole));
    let got = cases_of(&merged);
    assert_eq!(got.len(), 40);
    assert_eq!(
        got, expected,
        "statuses, outputs, scores, tokens and costs agree case by case"
    );
    let statuses: Vec<&Value> = got.values().map(|c| &c["status"]).collect();
    assert!(
        statuses.contains(&&"pass".into())
            && statuses.contains(&&"fail".into())
            && statuses.contains(&&"error".into())
    );

    // The merged run is a normal complete run: the last line says so, no shard in its header.
    let text = std::fs::read_to_string(&merged).unwrap();
    let head: Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
    assert!(head.get("shard").is_none(), "{head}");
    assert_eq!(head["total"], 40);
    let end: Value = serde_json::from_str(text.lines().last().unwrap()).unwrap();
    assert_eq!(end["complete"], true);
    // ... and the latest run of the prompt, which `diff --outputs` reads.
    let id = merged.file_stem().unwrap().to_str().unwrap();
    let mut cmd = bin(root);
    cmd.args(["diff", "p", "--outputs", "--from", "draft", "--to", "draft"]);
    let out = output_or_hang(&mut cmd);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(
        stdout(&out).contains(&format!("run {id}")),
        "{}",
        stdout(&out)
    );
}

#[test]
fn merge_names_missing_doubled_and_mismatched_records_and_writes_nothing() {
    let srv = server();
    let dir = shard_workspace(&srv.url);
    let root = dir.path();
    let key = [("OPENAI_API_KEY", "k")];
    let s1 = record_path(root, &eval_env(root, &["--shard", "1/3"], &key));
    let s2 = record_path(root, &eval_env(root, &["--shard", "2/3"], &key));
    let s3 = record_path(root, &eval_env(root, &["--shard", "3/3"], &key));
    let other_model = record_path(
        root,
        &eval_env(root, &["--shard", "3/3", "--model", "m2"], &key),
    );

    let out = merge(root, &[&s1, &s2]);
    assert_eq!(code(&out), 2);
    let err = stderr(&out);
    assert!(
        err.contains("missing") && err.contains("shard 3/3 was not given"),
        "{err}"
    );
    assert!(err.contains("help:"), "{err}");

    let out = merge(root, &[&s1, &s2, &s3, &s2]);
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("held twice"), "{}", stderr(&out));

    let out = merge(root, &[&s1, &s2, &other_model]);
    assert_eq!(code(&out), 2);
    let err = stderr(&out);
    assert!(err.contains("differ in model: `m1` and `m2`"), "{err}");

    // A shard killed before its end: its last case and end line never written.
    let killed = root.join("killed.jsonl");
    let text = std::fs::read_to_string(&s3).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    std::fs::write(&killed, lines[..lines.len() - 2].join("\n") + "\n").unwrap();
    let before = common::tree(root);
    let out = merge(root, &[&s1, &s2, &killed]);
    assert_eq!(code(&out), 2);
    let err = stderr(&out);
    assert!(
        err.contains("1 case is missing") && err.contains("shard 3/3 is unfinished (1)"),
        "{err}"
    );

    let out = merge(root, &[&root.join("nope.jsonl")]);
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("nope.jsonl"), "{}", stderr(&out));
    assert_eq!(common::tree(root), before, "a refused merge writes nothing");

    let out = merge(root, &[&s3, &s1, &s2]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
}

#[test]
fn a_shard_out_of_range_is_refused_before_any_call() {
    let srv = server();
    let dir = shard_workspace(&srv.url);
    for bad in ["0/3", "4/3", "1/1001", "two/3"] {
        let run = eval_env(dir.path(), &["--shard", bad], &[("OPENAI_API_KEY", "k")]);
        assert_eq!(run.code(), 2, "{bad}");
        assert!(run.stderr().contains("--shard"), "{bad}: {}", run.stderr());
    }
    assert_eq!(srv.count(), 0);
    assert!(!dir.path().join(".promptwright/runs").exists());
}

#[test]
fn a_shard_is_not_the_latest_run_and_resumes_as_itself() {
    let srv = server();
    let dir = shard_workspace(&srv.url);
    let root = dir.path();
    let key = [("OPENAI_API_KEY", "k")];
    let s1 = eval_env(root, &["--shard", "1/2"], &key);
    assert_eq!(s1.run0()["complete"], true);
    // `diff --outputs` reads the latest run; a shard alone is none.
    let mut cmd = bin(root);
    cmd.args(["diff", "p", "--outputs", "--from", "draft", "--to", "draft"]);
    let out = output_or_hang(&mut cmd);
    assert_eq!(code(&out), 2, "{}", stdout(&out));
    // --resume of shard 2 starts shard 2, not the finished shard 1.
    let s2 = eval_env(root, &["--shard", "2/2", "--resume"], &key);
    assert_eq!(s2.cases().len() + s1.cases().len(), 40, "{}", s2.stderr());
}
