//! `promptwright init [DIR]`: a small workspace that runs offline at once.

use std::path::Path;
use std::process::ExitCode;

use super::CliError;
use promptwright_core::fsutil::write_atomic;

const WORKSPACE: &str = r#"[workspace]
name = "NAME"
default_provider = "local"

# Offline and free: answers with the rendered prompt, so evals run with no key.
[providers.local]
kind = "echo"

# A real model: uncomment, export OPENAI_API_KEY, and set provider = "openai" in a prompt.
# [providers.openai]
# kind = "openai"
# base_url = "https://api.openai.com/v1"
# api_key_env = "OPENAI_API_KEY"

[gate]
min_pass_rate = 0.9
max_regressions = 0
max_errors = 0
"#;

const PROMPT: &str = r#"description = "Answers a customer question in two sentences"
model = "gpt-4o-mini"

[params]
temperature = 0.2

[[messages]]
role = "system"
content = """
You are the support assistant of {{ company }}. Answer in at most two sentences.
Never promise anything the policy does not say."""

[[messages]]
role = "user"
content = "{{ question }}"
"#;

const SUITE: &str = r#"prompt = "answer"
description = "Basic questions; with the echo provider the output is the rendered prompt"

[[assert]]
type = "not-icontains"
value = "as an ai"

[[cases]]
id = "opening-hours"
vars = { company = "Acme", question = "When are you open?" }
[[cases.assert]]
type = "icontains"
value = "acme"

[[cases]]
id = "short-answer"
vars = { company = "Acme", question = "Do you ship to Canada?" }
[[cases.assert]]
type = "max-length"
value = 400
"#;

const GITIGNORE: &str = ".promptwright/\n";

pub fn run(dir: Option<&Path>) -> Result<ExitCode, CliError> {
    let dir = dir.unwrap_or(Path::new("."));
    if dir.join("workspace.toml").exists() {
        return Err(CliError::usage(
            format!("`{}` already holds a workspace.toml", dir.display()),
            "choose an empty folder: `promptwright init NEW_DIR`",
        ));
    }
    let name = std::fs::canonicalize(dir)
        .ok()
        .or_else(|| Some(dir.to_path_buf()))
        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .map(|n| sanitize(&n))
        .unwrap_or_else(|| "prompts".into());
    let files = [
        ("prompts/answer.toml", PROMPT.to_string()),
        ("evals/answer.toml", SUITE.to_string()),
        (".gitignore", GITIGNORE.to_string()),
        // Written last: a workspace.toml means the scaffold is whole.
        ("workspace.toml", WORKSPACE.replace("NAME", &name)),
    ];
    for (rel, _) in &files {
        if dir.join(rel).exists() && *rel != ".gitignore" {
            return Err(CliError::usage(
                format!("`{}` already exists", dir.join(rel).display()),
                "init never overwrites files; choose an empty folder",
            ));
        }
    }
    let io = |e: std::io::Error| {
        CliError::usage(
            format!("cannot write in `{}`: {e}", dir.display()),
            "check the folder's permissions",
        )
    };
    for (rel, content) in &files {
        let path = dir.join(rel);
        if *rel == ".gitignore" && path.exists() {
            continue;
        }
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(io)?;
        }
        write_atomic(&path, content.as_bytes()).map_err(io)?;
    }
    let shown = dir.display();
    anstream::println!("created workspace `{name}` in {shown}");
    anstream::println!("  next: promptwright -w {shown} check");
    anstream::println!("        promptwright -w {shown} eval");
    Ok(ExitCode::SUCCESS)
}

/// A folder name turned into a workspace name.
fn sanitize(name: &str) -> String {
    let s: String = name
        .to_lowercase()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect();
    let s = s.trim_matches('-').to_string();
    if s.is_empty() { "prompts".into() } else { s }
}
