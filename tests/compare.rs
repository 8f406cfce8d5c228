//! `eval --target … --ref …`: a grid of 2 targets × 2 prompt versions against two model
//! servers on 127.0.0.1 that behave differently, checked cell by cell; and the inputs it
//! refuses before any call.

// Integration tests: a failed setup step panics, and the panic is the report.
#![allow(clippy::unwrap_used)]

mod common;

use common::server::*;
use common::{code, run_in, stderr, stdout, write};
use serde_json::Value;

const SUITE: &str = r#"prompt = "p"
[[cases]]
id = "one"
vars = { word = "alpha" }
[[cases.assert]]
type = "icontains"
value = "alpha"
[[cases]]
id = "two"
vars = { word = "beta" }
[[cases.assert]]
type = "icontains"
value = "beta"
"#;

/// `fast` says back what it is asked; `picky` only when the system message is the
/// draft's ("brief"), so the released v1 fails there.
fn servers() -> (Server, Server) {
    let fast = Server::start(|hit, _| chat(&hit.user(), 10, 2));
    let picky = Server::start(|hit, _| {
        let brief = hit.body["messages"][0]["content"]
            .as_str()
            .is_some_and(|s| s.contains("brief"));
        let said = if brief {
            hit.user()
        } else {
            "nope".to_string()
        };
        chat(&said, 10, 2)
    });
    (fast, picky)
}

fn workspace(fast: &Server, picky: &Server) -> tempfile::TempDir {
    let providers = format!(
        "[providers.fast]\nkind = \"openai\"\nbase_url = \"{}/v1\"\n\n[providers.picky]\nkind = \"openai\"\nbase_url = \"{}/v1\"\n\n[pricing]\nm1 = {{ input = 1.0, output = 1.0 }}\nm2 = {{ input = 0.1, output = 0.1 }}\n\n[gate]\nmin_pass_rate = 1.0\n",
        fast.url, picky.url
    );
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        root,
        "workspace.toml",
        format!("[workspace]\nname = \"t\"\ndefault_provider = \"fast\"\n\n{providers}"),
    );
    write(root, "prompts/p.toml", PROMPT);
    write(root, "evals/s.toml", SUITE);
    released_then_reworded(root);
    dir
}

