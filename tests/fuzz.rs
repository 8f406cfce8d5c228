//! Fuzzing with proptest (cargo-fuzz needs a nightly toolchain): workspace.toml, prompt
//! and suite parsing, JSONL datasets and template rendering get arbitrary bytes, token
//! soup and mutations of valid files, and must never panic. Every error must name a file
//! of the workspace, at a line inside it (≥ 1 whenever a position is known), and loading
//! must write nothing.
//!
//! CI runs each property for proptest's default 256 cases (a few seconds in all);
//! `scripts/fuzz.sh` runs them for longer. The committed seed corpus in
//! `tests/fuzz-corpus/` is both fed through the same properties as is (one test per
//! kind) and used as the seeds the mutation strategies start from.

// Integration tests: a failed setup step panics, and the panic is the report.
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use proptest::prelude::*;
use proptest::sample::Index;
use serde_json::{Map, Value, json};

use promptwright_core::template::{RenderError, Templates};
use promptwright_core::vocab::{Diagnostic, Source};
use promptwright_core::workspace::{Workspace, config, prompt};

// ---------------------------------------------------------------------------------------
// Valid files: the starting points.
// ---------------------------------------------------------------------------------------

const WORKSPACE: &str = r#"[workspace]
name = "fuzz"
default_provider = "local"

[providers.local]
kind = "echo"

[providers.openai]
kind = "openai"
base_url = "http://127.0.0.1:9/v1"
api_key_env = "PW_FUZZ_KEY"
concurrency = 4
timeout_s = 1.5
max_retries = 2

[providers.recorded]
kind = "replay"
cassette = "evals/cassettes/c.jsonl"

[pricing]
"m1" = { input = 0.15, output = 0.60 }

[grader]
provider = "openai"
model = "m1"

[gate]
min_pass_rate = 0.9
max_regressions = 0
max_errors = 0
max_cost_usd = 2.0
allow_new_variables = false

[gate.suite.s]
min_pass_rate = 1.0
"#;

const PROMPT: &str = r#"description = "Greets"
provider = "local"
model = "m1"

[params]
temperature = 0.2
max_tokens = 40

[[messages]]
role = "system"
content = """
You work for {{ company }}.\tBe "brief".
{% if vip %}Be extra kind.{% endif %}
"""

[[messages]]
role = "user"
content = "{{ question }}"
"#;

const SUITE: &str = r#"prompt = "p"
description = "Greetings"
dataset = "data/d.jsonl"
threshold = 0.5

[[assert]]
type = "not-icontains"
value = "as an ai"

[[cases]]
id = "hello"
vars = { company = "Acme", question = "Hi?", vip = true }
[[cases.assert]]
type = "regex"
value = "(?i)acme"
weight = 2
"#;

const DATASET: &str = r#"{"id": "d1", "vars": {"company": "Acme", "question": "Refund?", "vip": false}}

{"vars": {"company": "Acme", "question": "Hi", "vip": true}, "assert": [{"type": "contains", "value": "Hi"}]}
"#;

fn valid_files() -> Files {
    [
        ("workspace.toml", WORKSPACE),
        ("prompts/p.toml", PROMPT),
        ("evals/s.toml", SUITE),
        ("evals/data/d.jsonl", DATASET),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.as_bytes().to_vec()))
    .collect()
}

// ---------------------------------------------------------------------------------------
// The properties, shared by the generated inputs and the corpus.
// ---------------------------------------------------------------------------------------

/// The files of a workspace, by path relative to its root.
type Files = BTreeMap<String, Vec<u8>>;

/// Lines in `bytes`, counting a last line without a newline.
fn line_count(bytes: &[u8]) -> usize {
    bytes.split(|b| *b == b'\n').count()
}

/// A diagnostic is whole: it renders, names a file, and any position is inside it.
fn check_diagnostic(d: &Diagnostic, file: &[u8]) {
    let text = d.to_string();
    assert!(text.starts_with("error: "), "{text}");
    assert!(!d.path.is_empty(), "no path: {text}");
    if d.source_line.is_some() {
        assert!(d.line >= 1, "a snippet without a line: {text}");
    }
    if d.line >= 1 {
        assert!(d.col >= 1, "line without a column: {text}");
        assert!(
            d.line <= line_count(file),
            "line {} of a {}-line file: {text}",
            d.line,
            line_count(file)
        );
        // The snippet is that line of the file (a BOM dropped, tabs shown as spaces, a
        // value masked when it may be a secret).
        if let Some((snippet, _)) = d
            .source_line
            .as_ref()
            .filter(|(s, _)| !s.contains("\"****\""))
        {
            let file = file.strip_prefix("\u{feff}".as_bytes()).unwrap_or(file);
            let line = file.split(|b| *b == b'\n').nth(d.line - 1).unwrap();
            let line = String::from_utf8_lossy(line).replace('\t', " ");
            assert_eq!(
                snippet
                    .trim_start_matches('\u{feff}')
                    .trim_end_matches('\r'),
                line.trim_start_matches('\u{feff}').trim_end_matches('\r'),
                "the snippet is not line {}: {text}",
                d.line
            );
        }
    }
    // Masking a value on the snippet never panics either.
    let _ = d.clone().redact_value().to_string();
}

