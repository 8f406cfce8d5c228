//! The files an import reads (`file://` references, kept inside the config's folder and
//! bounded in size) and the files it produces (workspace.toml, prompts, suites and the
//! dataset), rendered with the toml and serde_json serialisers, never by hand.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde::Serialize;
use serde_json::{Map, Value, json};

use super::cases::{CaseOut, Defaults};
use super::prompts::PromptIn;
use super::providers::ProviderIn;
use super::{Ctx, name_from};
use crate::vocab::Diagnostic;

/// The largest file an import reads.
const MAX_FILE: u64 = 64 << 20;
/// The most files one `*` may match.
const MAX_MATCHES: usize = 1000;

/// A file a `file://` reference names.
pub(super) struct Found {
    pub path: PathBuf,
    pub shown: String,
}

/// Reads a text file, bounded.
pub(super) fn read(path: &Path, shown: &str) -> Result<String, Diagnostic> {
    let missing = |e: std::io::Error| {
        Diagnostic::file(shown, format!("cannot read {shown}: {e}")).with_help(
            "the config names this file; check the path, relative to the config's folder",
        )
    };
    let meta = std::fs::metadata(path).map_err(missing)?;
    if meta.len() > MAX_FILE {
        return Err(Diagnostic::file(
            shown,
            format!("{shown} is larger than {} MiB", MAX_FILE >> 20),
        ));
    }
    let bytes = std::fs::read(path).map_err(missing)?;
    crate::vocab::source::text_of(bytes, shown, 1).map_err(|e| match e {
        crate::vocab::ReadError::NotUtf8(d) => *d,
        crate::vocab::ReadError::Io(e) => missing(e),
    })
}

/// The one file `rel` names, which must exist inside the config's folder.
pub(super) fn one(ctx: &Ctx, file: &str, line: usize, rel: &str) -> Result<Found, Diagnostic> {
    let shown = shown_beside(&ctx.shown, rel);
    if !ctx.dir.join(rel).exists() {
        return Err(ctx
            .error(file, line, format!("file://{rel}: no such file"))
            .with_help("the path is relative to the config's folder"));
    }
    let path = crate::workspace::confine::inside(&ctx.dir, Path::new(rel)).map_err(|e| {
        ctx.error(file, line, format!("file://{rel}: {e}"))
            .with_help("an imported config may only name files in its own folder")
    })?;
    if !path.is_file() {
        return Err(ctx
            .error(file, line, format!("file://{rel}: no such file"))
            .with_help("the path is relative to the config's folder"));
    }
    Ok(Found { path, shown })
}

/// The files `rel` names: itself, or with a `*` in its file name every match, sorted.
pub(super) fn expand(
    ctx: &Ctx,
    file: &str,
    line: usize,
    rel: &str,
) -> Result<Vec<Found>, Diagnostic> {
    let rel = rel.split_once(':').map_or(rel, |(p, _)| p);
    let (dir, pattern) = match rel.rsplit_once('/') {
        Some((d, p)) => (d, p),
        None => ("", rel),
    };
    if !pattern.contains('*') {
        return Ok(vec![one(ctx, file, line, rel)?]);
    }
    let folder = crate::workspace::confine::inside(
        &ctx.dir,
        Path::new(if dir.is_empty() { "." } else { dir }),
    )
    .map_err(|e| ctx.error(file, line, format!("file://{rel}: {e}")))?;
    let mut names: Vec<String> = std::fs::read_dir(&folder)
        .map_err(|e| ctx.error(file, line, format!("file://{rel}: {e}")))?
        .flatten()
        .map(|e| e.file_name().to_string_lossy().to_string())
        .filter(|n| wildcard(pattern, n))
        .take(MAX_MATCHES + 1)
        .collect();
    if names.len() > MAX_MATCHES {
        return Err(ctx.error(
            file,
            line,
            format!("file://{rel} matches more than {MAX_MATCHES} files"),
        ));
    }
    if names.is_empty() {
        return Err(ctx.error(file, line, format!("file://{rel} matches no file")));
    }
    names.sort();
    names
        .iter()
        .map(|n| {
            one(
                ctx,
                file,
                line,
                &if dir.is_empty() {
                    n.clone()
                } else {
                    format!("{dir}/{n}")
                },
            )
        })
        .collect()
}

/// `*` matches any run of characters, everything else itself.
fn wildcard(pattern: &str, name: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !name.starts_with(first) || name.len() < first.len() + last.len() || !name.ends_with(last) {
        return false;
    }
    let mut rest = &name[first.len()..name.len() - last.len()];
    for mid in &parts[1..parts.len() - 1] {
        match rest.find(mid) {
            Some(i) => rest = &rest[i + mid.len()..],
            None => return false,
        }
    }
    true
}

/// A path relative to the config, shown beside the config's own shown path.
fn shown_beside(config: &str, rel: &str) -> String {
    match config.rsplit_once('/') {
        Some((dir, _)) => format!("{dir}/{rel}"),
        None => rel.to_string(),
    }
}

/// Types a grader judges.
const GRADED: &[&str] = &["llm-rubric", "factuality", "model-graded-closedqa"];

// The files' shapes, fields in the order a person reads them.

#[derive(Serialize)]
struct WorkspaceToml<'a> {
    workspace: Head<'a>,
    providers: BTreeMap<&'a str, ProviderToml<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    grader: Option<Grader<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    embedder: Option<Grader<'a>>,
}

#[derive(Serialize)]
struct Head<'a> {
    name: String,
    default_provider: &'a str,
}

#[derive(Serialize)]
struct ProviderToml<'a> {
    kind: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    base_url: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    api_key_env: Option<&'a str>,
}

