//! Anthropic's Messages API: system messages go to the `system` field, `max_tokens` is
//! required (default 1024), the key travels in `x-api-key`.

use futures::future::BoxFuture;
use serde_json::{Value, json};

use super::endpoint::{self, Endpoint};
use super::retry::AttemptError;
use super::{Provider, ProviderError, Request, Response};
use super::{http, wire_anthropic};
use crate::vocab::Role;
use crate::workspace::{ProviderConfig, ProviderKind};

pub const API_VERSION: &str = "2023-06-01";
pub const DEFAULT_MAX_TOKENS: u64 = 1024;

pub struct Anthropic {
    endpoint: Endpoint,
}

/// The Messages URL under a base URL given with or without its /v1 suffix.
pub(crate) fn endpoint(base_url: Option<&str>) -> String {
    let base = base_url
        .unwrap_or("https://api.anthropic.com")
        .trim_end_matches('/');
    let base = base.strip_suffix("/v1").unwrap_or(base);
    format!("{base}/v1/messages")
}

impl Anthropic {
    pub fn new(cfg: &ProviderConfig) -> Result<Anthropic, ProviderError> {
        Ok(Anthropic {
            endpoint: Endpoint::new(cfg)?,
        })
    }

    pub(crate) fn body(req: &Request) -> Value {
        let mut body = http::body_with_params(req);
        body.entry("max_tokens")
            .or_insert(json!(DEFAULT_MAX_TOKENS));
        let system: Vec<&str> = req
            .messages
            .iter()
            .filter(|m| m.role == Role::System)
            .map(|m| m.content.as_str())
            .collect();
        if !system.is_empty() {
            body.insert("system".into(), json!(system.join("\n\n")));
        }
        body.insert(
            "messages".into(),
            Value::Array(wire_anthropic::messages(req)),
        );
        wire_anthropic::add_tools(&mut body, req);
        Value::Object(body)
    }

    async fn attempt(
        &self,
        body: &Value,
        format_tool: Option<&str>,
    ) -> Result<Response, AttemptError> {
        let ep = &self.endpoint;
        let mut req = ep
            .post()
            .header("anthropic-version", API_VERSION)
            .json(body);
        if let Some(k) = ep.key() {
            req = req.header("x-api-key", k.expose());
        }
        let v = ep.post_json(req).await?;
        reply(ep, &v, format_tool)
    }
}

/// A Messages answer read into a `Response`: the one reading of a reply, for a
/// synchronous call and for a succeeded result of a message batch alike. The input of
/// a call to `format_tool` (the structured-output tool) is the answer's text.
pub(crate) fn reply(
    ep: &Endpoint,
    v: &Value,
    format_tool: Option<&str>,
) -> Result<Response, AttemptError> {
    let blocks = v
        .get("content")
        .and_then(Value::as_array)
        .ok_or_else(|| ep.shape_error("content", v))?;
    let (output, tool_calls) = wire_anthropic::answer(blocks, format_tool);
    let tokens = endpoint::usage(v, "input_tokens", "output_tokens")?;
    Ok(Response {
        output: ep.scrub(&output),
        tool_calls: ep.scrub_calls(tool_calls),
        tokens,
        cost_override_usd: None,
    })
}

impl Provider for Anthropic {
    fn kind(&self) -> ProviderKind {
        ProviderKind::Anthropic
    }

    fn complete<'a>(&'a self, req: &'a Request) -> BoxFuture<'a, Result<Response, ProviderError>> {
        Box::pin(async move {
            let body = Self::body(req);
            let format_tool = wire_anthropic::format_tool(req);
            self.endpoint
                .retried(req, || self.attempt(&body, format_tool))
                .await
        })
    }
}
