//! OpenAI-compatible Chat Completions: OpenAI, vLLM, llama.cpp server, Ollama's /v1,
//! LM Studio. `[params]` go into the request body as written.

use futures::future::BoxFuture;
use serde_json::{Value, json};

use super::http::{self, Secret};
use super::retry::{AttemptError, RetryPolicy, with_retries};
use super::{Provider, ProviderError, Request, Response};
use crate::workspace::{ProviderConfig, ProviderKind};

pub struct OpenAi {
    url: String,
    key: Option<Secret>,
    timeout_s: f64,
    policy: RetryPolicy,
}

impl OpenAi {
    pub fn new(cfg: &ProviderConfig) -> Result<OpenAi, ProviderError> {
        let base = cfg
            .base_url
            .clone()
            .unwrap_or_else(|| "https://api.openai.com/v1".into());
        Ok(OpenAi {
            url: format!("{}/chat/completions", base.trim_end_matches('/')),
            key: http::read_key(&cfg.name, cfg.api_key_env.as_deref())?,
            timeout_s: cfg.timeout_s,
            policy: RetryPolicy::new(cfg.max_retries),
        })
    }

    fn body(req: &Request) -> Value {
        let mut body = http::body_with_params(req);
        body.insert(
            "messages".into(),
            json!(
                req.messages
                    .iter()
                    .map(|m| json!({"role": m.role.as_str(), "content": m.content}))
                    .collect::<Vec<_>>()
            ),
        );
        Value::Object(body)
    }

    async fn attempt(&self, body: &Value) -> Result<Response, AttemptError> {
        let mut req = http::client(&self.url).post(&self.url).json(body);
        if let Some(k) = &self.key {
            req = req.bearer_auth(k.expose());
        }
        let v = http::post_json(req, self.timeout_s, self.key.as_ref()).await?;
        let message = v
            .pointer("/choices/0/message")
            .ok_or_else(|| http::shape_error("choices[0].message", &v, self.key.as_ref()))?;
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
        let tokens = http::usage(&v, "prompt_tokens", "completion_tokens");
        Ok(Response {
            output,
            tokens,
            cost_override_usd: None,
        })
    }
}

impl Provider for OpenAi {
    fn kind(&self) -> ProviderKind {
        ProviderKind::Openai
    }

    fn complete<'a>(&'a self, req: &'a Request) -> BoxFuture<'a, Result<Response, ProviderError>> {
        Box::pin(async move {
            let body = Self::body(req);
            with_retries(self.policy, || self.attempt(&body)).await
        })
    }
}
