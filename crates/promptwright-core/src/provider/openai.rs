//! OpenAI-compatible Chat Completions: OpenAI, vLLM, llama.cpp server, Ollama's /v1,
//! LM Studio. `[params]` go into the request body as written.

use futures::future::BoxFuture;
use serde_json::Value;

use super::endpoint::{self, Endpoint};
use super::retry::AttemptError;
use super::{Provider, ProviderError, Request, Response};
use super::{http, wire_openai};
use crate::workspace::{ProviderConfig, ProviderKind};

pub struct OpenAi {
    endpoint: Endpoint,
}

/// The chat-completions URL under a base URL (OpenAI's own by default).
pub(crate) fn endpoint(base_url: Option<&str>) -> String {
    let base = base_url.unwrap_or("https://api.openai.com/v1");
    format!("{}/chat/completions", base.trim_end_matches('/'))
}

impl OpenAi {
    pub fn new(cfg: &ProviderConfig) -> Result<OpenAi, ProviderError> {
        Ok(OpenAi {
            endpoint: Endpoint::new(cfg)?,
        })
    }

    pub(crate) fn body(req: &Request) -> Value {
        let mut body = http::body_with_params(req);
        body.insert(
            "messages".into(),
            Value::Array(req.messages.iter().map(wire_openai::message).collect()),
        );
        wire_openai::add_tools(&mut body, req);
        Value::Object(body)
    }

    async fn attempt(&self, body: &Value) -> Result<Response, AttemptError> {
        let ep = &self.endpoint;
        let mut req = ep.post().json(body);
        if let Some(k) = ep.key() {
            req = req.bearer_auth(k.expose());
        }
        let v = ep.post_json(req).await?;
        reply(ep, &v)
    }
}

/// A chat-completions answer read into a `Response`: the one reading of a reply, for
/// a synchronous call and for a line of a batch's output file alike.
pub(crate) fn reply(ep: &Endpoint, v: &Value) -> Result<Response, AttemptError> {
    let message = v
        .pointer("/choices/0/message")
        .ok_or_else(|| ep.shape_error("choices[0].message", v))?;
    // A null content (e.g. a refusal or a tool call) is an empty answer, not an error.
    let output = match message.get("content") {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => message
            .get("refusal")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string(),
        Some(other) => other.to_string(),
    };
    let tokens = endpoint::usage(v, "prompt_tokens", "completion_tokens")?;
    Ok(Response {
        output: ep.scrub(&output),
        tool_calls: ep.scrub_calls(wire_openai::tool_calls(message)),
        tokens,
        cost_override_usd: None,
    })
}

impl Provider for OpenAi {
    fn kind(&self) -> ProviderKind {
        ProviderKind::Openai
    }

    fn complete<'a>(&'a self, req: &'a Request) -> BoxFuture<'a, Result<Response, ProviderError>> {
        Box::pin(async move {
            let body = Self::body(req);
            self.endpoint.retried(req, || self.attempt(&body)).await
        })
    }
}
