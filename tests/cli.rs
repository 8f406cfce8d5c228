//! The real binary on temporary workspaces: exit codes, JSON output, run records,
//! selection, init, and the demo workspace at the repository root.

// Integration tests: a failed setup step panics, and the panic is the report.
#![allow(clippy::unwrap_used)]

mod common;
use common::{run_in, stderr, stdout, write};

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_promptwright"));
    c.env_remove("CLICOLOR_FORCE").env("NO_COLOR", "1");
    c
}

/// A workspace with one prompt and two suites: `greet` (all pass) and `strict` (one fails).
fn workspace() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        root,
        "workspace.toml",
        "[workspace]\nname = \"t\"\ndefault_provider = \"local\"\n\n[providers.local]\nkind = \"echo\"\n",
    );
    write(
        root,
        "prompts/hello.toml",
        "model = \"m1\"\n[[messages]]\nrole = \"system\"\ncontent = \"Be brief.\"\n[[messages]]\nrole = \"user\"\ncontent = \"Hello {{ name }}\"\n",
    );
    write(
        root,
        "evals/greet.toml",
        r#"prompt = "hello"
[[assert]]
type = "starts-with"
value = "Be brief."

[[cases]]
id = "ada"
vars = { name = "Ada" }
[[cases.assert]]
type = "equals"
value = "Be brief.\n\nHello Ada"

[[cases]]
vars = { name = "Grace" }
[[cases.assert]]
type = "icontains"
value = "GRACE"
"#,
    );
    write(
        root,
        "evals/strict.toml",
        r#"prompt = "hello"
[[cases]]
id = "wants-json"
vars = { name = "Linus" }
[[cases.assert]]
type = "is-json"
[[cases.assert]]
type = "contains"
value = "Linus"
"#,
    );
    dir
}

fn json(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("stdout is JSON ({e}): {}", stdout(o)))
}

fn runs_dir(root: &Path) -> PathBuf {
    root.join(".promptwright/runs")
}

