//! Repeats end to end: the binary against a model server on 127.0.0.1 whose answers are
//! right four times in five, so every case is genuinely sampled.

// Integration tests: a failed setup step panics, and the panic is the report.
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use common::server::*;
use common::{code, run_in, stderr, stdout, write};
use serde_json::Value;

/// A server answering the word it is asked for, except once in every five asks of the
/// same request: which ask is wrong is fixed by a hash of the request (the seed), so a
/// run is reproducible whatever order the requests arrive in, and a request drawn five
/// times passes exactly four.
fn sampling_server() -> Server {
    let seen: Arc<Mutex<HashMap<String, u64>>> = Arc::default();
    Server::start(move |hit, _| {
        let request = hit.body["messages"].to_string();
        let k = {
            let mut seen = seen.lock().unwrap();
            let k = seen.entry(request.clone()).or_default();
            *k += 1;
            *k - 1
        };
        let seed = request
            .bytes()
            .fold(7u64, |h, b| h.wrapping_mul(31).wrapping_add(u64::from(b)));
        let word = hit.user().trim_start_matches("Say ").to_string();
        if k % 5 == seed % 5 {
            chat("something else entirely", 5, 3)
        } else {
            chat(&word, 5, 1)
        }
    })
}

fn suite(cases: usize) -> String {
    let mut s = String::from("prompt = \"p\"\n");
    for i in 0..cases {
        s.push_str(&format!(
            "[[cases]]\nid = \"c{i}\"\nvars = {{ word = \"w{i}\" }}\n[[cases.assert]]\ntype = \"icontains\"\nvalue = \"w{i}\"\n"
        ));
    }
    s
}

fn json(o: &std::process::Output) -> Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", stdout(o)))
}

