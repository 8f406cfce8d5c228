//! promptfoo's `prompts`: inline text, `file://` text (prompts apart on `---` lines),
//! JSON or YAML chat messages, and Nunjucks templates read as Jinja where the two agree.

use std::collections::BTreeSet;

use marked_yaml::types::Node;
use serde_json::Value;

use super::cases::Src;
use super::{Ctx, files, name_from, yaml};
use crate::template::Templates;
use crate::vocab::{Diagnostic, Role};

/// One converted prompt: its name and messages (role, content).
#[derive(Debug, Clone)]
pub(super) struct PromptIn {
    pub name: String,
    pub messages: Vec<(Role, String)>,
}

pub(super) fn read(ctx: &mut Ctx, node: &Node) -> Result<Vec<PromptIn>, Diagnostic> {
    let shown = ctx.shown.clone();
    let src = Src::config(&shown);
    // (text, label, line)
    let mut entries: Vec<(String, Option<String>, usize)> = Vec::new();
    match node {
        Node::Scalar(s) => entries.push((s.as_str().to_string(), None, src.line(node))),
        Node::Sequence(items) => {
            for item in items.iter() {
                let line = src.line(item);
                match item {
                    Node::Scalar(s) => entries.push((s.as_str().to_string(), None, line)),
                    Node::Mapping(m) => {
                        let text = m
                            .get_node("raw")
                            .or_else(|| m.get_node("id"))
                            .and_then(yaml::string);
                        let label = m.get_node("label").and_then(yaml::string);
                        match text {
                            Some(t) => {
                                entries.push((t.to_string(), label.map(str::to_string), line))
                            }
                            None => {
                                ctx.drop_at(&shown, line, "a prompt with neither `raw` nor `id`")
                            }
                        }
                    }
                    Node::Sequence(_) => ctx.drop_at(&shown, line, "a prompt that is a list"),
                }
            }
        }
        // `prompts: {file://a.txt: label}`
        Node::Mapping(m) => {
            for (k, v) in m.iter() {
                entries.push((
                    k.as_str().to_string(),
                    yaml::string(v).map(str::to_string),
                    src.line(v),
                ));
            }
        }
    }
    let mut taken = BTreeSet::new();
    let mut out = Vec::new();
    for (i, (text, label, line)) in entries.into_iter().enumerate() {
        let fallback = format!("prompt-{}", i + 1);
        let found = match text.strip_prefix("file://") {
            Some(path) => from_files(ctx, path, line)?,
            None => vec![(None, messages_of_text(&text))],
        };
        let several = found.len() > 1;
        for (k, (stem, messages)) in found.into_iter().enumerate() {
            let Some(messages) = messages else {
                ctx.drop_at(
                    &shown,
                    line,
                    format!("prompt `{text}`: not a text or chat prompt"),
                );
                continue;
            };
            let mut named = label.clone().or(stem).unwrap_or_else(|| fallback.clone());
            if several && label.is_some() {
                named = format!("{named}-{}", k + 1);
            }
            if let Some(messages) = convert(ctx, &shown, line, messages) {
                out.push(PromptIn {
                    name: name_from(&named, &fallback, &mut taken),
                    messages,
                });
            }
        }
    }
    Ok(out)
}

type Found = Vec<(Option<String>, Option<Vec<(Role, String)>>)>;

/// The prompts in the files `path` names (a `*` in its file name matches several).
fn from_files(ctx: &mut Ctx, path: &str, line: usize) -> Result<Found, Diagnostic> {
    let shown = ctx.shown.clone();
    let mut out = Vec::new();
    for file in files::expand(ctx, &shown, line, path)? {
        let stem = file
            .path
            .file_stem()
            .map(|s| s.to_string_lossy().to_string());
        let ext = file
            .path
            .extension()
            .map(|e| e.to_string_lossy().to_lowercase())
            .unwrap_or_default();
        match ext.as_str() {
            "js" | "cjs" | "mjs" | "ts" | "py" => {
                ctx.drop_at(
                    &shown,
                    line,
                    format!(
                        "prompt `{}`: prompts written as code are not converted",
                        file.shown
                    ),
                );
            }
            "json" => {
                let text = files::read(&file.path, &file.shown)?;
                let v: Value = serde_json::from_str(&text)
                    .map_err(|e| ctx.error(&file.shown, e.line(), format!("invalid JSON: {e}")))?;
                out.push((stem, chat_of_json(&v)));
            }
            "yaml" | "yml" => {
                let text = files::read(&file.path, &file.shown)?;
                let node = yaml::parse(&text, &file.shown, 1, false)?;
                out.push((
                    stem,
                    yaml::to_json(&node).ok().and_then(|v| chat_of_json(&v)),
                ));
            }
            _ => {
                let text = files::read(&file.path, &file.shown)?;
                let parts: Vec<String> = split_dashes(&text);
                for (k, part) in parts.iter().enumerate() {
                    let stem = match (&stem, parts.len()) {
                        (Some(s), n) if n > 1 => Some(format!("{s}-{}", k + 1)),
                        (s, _) => s.clone(),
                    };
                    out.push((stem, messages_of_text(part)));
                }
            }
        }
    }
    Ok(out)
}

