//! The user documentation (README.md and docs/) against the code: every key a file may
//! hold and every assertion type is in the reference, every link stays inside the
//! repository and resolves, nothing points at a document users do not have, and the
//! README's shell examples run as written on a copy of the demo workspace.

// Setup helpers stop the test at the first failure; a panic is the report.
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::BTreeSet;
use std::path::{Component, Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use common::server::output_within;

use pulldown_cmark::{CodeBlockKind, Event, HeadingLevel, Parser, Tag, TagEnd};

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// README.md and every Markdown file under docs/, relative to the repository.
fn documents() -> Vec<PathBuf> {
    let mut out = vec![PathBuf::from("README.md")];
    let mut stack = vec![repo().join("docs")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("docs/ exists").flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "md") {
                out.push(path.strip_prefix(repo()).unwrap().to_path_buf());
            }
        }
    }
    out.sort();
    out
}

fn read(rel: &Path) -> String {
    std::fs::read_to_string(repo().join(rel)).unwrap_or_else(|e| panic!("{}: {e}", rel.display()))
}

/// The words (runs of letters, digits, `_`, `-`) of every inline code span: how a key
/// or a value is named in prose, `[gate.suite.SUITE]` naming `gate` and `suite`.
fn code_words(markdown: &str) -> BTreeSet<String> {
    let mut words = BTreeSet::new();
    for event in Parser::new(markdown) {
        if let Event::Code(code) = event {
            words.extend(
                code.split(|c: char| !(c.is_alphanumeric() || c == '_' || c == '-'))
                    .filter(|w| !w.is_empty())
                    .map(str::to_string),
            );
        }
    }
    words
}

#[test]
fn every_key_the_code_accepts_is_in_the_reference() {
    let mut missing = Vec::new();
    for file in promptwright_core::keys::files() {
        let page = Path::new(file.page);
        assert!(
            repo().join(page).is_file(),
            "{} is documented in {}, which does not exist",
            file.file,
            file.page
        );
        let words = code_words(&read(page));
        for name in file.names() {
            if !words.contains(name) {
                let paths: Vec<&String> = file
                    .keys
                    .iter()
                    .filter(|k| k.rsplit('.').next() == Some(name))
                    .collect();
                missing.push(format!(
                    "{}: `{name}` ({paths:?}) in {}",
                    file.file, file.page
                ));
            }
        }
        for (key, values) in &file.words {
            for value in values {
                if !words.contains(*value) {
                    missing.push(format!(
                        "{}: value `{value}` of `{key}` in {}",
                        file.file, file.page
                    ));
                }
            }
        }
    }
    assert!(
        missing.is_empty(),
        "undocumented keys: describe each in backticks on its page (a table row or a \
         sentence is enough):\n  {}",
        missing.join("\n  ")
    );
}

/// A new file format has its keys traced too: every struct a loader checks for unknown
/// keys is reached from `promptwright_core::keys::files()`.
#[test]
fn every_struct_that_rejects_unknown_keys_is_traced() {
    // Structs that derive Deserialize with deny_unknown_fields but are never read from a
    // file: the canonical form that is hashed, and the resolved per-suite gate.
    const NOT_FILES: &[&str] = &["PromptDef", "SuiteGate"];
    let traced: BTreeSet<&str> = promptwright_core::keys::files()
        .iter()
        .flat_map(|f| f.structs.iter().copied())
        .collect();
    let mut untraced = Vec::new();
    let mut stack = vec![repo().join("src")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") || path.ends_with("src/keys.rs") {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            for part in text.split("deny_unknown_fields").skip(1) {
                let name = part
                    .split_once("struct ")
                    .and_then(|(_, rest)| {
                        rest.split(|c: char| !c.is_alphanumeric() && c != '_')
                            .next()
                    })
                    .unwrap_or("?");
                if !traced.contains(name) && !NOT_FILES.contains(&name) {
                    untraced.push(format!("{name} ({})", path.display()));
                }
            }
        }
    }
    assert!(
        untraced.is_empty(),
        "add the file these structs are read from to promptwright_core::keys::files(): {untraced:?}"
    );
}

