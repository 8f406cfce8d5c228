//! promptfoo's `providers`: `openai:chat:MODEL`, `openai:MODEL`,
//! `anthropic:messages:MODEL`, OpenAI-compatible servers (`apiBaseUrl`), Ollama and
//! `echo`. Anything else is reported, never guessed.

use std::collections::BTreeSet;

use marked_yaml::types::Node;
use serde_json::{Map, Value};

use super::cases::Src;
use super::{Ctx, name_from, yaml};

/// Ollama's OpenAI-compatible endpoint on its default port.
const OLLAMA: &str = "http://localhost:11434/v1";

/// Request parameters promptfoo's `config` may hold, per kind, as written here.
const OPENAI_PARAMS: &[&str] = &[
    "temperature",
    "top_p",
    "max_tokens",
    "max_completion_tokens",
    "stop",
    "seed",
    "presence_penalty",
    "frequency_penalty",
    "reasoning_effort",
];
const ANTHROPIC_PARAMS: &[&str] = &[
    "temperature",
    "top_p",
    "top_k",
    "max_tokens",
    "stop_sequences",
];

#[derive(Debug, Clone)]
pub(super) struct ProviderIn {
    pub name: String,
    /// `openai`, `anthropic` or `echo`.
    pub kind: &'static str,
    pub model: Option<String>,
    pub base_url: Option<String>,
    pub api_key_env: Option<String>,
    pub params: Map<String, Value>,
}

pub(super) fn read(ctx: &mut Ctx, node: &Node) -> Vec<ProviderIn> {
    let shown = ctx.shown.clone();
    let src = Src::config(&shown);
    let items: Vec<&Node> = match node {
        Node::Sequence(items) => items.iter().collect(),
        other => vec![other],
    };
    let mut taken = BTreeSet::new();
    let mut out = Vec::new();
    for item in items {
        let line = src.line(item);
        let (id, label, config) = match item {
            Node::Scalar(s) => (s.as_str().to_string(), None, None),
            Node::Mapping(m) => match m.get_node("id").and_then(yaml::string) {
                Some(id) => (
                    id.to_string(),
                    m.get_node("label")
                        .and_then(yaml::string)
                        .map(str::to_string),
                    m.get_node("config"),
                ),
                None => {
                    ctx.drop_at(&shown, line, "a provider without an `id`");
                    continue;
                }
            },
            Node::Sequence(_) => {
                ctx.drop_at(&shown, line, "a provider that is a list");
                continue;
            }
        };
        let Some((kind, model, base_url)) = kind_of(&id) else {
            ctx.drop_at(
                &shown,
                line,
                format!("provider `{id}`: only openai, anthropic, ollama and echo providers are converted"),
            );
            continue;
        };
        let mut p = ProviderIn {
            name: String::new(),
            kind,
            model,
            base_url: base_url.map(str::to_string),
            api_key_env: match kind {
                "openai" if base_url.is_none() => Some("OPENAI_API_KEY".into()),
                "anthropic" => Some("ANTHROPIC_API_KEY".into()),
                _ => None,
            },
            params: Map::new(),
        };
        if let Some(config) = config {
            read_config(ctx, &src, config, &id, &mut p);
        }
        let fallback = format!("provider-{}", out.len() + 1);
        let named = label
            .or_else(|| p.model.clone())
            .unwrap_or_else(|| kind.to_string());
        p.name = name_from(&named, &fallback, &mut taken);
        out.push(p);
    }
    out
}