/// Errors of a parser that reads one file: at least one, each about that file.
fn check_file_errors(errors: &[Diagnostic], path: &str, text: &str) {
    assert!(!errors.is_empty(), "an error without a diagnostic");
    for d in errors {
        assert_eq!(d.path, path, "{d}");
        check_diagnostic(d, text.as_bytes());
    }
}

/// workspace.toml on its own.
fn check_workspace_text(text: &str) {
    let src = Source::new("workspace.toml", text);
    if let Err(errors) = config::parse(&src, Path::new("/nonexistent")) {
        check_file_errors(&errors, "workspace.toml", text);
    }
}

/// A prompt file on its own, with and without a workspace to check its provider; a
/// prompt that loads renders without panicking.
fn check_prompt_text(text: &str) {
    let src = Source::new("prompts/p.toml", text);
    let cfg = config::parse(
        &Source::new("workspace.toml", WORKSPACE),
        &std::env::temp_dir(),
    )
    .unwrap();
    for cfg in [None, Some(&cfg)] {
        match prompt::parse_prompt("p", &src, cfg, std::path::Path::new(".")) {
            Ok(p) => {
                let _ = p.templates.render(&json!({}));
                let vars: Map<String, Value> = p
                    .variables
                    .iter()
                    .map(|v| (v.clone(), json!("x")))
                    .collect();
                let _ = p.templates.render(&vars);
            }
            Err(errors) => check_file_errors(&errors, "prompts/p.toml", text),
        }
    }
}

/// A whole workspace from disk: loading never panics and writes nothing, and every
/// error names one of `files` at a line inside it. Returns the workspace when it loads.
fn check_load(files: &Files) -> Option<Workspace> {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    for (rel, bytes) in files {
        common::write(root, rel, bytes);
    }
    let before = common::tree(root);
    let loaded = Workspace::load(root);
    assert!(
        common::tree(root) == before,
        "loading wrote to the workspace"
    );
    let prefix = format!("{}/", root.display());
    match loaded {
        Ok(ws) => {
            for w in &ws.warnings {
                let _ = w.to_string();
            }
            Some(ws)
        }
        Err(errors) => {
            assert!(!errors.0.is_empty(), "an error without a diagnostic");
            for d in &errors.0 {
                let rel = d
                    .path
                    .strip_prefix(&prefix)
                    .unwrap_or_else(|| panic!("{} is not in the workspace: {d}", d.path));
                let Some(file) = files.get(rel) else {
                    panic!("the diagnostic names `{rel}`, not a file of the workspace: {d}");
                };
                check_diagnostic(d, file);
            }
            let _ = errors.to_string();
            None
        }
    }
}

/// The valid workspace with one file replaced.
fn with_file(rel: &str, bytes: Vec<u8>) -> Files {
    let mut files = valid_files();
    files.insert(rel.to_string(), bytes);
    files
}