#[test]
fn two_targets_by_two_refs_run_four_cells_each_checked() {
    let (fast, picky) = servers();
    let dir = workspace(&fast, &picky);
    let root = dir.path();
    let (fast_before, picky_before) = (fast.count(), picky.count());
    let args = [
        "eval", "--prompt", "p", "--target", "fast", "--target", "picky:m2", "--ref", "draft",
        "--ref", "v1", "--format", "json",
    ];
    let out = run_in(root, &args);
    assert_eq!(code(&out), 1, "a cell failed\n{}", stderr(&out));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let runs = v["runs"].as_array().unwrap();
    let cells: Vec<(String, String, String, f64)> = runs
        .iter()
        .map(|r| {
            (
                r["ref"].as_str().unwrap().to_string(),
                r["provider"].as_str().unwrap().to_string(),
                r["model"].as_str().unwrap().to_string(),
                r["summary"]["pass_rate"].as_f64().unwrap(),
            )
        })
        .collect();
    let cell = |r: &str, p: &str, m: &str, rate: f64| (r.into(), p.into(), m.into(), rate);
    assert_eq!(
        cells,
        [
            cell("draft", "fast", "m1", 1.0),
            cell("draft", "picky", "m2", 1.0),
            cell("v1", "fast", "m1", 1.0),
            cell("v1", "picky", "m2", 0.0),
        ]
    );
    // Each cell has a run record of its own.
    let ids: std::collections::BTreeSet<&str> =
        runs.iter().map(|r| r["run_id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), 4);
    for id in &ids {
        assert!(
            root.join(format!(".promptwright/runs/{id}.jsonl"))
                .is_file()
        );
    }
    // v1 on fast was cached by its release; picky was asked for m2, twice per ref.
    assert_eq!(
        fast.count() - fast_before,
        2,
        "only the draft is new on fast"
    );
    assert_eq!(picky.count() - picky_before, 4);
    assert!(picky.hits().iter().all(|h| h.body["model"] == "m2"));

    // The table: disagreeing rows first and marked, a column per cell, the best cell.
    let table = run_in(root, &args[..args.len() - 2]);
    let text = stdout(&table);
    assert!(
        text.contains("p · 4 cells · 2 of 2 cases differ between them"),
        "{text}"
    );
    assert!(text.contains("  D  v1 · picky/m2"), "{text}");
    let row = text.lines().find(|l| l.contains("s/one")).unwrap();
    assert!(row.starts_with("≠ s/one"), "{row}");
    assert!(
        row.ends_with("PASS 1.00   PASS 1.00   PASS 1.00   FAIL 0.00"),
        "{row}"
    );
    assert!(
        text.contains(
            "best: B (draft · picky/m2), the cheapest cell at list price with a pass rate of at least 100.0%"
        ),
        "m2 costs a tenth of m1\n{text}"
    );
    let md = run_in(
        root,
        &[&args[..args.len() - 2], &["--format", "markdown"]].concat(),
    );
    assert!(
        stdout(&md).contains("| `s/one` ≠ | PASS 1.00 | PASS 1.00 | PASS 1.00 | FAIL 0.00 |"),
        "{}",
        stdout(&md)
    );
    let junit = run_in(
        root,
        &[&args[..args.len() - 2], &["--format", "junit"]].concat(),
    );
    assert!(
        stdout(&junit).contains(r#"<testsuite name="p v1 picky/m2/s""#),
        "{}",
        stdout(&junit)
    );
}

#[test]
fn bad_targets_and_refs_are_refused_before_any_call() {
    let (fast, picky) = servers();
    let dir = workspace(&fast, &picky);
    let root = dir.path();
    let before = (fast.count(), picky.count());
    let unknown = run_in(root, &["eval", "--prompt", "p", "--target", "fsat"]);
    assert_eq!(code(&unknown), 2);
    assert!(stderr(&unknown).contains("no provider named `fsat`"));
    assert!(stderr(&unknown).contains("did you mean `fast`?"));
    let missing = run_in(
        root,
        &["eval", "--prompt", "p", "--target", "fast", "--ref", "v7"],
    );
    assert_eq!(code(&missing), 2);
    assert!(
        stderr(&missing).contains("--ref v7"),
        "{}",
        stderr(&missing)
    );
    assert!(
        stderr(&missing).contains("released versions: v1"),
        "{}",
        stderr(&missing)
    );
    let bad = run_in(root, &["eval", "--prompt", "p", "--ref", "7"]);
    assert_eq!(code(&bad), 2);
    assert!(
        stderr(&bad).contains("did you mean `v7`?"),
        "{}",
        stderr(&bad)
    );
    // A cell whose provider needs a key that is not set.
    let ws = std::fs::read_to_string(root.join("workspace.toml")).unwrap();
    write(
        root,
        "workspace.toml",
        ws.replace(
            "[pricing]",
            &format!("[providers.keyed]\nkind = \"openai\"\nbase_url = \"{}/v1\"\napi_key_env = \"PW_TEST_UNSET_KEY\"\n\n[pricing]", fast.url),
        ),
    );
    let keyed = run_in(
        root,
        &[
            "eval", "--prompt", "p", "--target", "fast", "--target", "keyed",
        ],
    );
    assert_eq!(code(&keyed), 2, "{}", stderr(&keyed));
    assert!(
        stderr(&keyed).contains("PW_TEST_UNSET_KEY"),
        "{}",
        stderr(&keyed)
    );
    assert_eq!((fast.count(), picky.count()), before, "no call was made");
}

#[test]
fn cells_on_one_provider_share_its_limit_and_resume_per_cell() {
    // Every answer takes a while, so cells that did not share the limit would overlap.
    let slow = Server::start(|hit, _| {
        chat(&hit.user(), 10, 2).after(std::time::Duration::from_millis(20))
    });
    let providers = format!(
        "[providers.fast]\nkind = \"openai\"\nbase_url = \"{}/v1\"\nconcurrency = 2\n\n[gate]\nmin_pass_rate = 0.0\n",
        slow.url
    );
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        root,
        "workspace.toml",
        format!("[workspace]\nname = \"t\"\ndefault_provider = \"fast\"\n\n{providers}"),
    );
    write(root, "prompts/p.toml", PROMPT);
    let mut suite = String::from("prompt = \"p\"\n");
    for i in 0..6 {
        suite.push_str(&format!(
            "[[cases]]\nid = \"c{i}\"\nvars = {{ word = \"w{i}\" }}\n[[cases.assert]]\ntype = \"icontains\"\nvalue = \"w{i}\"\n"
        ));
    }
    write(root, "evals/s.toml", &suite);
    released_then_reworded(root);
    let before = slow.count();
    let grid = [
        "eval",
        "--prompt",
        "p",
        "--ref",
        "draft",
        "--ref",
        "v1",
        "--no-cache",
        "--format",
        "json",
    ];
    let out = run_in(root, &grid);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(slow.count() - before, 12, "two cells of six cases");
    assert!(
        slow.max_in_flight() <= 2,
        "two cells on one provider with concurrency 2 had {} requests in flight",
        slow.max_in_flight()
    );
    // v1's cell as if killed after two cases: its header and two case lines are left.
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let v1 = v["runs"][1]["run_id"].as_str().unwrap();
    assert_eq!(v["runs"][1]["ref"], "v1");
    let path = root.join(format!(".promptwright/runs/{v1}.jsonl"));
    let text = std::fs::read_to_string(&path).unwrap();
    let kept: Vec<&str> = text.lines().take(3).collect();
    std::fs::write(&path, kept.join("\n") + "\n").unwrap();
    // --resume is per cell: v1's cell continues its run (4 cases left); the draft's,
    // complete, runs anew (6).
    let before = slow.count();
    let again = run_in(root, &[&grid[..], &["--resume"]].concat());
    assert_eq!(code(&again), 0, "{}", stderr(&again));
    assert!(
        stderr(&again).contains(&format!("resuming run {v1}")),
        "{}",
        stderr(&again)
    );
    assert_eq!(slow.count() - before, 6 + 4);
    let resumed: Value = serde_json::from_slice(&again.stdout).unwrap();
    assert_eq!(resumed["runs"][1]["run_id"], v1);
    assert_eq!(resumed["runs"][1]["summary"]["cases"], 6);
}