/// (kind, model, base URL) of a provider id.
fn kind_of(id: &str) -> Option<(&'static str, Option<String>, Option<&'static str>)> {
    let parts: Vec<&str> = id.splitn(3, ':').collect();
    let model = |m: &str| (!m.is_empty()).then(|| m.to_string());
    match parts.as_slice() {
        ["echo"] => Some(("echo", None, None)),
        ["openai", "chat", m] => Some(("openai", model(m), None)),
        [
            "openai",
            "embedding" | "embeddings" | "completion" | "assistant" | "image" | "realtime"
            | "responses",
            ..,
        ] => None,
        ["openai", m] => Some(("openai", model(m), None)),
        ["anthropic", "messages", m] => Some(("anthropic", model(m), None)),
        ["anthropic", m] if !m.contains(':') => Some(("anthropic", model(m), None)),
        ["ollama", "chat" | "completion", m] => Some(("openai", model(m), Some(OLLAMA))),
        ["ollama", m] => Some(("openai", model(m), Some(OLLAMA))),
        // `openai:chat:` with a model holding colons, e.g. a local `llama3.2:1b`.
        ["openai", "chat", ..] | ["ollama", ..] => None,
        _ => None,
    }
}

fn read_config(ctx: &mut Ctx, src: &Src<'_>, config: &Node, id: &str, p: &mut ProviderIn) {
    let Some(map) = config.as_mapping() else {
        ctx.drop_at(
            src.file,
            src.line(config),
            format!("provider `{id}`: `config` is not a mapping"),
        );
        return;
    };
    let allowed = if p.kind == "anthropic" {
        ANTHROPIC_PARAMS
    } else {
        OPENAI_PARAMS
    };
    for (k, v) in map.iter() {
        let line = src.line(v);
        let key = k.as_str();
        match key {
            "apiBaseUrl" | "apiHost" | "baseUrl" | "base_url" if p.kind != "echo" => {
                match yaml::string(v) {
                    Some(url) if key == "apiHost" => p.base_url = Some(format!("https://{url}/v1")),
                    Some(url) => p.base_url = Some(url.trim_end_matches('/').to_string()),
                    None => ctx.drop_at(src.file, line, format!("provider `{id}`: `{key}` is not a string")),
                }
                // A server of the user's own gets no OpenAI key unless the config names one.
                if p.kind == "openai" && p.api_key_env.as_deref() == Some("OPENAI_API_KEY") {
                    p.api_key_env = None;
                }
            }
            "apiKeyEnvar" => match yaml::string(v) {
                Some(var) => p.api_key_env = Some(var.to_string()),
                None => ctx.drop_at(src.file, line, format!("provider `{id}`: `apiKeyEnvar` is not a string")),
            },
            // Never copied: a key in a file ends up in a repository.
            "apiKey" => ctx.drop_at(
                src.file,
                line,
                format!("provider `{id}`: `apiKey` is not copied; put the key in an environment variable and set `api_key_env` in workspace.toml"),
            ),
            k if allowed.contains(&k) && p.kind != "echo" => match yaml::to_json(v) {
                Ok(value) => {
                    p.params.insert(k.to_string(), value);
                }
                Err(e) => ctx.drop_at(src.file, line, format!("provider `{id}`: `{k}`: {e}")),
            },
            k => ctx.drop_at(src.file, line, format!("provider `{id}`: config `{k}` is not converted")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::kind_of;

    #[test]
    fn ids_map_to_kinds() {
        assert_eq!(
            kind_of("openai:chat:gpt-4o").unwrap().1.as_deref(),
            Some("gpt-4o")
        );
        assert_eq!(kind_of("openai:gpt-4o-mini").unwrap().0, "openai");
        assert_eq!(
            kind_of("anthropic:messages:claude-3-5-haiku").unwrap().0,
            "anthropic"
        );
        let o = kind_of("ollama:chat:llama3.2:1b").unwrap();
        assert_eq!(
            (o.1.as_deref(), o.2),
            (Some("llama3.2:1b"), Some("http://localhost:11434/v1"))
        );
        assert_eq!(kind_of("echo").unwrap().0, "echo");
        assert!(kind_of("openai:embedding:text-embedding-3-small").is_none());
        assert!(kind_of("bedrock:claude").is_none());
        assert!(kind_of("exec:python run.py").is_none());
    }
}
