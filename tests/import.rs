//! `import promptfoo` on real-world-shaped configs: several prompts (inline, text with
//! `---`, JSON chat, Nunjucks), providers (echo, an OpenAI-compatible server on
//! 127.0.0.1, OpenAI, Anthropic, Ollama, one that has no counterpart), `defaultTest`,
//! tests inline and in CSV, YAML, JSON and JSONL files, and a javascript assertion that
//! must be reported. The result passes `check` and runs; bad input writes nothing.

// Setup helpers stop the test at the first failure; a panic is the report.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::Path;

use common::server::{Server, chat};
use common::{code, promptwright, stderr, stdout, tree, write};
use serde_json::Value;

const CONFIG: &str = r#"# yaml-language-server: $schema=https://promptfoo.dev/config-schema.json
description: Acme support replies
prompts:
  - file://prompts/support.txt
  - file://prompts/chat.json
  - id: "Answer briefly: {{ question }}"
    label: brief
providers:
  - echo
  - id: openai:chat:local-model
    label: local
    config:
      apiBaseUrl: SERVER/v1
      temperature: 0
      max_tokens: 200
      response_format: json
  - openai:chat:gpt-4o-mini
  - anthropic:messages:claude-3-5-haiku-20241022
  - ollama:chat:llama3.2
  - bedrock:anthropic.claude-v2
defaultTest:
  vars:
    company: Acme
  assert:
    - type: not-icontains
      value: as an ai
      metric: tone
tests:
  - description: refund window
    vars:
      question: Can I return after 40 days?
    assert:
      - type: icontains
        value: 40 days
        weight: 2
        metric: accuracy
      - type: javascript
        value: output.length < 500
  - vars:
      question: [Where is my parcel?, Cancel my order]
    assert:
      - type: contains-any
        value: [parcel, order]
    options:
      transform: output.trim()
  - file://tests/cases.csv
  - file://tests/more.yaml
  - file://tests/lines.jsonl
  - file://tests/list.json
"#;

const SUPPORT: &str = "You help {{ company }} customers.\n{% for k, v in extra %}{{ k }}={{ v }}{% endfor %}\nQuestion: {{ question }}\n---\nReply to: {{ question | dump }}";

const CHAT: &str = r#"[
  {"role": "system", "content": "You are {{ company }}'s support agent."},
  {"role": "user", "content": "{{ question }}"}
]"#;

const CSV: &str = "question,__expected,__expected2,__description\nWhat is your phone number?,icontains: phone,not-is-refusal,phone\n\"Hours, please?\",javascript: output.length > 3,,hours\n";

const MORE_YAML: &str = "- vars:\n    question: Do you ship abroad?\n  assert:\n    - type: python\n      value: file://check.py\n    - type: regex\n      value: '(?i)abroad'\n    - type: similar\n      value: We ship worldwide.\n";

const LINES: &str = "{\"vars\": {\"question\": \"Is there a warranty?\"}, \"assert\": [{\"type\": \"contains\", \"value\": \"warranty\"}]}\n\n{\"vars\": {\"question\": \"Gift cards?\"}, \"threshold\": 0.5}\n";

const LIST_JSON: &str = "[\n  {\"vars\": {\"question\": \"Student discount?\"},\n   \"assert\": [{\"type\": \"webhook\", \"value\": \"https://example.com\"}]}\n]\n";

/// The promptfoo project: config, prompts and test files, with the server's URL in.
fn project(server: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        root,
        "promptfooconfig.yaml",
        CONFIG.replace("SERVER", server),
    );
    write(root, "prompts/support.txt", SUPPORT);
    write(root, "prompts/chat.json", CHAT);
    write(root, "tests/cases.csv", CSV);
    write(root, "tests/more.yaml", MORE_YAML);
    write(root, "tests/lines.jsonl", LINES);
    write(root, "tests/list.json", LIST_JSON);
    dir
}