/// Templates: compiling and rendering never panic; syntax errors have positions inside
/// the message; an undefined value is always reported as a missing variable that names
/// something the vars lack.
fn check_template(contents: &[String], vars: &Map<String, Value>) {
    match Templates::compile(contents) {
        Err(errors) => {
            assert!(!errors.is_empty());
            for e in errors {
                assert!(e.message_index < contents.len(), "{e:?}");
                let lines = line_count(contents[e.message_index].as_bytes());
                assert!(e.line >= 1 && e.line <= lines, "{e:?} in {lines} lines");
                assert!(e.col.is_none_or(|c| c >= 1), "{e:?}");
                assert!(!e.message.is_empty(), "{e:?}");
            }
        }
        Ok(templates) => {
            let _ = templates.variables();
            match templates.render(vars) {
                Ok(out) => assert_eq!(out.len(), contents.len()),
                Err(RenderError::MissingVariable { name }) => {
                    let root: String = name
                        .chars()
                        .take_while(|c| c.is_alphanumeric() || *c == '_')
                        .collect();
                    assert!(!root.is_empty(), "missing variable `{name}`");
                    // A variable the case has is not missing; an attribute of it can be.
                    assert!(
                        !vars.contains_key(&root) || name.len() > root.len(),
                        "reported `{name}` missing, but the vars have it: {vars:?}"
                    );
                }
                Err(RenderError::TooLarge { message_index }) => {
                    assert!(message_index < contents.len())
                }
                Err(e @ RenderError::Other { .. }) => {
                    // Undefined, but not a variable: `[1][5]` or `(...)[...]`.
                    let text = e.to_string();
                    if let Some(at) = text.find("` is undefined") {
                        let expr = &text[text[..at].rfind('`').unwrap() + 1..at];
                        assert!(
                            !expr.starts_with(|c: char| c.is_alphabetic() || c == '_'),
                            "an undefined variable not reported as missing: {text}"
                        );
                    }
                }
                Err(e @ (RenderError::Conversation { .. } | RenderError::Image { .. })) => {
                    panic!("templates alone never read a conversation or an image: {e}")
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// Strategies: token soup, arbitrary bytes, and mutations of seeds.
// ---------------------------------------------------------------------------------------

/// Pieces of TOML, JSON and Jinja, and byte sequences that break naive code: a BOM,
/// CR, NUL, invalid UTF-8, multi-byte and wide characters, overflowing numbers.
const TOKENS: &[&[u8]] = &[
    b"[",
    b"]",
    b"[[",
    b"]]",
    b"{",
    b"}",
    b"=",
    b",",
    b".",
    b":",
    b"#",
    b" ",
    b"\t",
    b"\n",
    b"\r\n",
    b"\r",
    b"\"",
    b"'",
    b"'''",
    b"\"\"\"",
    b"\\",
    b"\\u00",
    b"\\U0001F600",
    b"\\x",
    b"{{",
    b"}}",
    b"{%",
    b"%}",
    b"{#",
    b"#}",
    b"workspace",
    b"name",
    b"providers",
    b"kind",
    b"echo",
    b"openai",
    b"replay",
    b"cassette",
    b"base_url",
    b"api_key_env",
    b"timeout_s",
    b"concurrency",
    b"max_retries",
    b"default_provider",
    b"gate",
    b"suite",
    b"min_pass_rate",
    b"pricing",
    b"grader",
    b"params",
    b"messages",
    b"role",
    b"user",
    b"system",
    b"content",
    b"prompt",
    b"dataset",
    b"cases",
    b"assert",
    b"type",
    b"value",
    b"vars",
    b"id",
    b"weight",
    b"threshold",
    b"contains",
    b"not-",
    b"regex",
    b"json-schema",
    b"levenshtein",
    b"latency",
    b"\"p\"",
    b"\"s\"",
    b"\"local\"",
    b"1",
    b"0",
    b"-1",
    b"1.5",
    b"1e400",
    b"-0.0",
    b"nan",
    b"inf",
    b"99999999999999999999",
    b"4294967296",
    b"true",
    b"null",
    b"1979-05-27T07:32:00Z",
    b"\xef\xbb\xbf",
    b"\xff",
    b"\xfe",
    b"\xc3",
    b"\0",
    b"\xc3\xa9",
    b"\xe2\x80\xae",
    b"\xf0\x9f\x98\x80",
    b"\xcc\x81",
    b"\xe5\xad\x97",
    b"\xe2\x80\x8b",
];

fn soup() -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec(proptest::sample::select(TOKENS), 0..80).prop_map(|ts| ts.concat())
}

/// One edit of a file.
#[derive(Debug, Clone)]
enum Edit {
    Delete(Index, usize),
    Insert(Index, &'static [u8]),
    Replace(Index, usize, &'static [u8]),
    DuplicateLine(Index),
    SwapLines(Index, Index),
    Truncate(Index),
    /// Repeats a slice many times: huge values and deep nesting.
    Repeat(Index, usize, usize),
}

fn edit() -> impl Strategy<Value = Edit> {
    let token = || proptest::sample::select(TOKENS);
    prop_oneof![
        2 => (any::<Index>(), 1usize..16).prop_map(|(i, n)| Edit::Delete(i, n)),
        3 => (any::<Index>(), token()).prop_map(|(i, t)| Edit::Insert(i, t)),
        3 => (any::<Index>(), 1usize..8, token()).prop_map(|(i, n, t)| Edit::Replace(i, n, t)),
        1 => any::<Index>().prop_map(Edit::DuplicateLine),
        1 => (any::<Index>(), any::<Index>()).prop_map(|(a, b)| Edit::SwapLines(a, b)),
        1 => any::<Index>().prop_map(Edit::Truncate),
        1 => (any::<Index>(), 1usize..4, 2usize..300).prop_map(|(i, n, k)| Edit::Repeat(i, n, k)),
    ]
}

fn apply(mut text: Vec<u8>, edits: &[Edit]) -> Vec<u8> {
    for e in edits {
        let len = text.len();
        let at = |i: &Index| i.index(len + 1);
        match e {
            Edit::Delete(i, n) => {
                let a = at(i);
                text.drain(a..(a + n).min(len));
            }
            Edit::Insert(i, t) => {
                let a = at(i);
                text.splice(a..a, t.iter().copied());
            }
            Edit::Replace(i, n, t) => {
                let a = at(i);
                text.splice(a..(a + n).min(len), t.iter().copied());
            }
            Edit::DuplicateLine(i) | Edit::SwapLines(i, _) => {
                let mut lines: Vec<Vec<u8>> =
                    text.split(|b| *b == b'\n').map(<[u8]>::to_vec).collect();
                let a = i.index(lines.len());
                if let Edit::SwapLines(_, j) = e {
                    let b = j.index(lines.len());
                    lines.swap(a, b);
                } else {
                    let line = lines[a].clone();
                    lines.insert(a, line);
                }
                text = lines.join(&b'\n');
            }
            Edit::Truncate(i) => text.truncate(at(i)),
            Edit::Repeat(i, n, k) => {
                let a = at(i);
                let piece = text[a..(a + n).min(len)].to_vec();
                let repeated = piece.repeat(*k);
                text.splice(a..a, repeated);
            }
        }
    }
    text
}

/// Seeds of one kind: the built-in valid file and the corpus files.
fn seeds(valid: &str, kind: &str) -> Vec<Vec<u8>> {
    let mut out = vec![valid.as_bytes().to_vec()];
    out.extend(corpus(kind).into_iter().map(|(_, bytes)| bytes));
    out
}

/// Arbitrary bytes, token soup, or (most often) a seed with a few edits.
fn input(seeds: Vec<Vec<u8>>) -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        1 => proptest::collection::vec(any::<u8>(), 0..200),
        2 => soup(),
        6 => (
            proptest::sample::select(seeds),
            proptest::collection::vec(edit(), 1..6)
        )
            .prop_map(|(seed, edits)| apply(seed, &edits)),
    ]
}

fn lossy(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// JSON values of modest size for vars and dataset lines.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| json!(f)),
        "[a-z {}%#|.()'\"\\\\\n\u{e9}\u{1F600}]{0,8}".prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
            proptest::collection::btree_map("[a-z_]{1,6}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Names templates read, and what the vars hold for some of them.
const NAMES: &[&str] = &["x", "y", "company", "items", "a", "loop", "self"];

fn vars() -> impl Strategy<Value = Map<String, Value>> {
    proptest::collection::btree_map(proptest::sample::select(NAMES), json_value(), 0..5)
        .prop_map(|m| m.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
}

const JINJA: &[&str] = &[
    "{{",
    "}}",
    "{%",
    "%}",
    "{#",
    "#}",
    "{{-",
    "-}}",
    "{%-",
    "-%}",
    " ",
    "\n",
    "text ",
    "é",
    "\u{1F600}",
    "x",
    "y",
    "company",
    "items",
    "a",
    "a.b",
    "a['b']",
    "x[0]",
    "(",
    ")",
    "[",
    "]",
    ",",
    "|",
    "upper",
    "length",
    "default('d')",
    "join(',')",
    "tojson",
    "trim",
    "first",
    "if",
    "else",
    "elif",
    "endif",
    "for",
    "in",
    "endfor",
    "set",
    "=",
    "==",
    "!=",
    "+",
    "-",
    "*",
    "/",
    "//",
    "%",
    "~",
    "and",
    "or",
    "not",
    "is",
    "defined",
    "none",
    "true",
    "1",
    "0",
    "2.5",
    "'s'",
    "\"s\"",
    "[1, 2]",
    "{'k': 1}",
    "loop.index",
    "range(3)",
    "macro",
    "m()",
    "endmacro",
    "call",
    "endcall",
    "caller()",
    "raw",
    "endraw",
    "filter",
    "endfilter",
    "with",
    "endwith",
    "include",
    "'0'",
    "'1'",
    "import",
    "as",
    "from",
    "namespace()",
    "super()",
    "break",
    "continue",
    "recursive",
    "loop(x)",
    ".",
    ":",
    "\\",
    "99999999999",
    "indent(",
    "tojson(indent=",
    "format(",
    "'%9999999999s'",
    "slice(",
    "batch(",
    "*",
];

fn template_text() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => proptest::collection::vec(proptest::sample::select(JINJA), 0..40)
            .prop_map(|ts| ts.concat()),
        1 => any::<String>(),
        2 => (
            proptest::sample::select(
                corpus("template").into_iter().map(|(_, b)| lossy(&b)).collect::<Vec<_>>()
            ),
            proptest::collection::vec((any::<Index>(), proptest::sample::select(JINJA)), 1..6)
        )
            .prop_map(|(mut s, edits)| {
                for (i, t) in edits {
                    let mut at = i.index(s.len() + 1);
                    while !s.is_char_boundary(at) {
                        at -= 1;
                    }
                    s.insert_str(at, t);
                }
                s
            }),
    ]
}

// ---------------------------------------------------------------------------------------
// The corpus.
// ---------------------------------------------------------------------------------------

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz-corpus")
}

/// The corpus files of one kind (`workspace`, `prompt`, `suite`, `dataset`, `template`).
fn corpus(kind: &str) -> Vec<(String, Vec<u8>)> {
    let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(corpus_dir().join(kind))
        .unwrap_or_else(|e| panic!("tests/fuzz-corpus/{kind}: {e}"))
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read(&p).unwrap())
        })
        .collect();
    out.sort();
    out
}

/// The vars the template corpus renders with: some set, nested, and typed oddly.
fn corpus_vars() -> Map<String, Value> {
    let v = json!({"x": 1, "company": "Acme", "items": [1, "two", {"a": 3}], "a": {"b": [1]}});
    v.as_object().unwrap().clone()
}

#[test]
fn corpus_workspace_files_parse_without_panic_and_report_in_file() {
    let files = corpus("workspace");
    assert!(files.len() >= 8, "{} files", files.len());
    for (name, bytes) in files {
        eprintln!("workspace/{name}");
        check_workspace_text(&lossy(&bytes));
        check_load(&with_file("workspace.toml", bytes));
    }
}

#[test]
fn corpus_prompt_files_parse_without_panic_and_report_in_file() {
    let files = corpus("prompt");
    assert!(files.len() >= 8, "{} files", files.len());
    for (name, bytes) in files {
        eprintln!("prompt/{name}");
        check_prompt_text(&lossy(&bytes));
        check_load(&with_file("prompts/p.toml", bytes));
    }
}

#[test]
fn corpus_suite_files_load_without_panic_and_report_in_file() {
    let files = corpus("suite");
    assert!(files.len() >= 6, "{} files", files.len());
    for (name, bytes) in files {
        eprintln!("suite/{name}");
        check_load(&with_file("evals/s.toml", bytes));
    }
}

#[test]
fn corpus_datasets_load_without_panic_and_report_in_file() {
    let files = corpus("dataset");
    assert!(files.len() >= 8, "{} files", files.len());
    for (name, bytes) in files {
        eprintln!("dataset/{name}");
        check_load(&with_file("evals/data/d.jsonl", bytes));
    }
}

#[test]
fn corpus_templates_compile_and_render_without_panic() {
    let files = corpus("template");
    assert!(files.len() >= 8, "{} files", files.len());
    for (name, bytes) in files {
        eprintln!("template/{name}");
        let text = lossy(&bytes);
        check_template(std::slice::from_ref(&text), &corpus_vars());
        check_template(std::slice::from_ref(&text), &Map::new());
        check_template(&[text.clone(), text], &corpus_vars());
    }
}

#[test]
fn the_valid_seeds_load() {
    let ws = check_load(&valid_files()).expect("the valid workspace loads");
    assert_eq!(ws.suites["s"].cases.len(), 3);
    let p = &ws.prompts["p"];
    let vars = json!({"company": "Acme", "question": "Hi", "vip": true});
    assert!(p.templates.render(&vars).is_ok());
}

// ---------------------------------------------------------------------------------------
// The generated inputs.
// ---------------------------------------------------------------------------------------

proptest! {
    #[test]
    fn workspace_toml_never_panics_and_errors_point_into_the_file(
        bytes in input(seeds(WORKSPACE, "workspace"))
    ) {
        check_workspace_text(&lossy(&bytes));
    }

    #[test]
    fn prompt_files_never_panic_and_errors_point_into_the_file(
        bytes in input(seeds(PROMPT, "prompt"))
    ) {
        check_prompt_text(&lossy(&bytes));
    }

    #[test]
    fn workspaces_from_disk_never_panic_or_write(
        ws in input(seeds(WORKSPACE, "workspace")),
        prompt in input(seeds(PROMPT, "prompt")),
        which in 0usize..3,
    ) {
        // One or two broken files at a time, as bytes (so not always UTF-8).
        let mut files = valid_files();
        if which != 1 {
            files.insert("workspace.toml".into(), ws);
        }
        if which != 0 {
            files.insert("prompts/p.toml".into(), prompt);
        }
        check_load(&files);
    }

    #[test]
    fn suites_never_panic_and_errors_point_into_the_file(
        bytes in input(seeds(SUITE, "suite"))
    ) {
        check_load(&with_file("evals/s.toml", bytes));
    }

    #[test]
    fn datasets_never_panic_and_errors_point_into_the_file(
        bytes in input(seeds(DATASET, "dataset"))
    ) {
        check_load(&with_file("evals/data/d.jsonl", bytes));
    }

    #[test]
    fn dataset_lines_of_arbitrary_json_never_panic(
        lines in proptest::collection::vec(json_value(), 1..6)
    ) {
        let text: String = lines.iter().map(|l| format!("{l}\n")).collect();
        check_load(&with_file("evals/data/d.jsonl", text.into_bytes()));
    }

    /// One line cut short among valid ones, with any line ending, blank lines and a
    /// BOM: the error is at that line, and only there.
    #[test]
    fn a_broken_dataset_line_is_reported_at_its_line(
        n in 1usize..12,
        broken in any::<Index>(),
        cut in any::<Index>(),
        crlf in any::<bool>(),
        bom in any::<bool>(),
        blank in proptest::collection::vec(any::<bool>(), 12),
    ) {
        let mut lines: Vec<String> = Vec::new();
        let k = broken.index(n);
        let mut broken_line = 0;
        for (i, blank_before) in blank.iter().take(n).enumerate() {
            if *blank_before {
                lines.push(String::new());
            }
            let line = format!(r#"{{"id": "d{i}", "vars": {{"company": "A", "question": "q{i}"}}}}"#);
            if i == k {
                let keep = 1 + cut.index(line.len() - 1);
                lines.push(line[..keep].to_string());
                broken_line = lines.len();
            } else {
                lines.push(line);
            }
        }
        let mut text = lines.join(if crlf { "\r\n" } else { "\n" });
        if bom {
            text.insert(0, '\u{feff}');
        }
        let errors = {
            let files = with_file("evals/data/d.jsonl", text.clone().into_bytes());
            prop_assert!(check_load(&files).is_none(), "{text}");
            // Load again to read the diagnostics themselves.
            let dir = tempfile::tempdir().unwrap();
            for (rel, bytes) in &files {
                common::write(dir.path(), rel, bytes);
            }
            Workspace::load(dir.path()).unwrap_err().0
        };
        for d in &errors {
            prop_assert!(d.path.ends_with("evals/data/d.jsonl"), "{d}");
            prop_assert_eq!(d.line, broken_line, "{}\n{}", d, text);
        }
    }

    #[test]
    fn templates_never_panic(
        contents in proptest::collection::vec(template_text(), 1..3),
        vars in vars(),
    ) {
        check_template(&contents, &vars);
    }

    /// Strict undefined: a case that lacks a variable the template reads is an error
    /// naming one of the variables it lacks; with all of them it renders.
    #[test]
    fn a_missing_variable_is_named(
        pieces in proptest::collection::vec((0usize..6, proptest::sample::select(&["company", "ticket", "name", "order_id"][..])), 1..6),
        given in proptest::collection::btree_set(proptest::sample::select(&["company", "ticket", "name", "order_id"][..]), 0..5),
    ) {
        let template: String = pieces
            .iter()
            .map(|(form, v)| match form {
                0 => format!("Hi {{{{ {v} }}}}. "),
                1 => format!("{{{{ {v} | upper }}}}"),
                2 => format!("{{{{ ({v}) }}}}"),
                3 => format!("{{{{ {v} ~ '!' }}}}"),
                4 => format!("{{% if {v} %}}yes{{% endif %}}"),
                _ => format!("{{% for c in {v} %}}{{{{ c }}}}{{% endfor %}}"),
            })
            .collect();
        let vars: Map<String, Value> = given.iter().map(|v| (v.to_string(), json!("val"))).collect();
        let templates = Templates::compile(std::slice::from_ref(&template)).unwrap();
        let missing: Vec<&str> = pieces.iter().map(|(_, v)| *v).filter(|v| !given.contains(v)).collect();
        match templates.render(&vars) {
            Ok(_) => prop_assert!(missing.is_empty(), "{template} rendered without {missing:?}"),
            Err(RenderError::MissingVariable { name }) => {
                prop_assert!(missing.contains(&name.as_str()), "{template}: `{name}` is not missing ({missing:?})");
            }
            Err(e) => prop_assert!(false, "{template}: {e}"),
        }
    }

    /// Positions from any span, on any text, render without panicking.
    #[test]
    fn diagnostics_at_any_span_render(
        text in any::<String>(),
        a in 0usize..400,
        b in 0usize..400,
    ) {
        let src = Source::new("f.toml", text.clone());
        let d = src.at(a..b, "message");
        let _ = d.to_string();
        let _ = d.clone().redact_value().to_string();
        let (line, col) = src.line_col(a);
        prop_assert!(line >= 1 && col >= 1);
        let d = src.at_line_col(line + a % 3, col + b % 5, "message");
        check_diagnostic(&d, text.as_bytes());
    }
}

// ---------------------------------------------------------------------------------------
// Regressions: what the fuzzing and the corpus found, fixed in src/.
// ---------------------------------------------------------------------------------------

fn render_one(template: &str, vars: Value) -> Result<Vec<String>, RenderError> {
    Templates::compile(&[template.to_string()])
        .unwrap()
        .render(&vars)
}

/// minijinja reports an undefined value with the range of the filter or of the whole
/// expression: `{{ ticket | upper }}` was "missing variable `upper`", and `{{ (ticket) }}`
/// or `{{ 1 + ticket }}` named no variable at all.
#[test]
fn regression_a_missing_variable_is_named_whatever_the_expression_around_it() {
    for template in [
        "{{ ticket | upper }}",
        "{{ (ticket) }}",
        "{{ 1 + ticket }}",
        "{{ ticket ~ '!' }}",
        "{{ [ticket][0] }}",
        "{{ company }} {{ ticket | trim | upper }}",
    ] {
        let err = render_one(template, json!({"company": "Acme"})).unwrap_err();
        assert_eq!(
            err,
            RenderError::MissingVariable {
                name: "ticket".into()
            },
            "{template}"
        );
    }
    // An attribute the variable lacks is named with its path, not as the variable.
    let err = render_one("{{ customer.plan }}", json!({"customer": {"name": "A"}})).unwrap_err();
    assert_eq!(
        err.to_string(),
        "missing variable `customer.plan`: add it to the case's vars"
    );
    // Something undefined that is no variable of the case is not called one.
    let err = render_one("{{ none[missing][0] }}", json!({})).unwrap_err();
    assert!(matches!(err, RenderError::Other { .. }), "{err:?}");
}

/// These allocated their whole width up front, and an absurd one aborted the process
/// ("memory allocation of 99999999999 bytes failed") — in `eval`, or in the editor's
/// live preview while the number was being typed.
#[test]
fn regression_huge_widths_in_filters_are_errors_not_aborts() {
    let vars = json!({"items": [1, 2, 3], "x": "a\nb"});
    for (template, what) in [
        ("{{ x | indent(99999999999) }}", "indent width"),
        ("{{ x | indent(width=99999999999) }}", "indent width"),
        ("{{ items | tojson(indent=999999999999) }}", "tojson indent"),
        ("{{ items | tojson(99999999999) }}", "tojson indent"),
        ("{{ items | tojson(indent=1e300) }}", "tojson indent"),
        ("{{ '%99999999999s' | format('a') }}", "format width"),
        ("{{ '%(k)-099999999999.2f' | format(k=1) }}", "format width"),
        ("{{ '%.99999999999f' | format(1.5) }}", "format precision"),
        ("{{ items | slice(99999999999) | list }}", "slice count"),
    ] {
        let err = render_one(template, vars.clone()).unwrap_err();
        assert!(
            err.to_string().contains(&format!("{what} ")) && err.to_string().contains("too large"),
            "{template}: {err}"
        );
    }
    // Ordinary sizes still work as the built-ins do.
    let out = render_one(
        "{{ x | indent(2, true) }}|{{ items | tojson(indent=2) }}|{{ '%5s|%-4d|%.2f' | format('a', 7, 1.234) }}|{{ items | slice(2) | list }}",
        vars,
    )
    .unwrap();
    assert_eq!(
        out[0],
        "  a\n  b|[\n  1,\n  2,\n  3\n]|    a|7   |1.23|[[1, 2], [3]]"
    );
    // A key left open is minijinja's error to report (the guard once panicked on it).
    let err = render_one("{{ '%(99999999999s' | format('a') }}", json!({})).unwrap_err();
    assert!(err.to_string().contains("missing closing ')'"), "{err}");
}

/// A dataset saved with a byte-order mark failed on line 1 ("expected value", the caret
/// under an invisible character), though TOML files with one load.
#[test]
fn regression_a_dataset_with_a_byte_order_mark_loads() {
    let mut data = b"\xef\xbb\xbf".to_vec();
    data.extend_from_slice(DATASET.as_bytes());
    let ws = check_load(&with_file("evals/data/d.jsonl", data)).expect("loads");
    assert_eq!(ws.suites["s"].cases[1].id, "d1");
}

/// A JSON array was read field by field: `["x", null, {...}, null, []]` was a case.
#[test]
fn regression_a_dataset_line_must_be_an_object() {
    let line = "[\"x\", null, {\"company\": \"A\"}, null, []]\n";
    let files = with_file("evals/data/d.jsonl", line.as_bytes().to_vec());
    assert!(
        check_load(&files).is_none(),
        "an array line was accepted as a case"
    );
    let err = load_errors(&files);
    assert!(
        err.contains("d.jsonl:1:1: invalid dataset line: expected a JSON object"),
        "{err}"
    );
}

/// A duplicate id between the suite and its dataset was reported with the line inside
/// the path (`d.jsonl:2`, line 0): no snippet, and no line for the editor to mark.
#[test]
fn regression_a_duplicate_id_across_suite_and_dataset_has_a_line() {
    let data = DATASET.replace("\"id\": \"d1\"", "\"id\": \"hello\"");
    let err = load_errors(&with_file("evals/data/d.jsonl", data.into_bytes()));
    assert!(
        err.contains("d.jsonl:1:1: duplicate case id `hello` in suite `s`"),
        "{err}"
    );
    assert!(err.contains("1 | {\"id\": \"hello\""), "{err}");
}

/// A file that is not UTF-8 said "stream did not contain valid UTF-8" and no more.
#[test]
fn regression_a_file_that_is_not_utf8_is_reported_at_the_byte() {
    // Line 12 is `You work for {{ company }}.\tBe "brief".`: the é is character 36.
    let mut latin1 = PROMPT.replace("Be \"brief\"", "Be caf#").into_bytes();
    let at = latin1.iter().position(|b| *b == b'#').unwrap();
    latin1[at] = 0xe9;
    let err = load_errors(&with_file("prompts/p.toml", latin1));
    assert!(
        err.contains("prompts/p.toml:12:36: the file is not UTF-8 text (byte 0xE9)"),
        "{err}"
    );
    assert!(err.contains("Latin-1"), "{err}");
    let utf16: Vec<u8> = "\u{feff}[[messages]]\n"
        .encode_utf16()
        .flat_map(u16::to_le_bytes)
        .collect();
    let err = load_errors(&with_file("evals/data/d.jsonl", utf16));
    assert!(
        err.contains("d.jsonl:1:1: the file is not UTF-8 text (byte 0xFF)"),
        "{err}"
    );
    assert!(err.contains("UTF-16"), "{err}");
}

/// A negative price had no position; a u32 too large was "expected a whole number of 0
/// or more" with help about TOML syntax.
#[test]
fn regression_pricing_and_range_errors_have_positions_and_plain_words() {
    let ws = WORKSPACE.replace("input = 0.15", "input = -0.15");
    let errors = config::parse(
        &Source::new("workspace.toml", ws.as_str()),
        &std::env::temp_dir(),
    )
    .unwrap_err();
    assert_eq!((errors[0].line, errors[0].col), (21, 8), "{}", errors[0]);
    let ws = WORKSPACE.replace("max_retries = 2", "max_retries = 4294967296");
    let errors = config::parse(
        &Source::new("workspace.toml", ws.as_str()),
        &std::env::temp_dir(),
    )
    .unwrap_err();
    let text = errors[0].to_string();
    assert!(
        text.contains("expected a whole number from 0 to 4294967295"),
        "{text}"
    );
    assert!(text.contains("out of range"), "{text}");
}

/// The diagnostics of loading `files`, rendered.
fn load_errors(files: &Files) -> String {
    let dir = tempfile::tempdir().unwrap();
    for (rel, bytes) in files {
        common::write(dir.path(), rel, bytes);
    }
    Workspace::load(dir.path()).unwrap_err().to_string()
}
