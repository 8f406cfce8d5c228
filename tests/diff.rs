//! `promptwright diff` on temporary workspaces: hand-written release files (v1, v2 and
//! current), run records made by `promptwright eval` with the offline echo provider,
//! snapshots of the plain output, exit codes.

// Integration tests: a failed setup step panics, and the panic is the report.
#![allow(clippy::unwrap_used)]

mod common;
use common::{run_in, stderr, stdout, write};

use std::path::Path;
use std::process::Command;

use promptwright_core::workspace::PromptDef;
use unicode_width::UnicodeWidthStr;

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_promptwright"));
    c.env_remove("CLICOLOR_FORCE")
        .env_remove("COLUMNS")
        .env("NO_COLOR", "1");
    c
}

/// Run ids and start times change on every run; the rest of the output must not.
fn redact(text: &str) -> String {
    let id = regex::Regex::new(r"\d{8}-\d{6}-[0-9a-f]{6}").unwrap();
    let time =
        regex::Regex::new(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)").unwrap();
    time.replace_all(&id.replace_all(text, "[RUN_ID]"), "[TIME]")
        .into_owned()
}

const V1: &str = r#"description = "Replies to a support ticket"
model = "m1"

[params]
temperature = 0.2

[[messages]]
role = "system"
content = """
You are a support agent for {{ company }}.
Quote the refund window exactly: 30 days.
Sign as the support team."""

[[messages]]
role = "user"
content = "{{ ticket }}"
"#;

const V2: &str = r#"description = "Replies to a support ticket"
model = "m1"

[params]
temperature = 0.3

[[messages]]
role = "system"
content = """
You are a support agent for {{ company }}.
Quote the refund window exactly: 30 days.
Never ask for a password.
Sign as the support team."""

[[messages]]
role = "user"
content = "{{ ticket }}"
"#;

/// The draft: another model, params changed and added, the refund window edited (a
/// regression for the case that checks it), a new `tone` variable (a fix for the case
/// that wants it), and an example answer inserted between the two messages.
const DRAFT: &str = r#"description = "Replies to a support ticket"
model = "m2"

[params]
temperature = 0.5
max_tokens = 300

[[messages]]
role = "system"
content = """
You are a support agent for {{ company }}.
Quote the refund window exactly: 14 days.
Never ask for a password.
Answer in a {{ tone }} tone."""

[[messages]]
role = "assistant"
content = "Hello! How can I help?"

[[messages]]
role = "user"
content = "{{ ticket }}"
"#;

/// A release file as the release command will write it: the release's keys, the prompt
/// definition as in a prompt file, the evidence.
fn release_text(version: u32, parent: Option<u32>, prompt: &str) -> String {
    let def: PromptDef = toml::from_str(prompt).expect("prompt parses");
    let parent = parent.map_or(String::new(), |p| format!("parent_version = {p}\n"));
    let baseline = if version > 1 {
        format!("baseline_version = {}\n", version - 1)
    } else {
        String::new()
    };
    format!(
        r#"version = {version}
{parent}released_at = "2026-11-2{version}T10:00:00Z"
author = "Ada"
note = "Release {version}"
content_sha256 = "{sha}"
{prompt}
[evidence]
run_id = "20261120-100000-00000{version}"
suites = ["refunds"]
cases = 3
passed = 3
failed = 0
errors = 0
pass_rate = 1.0
regressions = 0
fixes = 0
{baseline}cost_usd = 0.0
p95_latency_ms = 1

[[evidence.checks]]
name = "min_pass_rate"
required = 0.9
actual = 1.0
passed = true
"#,
        sha = def.content_sha256()
    )
}

const WORKSPACE: &str = "[workspace]\nname = \"t\"\ndefault_provider = \"local\"\n\n[providers.local]\nkind = \"echo\"\n";

const VARS: &str =
    r#"vars = { company = "Acme", ticket = "Where is my refund?", tone = "friendly" }"#;

/// A workspace with the prompt `reply` released as v1 and v2 (current), and the draft.
fn workspace() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "workspace.toml", WORKSPACE);
    write(root, "prompts/reply.toml", DRAFT);
    write(root, "releases/reply/v1.toml", release_text(1, None, V1));
    write(root, "releases/reply/v2.toml", release_text(2, Some(1), V2));
    write(root, "releases/reply.toml", release_text(2, Some(1), V2));
    write(
        root,
        "evals/refunds.toml",
        format!(
            r#"prompt = "reply"

[[cases]]
id = "window"
{VARS}
[[cases.assert]]
type = "icontains"
value = "30 days"

[[cases]]
id = "password"
{VARS}
[[cases.assert]]
type = "icontains"
value = "password"

[[cases]]
id = "tone"
{VARS}
[[cases.assert]]
type = "icontains"
value = "friendly"
"#
        ),
    );
    write(
        root,
        "evals/extra.toml",
        format!(
            r#"prompt = "reply"

[[cases]]
id = "signed"
{VARS}
[[cases.assert]]
type = "icontains"
value = "support"
"#
        ),
    );
    dir
}

