//! `promptwright check` (and `eval`) on broken workspaces, through the real binary.
//!
//! Each test builds a small valid workspace in a temporary folder, breaks exactly one
//! thing, and checks what a person at a terminal (or a CI log) gets: exit code 2,
//! nothing on stdout, `error: PATH:LINE:COL: message` pointing at the mistake, a
//! `help:` line, no panic, and not a single byte written.
//!
//! Expected positions are computed from the fixture text (`Ws::pos`), never typed in.
//! The binary runs with the temporary folder as its current folder and `-w` naming
//! its `ws/` subfolder, so paths are shown as `ws/evals/basic.toml`.

// Integration tests: a failed setup step panics, and the panic is the report.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

const WORKSPACE: &str = r#"[workspace]
name = "demo"
default_provider = "local"

[providers.local]
kind = "echo"
"#;

const PROMPT: &str = r#"description = "Greets a customer"
model = "echo-1"

[params]
temperature = 0.2

[[messages]]
role = "system"
content = """
You are a support agent for {{ company }}.
Answer in one short paragraph.
Never promise what the policy does not allow.
"""

[[messages]]
role = "user"
content = "{{ question }}"
"#;

const SUITE: &str = r#"prompt = "greet"
description = "Basic greetings"

[[assert]]
type = "not-icontains"
value = "as an ai"

[[cases]]
id = "hello"
vars = { company = "Acme", question = "Hello?" }
[[cases.assert]]
type = "icontains"
value = "acme"
"#;

/// A dataset with a blank line, so a line number is not a case number.
const DATASET: &str = r#"{"id": "refund", "vars": {"company": "Acme", "question": "Refund?"}}

{"vars": {"company": "Acme", "question": "Hi"}, "assert": [{"type": "contains", "value": "Hi"}]}
"#;

/// A temporary workspace: `ws/` inside a temporary folder that is the current folder.
struct Ws {
    _tmp: tempfile::TempDir,
    /// The temporary folder, canonical, used as the current folder.
    cwd: PathBuf,
    /// The workspace root, `cwd/ws`.
    root: PathBuf,
}

/// What one run of the binary produced.
struct Outcome {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

impl Ws {
    /// A valid workspace: an echo provider as default, prompt `greet`, suite `basic`.
    fn new() -> Ws {
        let tmp = tempfile::tempdir().expect("tempdir");
        let cwd = tmp.path().canonicalize().expect("canonical tempdir");
        let root = cwd.join("ws");
        let ws = Ws {
            _tmp: tmp,
            cwd,
            root,
        };
        ws.write("workspace.toml", WORKSPACE);
        ws.write("prompts/greet.toml", PROMPT);
        ws.write("evals/basic.toml", SUITE);
        ws
    }

    /// The valid workspace plus a dataset `evals/data/extra.jsonl` used by `basic`.
    fn with_dataset() -> Ws {
        let ws = Ws::new();
        ws.edit(
            "evals/basic.toml",
            "description = \"Basic greetings\"\n",
            "description = \"Basic greetings\"\ndataset = \"data/extra.jsonl\"\n",
        );
        ws.write("evals/data/extra.jsonl", DATASET);
        ws
    }

    fn write(&self, rel: &str, text: &str) {
        let path = self.root.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.root.join(rel)).unwrap()
    }

    /// Replaces the one occurrence of `from` in a file by `to`.
    fn edit(&self, rel: &str, from: &str, to: &str) {
        let text = self.read(rel);
        assert_eq!(
            text.matches(from).count(),
            1,
            "fixture {rel} must hold `{from}` exactly once:\n{text}"
        );
        self.write(rel, &text.replacen(from, to, 1));
    }

    /// `ws/REL:LINE:COL` of the first occurrence of `needle` in a file as it is now.
    fn pos(&self, rel: &str, needle: &str) -> String {
        self.pos_nth(rel, needle, 0)
    }

    /// `ws/REL:LINE:COL` of what follows the first occurrence of `prefix` (a value after
    /// its key).
    fn pos_after(&self, rel: &str, prefix: &str) -> String {
        let (line, col) = self.line_col_nth(rel, prefix, 0);
        format!("ws/{rel}:{line}:{}", col + prefix.chars().count())
    }

    /// `ws/REL:LINE:COL` of occurrence `n` (0-based) of `needle`; the column counts
    /// characters, 1-based, as the diagnostics do.
    fn pos_nth(&self, rel: &str, needle: &str, n: usize) -> String {
        let (line, col) = self.line_col_nth(rel, needle, n);
        format!("ws/{rel}:{line}:{col}")
    }

    fn line_col_nth(&self, rel: &str, needle: &str, n: usize) -> (usize, usize) {
        let text = self.read(rel);
        let (offset, _) = text
            .match_indices(needle)
            .nth(n)
            .unwrap_or_else(|| panic!("`{needle}` (occurrence {n}) not in {rel}:\n{text}"));
        let before = &text[..offset];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        (line, before[line_start..].chars().count() + 1)
    }

    /// `ws/REL:LINE` of the line holding `needle` (for JSONL datasets).
    fn line_of(&self, rel: &str, needle: &str) -> String {
        let (line, _) = self.line_col_nth(rel, needle, 0);
        format!("ws/{rel}:{line}")
    }

    /// Runs `promptwright -w ROOT ARGS...` from the temporary folder.
    fn run(&self, args: &[&str]) -> Outcome {
        run_in(&self.cwd, Some(&self.root), args)
    }

    /// Every file and folder under the temporary folder, with file contents.
    fn snapshot(&self) -> BTreeMap<PathBuf, Option<Vec<u8>>> {
        snapshot(&self.cwd)
    }

