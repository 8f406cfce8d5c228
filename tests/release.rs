//! `gate`, `release`, `rollback`, `history`, `stats` and the release checks of `check`,
//! through the real binary on temporary workspaces with the offline echo provider: the
//! whole flow from a blocked first release to a rollback, what each step writes (and
//! that a refused one writes nothing), exit codes, and the JSON shapes.

// Integration tests: a failed setup step panics, and the panic is the report.
#![allow(clippy::unwrap_used)]

mod common;
use common::{code, stderr, stdout, write};

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use promptwright_core::release::{LogEntry, ReleaseFile};
use promptwright_core::vocab::Source;
use serde_json::Value;

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_promptwright"));
    // No colour, and an author that does not depend on the machine's git config.
    c.env_remove("CLICOLOR_FORCE")
        .env("NO_COLOR", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("USER", "tester");
    c
}

fn run_in(dir: &Path, args: &[&str]) -> Output {
    bin()
        .current_dir(dir)
        .args(args)
        .output()
        .expect("binary runs")
}

fn read(root: &Path, rel: &str) -> String {
    std::fs::read_to_string(root.join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn json(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("stdout is JSON ({e}): {}", stdout(o)))
}

/// Every file under `releases/` with its bytes: what a refused command must not change.
fn releases(root: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    fn walk(dir: &Path, base: &Path, out: &mut BTreeMap<PathBuf, Vec<u8>>) {
        for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(&p, base, out);
            } else {
                out.insert(
                    p.strip_prefix(base).unwrap().to_path_buf(),
                    std::fs::read(&p).unwrap(),
                );
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(&root.join("releases"), root, &mut out);
    out
}

fn paths(files: &BTreeMap<PathBuf, Vec<u8>>) -> Vec<String> {
    files
        .keys()
        .map(|p| p.to_string_lossy().into_owned())
        .collect()
}

const WORKSPACE: &str = r#"[workspace]
name = "t"
default_provider = "local"

[providers.local]
kind = "echo"

[gate]
min_pass_rate = 1.0
max_regressions = 0
max_errors = 0
max_cost_usd = 1.0
allow_new_variables = false
"#;

/// Echo answers with the rendered prompt, so what the prompt says decides the cases.
const GOOD: &str = r#"description = "Greets"
model = "m1"

[[messages]]
role = "system"
content = "You work at Acme. Be kind."

[[messages]]
role = "user"
content = "Hello, I am {{ name }}."
"#;

const SUITE: &str = r#"prompt = "greet"
description = "Greetings"

[[cases]]
id = "acme"
vars = { name = "Ada" }
[[cases.assert]]
type = "icontains"
value = "acme"

[[cases]]
id = "kind"
vars = { name = "Bob" }
[[cases.assert]]
type = "icontains"
value = "kind"
"#;

fn workspace(prompt: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "workspace.toml", WORKSPACE);
    write(dir.path(), "prompts/greet.toml", prompt);
    write(dir.path(), "evals/greet-basic.toml", SUITE);
    dir
}

fn parse_release(root: &Path, rel: &str) -> ReleaseFile {
    ReleaseFile::parse(&Source::new(rel, read(root, rel)))
        .unwrap_or_else(|e| panic!("{rel} parses: {e:?}"))
}

fn log(root: &Path) -> Vec<LogEntry> {
    read(root, "releases/greet/log.jsonl")
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// Runs the command a blocked release's `help:` line points to (the last one quoted on
/// it): advice must lead somewhere.
fn follow_hint(root: &Path, err: &str) -> (Vec<String>, Output) {
    let help = err
        .lines()
        .find(|l| l.starts_with("help: "))
        .unwrap_or_else(|| panic!("a help line: {err}"));
    let quoted: Vec<&str> = help.split('`').skip(1).step_by(2).collect();
    let cmd = quoted.last().unwrap();
    let args: Vec<String> = cmd
        .strip_prefix("promptwright ")
        .unwrap_or_else(|| panic!("{cmd}"))
        .split_whitespace()
        .map(str::to_string)
        .collect();
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let o = run_in(root, &refs);
    (args, o)
}

#[test]
fn the_whole_flow_from_a_blocked_first_release_to_a_rollback() {
    // 1. A first draft that fails a case: blocked, exit 1, nothing written.
    let dir = workspace(&GOOD.replace("Be kind.", "Be quick."));
    let root = dir.path();
    let o = run_in(root, &["release", "greet", "--note", "First"]);
    assert_eq!(code(&o), 1, "{}{}", stdout(&o), stderr(&o));
    assert!(
        stdout(&o).contains("✗ min_pass_rate"),
        "the failing check is shown: {}",
        stdout(&o)
    );
    assert!(
        stderr(&o)
            .contains("release of `greet` blocked: min_pass_rate failed; nothing was written"),
        "{}",
        stderr(&o)
    );
    assert!(releases(root).is_empty(), "{:?}", paths(&releases(root)));
    // The hint names a command that works here, and it shows the failing case.
    let (args, o) = follow_hint(root, &stderr(&o));
    assert_eq!(args, ["eval", "--prompt", "greet"]);
    assert_eq!(code(&o), 1, "the case still fails: {}", stderr(&o));
    assert!(stdout(&o).contains("kind"), "{}", stdout(&o));

    // 2. Fixed: released as v1, exactly three files, the current one a copy of v1.
    write(root, "prompts/greet.toml", GOOD);
    let o = run_in(root, &["release", "greet", "--note", "First release"]);
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    let files = releases(root);
    assert_eq!(
        paths(&files),
        [
            "releases/greet/log.jsonl",
            "releases/greet/v1.toml",
            "releases/greet.toml"
        ]
    );
    assert_eq!(
        files[Path::new("releases/greet.toml")],
        files[Path::new("releases/greet/v1.toml")]
    );
    assert!(
        stdout(&o).contains("released `greet` v1 (first release) by tester"),
        "{}",
        stdout(&o)
    );
    assert!(
        stdout(&o).contains("first release, no baseline"),
        "{}",
        stdout(&o)
    );
    let v1 = parse_release(root, "releases/greet/v1.toml");
    assert_eq!((v1.version, v1.parent_version), (1, None));
    assert_eq!(
        (v1.author.as_str(), v1.note.as_str()),
        ("tester", "First release")
    );
    assert_eq!(v1.evidence.baseline_version, None);
    assert_eq!((v1.evidence.cases, v1.evidence.passed), (2, 2));
    assert_eq!(v1.evidence.suites, ["greet-basic"]);
    let names: Vec<&str> = v1.evidence.checks.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "runs_complete",
            "min_pass_rate",
            "max_regressions",
            "max_errors",
            "max_cost_usd",
            "allow_new_variables"
        ]
    );
    // The evidence names a run record that exists.
    assert!(
        root.join(format!(".promptwright/runs/{}.jsonl", v1.evidence.run_id))
            .is_file()
    );

    // 3. The unchanged draft is refused before any run: exit 2, nothing written.
    let before = releases(root);
    let o = run_in(root, &["release", "greet", "--note", "Again"]);
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("the draft of `greet` is the current release (v1)"),
        "{}",
        stderr(&o)
    );
    assert_eq!(releases(root), before);

    // 4. A regressing draft: `gate` exits 1 with the regression, the release is blocked.
    write(root, "prompts/greet.toml", GOOD.replace("Acme", "Initech"));
    let o = run_in(root, &["gate", "greet"]);
    assert_eq!(code(&o), 1, "{}", stdout(&o));
    assert!(
        stdout(&o).contains("REGRESSION  greet-basic/acme  pass → fail"),
        "{}",
        stdout(&o)
    );
    let o = run_in(root, &["release", "greet", "--note", "Rename"]);
    assert_eq!(code(&o), 1);
    assert_eq!(releases(root), before, "a blocked release writes nothing");
    let (args, o) = follow_hint(root, &stderr(&o));
    assert_eq!(args, ["diff", "greet", "--outputs"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(stdout(&o).contains("greet-basic/acme"), "{}", stdout(&o));

    // 5. A passing second draft: v2, parent 1, compared with v1.
    write(
        root,
        "prompts/greet.toml",
        GOOD.replace("Be kind.", "Be kind and brief."),
    );
    let o = run_in(root, &["release", "greet", "--note", "Shorter"]);
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    assert!(
        stdout(&o).contains("released `greet` v2 (replaces v1)"),
        "{}",
        stdout(&o)
    );
    let v2 = parse_release(root, "releases/greet/v2.toml");
    assert_eq!((v2.version, v2.parent_version), (2, Some(1)));
    assert_eq!(v2.evidence.baseline_version, Some(1));
    assert_eq!(
        read(root, "releases/greet.toml"),
        read(root, "releases/greet/v2.toml")
    );
    assert_eq!(
        read(root, "releases/greet/v1.toml").as_bytes(),
        &before[Path::new("releases/greet/v1.toml")][..]
    );
    assert_eq!(log(root).len(), 2);

    // 6. A dry run shows the rollback and writes nothing; it needs no reason, since
    // nothing goes into the log. A real rollback does.
    let before = releases(root);
    let o = run_in(root, &["rollback", "greet"]);
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(stderr(&o).contains("--reason"), "{}", stderr(&o));
    let o = run_in(root, &["rollback", "greet", "--reason", " "]);
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert_eq!(releases(root), before);
    let o = run_in(root, &["rollback", "greet", "--dry-run"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.contains("current v2 → v1 (dry run: nothing written)"),
        "{out}"
    );
    assert!(
        out.contains("-You work at Acme. Be kind and brief."),
        "{out}"
    );
    assert!(out.contains("+You work at Acme. Be kind."), "{out}");
    assert!(out.contains("0 cases would regress"), "{out}");
    assert_eq!(releases(root), before);

    // 7. The rollback: the current file is v1 again, and the log says why.
    let o = run_in(root, &["rollback", "greet", "--reason", "Too brief"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(
        stdout(&o).contains("rolled back `greet` to v1 (was v2) by tester"),
        "{}",
        stdout(&o)
    );
    assert_eq!(
        read(root, "releases/greet.toml"),
        read(root, "releases/greet/v1.toml")
    );
    match log(root).last().unwrap() {
        LogEntry::Rollback(r) => {
            assert_eq!((r.version, r.from_version), (1, 2));
            assert_eq!(
                (r.reason.as_str(), r.author.as_str()),
                ("Too brief", "tester")
            );
        }
        other => panic!("{other:?}"),
    }
    // Nothing before v1.
    let o = run_in(root, &["rollback", "greet", "--reason", "x"]);
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains("v1 is the first version"),
        "{}",
        stderr(&o)
    );
    let o = run_in(root, &["rollback", "greet", "--to", "1", "--reason", "x"]);
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains("v1 is the current release of `greet` already"),
        "{}",
        stderr(&o)
    );
    let o = run_in(root, &["rollback", "greet", "--to", "7", "--reason", "x"]);
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains("released versions: v1, v2"),
        "{}",
        stderr(&o)
    );

    // 8. history: newest first, with notes and reasons.
    let o = run_in(root, &["history", "greet"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let out = stdout(&o);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 6, "{out}");
    assert!(
        lines[0].contains("greet    v1  rollback  tester: Too brief"),
        "{}",
        lines[0]
    );
    assert!(lines[1].contains("from v2 back to v1"), "{}", lines[1]);
    assert!(
        lines[2].contains("v2  release   tester: Shorter"),
        "{}",
        lines[2]
    );
    assert!(
        lines[3].contains("replaced v1 · 2 of 2 cases passed (100.0%) · 0 regressions"),
        "{}",
        lines[3]
    );
    assert!(
        lines[4].contains("v1  release   tester: First release"),
        "{}",
        lines[4]
    );
    let o = run_in(root, &["history", "--format", "json"]);
    let events = json(&o)["events"].as_array().unwrap().clone();
    let kinds: Vec<(&str, u64)> = events
        .iter()
        .map(|e| (e["event"].as_str().unwrap(), e["version"].as_u64().unwrap()))
        .collect();
    assert_eq!(kinds, [("rollback", 1), ("release", 2), ("release", 1)]);
    for key in [
        "prompt",
        "at",
        "author",
        "reason",
        "from_version",
        "content_sha256",
    ] {
        assert!(
            events[0].get(key).is_some(),
            "rollback event has {key}: {}",
            events[0]
        );
    }
    for key in [
        "prompt",
        "version",
        "parent_version",
        "at",
        "author",
        "note",
        "content_sha256",
        "run_id",
        "cases",
        "passed",
        "pass_rate",
        "regressions",
        "fixes",
        "baseline_version",
    ] {
        assert!(
            events[1].get(key).is_some(),
            "release event has {key}: {}",
            events[1]
        );
    }

    // 9. stats: one regression caught (step 4, gated twice: counted once), one rollback.
    let o = run_in(root, &["stats", "greet"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("greet (current v1)"), "{out}");
    assert!(
        out.contains("regression incidents  2: 1 caught by the gate, 1 rollback after a release"),
        "{out}"
    );
    assert!(
        out.contains("pass rate, releases   v1 100.0% · v2 100.0%"),
        "{out}"
    );
    assert!(out.contains("pass-rate trend       ██ v1 → v2"), "{out}");
    assert!(
        out.contains("rollback frequency    1 rollback in 2 releases (0.50 per release)"),
        "{out}"
    );
    let o = run_in(root, &["stats", "--format", "json"]);
    let s = &json(&o)["prompts"][0];
    assert_eq!(s["prompt"], "greet");
    assert_eq!(s["current_version"], 1);
    assert_eq!(s["regression_incidents"], 2);
    assert_eq!(s["regressions_caught"], 1);
    assert_eq!(s["regressions_escaped"], 1);
    assert_eq!(s["rollbacks"], 1);
    assert_eq!(s["rollback_frequency"], 0.5);
    assert_eq!(s["releases"].as_array().unwrap().len(), 2);
    assert_eq!(s["releases"][0]["pass_rate"], 1.0);
    assert!(s["recent_pass_rate"].as_f64().is_some());
    assert!(!s["recent_runs"].as_array().unwrap().is_empty());
    // The first blocked release (step 1) had no baseline, so no regression: blocked
    // gates are 3 (steps 1 and 4, twice), but only one draft is a caught regression.
    assert_eq!(s["blocked"], 3);

    // 10. check verifies the releases.
    let o = run_in(root, &["check"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(
        stdout(&o).contains("2 released versions verified"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn gate_json_shape_and_exit_code_come_from_one_verdict() {
    let dir = workspace(GOOD);
    let root = dir.path();
    let o = run_in(root, &["gate", "greet", "--format", "json"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let v = json(&o);
    assert_eq!(v["prompt"], "greet");
    assert_eq!(v["passed"], true);
    assert_eq!(v["version"], 1);
    assert_eq!(v["first_release"], true);
    assert_eq!(v["baseline_version"], Value::Null);
    assert_eq!(v["baseline"], Value::Null);
    assert_eq!(v["unchanged"], false);
    for key in [
        "run_id",
        "content_sha256",
        "complete",
        "cases",
        "passed",
        "failed",
        "errors",
        "pass_rate",
        "cost_usd",
        "p95_latency_ms",
    ] {
        assert!(
            v["draft"].get(key).is_some(),
            "draft has {key}: {}",
            v["draft"]
        );
    }
    let checks = v["checks"].as_array().unwrap();
    for c in checks {
        for key in [
            "name", "suite", "required", "actual", "passed", "default", "detail",
        ] {
            assert!(c.get(key).is_some(), "check has {key}: {c}");
        }
    }
    let rate = checks
        .iter()
        .find(|c| c["name"] == "min_pass_rate")
        .unwrap();
    assert_eq!(
        (rate["required"].as_f64(), rate["actual"].as_f64()),
        (Some(1.0), Some(1.0))
    );
    assert_eq!(rate["default"], false);
    assert_eq!(v["failing"], serde_json::json!([]));
    assert_eq!(v["suites"][0]["suite"], "greet-basic");
    assert_eq!(v["regressions"], serde_json::json!([]));
    // `gate` never writes a release.
    assert!(releases(root).is_empty());

    // Release, then gate a regressing draft that also needs a new variable.
    assert_eq!(
        code(&run_in(root, &["release", "greet", "--note", "v1"])),
        0
    );
    write(
        root,
        "prompts/greet.toml",
        GOOD.replace("You work at Acme.", "You work at {{ company }}."),
    );
    let o = run_in(root, &["gate", "greet", "--format", "json"]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let v = json(&o);
    assert_eq!(v["passed"], false);
    assert_eq!(
        (v["version"].as_u64(), v["baseline_version"].as_u64()),
        (Some(2), Some(1))
    );
    assert_eq!(v["first_release"], false);
    assert_eq!(v["new_variables"], serde_json::json!(["company"]));
    assert_eq!(
        v["failing"],
        serde_json::json!([
            "min_pass_rate",
            "max_regressions",
            "max_errors",
            "allow_new_variables"
        ])
    );
    // The cases lack `company`: errors, which are regressions and never passes.
    let r = &v["regressions"][0];
    assert_eq!(
        (r["suite"].as_str(), r["id"].as_str(), r["change"].as_str()),
        (Some("greet-basic"), Some("acme"), Some("regression"))
    );
    assert_eq!(
        (r["old_status"].as_str(), r["new_status"].as_str()),
        (Some("pass"), Some("error"))
    );
    assert!(
        r["reason"]
            .as_str()
            .unwrap()
            .contains("missing variable `company`"),
        "{r}"
    );
    assert!(v["baseline"]["run_id"].is_string());

    // Markdown, for a pull request: the same verdict.
    let o = run_in(root, &["gate", "greet", "--format", "markdown"]);
    assert_eq!(code(&o), 1);
    let md = stdout(&o);
    assert!(
        md.starts_with("### ❌ Gate blocked: `greet` → v2 (4 of 6 checks fail)"),
        "{md}"
    );
    assert!(
        md.contains("| | Check | Required | Actual | Detail |"),
        "{md}"
    );
    assert!(
        md.contains(
            "| ❌ | `allow_new_variables` | none | company | callers must now pass `company` |"
        ),
        "{md}"
    );
    assert!(
        md.contains("<details open><summary>Regressions (2)</summary>"),
        "{md}"
    );
    assert!(md.contains("| `greet-basic/acme` | pass | error |"), "{md}");
}

#[test]
fn bad_input_is_exit_2_and_writes_nothing() {
    let dir = workspace(GOOD);
    let root = dir.path();
    let o = run_in(root, &["gate", "gret"]);
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains("did you mean `greet`?"),
        "{}",
        stderr(&o)
    );
    let o = run_in(root, &["release", "greet", "--note", "  "]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("the note is empty"), "{}", stderr(&o));
    let o = run_in(root, &["release", "greet"]);
    assert_eq!(code(&o), 2, "--note is required");
    let o = run_in(root, &["rollback", "greet", "--reason", "x"]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("has no release yet"), "{}", stderr(&o));
    let o = run_in(root, &["history", "gret"]);
    assert_eq!(code(&o), 2);
    // A prompt no suite evaluates cannot be gated: there would be no evidence.
    write(root, "prompts/lonely.toml", GOOD);
    let o = run_in(root, &["release", "lonely", "--note", "x"]);
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains("no eval suite evaluates prompt `lonely`"),
        "{}",
        stderr(&o)
    );
    assert!(releases(root).is_empty());
    // No releases yet: history says how to make one.
    let o = run_in(root, &["history", "greet"]);
    assert_eq!(code(&o), 0);
    assert!(
        stdout(&o).contains("no releases of `greet` yet"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn per_suite_overrides_reach_the_verdict() {
    let dir = workspace(GOOD);
    let root = dir.path();
    write(
        root,
        "workspace.toml",
        format!("{WORKSPACE}\n[gate.suite.greet-basic]\nmin_pass_rate = 1.0\nmax_errors = 0\n"),
    );
    let o = run_in(root, &["gate", "greet", "--format", "json"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let names: Vec<String> = json(&o)["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap().to_string())
        .collect();
    assert!(
        names.contains(&"suite.greet-basic.min_pass_rate".to_string()),
        "{names:?}"
    );
    assert!(
        names.contains(&"suite.greet-basic.max_errors".to_string()),
        "{names:?}"
    );
}

#[test]
fn check_catches_tampered_releases_with_a_position() {
    let dir = workspace(GOOD);
    let root = dir.path();
    assert_eq!(
        code(&run_in(root, &["release", "greet", "--note", "v1"])),
        0
    );
    let pristine = read(root, "releases/greet.toml");

    // The prompt in the current release edited: pointed at the edit.
    write(
        root,
        "releases/greet.toml",
        pristine.replace("Be kind.", "Be rude."),
    );
    let o = run_in(root, &["check"]);
    assert_eq!(code(&o), 2);
    let line = pristine
        .lines()
        .position(|l| l.contains("Be kind."))
        .unwrap()
        + 1;
    let col = pristine
        .lines()
        .nth(line - 1)
        .unwrap()
        .find("kind")
        .unwrap()
        + 1;
    assert!(
        stderr(&o).contains(&format!(
            "error: releases/greet.toml:{line}:{col}: edited after release: differs from releases/greet/v1.toml"
        )),
        "{}",
        stderr(&o)
    );
    // And gate refuses to compare with it.
    let o = run_in(root, &["gate", "greet"]);
    assert_eq!(code(&o), 2);

    // The evidence edited (the hash still matches): caught as a difference from v1.
    write(
        root,
        "releases/greet.toml",
        pristine.replace("note = \"v1\"", "note = \"all good\""),
    );
    let o = run_in(root, &["check"]);
    assert_eq!(code(&o), 2);
    let line = pristine
        .lines()
        .position(|l| l.starts_with("note = "))
        .unwrap()
        + 1;
    assert!(
        stderr(&o).contains(&format!(
            "error: releases/greet.toml:{line}:9: differs from releases/greet/v1.toml although it says version = 1"
        )),
        "{}",
        stderr(&o)
    );

    // A version file edited: its hash no longer matches.
    write(root, "releases/greet.toml", &pristine);
    let v1 = read(root, "releases/greet/v1.toml");
    write(
        root,
        "releases/greet/v1.toml",
        v1.replace("Be kind.", "Be rude."),
    );
    let o = run_in(root, &["check"]);
    assert_eq!(code(&o), 2);
    let line = v1
        .lines()
        .position(|l| l.starts_with("content_sha256"))
        .unwrap()
        + 1;
    assert!(
        stderr(&o).contains(&format!(
            "error: releases/greet/v1.toml:{line}:1: content_sha256 does not match the prompt definition"
        )),
        "{}",
        stderr(&o)
    );

    // A torn log line.
    write(root, "releases/greet/v1.toml", &v1);
    let log = read(root, "releases/greet/log.jsonl");
    write(
        root,
        "releases/greet/log.jsonl",
        format!("{log}{{\"event\": \"rel"),
    );
    let o = run_in(root, &["check"]);
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains("error: releases/greet/log.jsonl:2:"),
        "{}",
        stderr(&o)
    );

    write(root, "releases/greet/log.jsonl", &log);
    let o = run_in(root, &["check"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
}

/// The demo workspace at the repository root ships a v1 of every prompt, made by
/// `release`, and its gate blocks a draft that breaks the triage JSON contract.
#[test]
fn the_demo_releases_are_intact_and_the_triage_contract_blocks_a_breaking_draft() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    common::copy_demo(Path::new(env!("CARGO_MANIFEST_DIR")), root);
    let o = run_in(root, &["check"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(
        stdout(&o).contains("4 released versions verified"),
        "{}",
        stdout(&o)
    );
    for name in [
        "order-status",
        "support-reply",
        "ticket-summary",
        "ticket-triage",
    ] {
        let v1 = parse_release(root, &format!("releases/{name}/v1.toml"));
        assert_eq!((v1.version, v1.parent_version), (1, None), "{name}");
        assert!(
            v1.evidence.checks.iter().all(|c| c.passed),
            "{name}: {:?}",
            v1.evidence.checks
        );
        let o = run_in(root, &["release", name, "--note", "again"]);
        if name == "support-reply" {
            // The demo ships one pending change, which passes the gate: it becomes v2.
            assert_eq!(code(&o), 0, "{name}: {}", stderr(&o));
            let v2 = parse_release(root, "releases/support-reply/v2.toml");
            assert_eq!((v2.version, v2.parent_version), (2, Some(1)));
        } else {
            // These drafts are their releases: nothing to release until one is edited.
            assert_eq!(code(&o), 2, "{name}: {}", stderr(&o));
        }
    }
    let draft = read(root, "prompts/ticket-triage.toml").replace("needs_human", "escalate");
    write(root, "prompts/ticket-triage.toml", &draft);
    let o = run_in(root, &["gate", "ticket-triage", "--format", "json"]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let v = json(&o);
    assert_eq!(
        v["failing"],
        serde_json::json!(["min_pass_rate", "suite.triage-contract.max_regressions"])
    );
    assert_eq!(v["regressions"][0]["id"], "weighted-contract");
}

#[test]
fn rollback_works_while_the_draft_is_broken() {
    let ws = workspace(GOOD);
    let root = ws.path();
    let o = run_in(root, &["release", "greet", "--note", "First"]);
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    write(
        root,
        "prompts/greet.toml",
        GOOD.replace("Be kind.", "Be kind. Be brief."),
    );
    let o = run_in(root, &["release", "greet", "--note", "Second"]);
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    // The draft no longer parses, and workspace.toml names a provider kind that does
    // not exist: nothing of the workspace loads.
    write(
        root,
        "prompts/greet.toml",
        "model = \"m1\"\n[[messages]\nrole = ",
    );
    write(
        root,
        "workspace.toml",
        WORKSPACE.replace("kind = \"echo\"", "kind = \"nope\""),
    );
    let o = run_in(root, &["check"]);
    assert_eq!(code(&o), 2, "the workspace is broken: {}", stderr(&o));

    let o = run_in(root, &["rollback", "greet", "--dry-run"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let o = run_in(root, &["rollback", "greet", "--reason", "v2 misbehaves"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(
        read(root, "releases/greet.toml"),
        read(root, "releases/greet/v1.toml")
    );
    match log(root).last().unwrap() {
        LogEntry::Rollback(r) => assert_eq!((r.version, r.from_version), (1, 2)),
        other => panic!("{other:?}"),
    }
}
