//! `eval --estimate`: calls, tokens and cost from the rendered messages and the
//! `[pricing]` table, against a local server that must see no request.

// Integration tests: a failed setup step panics, and the panic is the report.
#![allow(clippy::unwrap_used)]

mod common;

use common::server::*;
use common::{code, stdout, write};

fn estimate(root: &std::path::Path, args: &[&str]) -> std::process::Output {
    let mut cmd = bin(root);
    cmd.args(["eval", "--estimate"])
        .args(args)
        .env("OPENAI_API_KEY", "k");
    output_or_hang(&mut cmd)
}

const PRICED: &str = "\n[pricing]\nm1 = { input = 1.0, output = 2.0 }\n";

#[test]
fn an_estimate_calls_nothing_and_counts_cached_answers_free() {
    let srv = Server::always(chat("fine", 5, 5));
    let prompt = format!("{PROMPT}[params]\nmax_tokens = 100\n");
    let dir = workspace(&(openai(&srv.url, "") + PRICED), &prompt, &suite(4));
    let root = dir.path();

    let out = estimate(root, &[]);
    assert_eq!(code(&out), 0);
    let text = stdout(&out);
    // Per call: "You are terse." ~4 tokens + "Say wN" ~2 in; max_tokens 100 out.
    assert!(
        text.contains("estimate for `p` on real/m1 (no model called)"),
        "{text}"
    );
    assert!(text.contains("calls   4\n"), "{text}");
    assert!(
        text.contains("tokens  ~24 input, at most 400 output"),
        "{text}"
    );
    // (24 × $1 + 400 × $2) per million tokens.
    assert!(
        text.contains("cost    ~$0.000824 (an estimate, at most)"),
        "{text}"
    );
    assert_eq!(srv.count(), 0, "an estimate calls no model");
    assert!(
        !root.join(".promptwright/runs").exists(),
        "and records no run"
    );

    // Answer the four, then add two cases: only the new ones cost anything.
    let run = eval_env(root, &[], &[("OPENAI_API_KEY", "k")]);
    assert_eq!(run.code(), 0, "{}", run.stderr());
    assert_eq!(srv.count(), 4);
    write(root, "evals/s.toml", suite(6));
    let text = stdout(&estimate(root, &[]));
    assert!(
        text.contains("calls   6, 4 answered from the cache (free)"),
        "{text}"
    );
    assert!(
        text.contains("tokens  ~12 input, at most 200 output"),
        "{text}"
    );
    assert!(text.contains("cost    ~$0.000412"), "{text}");
    let text = stdout(&estimate(root, &["--no-cache"]));
    assert!(text.contains("calls   6\n"), "{text}");
    assert_eq!(srv.count(), 4, "still no call");
}

#[test]
fn without_max_tokens_or_pricing_the_estimate_says_what_it_assumed() {
    let srv = Server::always(chat("fine", 5, 5));
    let dir = workspace(&openai(&srv.url, ""), PROMPT, &suite(2));
    let text = stdout(&estimate(dir.path(), &[]));
    assert!(
        text.contains("at most 2048 output"),
        "1024 per answer: {text}"
    );
    assert!(
        text.contains("cost    unknown: no [pricing] entry for `m1`"),
        "{text}"
    );
    assert_eq!(srv.count(), 0);
}
