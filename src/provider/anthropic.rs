//! Anthropic's Messages API: system messages go to the `system` field, `max_tokens` is
//! required (default 1024), the key travels in `x-api-key`.

use futures::future::BoxFuture;
use serde_json::{Value, json};

use super::http::{self, Secret};
use super::retry::{AttemptError, RetryPolicy, with_retries};
use super::{Provider, ProviderError, Request, Response};
use crate::workspace::{ProviderConfig, ProviderKind, Role};

pub const API_VERSION: &str = "2023-06-01";
pub const DEFAULT_MAX_TOKENS: u64 = 1024;

pub struct Anthropic {
    url: String,
    key: Option<Secret>,
    timeout_s: f64,
    policy: RetryPolicy,
}

impl Anthropic {
    pub fn new(cfg: &ProviderConfig) -> Result<Anthropic, ProviderError> {
        let base = cfg
            .base_url
            .clone()
            .unwrap_or_else(|| "https://api.anthropic.com".into());
        let base = base.trim_end_matches('/');
        // Accept a base URL given with or without the /v1 suffix.
        let base = base.strip_suffix("/v1").unwrap_or(base);
        Ok(Anthropic {
            url: format!("{base}/v1/messages"),
            key: http::read_key(&cfg.name, cfg.api_key_env.as_deref())?,
            timeout_s: cfg.timeout_s,
            policy: RetryPolicy::new(cfg.max_retries),
        })
    }

    fn body(req: &Request) -> Value {
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
            json!(
                req.messages
                    .iter()
                    .filter(|m| m.role != Role::System)
                    .map(|m| json!({"role": m.role.as_str(), "content": m.content}))
                    .collect::<Vec<_>>()
            ),
        );
        Value::Object(body)
    }

    async fn attempt(&self, body: &Value) -> Result<Response, AttemptError> {
        let mut req = http::client(&self.url)
            .post(&self.url)
            .header("anthropic-version", API_VERSION)
            .json(body);
        if let Some(k) = &self.key {
            req = req.header("x-api-key", k.expose());
        }
        let v = http::post_json(req, self.timeout_s, self.key.as_ref()).await?;
        let blocks = v
            .get("content")
            .and_then(Value::as_array)
            .ok_or_else(|| http::shape_error("content", &v, self.key.as_ref()))?;
        let output: String = blocks
            .iter()
            .filter(|b| b.get("type").and_then(Value::as_str) == Some("text"))
            .filter_map(|b| b.get("text").and_then(Value::as_str))
            .collect();
        let tokens = http::usage(&v, "input_tokens", "output_tokens");
        Ok(Response {
            output,
            tokens,
            cost_override_usd: None,
        })
    }
}

impl Provider for Anthropic {
    fn kind(&self) -> ProviderKind {
        ProviderKind::Anthropic
    }

    fn complete<'a>(&'a self, req: &'a Request) -> BoxFuture<'a, Result<Response, ProviderError>> {
        Box::pin(async move {
            let body = Self::body(req);
            with_retries(self.policy, || self.attempt(&body)).await
        })
    }
}