#[test]
fn every_assertion_type_has_a_section_in_the_reference() {
    let page = Path::new("docs/reference/assertions.md");
    let mut headings = BTreeSet::new();
    let mut in_heading = false;
    for event in Parser::new(&read(page)) {
        match event {
            Event::Start(Tag::Heading { .. }) => in_heading = true,
            Event::End(TagEnd::Heading(_)) => in_heading = false,
            Event::Code(code) if in_heading => {
                headings.insert(code.to_string());
            }
            _ => {}
        }
    }
    let missing: Vec<&&str> = promptwright_core::assert::TYPES
        .iter()
        .filter(|t| !headings.contains(**t))
        .collect();
    assert!(
        missing.is_empty(),
        "give each of these a heading naming it in backticks in {}: {missing:?}",
        page.display()
    );
}

/// GitHub's anchor for a heading: lowercase, punctuation dropped, spaces as `-`.
fn slug(heading: &str) -> String {
    heading
        .trim()
        .to_lowercase()
        .chars()
        .filter(|c| c.is_alphanumeric() || *c == '-' || *c == '_' || *c == ' ')
        .map(|c| if c == ' ' { '-' } else { c })
        .collect()
}

fn anchors(markdown: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut text: Option<String> = None;
    for event in Parser::new(markdown) {
        match event {
            Event::Start(Tag::Heading { .. }) => text = Some(String::new()),
            Event::Text(t) | Event::Code(t) => {
                if let Some(h) = text.as_mut() {
                    h.push_str(&t);
                }
            }
            Event::End(TagEnd::Heading(_)) => {
                let h = text.take().unwrap_or_default();
                let base = slug(&h);
                let mut candidate = base.clone();
                let mut n = 0;
                while out.contains(&candidate) {
                    n += 1;
                    candidate = format!("{base}-{n}");
                }
                out.insert(candidate);
            }
            _ => {}
        }
    }
    out
}

/// Why `dest`, linked from `doc`, is not a file of this repository; None when it is.
fn broken(doc: &Path, dest: &str) -> Option<String> {
    let (target, fragment) = match dest.split_once('#') {
        Some((t, f)) => (t, Some(f)),
        None => (dest, None),
    };
    if dest.starts_with("//") || target.contains(':') {
        return Some("points outside the repository".into());
    }
    if target.starts_with('/') {
        return Some("is an absolute path; link relative to the file".into());
    }
    let file = if target.is_empty() {
        doc.to_path_buf()
    } else {
        let mut resolved = doc.parent().unwrap_or(Path::new("")).to_path_buf();
        for part in Path::new(target).components() {
            match part {
                Component::ParentDir if !resolved.pop() => {
                    return Some("leaves the repository".into());
                }
                Component::Normal(p) => resolved.push(p),
                _ => {}
            }
        }
        resolved
    };
    let full = repo().join(&file);
    let Ok(real) = full.canonicalize() else {
        return Some(format!("{} does not exist", file.display()));
    };
    if !real.starts_with(repo().canonicalize().unwrap()) {
        return Some("leaves the repository through a link".into());
    }
    if let Some(fragment) = fragment {
        if file.extension().is_some_and(|e| e == "md") && !anchors(&read(&file)).contains(fragment)
        {
            return Some(format!(
                "{} has no heading with anchor #{fragment}",
                file.display()
            ));
        }
    }
    None
}

#[test]
fn links_stay_inside_the_repository_and_resolve() {
    let mut bad = Vec::new();
    for doc in documents() {
        for event in Parser::new(&read(&doc)) {
            let dest = match event {
                Event::Start(Tag::Link { dest_url, .. })
                | Event::Start(Tag::Image { dest_url, .. }) => dest_url,
                _ => continue,
            };
            if let Some(why) = broken(&doc, &dest) {
                bad.push(format!("{}: ({dest}) {why}", doc.display()));
            }
        }
    }
    assert!(bad.is_empty(), "bad links:\n  {}", bad.join("\n  "));
}

#[test]
fn the_link_checker_refuses_what_leaves_the_repository() {
    let doc = Path::new("docs/README.md");
    for dest in [
        "../../shared/SPEC.md",
        "https://example.com/",
        "/etc/passwd",
        "reference/nope.md",
        "reference/assertions.md#no-such-heading",
    ] {
        assert!(broken(doc, dest).is_some(), "{dest} passed");
    }
    assert_eq!(broken(doc, "reference/assertions.md"), None);
    assert_eq!(broken(Path::new("README.md"), "docs/README.md"), None);
}