/// Evaluates `content` as the draft (runs are found by content hash, so this is a run
/// of whichever release holds the same definition), then restores the draft.
fn eval_as_draft(root: &Path, content: &str, suites: &[&str]) {
    write(root, "prompts/reply.toml", content);
    let mut args = vec!["eval"];
    args.extend_from_slice(suites);
    let o = run_in(root, &args);
    assert!(
        matches!(o.status.code(), Some(0 | 1)),
        "eval ran: {}",
        stderr(&o)
    );
    write(root, "prompts/reply.toml", DRAFT);
}

#[test]
fn default_is_current_against_draft_unified() {
    let ws = workspace();
    let o = run_in(ws.path(), &["diff", "reply"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(!out.contains('\u{1b}'), "plain when piped");
    insta::assert_snapshot!("unified_current_to_draft", out);
}

#[test]
fn versions_side_by_side_fit_the_width() {
    let ws = workspace();
    let o = bin()
        .current_dir(ws.path())
        .env("COLUMNS", "100")
        .args([
            "diff",
            "reply",
            "--from",
            "v1",
            "--to",
            "v2",
            "--side-by-side",
        ])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    for line in out.lines() {
        assert!(line.width() <= 100, "{} cells: {line}", line.width());
    }
    insta::assert_snapshot!("side_by_side_v1_to_v2", out);
}

#[test]
fn side_by_side_wraps_long_and_wide_lines_within_the_width() {
    let ws = workspace();
    let long = "日本語の長い説明文です。".repeat(8);
    let edited = DRAFT.replace(
        "Hello! How can I help?",
        &format!("{long}\\nA second line with plenty of words to wrap around the column edge."),
    );
    write(ws.path(), "prompts/reply.toml", &edited);
    for cols in ["40", "61", "120"] {
        let o = bin()
            .current_dir(ws.path())
            .env("COLUMNS", cols)
            .args(["diff", "reply", "--side-by-side"])
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        let out = stdout(&o);
        let max: usize = cols.parse().unwrap();
        for line in out.lines() {
            assert!(line.width() <= max, "{} > {cols}: {line}", line.width());
        }
        // Nothing of the text is lost to the fitting.
        let joined: String = out.lines().collect::<Vec<_>>().join("");
        assert!(joined.chars().filter(|c| *c == '語').count() >= 8, "{out}");
    }
}

#[test]
fn identical_sides_say_so() {
    let ws = workspace();
    let o = run_in(
        ws.path(),
        &["diff", "reply", "--from", "v2", "--to", "current"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    insta::assert_snapshot!("identical", stdout(&o));
}

#[test]
fn colour_only_when_asked_for() {
    let ws = workspace();
    let o = bin()
        .current_dir(ws.path())
        .env_remove("NO_COLOR")
        .env("CLICOLOR_FORCE", "1")
        .args(["diff", "reply"])
        .output()
        .unwrap();
    let out = stdout(&o);
    assert!(out.contains("\u{1b}[31m"), "deleted lines red: {out:?}");
    assert!(out.contains("\u{1b}[32m"), "inserted lines green");
    // Changed words are reversed and bold, readable without colour vision.
    assert!(
        out.contains("\u{1b}[1m\u{1b}[7m"),
        "changed words emphasised: {out:?}"
    );
}

#[test]
fn bad_input_exits_2_with_a_hint() {
    let ws = workspace();
    let root = ws.path();
    let cases: &[(&[&str], &str, &str)] = &[
        (
            &["diff", "replay"],
            "no prompt named `replay`",
            "did you mean `reply`?",
        ),
        (
            &["diff", "reply", "--from", "latest"],
            "bad REF `latest`",
            "use draft, current or vN",
        ),
        (
            &["diff", "reply", "--to", "2"],
            "bad REF `2`",
            "did you mean `v2`?",
        ),
        (
            &["diff", "reply", "--from", "v9"],
            "no version v9",
            "released versions: v1, v2",
        ),
        (
            &["diff", "../reply"],
            "`../reply` is not a prompt name",
            "lowercase letters",
        ),
    ];
    for (args, message, help) in cases {
        let o = run_in(root, args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stdout(&o));
        let err = stderr(&o);
        assert!(err.contains(message), "{args:?}: {err}");
        assert!(err.contains(help), "{args:?}: {err}");
        assert!(stdout(&o).is_empty(), "{args:?}");
    }
}

#[test]
fn no_release_yet_explains_what_to_compare() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "workspace.toml", WORKSPACE);
    write(dir.path(), "prompts/reply.toml", DRAFT);
    let o = run_in(dir.path(), &["diff", "reply"]);
    assert_eq!(o.status.code(), Some(2));
    insta::assert_snapshot!("no_release_yet", stderr(&o));
}

#[test]
fn an_edited_release_file_is_reported_at_its_line() {
    let ws = workspace();
    let text = release_text(1, None, V1).replace("30 days", "31 days");
    write(ws.path(), "releases/reply/v1.toml", &text);
    let o = run_in(ws.path(), &["diff", "reply", "--from", "v1"]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(
        err.contains("releases/reply/v1.toml:5:1: content_sha256 does not match"),
        "{err}"
    );
    assert!(err.contains("releases are immutable"), "{err}");
    // An unknown key, as everywhere, is a typo to point at.
    let text = release_text(1, None, V1).replace("author =", "auther =");
    write(ws.path(), "releases/reply/v1.toml", &text);
    let err = stderr(&run_in(ws.path(), &["diff", "reply", "--from", "v1"]));
    assert!(
        err.contains("releases/reply/v1.toml:3:1: unknown field `auther`"),
        "{err}"
    );
    assert!(err.contains("did you mean `author`?"), "{err}");
}

#[test]
fn outputs_list_regressions_then_fixes_then_the_rest() {
    let ws = workspace();
    let root = ws.path();
    // The current release (v2) was evaluated on both suites, the draft on one: the
    // case of the other suite was never run on the draft, which is no regression.
    eval_as_draft(root, V2, &[]);
    eval_as_draft(root, DRAFT, &["refunds"]);
    let o = run_in(root, &["diff", "reply", "--outputs"]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "a diff is information, even with regressions: {}",
        stderr(&o)
    );
    let out = stdout(&o);
    let order: Vec<&str> = out
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .filter(|w| ["REGRESSION", "MISSING", "FIX", "OUTPUT", "NOT", "NEW"].contains(w))
        .collect();
    assert_eq!(order, ["REGRESSION", "FIX", "OUTPUT", "NOT"], "{out}");
    assert!(
        out.contains("NOT RUN on draft (1 case): extra/signed"),
        "{out}"
    );
    assert!(
        out.contains("2 status changed (1 regression, 1 fix), 1 output changed, 1 not run"),
        "{out}"
    );
    insta::assert_snapshot!("outputs_current_to_draft", redact(&out));

    let o = bin()
        .current_dir(root)
        .env("COLUMNS", "90")
        .args(["diff", "reply", "--outputs", "--side-by-side"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0));
    let out = stdout(&o);
    assert!(out.lines().all(|l| l.width() <= 90), "{out}");
    insta::assert_snapshot!("outputs_side_by_side", redact(&out));
}

#[test]
fn rerunning_one_suite_keeps_every_other_case_at_its_latest_result() {
    let ws = workspace();
    let root = ws.path();
    eval_as_draft(root, V2, &[]);
    // The draft: a full run, then one suite again (its run is now the newest).
    eval_as_draft(root, DRAFT, &[]);
    eval_as_draft(root, DRAFT, &["refunds"]);
    let o = run_in(root, &["diff", "reply", "--outputs"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        !out.contains("NOT RUN") && !out.contains("MISSING"),
        "{out}"
    );
    assert!(
        out.contains("1 regression"),
        "only refunds/window regressed: {out}"
    );
    assert!(
        redact(&out)
            .contains("draft:        2 runs, newest [RUN_ID] · local/m2 · 4 cases, 3 passed"),
        "{}",
        redact(&out)
    );
    // A release's side is the same rule: its newest run, of one suite, adds to the
    // earlier full run rather than hiding it.
    eval_as_draft(root, V2, &["extra"]);
    let out = stdout(&run_in(root, &["diff", "reply", "--outputs"]));
    assert!(!out.contains("NOT RUN"), "{out}");
    assert!(
        redact(&out).contains("current (v2): 2 runs, newest [RUN_ID] · local/m1 · 4 cases"),
        "{}",
        redact(&out)
    );
}

#[test]
fn outputs_need_a_run_of_each_side() {
    let ws = workspace();
    let root = ws.path();
    let o = run_in(root, &["diff", "reply", "--outputs"]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(
        err.contains("no run of `reply` current (v2) (releases/reply.toml, content "),
        "{err}"
    );
    assert!(err.contains("promptwright eval --prompt reply"), "{err}");

    eval_as_draft(root, V2, &[]);
    let err = stderr(&run_in(root, &["diff", "reply", "--outputs"]));
    assert!(
        err.contains("no run of `reply` draft (prompts/reply.toml"),
        "{err}"
    );
    assert!(
        err.contains("help: evaluate the draft first: `promptwright eval --prompt reply`"),
        "{err}"
    );
}
