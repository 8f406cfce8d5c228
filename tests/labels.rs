//! Labels: `promote` gates a released version on a fresh run against a label's
//! thresholds and writes `releases/NAME@LABEL.toml` as a copy of the version;
//! `rollback --label` moves it back; `check` catches a tampered label file and names an
//! interrupted move, which `release --repair` finishes; `render --ref LABEL` reads it.
//! Bad input writes nothing.

// Integration tests: a failed setup step panics, and the panic is the report.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::Path;
use std::process::Output;

use common::{code, stderr, stdout, tree, write};

use common::{as_tester as bin, run_as_tester as run};

const WORKSPACE: &str = "[workspace]\nname = \"t\"\ndefault_provider = \"local\"\n\n[providers.local]\nkind = \"echo\"\n\n[gate]\nmin_pass_rate = 0.5\nmax_regressions = 1\n\n[labels.staging]\n\n[labels.production]\nafter = \"staging\"\nmin_pass_rate = 1.0\n";

/// Two cases: `acme` passes on every version; `kind` passes only when the prompt says
/// "kind", so a version without it passes the gate (0.5) and fails production (1.0).
const SUITE: &str = "prompt = \"greet\"\n[[cases]]\nid = \"acme\"\nvars = { name = \"Ada\" }\n[[cases.assert]]\ntype = \"icontains\"\nvalue = \"acme\"\n[[cases]]\nid = \"kind\"\nvars = { name = \"Bo\" }\n[[cases.assert]]\ntype = \"icontains\"\nvalue = \"kind\"\n";

fn prompt(text: &str) -> String {
    format!(
        "[[messages]]\nrole = \"system\"\ncontent = \"You work at Acme. {text}\"\n\n[[messages]]\nrole = \"user\"\ncontent = \"Hello, I am {{{{ name }}}}.\"\n"
    )
}

/// A workspace with one release per text, the last one current.
fn released(texts: &[&str]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "workspace.toml", WORKSPACE);
    write(root, "evals/greet.toml", SUITE);
    for (i, t) in texts.iter().enumerate() {
        write(root, "prompts/greet.toml", prompt(t));
        let o = run(
            root,
            &["release", "greet", "--note", &format!("v{}", i + 1)],
        );
        assert_eq!(code(&o), 0, "{}", stderr(&o));
    }
    dir
}

fn read(root: &Path, rel: &str) -> String {
    std::fs::read_to_string(root.join(rel)).unwrap()
}

fn promote(root: &Path, label: &str, version: Option<u32>) -> Output {
    let mut args = vec!["promote", "greet", "--to", label, "--reason", "ship it"];
    let v = version.map(|v| v.to_string());
    if let Some(v) = &v {
        args.extend(["--version", v.as_str()]);
    }
    run(root, &args)
}

fn log_events(root: &Path) -> Vec<String> {
    read(root, "releases/greet/log.jsonl")
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["event"].to_string())
        .collect()
}