/// The user has no contract document: texts say where to look in docs/ or say it.
#[test]
fn no_text_refers_users_to_a_spec() {
    use clap::CommandFactory;
    let spec = regex::Regex::new(r"(?i)\bspec\b|SPEC\.md|product contract").unwrap();
    let mut texts: Vec<(String, String)> = documents()
        .into_iter()
        .map(|d| (d.display().to_string(), read(&d)))
        .collect();
    let mut stack = vec![promptwright::cli::Cli::command()];
    while let Some(mut cmd) = stack.pop() {
        texts.push((
            format!("{} --help", cmd.get_name()),
            cmd.render_long_help().to_string(),
        ));
        stack.extend(cmd.get_subcommands().cloned());
    }
    let mut found = Vec::new();
    for (name, text) in &texts {
        for (i, line) in text.lines().enumerate() {
            if spec.is_match(line) {
                found.push(format!("{name}:{}: {line}", i + 1));
            }
        }
    }
    assert!(found.is_empty(), "{}", found.join("\n"));
}

/// A shell example and what its marker comment expects of it.
struct Example {
    at: String,
    script: String,
    exits: Option<Vec<i32>>,
    expect: Option<String>,
}

/// `key="value"` of a marker comment.
fn attribute(marker: &str, key: &str) -> Option<String> {
    let start = marker.find(&format!("{key}=\""))? + key.len() + 2;
    let len = marker[start..].find('"')?;
    Some(marker[start..start + len].to_string())
}

/// The shell blocks of a document. Each must follow a marker comment: either
/// `<!-- runnable -->` (optionally `exits="0 1"`, one code per command, default all 0,
/// and `expect="text"` that the output must contain) or `<!-- not runnable: why -->`.
fn examples(doc: &Path) -> (Vec<Example>, Vec<String>) {
    let text = read(doc);
    let mut out = Vec::new();
    let mut unmarked = Vec::new();
    let mut marker: Option<String> = None;
    let mut current: Option<(String, String)> = None;
    for (event, range) in Parser::new(&text).into_offset_iter() {
        match event {
            Event::Html(html) | Event::InlineHtml(html)
                if html.trim_start().starts_with("<!--") =>
            {
                marker = Some(html.to_string());
            }
            Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(lang)))
                if matches!(&*lang, "sh" | "bash" | "shell" | "console") =>
            {
                let line = text[..range.start].lines().count() + 1;
                current = Some((format!("{}:{line}", doc.display()), String::new()));
            }
            Event::Text(t) => {
                if let Some((_, body)) = current.as_mut() {
                    body.push_str(&t);
                }
            }
            Event::End(TagEnd::CodeBlock) => {
                if let Some((at, script)) = current.take() {
                    match marker.take() {
                        Some(m) if m.contains("<!-- runnable") => out.push(Example {
                            at,
                            script,
                            exits: attribute(&m, "exits").map(|e| {
                                e.split_whitespace().map(|c| c.parse().unwrap()).collect()
                            }),
                            expect: attribute(&m, "expect"),
                        }),
                        Some(m) if m.contains("<!-- not runnable:") => {}
                        _ => unmarked.push(at),
                    }
                }
            }
            Event::Start(Tag::Heading {
                level: HeadingLevel::H1,
                ..
            })
            | Event::Start(Tag::Paragraph) => marker = None,
            _ => {}
        }
    }
    (out, unmarked)
}

/// The commands of a shell block, continuation lines joined, comment lines dropped.
fn commands(script: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut pending = String::new();
    for line in script.lines() {
        let trimmed = line.trim();
        if pending.is_empty() && (trimmed.is_empty() || trimmed.starts_with('#')) {
            continue;
        }
        if let Some(head) = line.strip_suffix('\\') {
            pending.push_str(head);
            continue;
        }
        pending.push_str(line);
        out.push(std::mem::take(&mut pending));
    }
    out
}

