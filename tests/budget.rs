//! `eval --budget USD` against a local OpenAI-compatible server that reports token
//! usage, with a `[pricing]` table: calls stop before the spend would pass the budget,
//! the run ends incomplete and `--resume` finishes it.

// Integration tests: a failed setup step panics, and the panic is the report.
#![allow(clippy::unwrap_used)]

mod common;

use common::server::*;

/// $0.001 a token either way; each answer uses 6 + 4 tokens: $0.010 a call. The
/// estimate of a call is 6 in (the messages) + 10 out (max_tokens): $0.016.
fn priced_workspace(url: &str, cases: usize) -> tempfile::TempDir {
    let providers = openai(url, "") + "\n[pricing]\nm1 = { input = 1000.0, output = 1000.0 }\n";
    let prompt = format!("{PROMPT}[params]\nmax_tokens = 10\n");
    workspace(&providers, &prompt, &suite(cases))
}

const KEY: [(&str, &str); 1] = [("OPENAI_API_KEY", "k")];

fn record_cost(run: &Run) -> f64 {
    run.cases()
        .iter()
        .map(|c| c["cost_usd"].as_f64().unwrap())
        .sum()
}

#[test]
fn a_budget_stops_the_calls_and_resume_finishes_the_run() {
    let srv = Server::always(chat("fine", 6, 4));
    let dir = priced_workspace(&srv.url, 10);
    let root = dir.path();
    let run = eval_env(root, &["-j", "1", "--budget", "0.05"], &KEY);
    assert_eq!(run.code(), 1, "{}", run.stderr());
    let err = run.stderr();
    assert!(
        err.contains("the budget of $0.0500 was reached: $0.0400 spent"),
        "{err}"
    );
    assert!(err.contains("--resume"), "{err}");
    // 0.04 spent + 0.016 for the next call would pass 0.05: four calls, no fifth.
    assert_eq!(srv.count(), 4);
    assert_eq!(run.run0()["complete"], false);
    let passed = run.cases().iter().filter(|c| c["status"] == "pass").count();
    assert_eq!(passed, 4, "{:#}", run.json);

    let rest = eval_env(root, &["--resume", "--budget", "1"], &KEY);
    assert_eq!(rest.code(), 0, "{}", rest.stderr());
    assert_eq!(srv.count(), 10, "the six left, none asked twice");
    assert_eq!(rest.run0()["complete"], true);
    assert_eq!(rest.run0()["run_id"], run.run0()["run_id"]);
}

#[test]
fn calls_in_flight_count_against_the_budget() {
    let srv = Server::always(chat("fine", 6, 4));
    let dir = priced_workspace(&srv.url, 40);
    let run = eval_env(dir.path(), &["-j", "8", "--budget", "0.1"], &KEY);
    assert_eq!(run.code(), 1, "{}", run.stderr());
    let spent = record_cost(&run);
    assert!(spent <= 0.1 + 1e-9, "spent {spent} passes the budget");
    assert!(
        srv.count() >= 6 && srv.count() <= 10,
        "{} calls",
        srv.count()
    );
    assert!((spent - srv.count() as f64 * 0.01).abs() < 1e-9);
}

#[test]
fn a_budget_must_be_a_positive_number_and_the_model_priced() {
    let srv = Server::always(chat("fine", 6, 4));
    let dir = priced_workspace(&srv.url, 2);
    for bad in ["0", "-1", "abc", "nan", "inf", "1e12"] {
        let run = eval_env(dir.path(), &[&format!("--budget={bad}")], &KEY);
        assert_eq!(run.code(), 2, "{bad}");
        assert!(
            run.stderr().contains("not a budget"),
            "{bad}: {}",
            run.stderr()
        );
    }
    let run = eval_env(dir.path(), &["--budget", "1", "--model", "m2"], &KEY);
    assert_eq!(run.code(), 2);
    assert!(
        run.stderr()
            .contains("--budget needs the price of model `m2`"),
        "{}",
        run.stderr()
    );
    assert_eq!(srv.count(), 0);
    assert!(!dir.path().join(".promptwright/runs").exists());
}
