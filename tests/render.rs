//! `render` against what a provider really receives: the body it prints is the body a
//! real HTTP server on 127.0.0.1 got from `eval` for the same variables, in both wire
//! formats; a tampered release or a missing variable prints nothing on stdout.

// Integration tests: a failed setup step panics, and the panic is the report.
#![allow(clippy::unwrap_used)]

use std::path::Path;

mod common;

use common::server::*;
use common::{code, stderr, stdout, write};
use serde_json::{Value, json};

fn render(root: &Path, args: &[&str]) -> std::process::Output {
    bin(root).arg("render").args(args).output().unwrap()
}

fn body(o: &std::process::Output) -> Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", stdout(o)))
}

/// A prompt with a system message, a loop and params, so every part of a body shows.
const PROMPT: &str = r#"model = "m1"
[params]
temperature = 0.25
max_tokens = 77
[[messages]]
role = "system"
content = "You are terse.{% for r in rules %} {{ r }}{% endfor %}"
[[messages]]
role = "user"
content = "Say {{ word }}"
"#;

const SUITE: &str = r#"prompt = "p"
[[cases]]
id = "c1"
vars = { word = "w1", rules = ["No emoji.", "Cite the policy."] }
[[cases.assert]]
type = "min-length"
value = 1
"#;

const VARS: &str = r#"{"word": "w1", "rules": ["No emoji.", "Cite the policy."]}"#;

#[test]
fn render_prints_the_body_an_openai_server_receives() {
    let server = Server::always(chat("ok", 1, 1));
    let ws = workspace(&openai(&server.url, ""), PROMPT, SUITE);
    let run = eval(ws.path(), &[]);
    assert_eq!(run.code(), 0, "{}", run.stderr());
    let sent = server.hits()[0].body.clone();
    let o = render(ws.path(), &["p", "--ref", "draft", "--vars", VARS]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(body(&o), sent);
    assert_eq!(sent["temperature"], json!(0.25));
    assert_eq!(
        sent["messages"][0]["content"],
        "You are terse. No emoji. Cite the policy."
    );
}

#[test]
fn render_prints_the_body_an_anthropic_server_receives() {
    let server = Server::always(message("ok", 1, 1));
    let providers = format!(
        "[providers.real]\nkind = \"anthropic\"\nbase_url = \"{}\"\ntimeout_s = 1\nmax_retries = 0\n",
        server.url
    );
    let ws = workspace(&providers, PROMPT, SUITE);
    let run = eval(ws.path(), &[]);
    assert_eq!(run.code(), 0, "{}", run.stderr());
    let sent = server.hits()[0].body.clone();
    // The prompt's provider decides the format, and --format says the same.
    for args in [vec![], vec!["--format", "anthropic"]] {
        let mut all = vec!["p", "--ref", "draft", "--vars", VARS];
        all.extend(args);
        let o = render(ws.path(), &all);
        assert_eq!(code(&o), 0, "{}", stderr(&o));
        assert_eq!(body(&o), sent);
    }
    assert_eq!(sent["system"], "You are terse. No emoji. Cite the policy.");
    // Asked for the other format, the same prompt renders as OpenAI's.
    let o = render(
        ws.path(),
        &["p", "--ref", "draft", "--vars", VARS, "--format", "openai"],
    );
    assert_eq!(body(&o)["messages"][0]["role"], "system");
}

/// An offline workspace with `p` released as v1.
fn released() -> tempfile::TempDir {
    let ws = workspace(
        "[providers.real]\nkind = \"echo\"\n",
        PROMPT,
        &SUITE
            .replace("min-length", "max-length")
            .replace("value = 1", "value = 100000"),
    );
    let o = bin(ws.path())
        .args(["release", "p", "--note", "first"])
        .output()
        .unwrap();
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    ws
}

#[test]
fn render_reads_the_current_release_from_vars_in_a_file() {
    let ws = released();
    let root = ws.path();
    write(root, "vars.json", VARS);
    // The draft moves on; the current release is what renders.
    write(root, "prompts/p.toml", PROMPT.replace("Say", "Shout"));
    let o = render(root, &["p", "--vars", "@vars.json"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let b = body(&o);
    assert_eq!(b["messages"][1]["content"], "Say w1");
    assert_eq!(b["model"], "m1");
    let draft = render(root, &["p", "--ref", "draft", "--vars", "@vars.json"]);
    assert_eq!(body(&draft)["messages"][1]["content"], "Shout w1");
}

#[test]
fn a_tampered_release_or_a_missing_variable_prints_nothing() {
    let ws = released();
    let root = ws.path();
    // A variable the template needs is missing.
    let o = render(root, &["p", "--vars", r#"{"word": "w1"}"#]);
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(o.stdout.is_empty(), "{}", stdout(&o));
    assert!(stderr(&o).contains("rules"), "{}", stderr(&o));
    // Not an object, not JSON, a file that is not there.
    for vars in ["[1, 2]", "{oops", "@missing.json"] {
        let o = render(root, &["p", "--vars", vars]);
        assert_eq!(code(&o), 2, "{vars}: {}", stderr(&o));
        assert!(o.stdout.is_empty());
        assert!(stderr(&o).contains("help:"), "{}", stderr(&o));
    }
    // The current release edited by hand: its content no longer matches its hash.
    let current = root.join("releases/p.toml");
    let text = std::fs::read_to_string(&current).unwrap();
    std::fs::write(&current, text.replace("You are terse.", "You are chatty.")).unwrap();
    let o = render(root, &["p", "--vars", VARS]);
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(o.stdout.is_empty(), "{}", stdout(&o));
    assert!(stderr(&o).contains("releases/p.toml"), "{}", stderr(&o));
}