/// promptfoo puts several prompts in one text file apart on lines of `---`.
fn split_dashes(text: &str) -> Vec<String> {
    let mut parts = vec![String::new()];
    for line in text.lines() {
        if line.trim() == "---" {
            parts.push(String::new());
        } else if let Some(last) = parts.last_mut() {
            last.push_str(line);
            last.push('\n');
        }
    }
    parts
        .into_iter()
        .map(|p| p.trim_end_matches('\n').to_string())
        .filter(|p| !p.trim().is_empty())
        .collect()
}

/// An inline prompt: a JSON list of chat messages, or one user message.
fn messages_of_text(text: &str) -> Option<Vec<(Role, String)>> {
    if text.trim_start().starts_with('[') {
        if let Ok(v) = serde_json::from_str::<Value>(text) {
            return chat_of_json(&v);
        }
    }
    Some(vec![(Role::User, text.to_string())])
}

/// `[{"role": "system", "content": "..."}, ...]`.
fn chat_of_json(v: &Value) -> Option<Vec<(Role, String)>> {
    match v {
        Value::String(s) => Some(vec![(Role::User, s.clone())]),
        Value::Array(items) if !items.is_empty() => items
            .iter()
            .map(|m| {
                let role = match m.get("role")?.as_str()? {
                    "system" | "developer" => Role::System,
                    "user" => Role::User,
                    "assistant" => Role::Assistant,
                    _ => return None,
                };
                Some((role, m.get("content")?.as_str()?.to_string()))
            })
            .collect(),
        _ => None,
    }
}

/// The messages with their Nunjucks read as Jinja, or `None` (reported) when a template
/// does not compile here.
fn convert(
    ctx: &mut Ctx,
    file: &str,
    line: usize,
    messages: Vec<(Role, String)>,
) -> Option<Vec<(Role, String)>> {
    let mut out = Vec::with_capacity(messages.len());
    for (role, content) in messages {
        let (content, changes) = nunjucks(&content);
        for c in changes {
            ctx.note_at(file, line, c);
        }
        out.push((role, content));
    }
    let contents: Vec<String> = out.iter().map(|(_, c)| c.clone()).collect();
    match Templates::compile(&contents) {
        Ok(_) => Some(out),
        Err(errors) => {
            let first = &errors[0];
            ctx.drop_at(
                file,
                line,
                format!(
                    "a prompt whose template is not valid Jinja here (line {} of message {}: {}); fix it and add it to prompts/ by hand",
                    first.line,
                    first.message_index + 1,
                    first.message
                ),
            );
            None
        }
    }
}

/// Nunjucks rewritten where Jinja spells the same thing differently: `dump` is
/// `tojson`, and a `for k, v in obj` over an object needs `|items`. Returns what changed.
pub(super) fn nunjucks(text: &str) -> (String, Vec<String>) {
    let mut changes = Vec::new();
    let mut out = text.to_string();
    let dump = regex::Regex::new(r"\|\s*dump\b").ok();
    if let Some(re) = dump {
        if re.is_match(&out) {
            out = re.replace_all(&out, "| tojson").into_owned();
            changes.push("the Nunjucks filter `dump` became `tojson`".to_string());
        }
    }
    let pairs =
        regex::Regex::new(r"\{%(-?)\s*for\s+(\w+)\s*,\s*(\w+)\s+in\s+([\w.]+)\s*(-?)%\}").ok();
    if let Some(re) = pairs {
        if re.is_match(&out) {
            out = re
                .replace_all(&out, "{%${1} for ${2}, ${3} in ${4} | items ${5}%}")
                .into_owned();
            changes.push(
                "a Nunjucks `for key, value in object` loop became `for key, value in object | items`"
                    .to_string(),
            );
        }
    }
    (out, changes)
}