#[test]
fn passing_suite_exits_0_with_the_spec_json_shape() {
    let ws = workspace();
    let o = run_in(ws.path(), &["eval", "greet", "--format", "json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v = json(&o);
    let runs = v["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 1);
    let run = &runs[0];
    assert_eq!(run["prompt"], "hello");
    assert_eq!(run["provider"], "local");
    assert_eq!(run["model"], "m1");
    assert_eq!(run["complete"], true);
    assert_eq!(run["content_sha256"].as_str().unwrap().len(), 64);
    assert!(run["started_at"].as_str().unwrap().contains('T'));
    let s = &run["summary"];
    assert_eq!(
        (
            s["cases"].as_u64(),
            s["passed"].as_u64(),
            s["failed"].as_u64(),
            s["errors"].as_u64()
        ),
        (Some(2), Some(2), Some(0), Some(0))
    );
    assert_eq!(s["pass_rate"], 1.0);
    assert_eq!(s["cost_usd"], 0.0);
    let cases = run["cases"].as_array().unwrap();
    assert_eq!(cases[0]["id"], "ada");
    assert_eq!(
        cases[1]["id"], "case-2",
        "an inline case without id is case-N"
    );
    let c = &cases[0];
    assert_eq!(c["suite"], "greet");
    assert_eq!(c["status"], "pass");
    assert_eq!(c["score"], 1.0);
    assert_eq!(c["vars"]["name"], "Ada");
    assert_eq!(c["output"], "Be brief.\n\nHello Ada");
    assert_eq!(c["error"], Value::Null);
    assert_eq!(c["cached"], false);
    assert!(c["latency_ms"].is_u64());
    assert!(c["tokens"]["input"].is_u64() && c["tokens"]["output"].is_u64());
    // The case's own assertion, then the suite's.
    let types: Vec<&str> = c["assertions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["type"].as_str().unwrap())
        .collect();
    assert_eq!(types, ["equals", "starts-with"]);
    assert!(
        c["assertions"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("equal")
    );
}

#[test]
fn a_failing_case_exits_1_and_says_why() {
    let ws = workspace();
    let o = run_in(ws.path(), &["eval", "strict", "--format", "json"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let v = json(&o);
    let c = &v["runs"][0]["cases"][0];
    assert_eq!(c["status"], "fail");
    assert_eq!(c["score"], 0.5);
    let a = &c["assertions"][0];
    assert_eq!(a["type"], "is-json");
    assert_eq!(a["passed"], false);
    assert_eq!(a["score"], 0.0);
    assert!(
        a["reason"]
            .as_str()
            .unwrap()
            .starts_with("expected output to be JSON"),
        "{a}"
    );
    assert_eq!(v["runs"][0]["summary"]["pass_rate"], 0.0);
}

#[test]
fn the_table_is_plain_when_piped_and_fits_80_columns() {
    let ws = workspace();
    let o = run_in(ws.path(), &["eval"]);
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    assert!(
        !out.contains('\u{1b}'),
        "no ANSI escapes when stdout is not a tty"
    );
    assert!(out.contains("PASS  greet/ada"), "{out}");
    assert!(out.contains("FAIL  strict/wants-json"), "{out}");
    assert!(
        out.contains("✗ is-json: expected output to be JSON as a whole"),
        "{out}"
    );
    assert!(
        out.contains("3 cases: 2 passed, 1 failed, 0 errors"),
        "{out}"
    );
    assert!(
        out.contains(" · p50 ") && out.contains(" ms p95 "),
        "latency percentiles in the summary: {out}"
    );
    for line in out.lines() {
        assert!(
            unicode_width::UnicodeWidthStr::width(line) <= 80,
            "too wide: {line:?}"
        );
    }
}

#[test]
fn every_case_is_recorded_with_a_header_and_an_end_line() {
    let ws = workspace();
    let o = run_in(ws.path(), &["eval", "--format", "json"]);
    let run_id = json(&o)["runs"][0]["run_id"].as_str().unwrap().to_string();
    let path = runs_dir(ws.path()).join(format!("{run_id}.jsonl"));
    let text = std::fs::read_to_string(&path).unwrap();
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 1 + 3 + 1, "{text}");
    assert_eq!(lines[0]["type"], "run");
    assert_eq!(lines[0]["total"], 3);
    assert!(lines[1..4].iter().all(|l| l["type"] == "case"));
    assert_eq!(lines[4]["type"], "end");
    assert_eq!(lines[4]["complete"], true);
    let ids: std::collections::BTreeSet<&str> = lines[1..4]
        .iter()
        .map(|l| l["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["ada", "case-2", "wants-json"].into_iter().collect());
    // The record folder keeps itself out of git.
    assert!(ws.path().join(".promptwright/.gitignore").is_file());
}

#[test]
fn jsonl_has_a_line_per_case_then_a_summary() {
    let ws = workspace();
    let o = run_in(ws.path(), &["eval", "greet", "--format", "jsonl"]);
    assert_eq!(o.status.code(), Some(0));
    let lines: Vec<Value> = stdout(&o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[0]["type"], "case");
    assert_eq!(lines[0]["prompt"], "hello");
    assert_eq!(lines[0]["id"], "ada");
    assert_eq!(lines[2]["type"], "summary");
    assert_eq!(lines[2]["summary"]["passed"], 2);
    assert_eq!(lines[0]["run_id"], lines[2]["run_id"]);
}

#[test]
fn junit_marks_failures_per_suite_and_case_with_latencies() {
    let ws = workspace();
    let o = run_in(ws.path(), &["eval", "--format", "junit"]);
    assert_eq!(o.status.code(), Some(1));
    let xml = stdout(&o);
    assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"promptwright\" tests=\"3\" failures=\"1\" errors=\"0\""), "{xml}");
    assert!(
        xml.contains("<testsuite name=\"hello/greet\" tests=\"2\" failures=\"0\""),
        "{xml}"
    );
    assert!(
        xml.contains("<testcase name=\"wants-json\" classname=\"hello.strict\""),
        "{xml}"
    );
    assert!(
        xml.contains(
            "<failure type=\"assertion\" message=\"is-json: expected output to be JSON as a whole"
        ),
        "{xml}"
    );
    assert_eq!(xml.matches("<testcase ").count(), 3);
    assert!(
        xml.contains("<property name=\"p50_latency_ms\" value=\""),
        "{xml}"
    );
    assert!(
        xml.contains("<property name=\"p95_latency_ms\" value=\""),
        "{xml}"
    );
}

#[test]
fn junit_escapes_markup_in_outputs_and_failure_messages() {
    let ws = workspace();
    let root = ws.path();
    write(
        root,
        "evals/markup.toml",
        "prompt = \"hello\"\n[[cases]]\nid = \"markup\"\nvars = { name = \"<b>\\\"Ann\\\" & 'Co'</b>\" }\n[[cases.assert]]\ntype = \"contains\"\nvalue = \"<i>&\\\"\"\n",
    );
    let o = run_in(root, &["eval", "markup", "--format", "junit"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let xml = stdout(&o);
    // The output, in <system-out>, and the failing assertion's value, in an attribute.
    assert!(
        xml.contains("Hello &lt;b&gt;&quot;Ann&quot; &amp; &apos;Co&apos;&lt;/b&gt;"),
        "{xml}"
    );
    assert!(
        xml.contains(
            r#"message="contains: expected output to contain &quot;&lt;i&gt;&amp;\&quot;&quot;""#
        ),
        "{xml}"
    );
    // Nothing unescaped is left: every < opens one of the report's own elements.
    for (i, _) in xml.match_indices('<') {
        let rest = &xml[i + 1..];
        assert!(
            [
                "?xml",
                "testsuites",
                "testsuite",
                "testcase",
                "failure",
                "error",
                "system-out",
                "properties",
                "property",
                "/"
            ]
            .iter()
            .any(|tag| rest.starts_with(tag)),
            "a raw < at {i}: {}",
            &xml[i..(i + 40).min(xml.len())]
        );
    }
    assert!(!xml.contains("<b>") && !xml.contains("<i>"), "{xml}");
}

#[test]
fn markdown_lists_runs_and_failures() {
    let ws = workspace();
    let o = run_in(ws.path(), &["eval", "--format", "markdown"]);
    let md = stdout(&o);
    assert!(
        md.contains("| hello | local / m1 | 3 | 2 | 1 | 0 | 66.7% |"),
        "{md}"
    );
    assert!(md.contains("### Failures (1)"), "{md}");
    assert!(
        md.contains("| hello | strict | `wants-json` | ❌ fail | 0.50 | is-json: expected output"),
        "{md}"
    );
}

#[test]
fn output_file_is_written_instead_of_stdout() {
    let ws = workspace();
    let out = ws.path().join("results.json");
    let o = run_in(
        ws.path(),
        &[
            "eval",
            "greet",
            "--format",
            "json",
            "-o",
            out.to_str().unwrap(),
        ],
    );
    assert_eq!(o.status.code(), Some(0));
    assert!(stdout(&o).is_empty());
    assert!(stderr(&o).contains("results.json"));
    let v: Value = serde_json::from_str(&std::fs::read_to_string(out).unwrap()).unwrap();
    assert_eq!(v["runs"][0]["summary"]["cases"], 2);
}

#[test]
fn output_into_a_missing_folder_is_refused_before_running() {
    let ws = workspace();
    let o = run_in(ws.path(), &["eval", "-o", "nope/out.json"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("does not exist"), "{}", stderr(&o));
    assert!(
        !runs_dir(ws.path()).exists(),
        "nothing ran, nothing written"
    );
}

#[test]
fn selection_by_prompt_and_unknown_names() {
    let ws = workspace();
    write(
        ws.path(),
        "prompts/other.toml",
        "[[messages]]\nrole = \"user\"\ncontent = \"x\"\n",
    );
    write(
        ws.path(),
        "evals/other.toml",
        "prompt = \"other\"\n[[cases]]\nid = \"a\"\n",
    );
    let o = run_in(
        ws.path(),
        &["eval", "--prompt", "other", "--format", "json"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v = json(&o);
    assert_eq!(v["runs"].as_array().unwrap().len(), 1);
    assert_eq!(v["runs"][0]["prompt"], "other");
    // A prompt without model runs on echo with the provider kind as model name.
    assert_eq!(v["runs"][0]["model"], "echo");

    let o = run_in(ws.path(), &["eval", "--format", "json"]);
    assert_eq!(
        json(&o)["runs"].as_array().unwrap().len(),
        2,
        "one run per prompt"
    );

    let o = run_in(ws.path(), &["eval", "greeet"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("no suite named `greeet`"),
        "{}",
        stderr(&o)
    );
    assert!(
        stderr(&o).contains("help: did you mean `greet`?"),
        "{}",
        stderr(&o)
    );

    let o = run_in(ws.path(), &["eval", "--prompt", "nope"]);
    assert_eq!(o.status.code(), Some(2));
    let o = run_in(ws.path(), &["eval", "greet", "--prompt", "other"]);
    assert_eq!(
        o.status.code(),
        Some(2),
        "a suite of another prompt matches nothing"
    );
    let o = run_in(ws.path(), &["eval", "--provider", "missing"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("no provider named `missing`"));
}

#[test]
fn model_and_jobs_flags() {
    let ws = workspace();
    let o = run_in(
        ws.path(),
        &[
            "eval", "greet", "--model", "m2", "-j", "1", "--format", "json",
        ],
    );
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(json(&o)["runs"][0]["model"], "m2");
    let o = run_in(ws.path(), &["eval", "-j", "0"]);
    assert_eq!(o.status.code(), Some(2), "-j 0 is bad input");
}

#[test]
fn the_workspace_is_found_from_a_subfolder() {
    let ws = workspace();
    let sub = ws.path().join("prompts");
    let o = run_in(&sub, &["check"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("1 prompt, 2 suites, 3 cases"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn no_workspace_is_exit_2_with_a_hint() {
    let dir = tempfile::tempdir().unwrap();
    let o = run_in(dir.path(), &["eval"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("promptwright init"), "{}", stderr(&o));
}

#[test]
fn a_template_error_at_run_time_makes_the_case_an_error() {
    let ws = workspace();
    write(
        ws.path(),
        "evals/greet.toml",
        "prompt = \"hello\"\n[[cases]]\nid = \"no-name\"\nvars = { other = 1 }\n",
    );
    let o = run_in(ws.path(), &["eval", "greet", "--format", "json"]);
    assert_eq!(o.status.code(), Some(1));
    let v = json(&o);
    let c = &v["runs"][0]["cases"][0];
    assert_eq!(c["status"], "error");
    assert!(
        c["error"]
            .as_str()
            .unwrap()
            .contains("missing variable `name`"),
        "{c}"
    );
    assert_eq!(v["runs"][0]["summary"]["errors"], 1);
    assert_eq!(
        v["runs"][0]["summary"]["pass_rate"], 0.0,
        "errors never count as passes"
    );
}

#[test]
fn init_scaffolds_a_workspace_that_passes_offline_and_refuses_to_overwrite() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("new-ws");
    let o = run_in(dir.path(), &["init", "new-ws"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    for f in [
        "workspace.toml",
        "prompts/answer.toml",
        "evals/answer.toml",
        ".gitignore",
    ] {
        assert!(target.join(f).is_file(), "{f} missing");
    }
    let o = run_in(&target, &["check"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = run_in(&target, &["eval", "--format", "json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    let before = std::fs::read_to_string(target.join("workspace.toml")).unwrap();
    let o = run_in(dir.path(), &["init", "new-ws"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("already holds a workspace.toml"));
    assert_eq!(
        std::fs::read_to_string(target.join("workspace.toml")).unwrap(),
        before
    );
}

#[test]
fn init_takes_its_folder_as_dir_or_as_w_and_refuses_two_different_ones() {
    let dir = tempfile::tempdir().unwrap();
    let o = run_in(dir.path(), &["-w", "by-flag", "init"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(dir.path().join("by-flag/workspace.toml").is_file());
    let o = run_in(dir.path(), &["init", "same", "-w", "same"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(dir.path().join("same/workspace.toml").is_file());
    let o = run_in(dir.path(), &["init", "one", "-w", "other"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("`init one` and `-w other` name two different folders"),
        "{}",
        stderr(&o)
    );
    assert!(!dir.path().join("one").exists() && !dir.path().join("other").exists());
    let help = stdout(&run_in(dir.path(), &["init", "--help"]));
    assert!(
        help.contains("`-w DIR` names the same folder as DIR"),
        "{help}"
    );
}

#[test]
fn check_reports_an_unknown_param_and_an_unknown_filter_at_their_position() {
    let ws = workspace();
    write(
        ws.path(),
        "prompts/hello.toml",
        "model = \"m1\"\n[params]\ntemperature = 0.0\n[[messages]]\nrole = \"user\"\ncontent = \"\"\"\nHello\n{{ name | truncate(12) }}\n\"\"\"\n",
    );
    let o = run_in(ws.path(), &["check"]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(
        err.contains(
            "prompts/hello.toml:8:11: template syntax error in message 1: unknown filter `truncate`"
        ),
        "{err}"
    );
    assert!(o.stdout.is_empty());
    write(
        ws.path(),
        "prompts/hello.toml",
        "model = \"m1\"\n[params]\ntemprature = 0.0\n[[messages]]\nrole = \"user\"\ncontent = \"{{ name | upper }}\"\n",
    );
    let o = run_in(ws.path(), &["check"]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(
        err.contains("prompts/hello.toml:3:1: unknown parameter `temprature` for provider `local`"),
        "{err}"
    );
    assert!(err.contains("did you mean `temperature`?"), "{err}");
    assert!(err.contains("[params.extra]"), "{err}");
}

#[test]
fn counts_of_one_are_singular() {
    let ws = workspace();
    write(
        ws.path(),
        "evals/strict.toml",
        "prompt = \"hello\"\n[[cases]]\nid = \"lost\"\nvars = { other = 1 }\n",
    );
    let o = run_in(ws.path(), &["eval", "strict"]);
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    assert!(out.contains("1 case: 0 passed, 0 failed, 1 error"), "{out}");
    let o = run_in(ws.path(), &["check"]);
    assert!(stdout(&o).contains("2 suites, 3 cases"), "{}", stdout(&o));
    write(
        ws.path(),
        "evals/strict.toml",
        "prompt = \"hello\"\nbad = 1\n",
    );
    write(
        ws.path(),
        "evals/greet.toml",
        "prompt = \"hello\"\nworse = 1\n",
    );
    let o = run_in(ws.path(), &["check"]);
    assert!(
        stderr(&o).contains("the workspace has 2 errors"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn help_lists_every_subcommand_and_each_ones_flags() {
    use clap::CommandFactory;
    // The first word of a help line: a command's or a flag's name.
    let names = |args: &[&str]| -> Vec<String> {
        let o = bin().args(args).output().unwrap();
        assert_eq!(o.status.code(), Some(0), "{args:?}: {}", stderr(&o));
        stdout(&o)
            .lines()
            .flat_map(|l| l.split([' ', ',', '=', '<']))
            .filter(|w| !w.is_empty())
            .map(str::to_string)
            .collect()
    };
    let top = names(&["--help"]);
    let cli = promptwright::cli::Cli::command();
    let mut seen = 0;
    for sub in cli.get_subcommands().filter(|s| !s.is_hide_set()) {
        let name = sub.get_name();
        assert!(
            top.contains(&name.to_string()),
            "{name} missing from --help"
        );
        let words = names(&[name, "--help"]);
        for arg in sub.get_arguments().filter(|a| !a.is_hide_set()) {
            if let Some(long) = arg.get_long() {
                let flag = format!("--{long}");
                assert!(words.contains(&flag), "{flag} missing from {name} --help");
            }
        }
        seen += 1;
    }
    assert!(seen >= 10, "only {seen} subcommands");
    let eval = names(&["eval", "--help"]);
    for format in ["table", "json", "junit", "markdown"] {
        assert!(
            eval.iter().any(|w| w.contains(format)),
            "{format} missing from eval --help"
        );
    }
}

/// The demo workspace at the repository root runs offline and fails exactly the cases
/// its suite descriptions name.
#[test]
fn the_demo_workspace_runs_offline_with_its_documented_failures() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let copy = tempfile::tempdir().unwrap();
    for dir in [
        "prompts",
        "evals",
        "evals/data",
        "evals/schemas",
        "evals/cassettes",
    ] {
        std::fs::create_dir_all(copy.path().join(dir)).unwrap();
        for entry in std::fs::read_dir(root.join(dir)).unwrap() {
            let p = entry.unwrap().path();
            if p.is_file() {
                std::fs::copy(&p, copy.path().join(dir).join(p.file_name().unwrap())).unwrap();
            }
        }
    }
    std::fs::copy(
        root.join("workspace.toml"),
        copy.path().join("workspace.toml"),
    )
    .unwrap();
    let o = run_in(copy.path(), &["check"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = run_in(copy.path(), &["eval", "--format", "json"]);
    assert_eq!(o.status.code(), Some(1));
    let v = json(&o);
    let mut total = 0;
    let mut failing = Vec::new();
    for run in v["runs"].as_array().unwrap() {
        for c in run["cases"].as_array().unwrap() {
            total += 1;
            assert_ne!(c["status"], "error", "the demo has no errors: {c}");
            if c["status"] == "fail" {
                failing.push(format!(
                    "{}/{}",
                    c["suite"].as_str().unwrap(),
                    c["id"].as_str().unwrap()
                ));
            }
        }
    }
    assert!(total >= 30, "{total} cases");
    failing.sort();
    assert_eq!(
        failing,
        [
            "order-status/cancel-without-id",
            "reply-quality/angry-customer",
            "summary-handover/handover-is-short",
            "triage-contract/exact-answer",
            "triage-contract/strict-json"
        ]
    );
    // Each failing case is named in its suite's description.
    for f in &failing {
        let (suite, id) = f.split_once('/').unwrap();
        let text = std::fs::read_to_string(root.join(format!("evals/{suite}.toml"))).unwrap();
        let desc_end = text.find("[[").unwrap_or(text.len());
        assert!(
            text[..desc_end].contains(id),
            "{suite} does not say why `{id}` fails"
        );
    }
}

#[test]
fn a_workspace_named_by_a_relative_path_reads_its_datasets_and_schemas() {
    // The demo's suites name a dataset and a JSON Schema relative to themselves.
    let dir = tempfile::tempdir().unwrap();
    common::copy_demo(
        Path::new(env!("CARGO_MANIFEST_DIR")),
        &dir.path().join("demo"),
    );
    let out = bin()
        .current_dir(dir.path())
        .args(["-w", "demo", "check"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let eval = bin()
        .current_dir(dir.path())
        .args(["-w", "./demo", "eval", "--format", "json"])
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&eval.stdout).unwrap();
    assert!(v["runs"].as_array().unwrap().len() >= 3, "every prompt ran");
}