    /// Runs `args` and checks that the workspace is rejected for exactly one problem,
    /// reported at `loc` (`ws/PATH:LINE:COL`, or a prefix of it) with a help line, and
    /// that nothing was written. `needles` must all appear in stderr. Returns stderr.
    fn rejects(&self, args: &[&str], loc: &str, needles: &[&str]) -> String {
        let before = self.snapshot();
        let out = self.run(args);
        let ctx = format!(
            "promptwright {}\n--- stdout\n{}--- stderr\n{}",
            args.join(" "),
            out.stdout,
            out.stderr
        );
        // Shown only when the test fails (or with --nocapture).
        eprintln!("{ctx}");
        assert_eq!(out.code, Some(2), "exit code\n{ctx}");
        assert!(out.stdout.is_empty(), "stdout must be empty\n{ctx}");
        assert!(!out.stderr.contains("panicked"), "panic\n{ctx}");
        assert!(
            out.stderr.starts_with(&format!("error: {loc}")),
            "stderr must start with `error: {loc}`\n{ctx}"
        );
        let errors = out
            .stderr
            .lines()
            .filter(|l| l.starts_with("error: "))
            .count();
        assert_eq!(errors, 1, "exactly one error expected\n{ctx}");
        assert!(
            out.stderr.lines().any(|l| l.starts_with("help: ")),
            "a help line is expected\n{ctx}"
        );
        for needle in needles {
            assert!(
                out.stderr.contains(needle),
                "stderr lacks `{needle}`\n{ctx}"
            );
        }
        assert!(
            !self.root.join(".promptwright").exists(),
            "a .promptwright folder was created\n{ctx}"
        );
        assert!(
            self.snapshot() == before,
            "the run changed files in the workspace\n{ctx}"
        );
        out.stderr
    }

    /// `rejects` for `check` and for `eval`, with the same diagnostic.
    fn rejects_check_and_eval(&self, loc: &str, needles: &[&str]) -> String {
        let check = self.rejects(&["check"], loc, needles);
        let eval = self.rejects(&["eval"], loc, needles);
        assert_eq!(check, eval, "check and eval report the same problem");
        check
    }
}

fn run_in(cwd: &Path, workspace: Option<&Path>, args: &[&str]) -> Outcome {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_promptwright"));
    if let Some(w) = workspace {
        cmd.arg("-w").arg(w);
    }
    let out = cmd
        .args(args)
        .current_dir(cwd)
        .env_remove("CLICOLOR_FORCE")
        .env("NO_COLOR", "1")
        // The user's own trust settings must not change what these tests see.
        .env_remove("PROMPTWRIGHT_ALLOW_HOSTS")
        .env("XDG_CONFIG_HOME", cwd.join("no-user-config"))
        .output()
        .expect("run promptwright");
    Outcome {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Option<Vec<u8>>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                out.insert(path.clone(), None);
                stack.push(path);
            } else {
                out.insert(path.clone(), Some(std::fs::read(&path).unwrap()));
            }
        }
    }
    out
}

// ------------------------------------------------------------------ valid workspaces