fn import(cwd: &Path, args: &[&str]) -> std::process::Output {
    promptwright(cwd)
        .args(["import", "promptfoo"])
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn a_real_world_config_is_converted_and_what_is_not_is_listed_at_its_line() {
    let server = Server::start(|hit, _| chat(&format!("local says: {}", hit.user()), 10, 5));
    let dir = project(&server.url);
    let root = dir.path();
    let out = import(root, &["promptfooconfig.yaml", "-o", "ws"]);
    let err = stderr(&out);
    assert_eq!(code(&out), 1, "something was dropped: {err}");
    for expected in [
        "dropped: promptfooconfig.yaml:16: provider `openai:chat:local-model`: config `response_format` is not converted",
        "dropped: promptfooconfig.yaml:20: provider `bedrock:anthropic.claude-v2`: only openai, anthropic, ollama and echo providers are converted",
        "dropped: promptfooconfig.yaml:37: `javascript` assertion: it runs code; write it as a `command` assertion if you trust it",
        "dropped: promptfooconfig.yaml:45: test option `transform` is not converted",
        "dropped: tests/cases.csv:3: `javascript: output.length > 3`: assertions that run code are not converted",
        "dropped: tests/more.yaml:4: `python` assertion: it runs code",
        "dropped: tests/list.json:3: `webhook` assertion: it runs code",
        "note: promptfooconfig.yaml:4: the Nunjucks filter `dump` became `tojson`",
        "note: promptfooconfig.yaml:4: a Nunjucks `for key, value in object` loop became `for key, value in object | items`",
    ] {
        assert!(err.contains(expected), "missing {expected:?} in:\n{err}");
    }
    assert_eq!(err.matches("dropped:").count(), 7, "{err}");
    let summary = stdout(&out);
    assert!(
        summary.contains("20 prompts, 5 providers, 9 cases"),
        "4 prompts × 5 providers; 1 + 2 + 2 + 1 + 2 + 1 cases: {summary}"
    );

    let ws = root.join("ws");
    let workspace_toml = std::fs::read_to_string(ws.join("workspace.toml")).unwrap();
    for expected in [
        "default_provider = \"echo\"",
        "[providers.local]\nkind = \"openai\"",
        &format!("base_url = \"{}/v1\"", server.url),
        "[providers.gpt-4o-mini]\nkind = \"openai\"\napi_key_env = \"OPENAI_API_KEY\"",
        "[providers.claude-3-5-haiku-20241022]\nkind = \"anthropic\"\napi_key_env = \"ANTHROPIC_API_KEY\"",
        "[providers.llama3-2]\nkind = \"openai\"\nbase_url = \"http://localhost:11434/v1\"",
        "[embedder]\nprovider = \"local\"\nmodel = \"text-embedding-3-large\"",
    ] {
        assert!(
            workspace_toml.contains(expected),
            "{expected:?} in:\n{workspace_toml}"
        );
    }
    let local = std::fs::read_to_string(ws.join("prompts/support-1-local.toml")).unwrap();
    assert!(
        local.contains("provider = \"local\"") && local.contains("model = \"local-model\""),
        "{local}"
    );
    assert!(
        local.contains("temperature = 0") && local.contains("max_tokens = 200"),
        "{local}"
    );
    let split = std::fs::read_to_string(ws.join("prompts/support-2-echo.toml")).unwrap();
    assert!(split.contains("{{ question | tojson }}"), "{split}");
    let chat_prompt = std::fs::read_to_string(ws.join("prompts/chat-echo.toml")).unwrap();
    assert!(
        chat_prompt.contains("role = \"system\"") && chat_prompt.contains("role = \"user\""),
        "{chat_prompt}"
    );
    let suite = std::fs::read_to_string(ws.join("evals/brief-echo.toml")).unwrap();
    assert!(suite.contains("dataset = \"data/cases.jsonl\""), "{suite}");
    assert!(
        suite.contains("type = \"not-icontains\"") && suite.contains("metric = \"tone\""),
        "{suite}"
    );
    let lines: Vec<Value> = std::fs::read_to_string(ws.join("evals/data/cases.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 9);
    assert_eq!(lines[0]["description"], "refund window");
    assert_eq!(
        lines[0]["vars"]["company"], "Acme",
        "defaultTest vars are every case's"
    );
    assert_eq!(lines[0]["assert"][0]["weight"], 2);
    assert_eq!(lines[0]["assert"][0]["metric"], "accuracy");
    assert_eq!(lines[1]["vars"]["question"], "Where is my parcel?");
    assert_eq!(lines[2]["vars"]["question"], "Cancel my order");
    assert_eq!(lines[3]["assert"][0]["type"], "icontains");
    assert_eq!(lines[3]["assert"][1]["type"], "not-is-refusal");
    assert_eq!(lines[4]["vars"]["question"], "Hours, please?");
    assert_eq!(
        lines[5]["assert"][1],
        serde_json::json!({"type": "similar", "value": "We ship worldwide.", "threshold": 0.75}),
        "promptfoo's default bar kept"
    );
    assert_eq!(lines[7]["threshold"], 0.5);

    let check = promptwright(&ws).arg("check").output().unwrap();
    assert_eq!(
        code(&check),
        0,
        "the result passes check: {}",
        stderr(&check)
    );

    // It runs: the echo prompts offline, the local ones against the server.
    let out = promptwright(&ws)
        .args(["eval", "brief-echo", "brief-local", "--format", "json"])
        .output()
        .unwrap();
    let v: Value = serde_json::from_str(&stdout(&out)).unwrap_or(Value::Null);
    assert_eq!(
        v["runs"].as_array().map(Vec::len),
        Some(2),
        "{}",
        stderr(&out)
    );
    let echo = &v["runs"][0];
    assert_eq!(echo["summary"]["cases"], 9);
    assert_eq!(
        echo["cases"][0]["output"],
        "Answer briefly: Can I return after 40 days?"
    );
    assert_eq!(echo["cases"][0]["status"], "pass");
    assert!(echo["summary"]["metrics"]["tone"].as_f64().is_some());
    let local = &v["runs"][1];
    assert_eq!(
        local["cases"][0]["output"],
        "local says: Answer briefly: Can I return after 40 days?"
    );
    assert!(server.count() >= 9, "the local cases went to the server");
}

#[test]
fn a_config_with_everything_convertible_exits_0() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        root,
        "promptfooconfig.yaml",
        "prompts:\n  - 'Summarise: {{ text }}'\nproviders: [echo]\ntests:\n  - vars: {text: hello world}\n    assert:\n      - type: contains\n        value: hello\n      - type: latency\n        threshold: 5000\n",
    );
    let out = import(root, &["promptfooconfig.yaml", "-o", "ws"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(stderr(&out), "");
    let line = std::fs::read_to_string(root.join("ws/evals/data/cases.jsonl")).unwrap();
    assert!(
        line.contains(r#"{"type":"latency","value":5000}"#),
        "{line}"
    );
    let out = promptwright(&root.join("ws")).arg("eval").output().unwrap();
    assert_eq!(code(&out), 0, "{}", stderr(&out));
}

#[test]
fn bad_input_is_exit_2_at_its_line_and_writes_nothing() {
    // (what, files, the error expected)
    type BadCase<'a> = (&'a str, &'a [(&'a str, &'a str)], &'a str);
    let cases: &[BadCase] = &[
        (
            "a YAML syntax error",
            &[(
                "promptfooconfig.yaml",
                "prompts:\n  - 'a'\nproviders: [echo\ntests: []\n",
            )],
            "promptfooconfig.yaml:4:",
        ),
        (
            "a missing file",
            &[(
                "promptfooconfig.yaml",
                "prompts: [hi]\nproviders: [echo]\ntests:\n  - file://missing.csv\n",
            )],
            "promptfooconfig.yaml:4:1: file://missing.csv: no such file",
        ),
        (
            "a ragged CSV row",
            &[
                (
                    "promptfooconfig.yaml",
                    "prompts: ['{{ q }}']\nproviders: [echo]\ntests: file://t.csv\n",
                ),
                ("t.csv", "q,__expected\nfine,contains: f\ntoo,many,fields\n"),
            ],
            "t.csv:3:1: this row has 3 fields; the header has 2",
        ),
        (
            "a file outside the config's folder",
            &[(
                "promptfooconfig.yaml",
                "prompts: [file://../../etc/passwd]\nproviders: [echo]\n",
            )],
            "promptfooconfig.yaml:1:1: file://../../etc/passwd",
        ),
    ];
    for (what, files, expected) in cases {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for (rel, text) in *files {
            write(root, rel, text);
        }
        let before = tree(root);
        let out = import(root, &["promptfooconfig.yaml", "-o", "ws"]);
        assert_eq!(code(&out), 2, "{what}: {}", stderr(&out));
        assert!(
            stderr(&out).contains(expected),
            "{what}: {expected:?} in {}",
            stderr(&out)
        );
        assert_eq!(tree(root), before, "{what}: nothing written");
    }
}

#[test]
fn an_existing_file_is_never_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        root,
        "promptfooconfig.yaml",
        "prompts: [hi]\nproviders: [echo]\n",
    );
    write(root, "workspace.toml", "mine");
    let out = import(root, &["promptfooconfig.yaml"]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("workspace.toml already exists"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        std::fs::read_to_string(root.join("workspace.toml")).unwrap(),
        "mine"
    );
    assert!(!root.join("prompts").exists());
}