#[test]
fn promote_copies_the_version_logs_the_move_and_render_reads_the_label() {
    let ws = released(&["Be kind."]);
    let root = ws.path();
    let o = promote(root, "staging", None);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(
        stdout(&o).contains("promoted `greet` v1 to `staging`"),
        "{}",
        stdout(&o)
    );
    assert_eq!(
        read(root, "releases/greet@staging.toml"),
        read(root, "releases/greet/v1.toml")
    );
    assert_eq!(log_events(root), ["\"release\"", "\"promote\""]);
    let o = run(root, &["check"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let by_label = run(
        root,
        &[
            "render",
            "greet",
            "--ref",
            "staging",
            "--vars",
            r#"{"name":"Ada"}"#,
        ],
    );
    let by_version = run(
        root,
        &[
            "render",
            "greet",
            "--ref",
            "v1",
            "--vars",
            r#"{"name":"Ada"}"#,
        ],
    );
    assert_eq!(code(&by_label), 0, "{}", stderr(&by_label));
    assert_eq!(by_label.stdout, by_version.stdout);
    let h = run(root, &["history", "greet"]);
    assert!(stdout(&h).contains("promote"), "{}", stdout(&h));
    assert!(stdout(&h).contains("`staging` first set"), "{}", stdout(&h));
}

#[test]
fn after_must_be_satisfied_and_thresholds_must_hold() {
    let ws = released(&["Be kind."]);
    let root = ws.path();
    let before = tree(root);
    let o = promote(root, "production", None);
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("has never held `staging`"),
        "{}",
        stderr(&o)
    );
    assert!(
        stderr(&o).contains("promote greet --to staging --version 1"),
        "{}",
        stderr(&o)
    );
    assert_eq!(tree(root), before, "nothing written");
    assert_eq!(code(&promote(root, "staging", None)), 0);
    let o = promote(root, "production", None);
    assert_eq!(code(&o), 0, "{}", stderr(&o));

    // v2 passes the gate (1 of 2 ≥ 0.5) and staging, but not production's 1.0.
    write(root, "prompts/greet.toml", prompt("Be brief."));
    assert_eq!(code(&run(root, &["release", "greet", "--note", "v2"])), 0);
    let o = promote(root, "staging", None);
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    let before = tree(root);
    let o = promote(root, "production", Some(2));
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert!(stdout(&o).contains("FAIL"), "{}", stdout(&o));
    assert!(
        stderr(&o).contains("min_pass_rate failed"),
        "{}",
        stderr(&o)
    );
    let after = tree(root);
    let changed: Vec<_> = after
        .keys()
        .filter(|k| !k.starts_with(".promptwright") && after.get(*k) != before.get(*k))
        .collect();
    assert!(changed.is_empty(), "{changed:?}");
    assert_eq!(
        read(root, "releases/greet@production.toml"),
        read(root, "releases/greet/v1.toml")
    );
}

#[test]
fn bad_input_is_exit_2_with_nothing_written() {
    let ws = released(&["Be kind."]);
    let root = ws.path();
    let before = tree(root);
    let o = promote(root, "stagin", None);
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains("no label named `stagin`"),
        "{}",
        stderr(&o)
    );
    assert!(
        stderr(&o).contains("did you mean `staging`?"),
        "{}",
        stderr(&o)
    );
    let o = promote(root, "staging", Some(9));
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("no version v9"), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("released versions: v1"),
        "{}",
        stderr(&o)
    );
    let o = run(
        root,
        &["promote", "greet", "--to", "staging", "--reason", "  "],
    );
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("the reason is empty"), "{}", stderr(&o));
    let o = run(root, &["promote", "greet", "--to", "staging"]);
    assert_eq!(code(&o), 2, "clap refuses a missing --reason");
    let o = run(
        root,
        &["rollback", "greet", "--label", "staging", "--reason", "x"],
    );
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains("no label `staging` to roll back"),
        "{}",
        stderr(&o)
    );
    let o = run(root, &["render", "greet", "--ref", "prod", "--vars", "{}"]);
    assert_eq!(code(&o), 2);
    assert!(stdout(&o).is_empty());
    assert!(stderr(&o).contains("has no label `prod`"), "{}", stderr(&o));
    assert_eq!(tree(root), before, "nothing written");
}