/// Runs a block with `bash` in a fresh copy of the demo workspace, `promptwright` on
/// the PATH, no API key in the environment; returns each command's exit code and the
/// whole output.
fn run_example(example: &Example) -> (Vec<i32>, String) {
    let dir = tempfile::tempdir().unwrap();
    let demo = dir.path().join("demo");
    common::copy_demo(repo(), &demo);
    let bin = dir.path().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_promptwright"), bin.join("promptwright"))
        .unwrap();
    let codes = dir.path().join("codes");
    let mut script = String::new();
    for cmd in commands(&example.script) {
        script.push_str(&cmd);
        script.push_str(&format!("\necho $? >> '{}'\n", codes.display()));
    }
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    // Only a hang reaches the bound: the longest example takes seconds.
    let output = output_within(
        Command::new("bash")
            .arg("-c")
            .arg(&script)
            .current_dir(&demo)
            .env("PATH", path)
            .env("NO_COLOR", "1")
            .env("GITHUB_STEP_SUMMARY", dir.path().join("step-summary.md"))
            .env_remove("OPENAI_API_KEY")
            .env_remove("ANTHROPIC_API_KEY")
            .env_remove("CLICOLOR_FORCE")
            .stdin(Stdio::null()),
        Duration::from_secs(180),
        &example.at.to_string(),
    );
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let codes = std::fs::read_to_string(&codes)
        .unwrap_or_default()
        .lines()
        .map(|l| l.trim().parse().unwrap())
        .collect();
    (codes, text)
}

#[test]
fn every_shell_example_says_whether_it_runs() {
    let unmarked: Vec<String> = documents().iter().flat_map(|d| examples(d).1).collect();
    assert!(
        unmarked.is_empty(),
        "precede each shell block with <!-- runnable --> (it is run by this test) or \
         <!-- not runnable: why -->: {unmarked:?}"
    );
}

#[test]
fn the_runnable_examples_work_as_written_on_the_demo_workspace() {
    let mut failures = Vec::new();
    let mut ran = 0;
    for doc in documents() {
        for example in examples(&doc).0 {
            ran += 1;
            let (codes, text) = run_example(&example);
            let expected = example
                .exits
                .clone()
                .unwrap_or_else(|| vec![0; commands(&example.script).len()]);
            if codes != expected {
                failures.push(format!(
                    "{}: exit codes {codes:?}, expected {expected:?}\n{text}",
                    example.at
                ));
            }
            if let Some(want) = &example.expect {
                if !text.contains(want.as_str()) {
                    failures.push(format!("{}: output lacks {want:?}\n{text}", example.at));
                }
            }
        }
    }
    assert!(ran >= 4, "only {ran} runnable examples found");
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// TOML blocks preceded by `<!-- file: PATH -->`: complete files, as `(where, path, text)`.
fn file_examples(doc: &Path) -> Vec<(String, String, String)> {
    let text = read(doc);
    let mut out = Vec::new();
    let mut marker: Option<String> = None;
    let mut current: Option<(String, String, String)> = None;
    for (event, range) in Parser::new(&text).into_offset_iter() {
        match event {
            Event::Html(html) if html.trim_start().starts_with("<!-- file:") => {
                let path = html.trim().trim_start_matches("<!-- file:");
                marker = Some(path.trim_end_matches("-->").trim().to_string());
            }
            Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(lang))) if &*lang == "toml" => {
                if let Some(path) = marker.take() {
                    let line = text[..range.start].lines().count() + 1;
                    current = Some((format!("{}:{line}", doc.display()), path, String::new()));
                }
            }
            Event::Text(t) => {
                if let Some((_, _, body)) = current.as_mut() {
                    body.push_str(&t);
                }
            }
            Event::End(TagEnd::CodeBlock) => out.extend(current.take()),
            Event::Start(Tag::Paragraph) => marker = None,
            _ => {}
        }
    }
    out
}

/// A documented complete file is valid: `check` passes on the demo workspace with it.
#[test]
fn the_complete_file_examples_pass_check() {
    let mut failures = Vec::new();
    let mut checked = 0;
    for doc in documents() {
        for (at, path, text) in file_examples(&doc) {
            checked += 1;
            let dir = tempfile::tempdir().unwrap();
            common::copy_demo(repo(), dir.path());
            common::write(dir.path(), &path, &text);
            let o = common::run_in(dir.path(), &["check"]);
            if common::code(&o) != 0 {
                failures.push(format!("{at} as {path}:\n{}", common::stderr(&o)));
            }
        }
    }
    assert!(checked >= 3, "only {checked} file examples found");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn a_marker_is_read_with_its_expectations() {
    let m = r#"<!-- runnable exits="0 1" expect="BLOCKED" -->"#;
    assert_eq!(attribute(m, "exits").as_deref(), Some("0 1"));
    assert_eq!(attribute(m, "expect").as_deref(), Some("BLOCKED"));
    assert_eq!(
        commands("# setup\npromptwright eval \\\n  --prompt x   # c\n\nls\n"),
        ["promptwright eval   --prompt x   # c", "ls"]
    );
}