#[derive(Serialize)]
struct Grader<'a> {
    provider: &'a str,
    model: &'a str,
}

#[derive(Serialize)]
struct PromptToml<'a> {
    provider: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    model: Option<&'a str>,
    #[serde(skip_serializing_if = "Map::is_empty")]
    params: &'a Map<String, Value>,
    messages: Vec<Message<'a>>,
}

#[derive(Serialize)]
struct Message<'a> {
    role: &'a str,
    content: &'a str,
}

#[derive(Serialize)]
struct SuiteToml<'a> {
    prompt: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<&'a str>,
    dataset: &'a str,
    #[serde(rename = "assert", skip_serializing_if = "Vec::is_empty")]
    asserts: Vec<AssertToml<'a>>,
}

#[derive(Serialize)]
struct AssertToml<'a> {
    #[serde(rename = "type")]
    type_name: &'a Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    value: Option<&'a Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    weight: Option<&'a Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    threshold: Option<&'a Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    metric: Option<&'a Value>,
}

/// Every file of the workspace, by relative path.
pub(super) fn workspace(
    description: Option<&str>,
    prompts: &[PromptIn],
    providers: &[ProviderIn],
    defaults: &Defaults,
    cases: &[CaseOut],
) -> Vec<(PathBuf, String)> {
    let fallback = [ProviderIn {
        name: "local".into(),
        kind: "echo",
        model: None,
        base_url: None,
        api_key_env: None,
        params: Map::new(),
    }];
    let providers = if providers.is_empty() {
        &fallback[..]
    } else {
        providers
    };
    let all_types = || {
        defaults
            .asserts
            .iter()
            .chain(cases.iter().flat_map(|c| &c.asserts))
            .filter_map(|a| a["type"].as_str())
    };
    let graded = all_types().any(|t| GRADED.contains(&t.trim_start_matches("not-")));
    let embeds = all_types().any(|t| t.trim_start_matches("not-") == "similar");
    // promptfoo embeds with OpenAI's text-embedding-3-large unless told otherwise.
    let embedder = providers
        .iter()
        .find(|p| p.kind == "openai")
        .filter(|_| embeds)
        .map(|p| Grader {
            provider: &p.name,
            model: "text-embedding-3-large",
        });
    // The grader is the first provider with a real model, else the first of all.
    let judge = providers
        .iter()
        .find(|p| p.kind != "echo" && p.model.is_some())
        .unwrap_or(&providers[0]);
    let ws = WorkspaceToml {
        workspace: Head {
            name: name_from(description.unwrap_or(""), "imported", &mut BTreeSet::new()),
            default_provider: &providers[0].name,
        },
        providers: providers
            .iter()
            .map(|p| {
                (
                    p.name.as_str(),
                    ProviderToml {
                        kind: p.kind,
                        base_url: p.base_url.as_deref(),
                        api_key_env: p.api_key_env.as_deref(),
                    },
                )
            })
            .collect(),
        grader: graded.then(|| Grader {
            provider: &judge.name,
            model: judge.model.as_deref().unwrap_or("echo"),
        }),
        embedder,
    };
    let mut files = vec![(PathBuf::from("workspace.toml"), toml_text(&ws))];
    let mut names = BTreeSet::new();
    for prompt in prompts {
        for p in providers {
            let named = if providers.len() > 1 {
                format!("{}-{}", prompt.name, p.name)
            } else {
                prompt.name.clone()
            };
            let name = name_from(&named, &prompt.name, &mut names);
            let prompt_toml = PromptToml {
                provider: &p.name,
                model: p.model.as_deref(),
                params: &p.params,
                messages: prompt
                    .messages
                    .iter()
                    .map(|(role, content)| Message {
                        role: role.as_str(),
                        content,
                    })
                    .collect(),
            };
            let suite = SuiteToml {
                prompt: &name,
                description,
                dataset: "data/cases.jsonl",
                asserts: defaults
                    .asserts
                    .iter()
                    .map(|a| AssertToml {
                        type_name: &a["type"],
                        value: a.get("value"),
                        weight: a.get("weight"),
                        threshold: a.get("threshold"),
                        metric: a.get("metric"),
                    })
                    .collect(),
            };
            files.push((
                PathBuf::from(format!("prompts/{name}.toml")),
                toml_text(&prompt_toml),
            ));
            files.push((
                PathBuf::from(format!("evals/{name}.toml")),
                toml_text(&suite),
            ));
        }
    }
    files.push((
        PathBuf::from("evals/data/cases.jsonl"),
        dataset(defaults, cases),
    ));
    files
}

fn toml_text(t: &impl Serialize) -> String {
    toml::to_string_pretty(t).unwrap_or_default()
}

fn dataset(defaults: &Defaults, cases: &[CaseOut]) -> String {
    let only_defaults = [CaseOut {
        description: None,
        vars: defaults.vars.clone(),
        asserts: Vec::new(),
        threshold: defaults.threshold,
    }];
    let cases = if cases.is_empty() {
        &only_defaults[..]
    } else {
        cases
    };
    let mut out = String::new();
    for (i, c) in cases.iter().enumerate() {
        let mut line = Map::new();
        line.insert("id".into(), json!(format!("case-{}", i + 1)));
        if let Some(d) = &c.description {
            line.insert("description".into(), json!(d));
        }
        line.insert("vars".into(), Value::Object(c.vars.clone()));
        if let Some(t) = c.threshold {
            line.insert("threshold".into(), json!(t));
        }
        if !c.asserts.is_empty() {
            line.insert("assert".into(), Value::Array(c.asserts.clone()));
        }
        out.push_str(&Value::Object(line).to_string());
        out.push('\n');
    }
    out
}