#[test]
fn rollback_moves_a_label_back_only_to_a_version_it_held() {
    let ws = released(&["Be kind.", "Be very kind."]);
    let root = ws.path();
    assert_eq!(code(&promote(root, "staging", Some(1))), 0);
    assert_eq!(code(&promote(root, "staging", Some(2))), 0);
    let dry = run(
        root,
        &["rollback", "greet", "--label", "staging", "--dry-run"],
    );
    assert_eq!(code(&dry), 0, "{}", stderr(&dry));
    assert!(stdout(&dry).contains("v2 → v1"), "{}", stdout(&dry));
    assert_eq!(
        read(root, "releases/greet@staging.toml"),
        read(root, "releases/greet/v2.toml")
    );
    let o = run(
        root,
        &["rollback", "greet", "--label", "staging", "--reason", "bad"],
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(
        read(root, "releases/greet@staging.toml"),
        read(root, "releases/greet/v1.toml")
    );
    assert_eq!(
        read(root, "releases/greet.toml"),
        read(root, "releases/greet/v2.toml"),
        "current untouched"
    );
    assert_eq!(log_events(root).last().unwrap(), "\"label_rollback\"");
    assert_eq!(code(&run(root, &["check"])), 0);
    let st = run(root, &["stats", "greet"]);
    assert!(
        stdout(&st).contains("labels                staging v1 · 2 promotions, 1 undone"),
        "{}",
        stdout(&st)
    );
    // production never held v1: no rollback goes there, the gate does.
    assert_eq!(code(&promote(root, "production", Some(1))), 0);
    let o = run(
        root,
        &[
            "rollback",
            "greet",
            "--label",
            "production",
            "--to",
            "2",
            "--reason",
            "x",
        ],
    );
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("never pointed at v2"), "{}", stderr(&o));
}

#[test]
fn a_tampered_label_file_is_named_by_check_and_refused_by_render() {
    let ws = released(&["Be kind.", "Be very kind."]);
    let root = ws.path();
    assert_eq!(code(&promote(root, "staging", Some(1))), 0);
    // A copy of another version: each file is intact, the label is not what the log says.
    write(
        root,
        "releases/greet@staging.toml",
        read(root, "releases/greet/v2.toml"),
    );
    let o = run(root, &["check"]);
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains("releases/greet@staging.toml"),
        "{}",
        stderr(&o)
    );
    assert!(stderr(&o).contains("tampered label file"), "{}", stderr(&o));
    // An edit: the file no longer equals its version.
    let edited = read(root, "releases/greet/v1.toml").replace("note = \"v1\"", "note = \"hacked\"");
    write(root, "releases/greet@staging.toml", edited);
    let o = run(root, &["check"]);
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains("releases/greet@staging.toml"),
        "{}",
        stderr(&o)
    );
    let o = run(
        root,
        &[
            "render",
            "greet",
            "--ref",
            "staging",
            "--vars",
            r#"{"name":"A"}"#,
        ],
    );
    assert_eq!(code(&o), 2);
    assert!(stdout(&o).is_empty());
    assert!(stderr(&o).contains("tampered label file"), "{}", stderr(&o));
}