#[test]
fn valid_workspace_passes_check() {
    let ws = Ws::with_dataset();
    let before = ws.snapshot();
    let out = ws.run(&["check"]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert!(
        out.stderr.is_empty(),
        "no warnings expected: {}",
        out.stderr
    );
    assert!(
        out.stdout
            .contains("ok: workspace `demo`: 1 prompt, 1 suite, 3 cases"),
        "{}",
        out.stdout
    );
    assert!(ws.snapshot() == before, "check must write nothing");
}

#[test]
fn valid_workspace_passes_eval() {
    let ws = Ws::with_dataset();
    let out = ws.run(&["eval", "--format", "json"]);
    assert_eq!(out.code, Some(0), "{}\n{}", out.stdout, out.stderr);
    let json: serde_json::Value = serde_json::from_str(&out.stdout).expect("JSON on stdout");
    let cases = json["runs"][0]["cases"].as_array().unwrap();
    let ids: Vec<&str> = cases.iter().map(|c| c["id"].as_str().unwrap()).collect();
    // The second dataset case has no id: it is named after its line (3), not its rank.
    assert_eq!(ids, ["hello", "refund", "case-3"]);
    assert!(cases.iter().all(|c| c["status"] == "pass"), "{json:#}");
}

#[test]
fn missing_template_variable_warns_in_check_and_errors_in_eval() {
    let ws = Ws::new();
    ws.edit(
        "evals/basic.toml",
        r#"vars = { company = "Acme", question = "Hello?" }"#,
        r#"vars = { company = "Acme" }"#,
    );
    let case_line = ws.line_of("evals/basic.toml", "[[cases]]");

    let before = ws.snapshot();
    let check = ws.run(&["check"]);
    assert_eq!(check.code, Some(0), "{}", check.stderr);
    assert!(!check.stderr.contains("panicked"), "{}", check.stderr);
    assert!(
        check.stderr.starts_with(&format!("warning: {case_line}: ")),
        "{}",
        check.stderr
    );
    assert!(
        check
            .stderr
            .contains("case `hello` lacks variable `question` used by prompt `greet`"),
        "{}",
        check.stderr
    );
    assert!(check.stderr.contains("help: "), "{}", check.stderr);
    assert!(check.stdout.contains("1 warning"), "{}", check.stdout);
    assert!(ws.snapshot() == before, "check must write nothing");

    let eval = ws.run(&["eval", "--format", "json"]);
    assert_eq!(eval.code, Some(1), "{}\n{}", eval.stdout, eval.stderr);
    let json: serde_json::Value = serde_json::from_str(&eval.stdout).expect("JSON on stdout");
    let case = &json["runs"][0]["cases"][0];
    assert_eq!(case["id"], "hello", "{json:#}");
    assert_eq!(case["status"], "error", "{json:#}");
    let error = case["error"]
        .as_str()
        .expect("the case's error is a string");
    assert!(error.contains("`question`"), "{error}");
    let summary = &json["runs"][0]["summary"];
    assert_eq!(summary["errors"], 1, "{json:#}");
    assert_eq!(summary["passed"], 0, "{json:#}");
}

// ------------------------------------------------------------------ workspace.toml

#[test]
fn toml_syntax_error() {
    let ws = Ws::new();
    ws.edit("evals/basic.toml", "id = \"hello\"", "id = hello");
    let loc = ws.pos("evals/basic.toml", "hello");
    ws.rejects_check_and_eval(
        &loc,
        &["string values must be quoted", "help: fix the TOML syntax"],
    );
}

#[test]
fn unknown_key_in_workspace_section() {
    let ws = Ws::new();
    ws.edit("workspace.toml", "default_provider =", "default_provder =");
    let loc = ws.pos("workspace.toml", "default_provder");
    ws.rejects_check_and_eval(
        &loc,
        &[
            "unknown field `default_provder`",
            "help: did you mean `default_provider`?",
        ],
    );
}

#[test]
fn unknown_key_in_provider() {
    let ws = Ws::new();
    ws.edit(
        "workspace.toml",
        "kind = \"echo\"",
        "kind = \"echo\"\ntimeout = 30",
    );
    let loc = ws.pos("workspace.toml", "timeout");
    ws.rejects(
        &["check"],
        &loc,
        &["unknown field `timeout`", "help: did you mean `timeout_s`?"],
    );
}

#[test]
fn secret_in_unknown_provider_key_is_not_echoed() {
    let ws = Ws::new();
    ws.edit(
        "workspace.toml",
        "kind = \"echo\"\n",
        "kind = \"echo\"\n\n[providers.openai]\nkind = \"openai\"\napi_key = \"sk-proj-Abc123DEF456ghi789JKL\"\n",
    );
    let loc = ws.pos("workspace.toml", "api_key");
    let stderr = ws.rejects(
        &["check"],
        &loc,
        &[
            "unknown field `api_key`",
            "help: keys never go in files",
            "api_key_env = \"OPENAI_API_KEY\"",
        ],
    );
    assert!(!stderr.contains("Abc123DEF456ghi789JKL"), "{stderr}");
}

#[test]
fn missing_workspace_table() {
    let ws = Ws::new();
    ws.write("workspace.toml", "[providers.local]\nkind = \"echo\"\n");
    let stderr = ws.rejects(
        &["check"],
        "ws/workspace.toml:1:1: missing field `workspace`",
        &["help: at the top of the file, before any [table], add a [workspace] table"],
    );
    assert!(!stderr.contains("`workspace = ...`"), "{stderr}");
}

#[test]
fn unknown_provider_kind() {
    let ws = Ws::new();
    ws.edit("workspace.toml", "kind = \"echo\"", "kind = \"gemini\"");
    let loc = ws.pos("workspace.toml", "\"gemini\"");
    ws.rejects(
        &["check"],
        &loc,
        &[
            "unknown variant `gemini`",
            "help: use one of: echo, openai, anthropic, replay",
        ],
    );
}

#[test]
fn default_provider_not_defined() {
    let ws = Ws::new();
    ws.edit(
        "workspace.toml",
        "default_provider = \"local\"",
        "default_provider = \"lokal\"",
    );
    let loc = ws.pos("workspace.toml", "\"lokal\"");
    ws.rejects_check_and_eval(
        &loc,
        &[
            "default provider `lokal` is not defined",
            "help: did you mean `local`?",
        ],
    );
}

#[test]
fn api_key_env_holding_a_key() {
    let ws = Ws::new();
    let key = "sk-proj-Abc123DEF456ghi789JKL";
    ws.edit(
        "workspace.toml",
        "kind = \"echo\"\n",
        &format!(
            "kind = \"echo\"\n\n[providers.openai]\nkind = \"openai\"\napi_key_env = \"{key}\"\n"
        ),
    );
    let loc = ws.pos("workspace.toml", &format!("\"{key}\""));
    let stderr = ws.rejects(
        &["check"],
        &loc,
        &[
            "api_key_env must name an environment variable",
            "help: for example: api_key_env = \"OPENAI_API_KEY\"",
        ],
    );
    // A key pasted by mistake must not be copied to a terminal or a CI log.
    assert!(!stderr.contains("Abc123DEF456ghi789JKL"), "{stderr}");
}

/// The echo provider of the fixture plus an OpenAI-compatible one with `extra` lines.
fn with_openai(ws: &Ws, extra: &str) {
    ws.edit(
        "workspace.toml",
        "kind = \"echo\"\n",
        &format!("kind = \"echo\"\n\n[providers.remote]\nkind = \"openai\"\n{extra}\n"),
    );
}

#[test]
fn base_url_that_is_not_http_or_https() {
    let ws = Ws::new();
    with_openai(&ws, "base_url = \"file:///etc/passwd\"");
    let loc = ws.pos("workspace.toml", "\"file:");
    ws.rejects_check_and_eval(
        &loc,
        &[
            "base_url must be an http:// or https:// URL, not `file:`",
            "help: for example: base_url = \"https://api.openai.com/v1\"",
        ],
    );
    for (bad, says) in [
        ("not a url", "base_url is not a URL"),
        ("https://h.example/v1?x=1", "must not have a query"),
    ] {
        let ws = Ws::new();
        with_openai(&ws, &format!("base_url = \"{bad}\""));
        let loc = ws.pos("workspace.toml", &format!("\"{bad}"));
        ws.rejects(&["check"], &loc, &[says]);
    }
}

#[test]
fn base_url_holding_a_password_is_refused_without_echoing_it() {
    let ws = Ws::new();
    with_openai(&ws, "base_url = \"https://me:hunter2secret@h.example/v1\"");
    let loc = ws.pos("workspace.toml", "\"https://me:");
    let stderr = ws.rejects(
        &["check"],
        &loc,
        &["base_url must not hold a user name or password"],
    );
    assert!(!stderr.contains("hunter2secret"), "{stderr}");
}

#[test]
fn max_response_mb_out_of_range() {
    for bad in ["0", "-1", "1025", "nan"] {
        let ws = Ws::new();
        with_openai(&ws, &format!("max_response_mb = {bad}"));
        let loc = ws.pos_after("workspace.toml", "max_response_mb = ");
        ws.rejects_check_and_eval(
            &loc,
            &[
                "`max_response_mb` is out of range",
                "help: `max_response_mb` must be a number more than 0 and at most 1024 MiB",
            ],
        );
    }
    let ws = Ws::new();
    with_openai(&ws, "max_response_mb = 0.5");
    let out = ws.run(&["check"]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    // An offline provider reads no body.
    let ws = Ws::new();
    ws.edit(
        "workspace.toml",
        "kind = \"echo\"",
        "kind = \"echo\"\nmax_response_mb = 2",
    );
    let loc = ws.pos("workspace.toml", "max_response_mb");
    ws.rejects(
        &["check"],
        &loc,
        &["`max_response_mb` has no meaning for a provider of kind `echo`"],
    );
}

#[test]
fn rate_limits_belong_to_http_providers_and_take_sane_values() {
    for key in ["rpm = 60", "tpm = 10000", "adaptive = true"] {
        let ws = Ws::new();
        ws.edit(
            "workspace.toml",
            "kind = \"echo\"",
            &format!("kind = \"echo\"\n{key}"),
        );
        let name = key.split(' ').next().unwrap();
        let loc = ws.pos_after("workspace.toml", &format!("{name} = "));
        ws.rejects(
            &["check"],
            &loc,
            &[&format!(
                "`{name}` has no meaning for a provider of kind `echo`"
            )],
        );
    }
    let ws = Ws::new();
    with_openai(&ws, "rpm = 500\ntpm = 200000\nadaptive = true");
    let out = ws.run(&["check"]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    let ws = Ws::new();
    with_openai(&ws, "adaptive = \"yes\"");
    let loc = ws.pos("workspace.toml", "\"yes\"");
    ws.rejects(&["check"], &loc, &["invalid type"]);
}

#[test]
fn replay_provider_without_cassette() {
    let ws = Ws::new();
    ws.edit(
        "workspace.toml",
        "kind = \"echo\"\n",
        "kind = \"echo\"\n\n[providers.recorded]\nkind = \"replay\"\n",
    );
    let loc = ws.pos("workspace.toml", "[providers.recorded]");
    ws.rejects(
        &["check"],
        &loc,
        &[
            "provider `recorded` of kind `replay` needs a `cassette`",
            "help: add cassette = ",
        ],
    );
}

#[test]
fn gate_suite_naming_no_suite() {
    let ws = Ws::new();
    ws.write(
        "workspace.toml",
        &format!(
            "{WORKSPACE}\n[gate]\nmin_pass_rate = 0.9\n\n[gate.suite.basics]\nmin_pass_rate = 1.0\n"
        ),
    );
    let loc = ws.pos("workspace.toml", "[gate.suite.basics]");
    ws.rejects(
        &["check"],
        &loc,
        &[
            "[gate.suite.basics] names no suite",
            "help: did you mean `basic`?",
        ],
    );
}

#[test]
fn min_pass_rate_above_one() {
    let ws = Ws::new();
    ws.write(
        "workspace.toml",
        &format!("{WORKSPACE}\n[gate]\nmin_pass_rate = 90\n"),
    );
    let loc = ws.pos("workspace.toml", "90");
    ws.rejects(
        &["check"],
        &loc,
        &["min_pass_rate must be between 0 and 1", "help: "],
    );
}

#[test]
fn suite_gate_min_pass_rate_above_one() {
    let ws = Ws::new();
    ws.write(
        "workspace.toml",
        &format!("{WORKSPACE}\n[gate.suite.basic]\nmin_pass_rate = 1.5\n"),
    );
    let loc = ws.pos("workspace.toml", "1.5");
    ws.rejects(
        &["check"],
        &loc,
        &["min_pass_rate must be between 0 and 1", "help: "],
    );
}

/// Every numeric key of the workspace's files outside its range: an error at the value,
/// naming the key, with the allowed range on the help line. `timeout_s = 1e20` used to
/// pass `check` and then panic every case of `eval`.
#[test]
fn numbers_out_of_range() {
    let provider = |extra: &str| {
        format!(
            "{WORKSPACE}\n[providers.api]\nkind = \"openai\"\nbase_url = \"http://127.0.0.1:9/v1\"\n{extra}\n"
        )
    };
    let cases: &[(&str, String, &str, &str)] = &[
        (
            "workspace.toml",
            provider("timeout_s = 1e20"),
            "1e20",
            "`timeout_s` must be a number more than 0 and at most 86400 seconds",
        ),
        (
            "workspace.toml",
            provider("timeout_s = 0"),
            "0\n",
            "`timeout_s` must be a number more than 0 and at most 86400 seconds",
        ),
        (
            "workspace.toml",
            provider("concurrency = 0"),
            "0\n",
            "`concurrency` must be a whole number from 1 to 1000",
        ),
        (
            "workspace.toml",
            provider("concurrency = 4000000000"),
            "4000000000",
            "`concurrency` must be a whole number from 1 to 1000",
        ),
        (
            "workspace.toml",
            provider("max_retries = 1000"),
            "1000",
            "`max_retries` must be a whole number from 0 to 20",
        ),
        (
            "workspace.toml",
            provider("rpm = 0"),
            "0\n",
            "`rpm` must be a whole number from 1 to 1000000",
        ),
        (
            "workspace.toml",
            provider("tpm = 50"),
            "50",
            "`tpm` must be a whole number from 100 to 1000000000",
        ),
        (
            "workspace.toml",
            format!("{WORKSPACE}\n[pricing]\n\"m\" = {{ input = 1e300, output = 0.6 }}\n"),
            "{ input",
            "input and output must each be a number from 0 to 10000 USD per million tokens",
        ),
        (
            "workspace.toml",
            format!("{WORKSPACE}\n[gate]\nmax_cost_usd = -1\n"),
            "-1",
            "`max_cost_usd` must be a number from 0 to 1000000 USD",
        ),
        (
            "workspace.toml",
            format!("{WORKSPACE}\n[gate]\nmax_cost_usd = nan\n"),
            "nan",
            "`max_cost_usd` must be a number from 0 to 1000000 USD",
        ),
        (
            "prompts/greet.toml",
            PROMPT.replace("temperature = 0.2", "temperature = 7"),
            "7",
            "`temperature` must be a number from 0 to 2",
        ),
        (
            "prompts/greet.toml",
            PROMPT.replace("temperature = 0.2", "max_tokens = 0"),
            "0\n",
            "`max_tokens` must be a whole number from 1 to 10000000",
        ),
        (
            "prompts/greet.toml",
            PROMPT.replace("temperature = 0.2", "max_tokens = 12.5"),
            "12.5",
            "`max_tokens` must be a whole number from 1 to 10000000",
        ),
        (
            "prompts/greet.toml",
            PROMPT.replace("temperature = 0.2", "top_p = \"high\""),
            "\"high\"",
            "`top_p` must be a number from 0 to 1",
        ),
    ];
    for (rel, text, at, help) in cases {
        let ws = Ws::new();
        ws.write(rel, text);
        let loc = ws.pos_nth(rel, at, text.matches(at).count() - 1);
        ws.rejects_check_and_eval(&loc, &[&format!("help: {help}")]);
    }
    // Anthropic's temperature stops at 1; a prompt for an offline provider may use either.
    let ws = Ws::new();
    let text = format!(
        "{WORKSPACE}\n[providers.claude]\nkind = \"anthropic\"\nbase_url = \"http://127.0.0.1:9\"\n"
    );
    ws.write("workspace.toml", &text);
    ws.edit(
        "prompts/greet.toml",
        "temperature = 0.2",
        "temperature = 1.5",
    );
    assert_eq!(ws.run(&["check"]).code, Some(0));
    ws.edit(
        "prompts/greet.toml",
        "model = \"echo-1\"",
        "provider = \"claude\"\nmodel = \"c\"",
    );
    let loc = ws.pos("prompts/greet.toml", "1.5");
    ws.rejects(
        &["check"],
        &loc,
        &["help: `temperature` must be a number from 0 to 1"],
    );
}

#[test]
fn no_workspace_toml() {
    let tmp = tempfile::tempdir().unwrap();
    let cwd = tmp.path().canonicalize().unwrap();
    let empty = cwd.join("empty");
    std::fs::create_dir(&empty).unwrap();
    for args in [&["check"][..], &["eval"][..]] {
        let out = run_in(&cwd, Some(&empty), args);
        assert_eq!(out.code, Some(2), "{}", out.stderr);
        assert!(out.stdout.is_empty(), "{}", out.stdout);
        assert!(!out.stderr.contains("panicked"), "{}", out.stderr);
        assert!(
            out.stderr.starts_with("error: no workspace.toml in "),
            "{}",
            out.stderr
        );
        assert!(
            out.stderr
                .lines()
                .any(|l| l.starts_with("help: ") && l.contains("promptwright init")),
            "{}",
            out.stderr
        );
        assert_eq!(
            std::fs::read_dir(&empty).unwrap().count(),
            0,
            "nothing written"
        );
    }
}

// ------------------------------------------------------------------ prompts

#[test]
fn unknown_key_in_prompt() {
    let ws = Ws::new();
    ws.edit(
        "prompts/greet.toml",
        "model = \"echo-1\"\n",
        "model = \"echo-1\"\nmax_tokens = 400\n",
    );
    let loc = ws.pos("prompts/greet.toml", "max_tokens");
    ws.rejects_check_and_eval(
        &loc,
        &[
            "unknown field `max_tokens`",
            "help: model parameters go in the [params] table",
        ],
    );
}

#[test]
fn unknown_key_in_message() {
    let ws = Ws::new();
    ws.edit("prompts/greet.toml", "role = \"user\"", "rol = \"user\"");
    let loc = ws.pos("prompts/greet.toml", "rol =");
    ws.rejects(
        &["check"],
        &loc,
        &["unknown field `rol`", "help: did you mean `role`?"],
    );
}

#[test]
fn prompt_names_undefined_provider() {
    let ws = Ws::new();
    ws.edit(
        "prompts/greet.toml",
        "model = \"echo-1\"",
        "provider = \"openai\"\nmodel = \"echo-1\"",
    );
    let loc = ws.pos("prompts/greet.toml", "\"openai\"");
    ws.rejects_check_and_eval(
        &loc,
        &[
            "provider `openai` is not defined in workspace.toml",
            "help: define [providers.openai] in workspace.toml",
        ],
    );
}

#[test]
fn invalid_message_role() {
    let ws = Ws::new();
    ws.edit("prompts/greet.toml", "role = \"user\"", "role = \"bot\"");
    let loc = ws.pos("prompts/greet.toml", "\"bot\"");
    ws.rejects(
        &["check"],
        &loc,
        &[
            "unknown variant `bot`",
            "help: use one of: system, user, assistant",
        ],
    );
}

#[test]
fn prompt_without_messages() {
    let ws = Ws::new();
    ws.write(
        "prompts/greet.toml",
        "description = \"Greets a customer\"\nmodel = \"echo-1\"\n",
    );
    ws.rejects(
        &["check"],
        "ws/prompts/greet.toml",
        &[
            "the prompt has no messages",
            "help: add at least one message",
        ],
    );
}

#[test]
fn template_syntax_error_in_multiline_string() {
    let ws = Ws::new();
    // Line 2 of the system message's content, so line 12 of the file.
    ws.edit(
        "prompts/greet.toml",
        "Answer in one short paragraph.",
        "Answer in {{ style ) }} paragraphs.",
    );
    let loc = ws.pos("prompts/greet.toml", ") }}");
    ws.rejects_check_and_eval(
        &loc,
        &[
            "template syntax error in message 1",
            "help: templates use Jinja syntax",
        ],
    );
}

#[test]
fn template_syntax_error_in_single_line_string() {
    let ws = Ws::new();
    ws.edit(
        "prompts/greet.toml",
        "content = \"{{ question }}\"",
        "content = \"Q: {{ question }\"",
    );
    let loc = ws.pos("prompts/greet.toml", "}\"");
    ws.rejects(&["check"], &loc, &["template syntax error in message 2"]);
}

#[test]
fn template_syntax_error_after_line_continuation() {
    let ws = Ws::new();
    // A line-ending backslash joins two file lines into one template line: the error
    // must still be reported on the file line where the mistake is.
    ws.edit(
        "prompts/greet.toml",
        "You are a support agent for {{ company }}.\n",
        "You are a support agent \\\n    for {{ company }}.\n",
    );
    ws.edit(
        "prompts/greet.toml",
        "Answer in one short paragraph.",
        "Answer in {{ style ) }} paragraphs.",
    );
    let loc = ws.pos("prompts/greet.toml", ") }}");
    ws.rejects(&["check"], &loc, &["template syntax error in message 1"]);
}

#[test]
fn template_syntax_error_after_escapes() {
    let ws = Ws::new();
    ws.edit(
        "prompts/greet.toml",
        "content = \"{{ question }}\"",
        r#"content = "Say \"hi\"\t\u00e9 {{ question ) }}""#,
    );
    let loc = ws.pos("prompts/greet.toml", ") }}");
    ws.rejects(&["check"], &loc, &["template syntax error in message 2"]);
}

#[test]
fn template_syntax_error_with_crlf_line_endings() {
    let ws = Ws::new();
    ws.edit(
        "prompts/greet.toml",
        "Answer in one short paragraph.",
        "Answer in {{ style ) }} paragraphs.",
    );
    ws.write(
        "prompts/greet.toml",
        &ws.read("prompts/greet.toml").replace('\n', "\r\n"),
    );
    let loc = ws.pos("prompts/greet.toml", ") }}");
    ws.rejects(&["check"], &loc, &["template syntax error in message 1"]);
}

#[test]
fn invalid_file_name() {
    let ws = Ws::new();
    ws.write("prompts/Bad Name.toml", PROMPT);
    ws.rejects_check_and_eval(
        "ws/prompts/Bad Name.toml: invalid name `Bad Name`",
        &["help: file names use lowercase letters"],
    );
}

#[test]
fn a_folder_named_like_a_prompt_or_suite_file() {
    for (dir, what) in [("prompts", "prompt"), ("evals", "suite")] {
        let ws = Ws::new();
        std::fs::create_dir_all(ws.root.join(dir).join("extra.toml")).unwrap();
        ws.rejects_check_and_eval(
            &format!("ws/{dir}/extra.toml: this is a folder, not a file"),
            &[&format!("help: a {what} is one TOML file")],
        );
    }
}

// ------------------------------------------------------------------ suites and cases

#[test]
fn unknown_key_in_suite() {
    let ws = Ws::new();
    ws.edit(
        "evals/basic.toml",
        "description = \"Basic greetings\"",
        "description = \"Basic greetings\"\ntreshold = 0.8",
    );
    let loc = ws.pos("evals/basic.toml", "treshold");
    ws.rejects_check_and_eval(
        &loc,
        &[
            "unknown field `treshold`",
            "help: did you mean `threshold`?",
        ],
    );
}

#[test]
fn unknown_key_in_case() {
    let ws = Ws::new();
    ws.edit(
        "evals/basic.toml",
        "id = \"hello\"",
        "id = \"hello\"\ndescripton = \"Greeting\"",
    );
    let loc = ws.pos("evals/basic.toml", "descripton");
    ws.rejects(
        &["check"],
        &loc,
        &[
            "unknown field `descripton`",
            "help: did you mean `description`?",
        ],
    );
}

#[test]
fn unknown_key_in_assertion() {
    let ws = Ws::new();
    ws.edit(
        "evals/basic.toml",
        "value = \"acme\"",
        "value = \"acme\"\ntresh = 0.5",
    );
    let loc = ws.pos("evals/basic.toml", "tresh");
    ws.rejects_check_and_eval(
        &loc,
        &["unknown field `tresh`", "help: did you mean `threshold`?"],
    );
}

#[test]
fn suite_without_prompt() {
    let ws = Ws::new();
    ws.edit("evals/basic.toml", "prompt = \"greet\"\n", "");
    let loc = ws.pos("evals/basic.toml", "description");
    ws.rejects(
        &["check"],
        &loc,
        &[
            "missing field `prompt`",
            "help: at the top of the file, before any [table], add prompt = \"NAME\"",
        ],
    );
}

#[test]
fn single_brackets_for_an_array_of_tables() {
    let ws = Ws::new();
    ws.edit("evals/basic.toml", "[[cases.assert]]", "[cases.assert]");
    let loc = ws.pos("evals/basic.toml", "[cases.assert]");
    ws.rejects(
        &["check"],
        &loc,
        &[
            "invalid type: table, expected an array",
            "help: write [[cases.assert]] with double brackets",
        ],
    );
}

#[test]
fn wrong_value_type() {
    let ws = Ws::new();
    ws.edit(
        "evals/basic.toml",
        "value = \"acme\"",
        "value = \"acme\"\nweight = \"high\"",
    );
    let loc = ws.pos("evals/basic.toml", "\"high\"");
    let stderr = ws.rejects(
        &["check"],
        &loc,
        &[
            "invalid type: string \"high\", expected a number",
            "help: change the value to the expected type",
        ],
    );
    assert!(!stderr.contains("f64"), "no Rust type names: {stderr}");
}

#[test]
fn suite_names_missing_prompt() {
    let ws = Ws::new();
    ws.edit(
        "evals/basic.toml",
        "prompt = \"greet\"",
        "prompt = \"greeting\"",
    );
    let loc = ws.pos("evals/basic.toml", "\"greeting\"");
    ws.rejects_check_and_eval(
        &loc,
        &[
            "prompt `greeting` does not exist",
            "help: did you mean `greet`?",
        ],
    );
}

#[test]
fn unknown_assertion_type() {
    let ws = Ws::new();
    ws.edit(
        "evals/basic.toml",
        "type = \"icontains\"",
        "type = \"icontain\"",
    );
    let loc = ws.pos("evals/basic.toml", "\"icontain\"");
    ws.rejects_check_and_eval(
        &loc,
        &[
            "unknown assertion type `icontain`",
            "help: did you mean `icontains`?",
        ],
    );
}

#[test]
fn assertion_missing_value() {
    let ws = Ws::new();
    ws.edit("evals/basic.toml", "value = \"acme\"\n", "");
    let loc = ws.pos("evals/basic.toml", "\"icontains\"");
    ws.rejects(
        &["check"],
        &loc,
        &[
            "`icontains` needs `value` = a string",
            "help: for example: value = ",
        ],
    );
}

#[test]
fn invalid_regex() {
    let ws = Ws::new();
    ws.edit(
        "evals/basic.toml",
        "type = \"icontains\"\nvalue = \"acme\"",
        "type = \"regex\"\nvalue = '(\\d+ days'",
    );
    let loc = ws.pos("evals/basic.toml", "'(");
    ws.rejects(
        &["check"],
        &loc,
        &[
            "invalid regex: unclosed group\n",
            "help: the pattern uses Rust regex syntax",
        ],
    );
}

#[test]
fn json_schema_file_missing() {
    let ws = Ws::new();
    ws.edit(
        "evals/basic.toml",
        "type = \"icontains\"\nvalue = \"acme\"",
        "type = \"json-schema\"\nvalue = \"schemas/reply.json\"",
    );
    let loc = ws.pos("evals/basic.toml", "\"schemas/reply.json\"");
    ws.rejects(
        &["check"],
        &loc,
        &[
            "cannot read schema file `schemas/reply.json`",
            "help: the path is relative",
        ],
    );
}

#[test]
fn json_schema_file_not_json() {
    let ws = Ws::new();
    ws.edit(
        "evals/basic.toml",
        "type = \"icontains\"\nvalue = \"acme\"",
        "type = \"json-schema\"\nvalue = \"schemas/reply.json\"",
    );
    ws.write("evals/schemas/reply.json", "{ \"type\": \"object\", }\n");
    let loc = ws.pos("evals/basic.toml", "\"schemas/reply.json\"");
    ws.rejects(
        &["check"],
        &loc,
        &[
            "schema file `schemas/reply.json` is not valid JSON",
            "help: ",
        ],
    );
}

#[test]
fn invalid_json_schema() {
    let ws = Ws::new();
    ws.edit(
        "evals/basic.toml",
        "type = \"icontains\"\nvalue = \"acme\"",
        "type = \"json-schema\"\nvalue = { type = \"objekt\" }",
    );
    let loc = ws.pos("evals/basic.toml", "{ type");
    ws.rejects(
        &["check"],
        &loc,
        &[
            "invalid JSON schema",
            "help: the schema must be valid JSON Schema draft 2020-12",
        ],
    );
}

#[test]
fn threshold_out_of_range() {
    let ws = Ws::new();
    ws.edit(
        "evals/basic.toml",
        "id = \"hello\"",
        "id = \"hello\"\nthreshold = 1.5",
    );
    let loc = ws.pos("evals/basic.toml", "1.5");
    ws.rejects(
        &["check"],
        &loc,
        &["threshold must be between 0 and 1, found 1.5", "help: "],
    );
}

#[test]
fn negated_latency() {
    let ws = Ws::new();
    ws.edit(
        "evals/basic.toml",
        "type = \"icontains\"\nvalue = \"acme\"",
        "type = \"not-latency\"\nvalue = 2000",
    );
    let loc = ws.pos("evals/basic.toml", "\"not-latency\"");
    ws.rejects(
        &["check"],
        &loc,
        &[
            "`latency` cannot be negated",
            "help: use `latency` without `not-`",
        ],
    );
}

#[test]
fn duplicate_case_id() {
    let ws = Ws::new();
    ws.write(
        "evals/basic.toml",
        &format!("{SUITE}\n[[cases]]\nid = \"hello\"\nvars = {{ company = \"Acme\", question = \"Hi\" }}\n"),
    );
    let loc = ws.pos_nth("evals/basic.toml", "\"hello\"", 1);
    ws.rejects(
        &["check"],
        &loc,
        &["duplicate case id `hello` in suite `basic`", "help: "],
    );
}

#[test]
fn invalid_case_id() {
    let ws = Ws::new();
    ws.edit("evals/basic.toml", "id = \"hello\"", "id = \"Hello World\"");
    let loc = ws.pos("evals/basic.toml", "\"Hello World\"");
    ws.rejects(
        &["check"],
        &loc,
        &[
            "invalid case id `Hello World`",
            "help: ids use lowercase letters",
        ],
    );
}

// ------------------------------------------------------------------ datasets

#[test]
fn dataset_file_missing() {
    let ws = Ws::with_dataset();
    std::fs::remove_file(ws.root.join("evals/data/extra.jsonl")).unwrap();
    let loc = ws.pos("evals/basic.toml", "\"data/extra.jsonl\"");
    ws.rejects_check_and_eval(
        &loc,
        &[
            "cannot read dataset `data/extra.jsonl`",
            "help: the dataset path is relative to the suite file",
        ],
    );
}

#[test]
fn dataset_line_not_json() {
    let ws = Ws::with_dataset();
    ws.edit(
        "evals/data/extra.jsonl",
        r#""assert": [{"type": "contains", "value": "Hi"}]}"#,
        r#""assert": [{"type": "contains", "value": "Hi"}"#,
    );
    let loc = ws.line_of("evals/data/extra.jsonl", "\"question\": \"Hi\"");
    ws.rejects_check_and_eval(
        &format!("{loc}:"),
        &[
            "invalid dataset line: EOF while parsing a list\n",
            "help: each line must be one JSON object",
        ],
    );
}

#[test]
fn dataset_line_unknown_key() {
    let ws = Ws::with_dataset();
    ws.edit(
        "evals/data/extra.jsonl",
        r#"{"vars": {"company": "Acme", "question": "Hi"}"#,
        r#"{"var": {"company": "Acme", "question": "Hi"}"#,
    );
    let loc = ws.pos("evals/data/extra.jsonl", "\"var\"");
    ws.rejects(
        &["check"],
        &loc,
        &["unknown field `var`", "help: did you mean `vars`?"],
    );
}

#[test]
fn dataset_line_wrong_type() {
    let ws = Ws::with_dataset();
    ws.edit(
        "evals/data/extra.jsonl",
        r#"{"vars": {"company": "Acme", "question": "Hi"}"#,
        r#"{"vars": "company=Acme"}"#,
    );
    let loc = ws.line_of("evals/data/extra.jsonl", "company=Acme");
    let stderr = ws.rejects(
        &["check"],
        &format!("{loc}:"),
        &[
            "invalid type: string \"company=Acme\", expected an object\n",
            "help: change the value to the expected type",
        ],
    );
    assert!(!stderr.contains("a map"), "{stderr}");
}

#[test]
fn dataset_assertion_unknown_key() {
    let ws = Ws::with_dataset();
    ws.edit(
        "evals/data/extra.jsonl",
        r#""value": "Hi""#,
        r#""valeu": "Hi""#,
    );
    let loc = ws.pos("evals/data/extra.jsonl", "\"valeu\"");
    ws.rejects(
        &["check"],
        &loc,
        &["unknown field `valeu`", "help: did you mean `value`?"],
    );
}

#[test]
fn dataset_assertion_unknown_type() {
    let ws = Ws::with_dataset();
    ws.edit(
        "evals/data/extra.jsonl",
        r#""type": "contains""#,
        r#""type": "contain""#,
    );
    let loc = ws.line_of("evals/data/extra.jsonl", "\"contain\"");
    ws.rejects(
        &["check"],
        &format!("{loc}:"),
        &[
            "unknown assertion type `contain`",
            "help: did you mean `contains`?",
        ],
    );
}

// ------------------------------------------------------------------ several at once, CLI

#[test]
fn several_mistakes_in_different_files_are_all_reported() {
    let ws = Ws::with_dataset();
    ws.edit("workspace.toml", "default_provider =", "default_provder =");
    ws.edit("prompts/greet.toml", "role = \"user\"", "role = \"bot\"");
    ws.edit(
        "evals/basic.toml",
        "id = \"hello\"",
        "id = \"hello\"\nthreshold = 1.5",
    );
    ws.edit(
        "evals/data/extra.jsonl",
        r#""assert": [{"type": "contains", "value": "Hi"}]}"#,
        r#""assert": [{"type": "contains", "value": "Hi"}"#,
    );
    ws.write(
        "evals/other.toml",
        "prompt = \"greet\"\n\n[[cases]]\nvars = { company = \"Acme\", question = \"Hi\" }\n[[cases.assert]]\ntype = \"regex\"\nvalue = \"[a-\"\n",
    );
    let expected = [
        ws.pos("workspace.toml", "default_provder"),
        ws.pos("prompts/greet.toml", "\"bot\""),
        ws.pos("evals/basic.toml", "1.5"),
        ws.line_of("evals/data/extra.jsonl", "\"question\": \"Hi\""),
        ws.pos("evals/other.toml", "\"[a-\""),
    ];
    for args in [&["check"][..], &["eval"][..]] {
        let before = ws.snapshot();
        let out = ws.run(args);
        assert_eq!(out.code, Some(2), "{}", out.stderr);
        assert!(out.stdout.is_empty(), "{}", out.stdout);
        assert!(!out.stderr.contains("panicked"), "{}", out.stderr);
        for loc in &expected {
            assert!(
                out.stderr.contains(&format!("error: {loc}")),
                "`{loc}` not reported:\n{}",
                out.stderr
            );
        }
        let helps = out
            .stderr
            .lines()
            .filter(|l| l.starts_with("help: "))
            .count();
        assert_eq!(
            helps,
            expected.len(),
            "one help per problem:\n{}",
            out.stderr
        );
        assert!(
            out.stderr
                .contains("error: the workspace has 5 errors; nothing was run or written"),
            "{}",
            out.stderr
        );
        assert!(!ws.root.join(".promptwright").exists());
        assert!(ws.snapshot() == before, "nothing written");
    }
}

#[test]
fn eval_of_unknown_suite() {
    let ws = Ws::new();
    let before = ws.snapshot();
    for (name, help) in [
        ("nosuchsuite", "help: known suites: basic"),
        ("basci", "help: did you mean `basic`?"),
    ] {
        let out = ws.run(&["eval", name]);
        assert_eq!(out.code, Some(2), "{}", out.stderr);
        assert!(out.stdout.is_empty(), "{}", out.stdout);
        assert!(!out.stderr.contains("panicked"), "{}", out.stderr);
        assert!(
            out.stderr
                .starts_with(&format!("error: no suite named `{name}`")),
            "{}",
            out.stderr
        );
        assert!(out.stderr.contains(help), "{}", out.stderr);
    }
    assert!(!ws.root.join(".promptwright").exists());
    assert!(ws.snapshot() == before, "nothing written");
}
