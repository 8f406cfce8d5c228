//! The assertion types that need more than the output: `command` (a real program, only
//! when allowed), the grader-judged `factuality` and `model-graded-closedqa` (a grader
//! on a local server speaking OpenAI's wire format), and XML checked through a real run.

// Setup helpers stop the test at the first failure; a panic is the report.
#![allow(clippy::unwrap_used)]

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use common::server::{Reply, Server, chat};
use common::{code, promptwright, stderr, stdout, write};
use serde_json::Value;

/// A workspace whose prompt echoes `{{ text }}`, with extra workspace.toml lines.
fn workspace(extra: &str, suite: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        root,
        "workspace.toml",
        format!(
            "[workspace]\nname = \"w\"\ndefault_provider = \"local\"\n\n[providers.local]\nkind = \"echo\"\n{extra}"
        ),
    );
    write(
        root,
        "prompts/p.toml",
        "[[messages]]\nrole = \"user\"\ncontent = \"{{ text }}\"\n",
    );
    write(root, "evals/s.toml", suite);
    dir
}

/// The running Python interpreter's real path.
fn python() -> String {
    let out = std::process::Command::new("python3")
        .args(["-c", "import sys; print(sys.executable)"])
        .output()
        .unwrap();
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

fn executable(root: &Path, rel: &str, body: &str) {
    write(root, rel, format!("#!{}\n{body}", python()));
    std::fs::set_permissions(root.join(rel), std::fs::Permissions::from_mode(0o755)).unwrap();
}

fn json_eval(root: &Path, extra: &[&str]) -> (i32, Value, String) {
    let out = promptwright(root)
        .args(["eval", "--format", "json"])
        .args(extra)
        .env_remove("PROMPTWRIGHT_ALLOW_COMMANDS")
        .output()
        .unwrap();
    let v = serde_json::from_str(&stdout(&out)).unwrap_or(Value::Null);
    (code(&out), v, stderr(&out))
}

const COMMAND_SUITE: &str = r#"prompt = "p"

[[cases]]
id = "good"
vars = { text = "a refund within 30 days", want = "30 days" }
[[cases.assert]]
type = "command"
value = ["checks/wants.py", "--strict"]
metric = "policy"

[[cases]]
id = "bad"
vars = { text = "no idea", want = "30 days" }
[[cases.assert]]
type = "command"
value = ["checks/wants.py", "--strict"]
metric = "policy"
"#;

/// Counts its runs in runs.log, so a cached verdict shows as no new line.
const WANTS: &str = r#"import json, os, sys
open("runs.log", "a").write("run\n")
out = sys.stdin.read()
want = json.loads(os.environ["PROMPTWRIGHT_VARS"])["want"]
ok = want in out and sys.argv[1:] == ["--strict"]
print(json.dumps({"pass": ok, "score": 1 if ok else 0.2, "reason": "wanted " + want}))
"#;

#[test]
fn command_assertions_run_only_when_allowed() {
    let dir = workspace("", COMMAND_SUITE);
    let root = dir.path();
    executable(root, "checks/wants.py", WANTS);
    for args in [vec!["check"], vec!["eval"]] {
        let out = promptwright(root)
            .args(&args)
            .env_remove("PROMPTWRIGHT_ALLOW_COMMANDS")
            .output()
            .unwrap();
        let err = stderr(&out);
        assert_eq!(code(&out), 2, "{args:?}: {err}");
        assert!(
            err.contains("evals/s.toml:3:1")
                && err.contains("`command` assertion would run `checks/wants.py --strict`, and programs are not allowed")
                && err.contains("--allow-commands"),
            "{args:?}: {err}"
        );
    }
    assert!(!root.join("runs.log").exists(), "nothing ran");
    assert!(
        !root.join(".promptwright/runs").exists()
            || std::fs::read_dir(root.join(".promptwright/runs"))
                .unwrap()
                .next()
                .is_none()
    );

    let (c, v, err) = json_eval(root, &["--allow-commands"]);
    assert_eq!(c, 1, "one case fails: {err}");
    let cases = &v["runs"][0]["cases"];
    assert_eq!(cases[0]["status"], "pass");
    assert_eq!(cases[1]["status"], "fail");
    assert_eq!(cases[1]["assertions"][0]["reason"], "wanted 30 days");
    assert_eq!(cases[1]["assertions"][0]["metric"], "policy");
    assert_eq!(
        std::fs::read_to_string(root.join("runs.log"))
            .unwrap()
            .lines()
            .count(),
        2
    );

    // The environment variable allows too, and the verdicts come from the cache.
    let out = promptwright(root)
        .args(["check"])
        .env("PROMPTWRIGHT_ALLOW_COMMANDS", "1")
        .output()
        .unwrap();
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let out = promptwright(root)
        .args(["eval"])
        .env("PROMPTWRIGHT_ALLOW_COMMANDS", "1")
        .output()
        .unwrap();
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert_eq!(
        std::fs::read_to_string(root.join("runs.log"))
            .unwrap()
            .lines()
            .count(),
        2,
        "cached by output: not run again"
    );
}

#[test]
fn a_command_past_its_timeout_is_an_errored_case() {
    let suite = "prompt = \"p\"\n[[cases]]\nvars = { text = \"x\" }\n[[cases.assert]]\ntype = \"command\"\nvalue = [\"checks/hang.py\"]\ntimeout_s = 1\n";
    let dir = workspace("", suite);
    executable(
        dir.path(),
        "checks/hang.py",
        "import time\ntime.sleep(120)\n",
    );
    let (c, v, err) = json_eval(dir.path(), &["--allow-commands"]);
    assert_eq!(c, 1, "{err}");
    let case = &v["runs"][0]["cases"][0];
    assert_eq!(case["status"], "error");
    assert!(
        case["error"]
            .as_str()
            .unwrap()
            .contains("did not finish within 1 s and was killed"),
        "{case}"
    );
}

#[test]
fn xml_assertions_score_a_real_run() {
    let suite = r#"prompt = "p"
[[cases]]
id = "whole"
vars = { text = "<r><label>spam</label></r>" }
[[cases.assert]]
type = "is-xml"
value = ["r.label"]
[[cases]]
id = "inside"
vars = { text = "Result: <r><label>ham</label></r> done" }
[[cases.assert]]
type = "contains-xml"
[[cases.assert]]
type = "not-is-xml"
[[cases]]
id = "broken"
vars = { text = "<r><label>spam</r>" }
[[cases.assert]]
type = "contains-xml"
"#;
    let dir = workspace("", suite);
    let (c, v, err) = json_eval(dir.path(), &[]);
    assert_eq!(c, 1, "{err}");
    let status: Vec<&str> = v["runs"][0]["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["status"].as_str().unwrap())
        .collect();
    assert_eq!(status, ["pass", "pass", "fail"]);
}

#[test]
fn factuality_and_closedqa_ask_the_grader_and_read_its_verdict() {
    let server = Server::start(|hit, _| {
        let system = hit.body["messages"][0]["content"].as_str().unwrap_or("");
        let user = hit.user();
        if system.starts_with("You compare a submitted answer with an expert answer") {
            let category = if user.contains("40 days") { "D" } else { "A" };
            chat(
                &format!(r#"{{"category": "{category}", "reason": "compared"}}"#),
                50,
                5,
            )
        } else if system.starts_with("You decide whether a submitted answer meets a criterion") {
            let pass = user.contains("<submission>\nMonday");
            chat(
                &format!(r#"{{"pass": {pass}, "reason": "criterion"}}"#),
                50,
                5,
            )
        } else {
            Reply::new(500, "unexpected")
        }
    });
    let extra = format!(
        "\n[providers.judge]\nkind = \"openai\"\nbase_url = \"{}/v1\"\n\n[grader]\nprovider = \"judge\"\nmodel = \"g\"\n",
        server.url
    );
    let suite = r#"prompt = "p"
[[cases]]
id = "right"
vars = { text = "30 days" }
[[cases.assert]]
type = "factuality"
value = "The refund window is 30 days."
[[cases]]
id = "wrong"
vars = { text = "40 days" }
[[cases.assert]]
type = "factuality"
value = "The refund window is 30 days."
[[cases]]
id = "day"
vars = { text = "Monday" }
[[cases.assert]]
type = "model-graded-closedqa"
value = "names a weekday"
"#;
    let dir = workspace(&extra, suite);
    let (c, v, err) = json_eval(dir.path(), &[]);
    assert_eq!(c, 1, "{err}");
    let cases = v["runs"][0]["cases"].as_array().unwrap();
    let status: Vec<&str> = cases
        .iter()
        .map(|c| c["status"].as_str().unwrap())
        .collect();
    assert_eq!(status, ["pass", "fail", "pass"], "{v}");
    assert_eq!(
        cases[1]["assertions"][0]["reason"],
        "grader category D: compared"
    );
    assert_eq!(
        cases[2]["assertions"][0]["reason"],
        "grader says pass: criterion"
    );
    // The question the model saw goes to the grader with the expert answer.
    let fact = server
        .hits()
        .into_iter()
        .find(|h| h.user().contains("<expert>"))
        .unwrap();
    assert!(
        fact.user().contains("<question>\n30 days") || fact.user().contains("<question>\n40 days")
    );
}

const METRIC_SUITE: &str = r#"prompt = "p"
[[assert]]
type = "icontains"
value = "refund"
metric = "accuracy"

[[cases]]
id = "one"
vars = { text = "refund in 30 days" }
[[cases.assert]]
type = "max-length"
value = 5
metric = "brevity"

[[cases]]
id = "two"
vars = { text = "no idea" }
"#;

#[test]
fn every_report_shows_each_metric_mean() {
    let dir = workspace("", METRIC_SUITE);
    let root = dir.path();
    let (c, v, err) = json_eval(root, &[]);
    assert_eq!(c, 1, "{err}");
    assert_eq!(
        v["runs"][0]["summary"]["metrics"],
        serde_json::json!({"accuracy": 0.5, "brevity": 0.0})
    );
    let report = |format: &str| {
        let out = promptwright(root)
            .args(["eval", "--format", format])
            .output()
            .unwrap();
        stdout(&out)
    };
    assert!(report("table").contains("metrics: accuracy 0.500, brevity 0.000"));
    assert!(report("markdown").contains("metrics (mean score): accuracy 0.500, brevity 0.000"));
    let junit = report("junit");
    assert!(
        junit.contains("<property name=\"metric.accuracy\" value=\"0.500\" />"),
        "{junit}"
    );
    let html = root.join("report.html");
    let out = promptwright(root)
        .args(["eval", "--format", "html", "-o"])
        .arg(&html)
        .output()
        .unwrap();
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(
        page.contains("<b>0.500</b><span>metric accuracy</span>"),
        "metric card"
    );
}

#[test]
fn a_bad_metric_or_a_misplaced_timeout_is_refused_at_its_line() {
    let dir = workspace(
        "",
        "prompt = \"p\"\n[[assert]]\ntype = \"contains\"\nvalue = \"x\"\nmetric = \"<b>\"\n",
    );
    let out = promptwright(dir.path()).arg("check").output().unwrap();
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains("evals/s.toml:5:10: invalid metric name \"<b>\""),
        "{}",
        stderr(&out)
    );
    let dir = workspace(
        "",
        "prompt = \"p\"\n[[assert]]\ntype = \"contains\"\nvalue = \"x\"\ntimeout_s = 3\n",
    );
    let out = promptwright(dir.path()).arg("check").output().unwrap();
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains("evals/s.toml:5:13: `timeout_s` applies to `command` assertions"),
        "{}",
        stderr(&out)
    );
}

/// An OpenAI-compatible embeddings server: the reference, answers about "30 days" close
/// to it, everything else at a right angle.
fn embeddings_server() -> Server {
    Server::start(|hit, _| {
        if !hit.path.ends_with("/embeddings") {
            return Reply::new(404, "not found");
        }
        let data: Vec<Value> = hit.body["input"]
            .as_array()
            .unwrap()
            .iter()
            .enumerate()
            .map(|(i, t)| {
                let t = t.as_str().unwrap();
                let v = if t.contains("refund") {
                    serde_json::json!([1.0, 0.0])
                } else if t.contains("30 days") {
                    serde_json::json!([1.0, 0.1])
                } else {
                    serde_json::json!([0.0, 1.0])
                };
                serde_json::json!({"object": "embedding", "index": i, "embedding": v})
            })
            .collect();
        Reply::new(
            200,
            serde_json::json!({"object": "list", "data": data, "model": "e1",
                               "usage": {"prompt_tokens": 4, "total_tokens": 4}})
            .to_string(),
        )
        .header("content-type", "application/json")
    })
}

const SIMILAR_SUITE: &str = r#"prompt = "p"
[[assert]]
type = "similar"
value = "The refund window is 30 days."
threshold = 0.9

[[cases]]
id = "close"
vars = { text = "You have 30 days." }

[[cases]]
id = "far"
vars = { text = "No idea, sorry." }
"#;

#[test]
fn similar_compares_embeddings_from_the_embedder_and_caches_them() {
    let server = embeddings_server();
    let extra = format!(
        "\n[providers.emb]\nkind = \"openai\"\nbase_url = \"{}/v1\"\n\n[embedder]\nprovider = \"emb\"\nmodel = \"e1\"\n",
        server.url
    );
    let dir = workspace(&extra, SIMILAR_SUITE);
    let (c, v, err) = json_eval(dir.path(), &[]);
    assert_eq!(c, 1, "{err}");
    let cases = &v["runs"][0]["cases"];
    assert_eq!(cases[0]["status"], "pass", "{v}");
    assert_eq!(
        cases[0]["assertions"][0]["reason"],
        "cosine similarity 0.995 (needs at least 0.90)"
    );
    assert_eq!(cases[1]["status"], "fail");
    assert_eq!(cases[1]["assertions"][0]["score"], 0.0);
    let first = server.hits();
    assert!(first.iter().all(|h| h.body["model"] == "e1"));
    let sent: Vec<String> = first
        .iter()
        .flat_map(|h| h.body["input"].as_array().unwrap().clone())
        .map(|t| t.as_str().unwrap().to_string())
        .collect();
    let distinct: std::collections::BTreeSet<&String> = sent.iter().collect();
    assert_eq!(
        distinct.len(),
        3,
        "the reference and both outputs: {sent:?}"
    );
    // The second case may find the reference in the cache the first one wrote.
    assert!(sent.len() <= 4, "at most once per case: {sent:?}");
    // Every vector is cached: a second run asks nothing.
    let (c, _, err) = json_eval(dir.path(), &[]);
    assert_eq!(c, 1, "{err}");
    assert_eq!(server.count(), first.len());
}

#[test]
fn similar_needs_an_openai_kind_embedder() {
    let dir = workspace(
        "\n[embedder]\nprovider = \"local\"\nmodel = \"e1\"\n",
        SIMILAR_SUITE,
    );
    let out = promptwright(dir.path()).arg("check").output().unwrap();
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains("workspace.toml:9:12: embedder provider `local` is of kind `echo`; embeddings need kind `openai`"),
        "{}",
        stderr(&out)
    );
    let dir = workspace("", SIMILAR_SUITE);
    let (c, _, err) = json_eval(dir.path(), &[]);
    assert_eq!(c, 2);
    assert!(
        err.contains("uses `similar` but workspace.toml has no [embedder]"),
        "{err}"
    );
}

#[test]
fn an_embedder_answer_of_the_wrong_shape_is_an_errored_case() {
    let server = Server::always(
        Reply::new(200, r#"{"data": [{"index": 0, "embedding": [1.0, 0.0]}]}"#)
            .header("content-type", "application/json"),
    );
    let extra = format!(
        "\n[providers.emb]\nkind = \"openai\"\nbase_url = \"{}/v1\"\n\n[embedder]\nprovider = \"emb\"\nmodel = \"e1\"\n",
        server.url
    );
    let dir = workspace(&extra, SIMILAR_SUITE);
    let (c, v, err) = json_eval(dir.path(), &[]);
    assert_eq!(c, 1, "{err}");
    let case = &v["runs"][0]["cases"][0];
    assert_eq!(case["status"], "error");
    assert!(
        case["error"]
            .as_str()
            .unwrap()
            .contains("embeddings: 1 vectors for 2 texts"),
        "{case}"
    );
}