#[test]
fn a_promotion_killed_after_its_log_line_is_named_and_repaired() {
    let ws = released(&["Be kind."]);
    let root = ws.path();
    let o = bin(root)
        .env("PROMPTWRIGHT_TEST_FAILPOINT", "promote:after-log")
        .args(["promote", "greet", "--to", "staging", "--reason", "r"])
        .output()
        .unwrap();
    assert_eq!(code(&o), 137);
    assert!(!root.join("releases/greet@staging.toml").exists());
    let o = run(root, &["check"]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("interrupted promote"), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("release greet --repair"),
        "{}",
        stderr(&o)
    );
    let o = run(
        root,
        &["promote", "greet", "--to", "staging", "--reason", "again"],
    );
    assert_eq!(code(&o), 2, "a half-written folder is finished first");
    let o = run(root, &["release", "greet", "--repair"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(
        stdout(&o).contains("moved `staging` to v1"),
        "{}",
        stdout(&o)
    );
    assert_eq!(code(&run(root, &["check"])), 0);
    assert_eq!(
        read(root, "releases/greet@staging.toml"),
        read(root, "releases/greet/v1.toml")
    );
}

#[test]
fn labels_in_workspace_toml_are_checked_at_their_position() {
    let ws = released(&["Be kind."]);
    let root = ws.path();
    let bad = WORKSPACE.replace(
        "after = \"staging\"\nmin_pass_rate = 1.0",
        "after = \"stagin\"\nmin_pass_rate = 2.0",
    ) + "\n[labels.current]\n\n[labels.qa]\nrepeats = 0\n[labels.qa.suite.nope]\nmax_errors = 1\n";
    write(root, "workspace.toml", &bad);
    let o = run(root, &["check"]);
    assert_eq!(code(&o), 2);
    let e = stderr(&o);
    for want in [
        "workspace.toml:15:9",
        "`after` names `stagin`, which is not a label",
        "did you mean `staging`?",
        "workspace.toml:16:17",
        "`min_pass_rate` is out of range",
        "`current` cannot be a label name",
        "`repeats` is out of range",
    ] {
        assert!(e.contains(want), "{want} in {e}");
    }
    write(
        root,
        "workspace.toml",
        format!("{WORKSPACE}[labels.qa.suite.nope]\nmax_errors = 1\n"),
    );
    let o = run(root, &["check"]);
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains("[labels.qa.suite.nope] names no suite"),
        "{}",
        stderr(&o)
    );
    write(
        root,
        "workspace.toml",
        WORKSPACE.replace("[labels.staging]\n", "[labels.staging]\nmin_pass = 1\n"),
    );
    let o = run(root, &["check"]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("min_pass"), "{}", stderr(&o));
}

#[test]
fn a_labels_repeats_draw_every_case_that_often_on_the_fresh_run() {
    use common::server::{PROMPT, Server, chat, openai, suite, workspace};
    let server = Server::always(chat("ok", 1, 1));
    let providers = format!(
        "{}\n[labels.canary]\nrepeats = 3\n",
        openai(&server.url, "")
    );
    let dir = workspace(&providers, PROMPT, &suite(2));
    let root = dir.path();
    let o = common::server::bin(root)
        .args(["release", "p", "--note", "v1"])
        .output()
        .unwrap();
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let before = server.count();
    let o = common::server::bin(root)
        .args(["promote", "p", "--to", "canary", "--reason", "r"])
        .output()
        .unwrap();
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    // Three draws of each of 2 cases; the release's run already holds the first draw.
    assert_eq!(server.count() - before, 4);
    let line = read(root, "releases/p/log.jsonl")
        .lines()
        .last()
        .unwrap()
        .to_string();
    let entry: serde_json::Value = serde_json::from_str(&line).unwrap();
    let run_id = entry["run"]["run_id"].as_str().unwrap();
    let record = read(root, &format!(".promptwright/runs/{run_id}.jsonl"));
    assert!(record.contains("\"samples\""), "{record}");
}

#[test]
fn a_label_rollback_killed_after_its_log_line_is_named_and_repaired() {
    let ws = released(&["Be kind.", "Be very kind."]);
    let root = ws.path();
    assert_eq!(code(&promote(root, "staging", Some(1))), 0);
    assert_eq!(code(&promote(root, "staging", Some(2))), 0);
    let o = bin(root)
        .env("PROMPTWRIGHT_TEST_FAILPOINT", "label-rollback:after-log")
        .args(["rollback", "greet", "--label", "staging", "--reason", "r"])
        .output()
        .unwrap();
    assert_eq!(code(&o), 137);
    assert_eq!(
        read(root, "releases/greet@staging.toml"),
        read(root, "releases/greet/v2.toml"),
        "the label file was not written yet"
    );
    let o = run(root, &["check"]);
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains("releases/greet@staging.toml"),
        "{}",
        stderr(&o)
    );
    assert!(
        stderr(&o).contains("moves `staging` to v1, but"),
        "{}",
        stderr(&o)
    );
    let o = run(root, &["release", "greet", "--repair"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(code(&run(root, &["check"])), 0);
    assert_eq!(
        read(root, "releases/greet@staging.toml"),
        read(root, "releases/greet/v1.toml")
    );
}