#[test]
fn repeat_draws_every_case_and_a_cached_rerun_reproduces_every_draw() {
    let server = sampling_server();
    let dir = workspace(&openai(&server.url, ""), PROMPT, &suite(4));
    let root = dir.path();
    let out = run_in(root, &["eval", "--repeat", "5", "--format", "json"]);
    assert_eq!(
        code(&out),
        1,
        "4 of 5 draws pass: strict cases fail\n{}",
        stderr(&out)
    );
    assert_eq!(server.count(), 20, "exactly 5 calls a case");
    let first = json(&out);
    let run = &first["runs"][0];
    assert_eq!(run["summary"]["repeat"], 5);
    assert_eq!(run["summary"]["flaky"], 4);
    assert_eq!(run["summary"]["sample_pass_rate"], 0.8);
    for case in run["cases"].as_array().unwrap() {
        assert_eq!(case["samples"].as_array().unwrap().len(), 5);
        assert_eq!(case["passes"], 4);
        assert_eq!(case["pass_fraction"], 0.8);
        assert_eq!(case["flaky"], true);
        assert_eq!(case["status"], "fail");
    }

    let again = run_in(root, &["eval", "--repeat", "5", "--format", "json"]);
    assert_eq!(server.count(), 20, "the rerun made no call");
    let second = json(&again);
    let draws = |v: &Value| -> Vec<Value> {
        v["runs"][0]["cases"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                let outputs: Vec<Value> = c["samples"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|s| s["output"].clone())
                    .collect();
                Value::Array(outputs)
            })
            .collect()
    };
    assert_eq!(
        draws(&first),
        draws(&second),
        "every draw reproduced from the cache"
    );
    assert!(second["runs"][0]["cases"][0]["samples"][4]["cached"] == true);

    // A suite that lets a case pass on 4 draws of 5.
    write(
        root,
        "evals/s.toml",
        suite(4).replace("prompt = \"p\"", "prompt = \"p\"\nmin_pass_fraction = 0.8"),
    );
    let lenient = run_in(root, &["eval", "--repeat", "5"]);
    assert_eq!(code(&lenient), 0, "{}", stdout(&lenient));
    let table = stdout(&lenient);
    assert!(table.contains("s/c0  4/5 flaky"), "{table}");
    assert!(
        table.contains("5 samples a case, 4 flaky, 80.0% of samples passed"),
        "{table}"
    );
    let junit = run_in(root, &["eval", "--repeat", "5", "--format", "junit"]);
    assert!(stdout(&junit).contains(r#"<property name="samples" value="4/5" />"#));
    let html = run_in(
        root,
        &["eval", "--repeat", "5", "--format", "html", "-o", "r.html"],
    );
    assert_eq!(code(&html), 0, "{}", stderr(&html));
    let page = std::fs::read_to_string(root.join("r.html")).unwrap();
    assert!(
        page.contains(r#""dr":"4/5 flaky""#),
        "the HTML report's case data"
    );
    let md = run_in(root, &["eval", "--repeat", "5", "--format", "markdown"]);
    assert!(
        stdout(&md).contains("5 samples a case, 4 flaky"),
        "{}",
        stdout(&md)
    );
}

/// The current release, then a draft that says the same thing in other words: only
/// the noise of the server's draws tells them apart.
fn noise_workspace(server: &Server, gate: &str) -> tempfile::TempDir {
    let ws = format!(
        "{}\n[gate]\nmin_pass_rate = 0.0\n{gate}",
        openai(&server.url, "")
    );
    let dir = workspace(&ws, PROMPT, &suite(10));
    let root = dir.path();
    released_then_reworded(root);
    dir
}

#[test]
fn a_noise_only_draft_passes_a_repeated_gate_and_is_blocked_by_one_draw() {
    let server = sampling_server();
    let once = noise_workspace(&server, "");
    let out = run_in(once.path(), &["gate", "p", "--format", "json"]);
    let v = json(&out);
    assert_eq!(
        (code(&out), &v["passed"]),
        (1, &Value::Bool(false)),
        "one draw a side sees the noise as regressions"
    );
    assert!(!v["regressions"].as_array().unwrap().is_empty());

    let server = sampling_server();
    let repeated = noise_workspace(&server, "repeats = 5\n");
    let calls_before = server.count();
    let out = run_in(repeated.path(), &["gate", "p", "--format", "json"]);
    let v = json(&out);
    assert_eq!(code(&out), 0, "{}", stdout(&out));
    assert_eq!(v["regressions"].as_array().unwrap().len(), 0);
    assert_eq!(v["draft"]["repeat"], 5);
    let change = &v["pass_rate_change"];
    assert_eq!(change["cases"], 10);
    assert!(
        change["ci95_low"].as_f64().unwrap() <= 0.0 && change["ci95_high"].as_f64().unwrap() >= 0.0,
        "{change}"
    );
    // The current release was drawn 5 times when it was released (its cases pass 4
    // of 5 draws and fail a strict case, hence min_pass_rate 0); now only the draft is
    // drawn, the release's draws come from the cache.
    assert_eq!(server.count() - calls_before, 50);
    let table = run_in(repeated.path(), &["gate", "p"]);
    assert!(
        stdout(&table).contains("change    0.0 points (95% CI"),
        "{}",
        stdout(&table)
    );
}

#[test]
fn a_drawn_regression_lists_both_fractions_and_why_it_counts() {
    let server = Server::start(|hit, _| {
        let word = hit.user().trim_start_matches("Say ").to_string();
        // The draft ("brief") never says the word for c3.
        let broken = hit.body["messages"].to_string().contains("brief") && word == "w3";
        chat(if broken { "no" } else { &word }, 5, 1)
    });
    let dir = noise_workspace(&server, "repeats = 5\n");
    let out = run_in(dir.path(), &["gate", "p", "--format", "json"]);
    assert_eq!(code(&out), 1);
    let v = json(&out);
    let r = &v["regressions"][0];
    assert_eq!(
        (
            r["id"].as_str(),
            r["old_pass_fraction"].as_f64(),
            r["new_pass_fraction"].as_f64()
        ),
        (Some("c3"), Some(1.0), Some(0.0))
    );
    let reason = r["reason"].as_str().unwrap();
    assert!(
        reason.starts_with("passed 5/5 → 0/5 samples (p = 0.004"),
        "{reason}"
    );
    let release = run_in(dir.path(), &["release", "p", "--note", "second"]);
    assert_eq!(code(&release), 1);
}

#[test]
fn repeats_that_cannot_be_drawn_are_refused_before_any_call() {
    let server = sampling_server();
    let dir = workspace(&openai(&server.url, ""), PROMPT, &suite(2));
    let root = dir.path();
    let zero = run_in(root, &["eval", "--repeat", "0"]);
    assert_eq!(code(&zero), 2);
    assert!(stderr(&zero).contains("--repeat"), "{}", stderr(&zero));

    write(
        root,
        "evals/s.toml",
        suite(2).replace("prompt = \"p\"", "prompt = \"p\"\nmin_pass_fraction = 1.5"),
    );
    let fraction = run_in(root, &["check"]);
    assert_eq!(code(&fraction), 2);
    let e = stderr(&fraction);
    assert!(
        e.contains("evals/s.toml:2:") && e.contains("`min_pass_fraction` is out of range"),
        "{e}"
    );
    assert!(e.contains("more than 0 and at most 1"), "{e}");

    write(root, "evals/s.toml", suite(2));
    write(
        root,
        "workspace.toml",
        "[workspace]\nname = \"t\"\ndefault_provider = \"e\"\n[providers.e]\nkind = \"echo\"\n",
    );
    let echo = run_in(root, &["eval", "--repeat", "3"]);
    assert_eq!(code(&echo), 2);
    let e = stderr(&echo);
    assert!(e.contains("(echo) gives the same answer every time"), "{e}");
    assert!(e.contains("drop --repeat"), "{e}");
    // A suite's own `repeat` is named where it is set.
    write(
        root,
        "evals/s.toml",
        suite(2).replace("prompt = \"p\"", "prompt = \"p\"\nrepeat = 2"),
    );
    let own = run_in(root, &["eval"]);
    assert_eq!(code(&own), 2);
    assert!(
        stderr(&own).contains("set repeat = 1 in evals/s.toml"),
        "{}",
        stderr(&own)
    );
    assert!(!root.join(".promptwright/runs").exists(), "nothing ran");
    assert_eq!(server.count(), 0);
}

#[test]
fn a_cassette_replays_every_recorded_draw_and_refuses_draws_it_lacks() {
    let server = sampling_server();
    let providers = format!(
        "{}\n[providers.tape]\nkind = \"replay\"\ncassette = \"tape.jsonl\"\n",
        openai(&server.url, "")
    );
    let dir = workspace(&providers, PROMPT, &suite(2));
    let root = dir.path();
    let rec = run_in(
        root,
        &["eval", "--repeat", "3", "--record", "--format", "json"],
    );
    assert_eq!(server.count(), 6, "{}", stderr(&rec));
    let played = run_in(
        root,
        &[
            "eval",
            "--repeat",
            "3",
            "--provider",
            "tape",
            "--format",
            "json",
        ],
    );
    let outputs = |o: &std::process::Output| -> Vec<Value> {
        json(o)["runs"][0]["cases"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|c| {
                c["samples"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|s| s["output"].clone())
                    .collect::<Vec<_>>()
            })
            .collect()
    };
    assert_eq!(outputs(&rec), outputs(&played));
    let more = run_in(root, &["eval", "--repeat", "4", "--provider", "tape"]);
    assert_eq!(code(&more), 2);
    assert!(
        stderr(&more).contains("holds no sample 4 of case"),
        "{}",
        stderr(&more)
    );
    assert_eq!(server.count(), 6);
}
