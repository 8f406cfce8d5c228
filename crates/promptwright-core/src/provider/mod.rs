//! Model providers behind one trait. The runner knows only `Provider`; each kind turns a
//! rendered request into an answer. HTTP kinds share one client and one retry layer.

pub(crate) mod anthropic;
pub mod batch;
pub(crate) mod echo;
pub mod embed;
mod endpoint;
pub mod history;
mod http;
mod image;
mod openai;
mod rate;
pub mod replay;
mod request;
mod retry;
pub mod trust;
mod wire_anthropic;
mod wire_openai;

use std::collections::BTreeMap;
use std::sync::Arc;

use futures::future::BoxFuture;
use serde::{Deserialize, Serialize};
use serde_json::Value;

pub use anthropic::Anthropic;
pub use echo::Echo;
pub use openai::OpenAi;
pub use replay::{Recorder, Replay};
pub use request::{ImageReader, request_body, request_for};

use crate::vocab::{ResponseFormat, Role, ToolCall, ToolDef};
use crate::workspace::{ProviderConfig, ProviderKind};

/// One rendered chat message, or one message of a conversation's history: an
/// assistant's turn may carry tool calls, a tool's result answers one by its id.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChatMessage {
    pub role: Role,
    pub content: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub images: Vec<Image>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tool_calls: Vec<ToolCall>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tool_call_id: Option<String>,
}

impl ChatMessage {
    pub fn text(role: Role, content: impl Into<String>) -> ChatMessage {
        ChatMessage {
            role,
            content: content.into(),
            images: Vec::new(),
            tool_calls: Vec::new(),
            tool_call_id: None,
        }
    }
}

impl ChatMessage {
    /// The message as a reader sees it in a preview: its text, its images by
    /// reference, its tool calls with their arguments, and which call a tool result
    /// answers.
    pub fn shown(&self) -> String {
        let mut out = String::new();
        if let Some(id) = &self.tool_call_id {
            out.push_str(&format!("(the result of {id})\n"));
        }
        out.push_str(&crate::vocab::shown_output(&self.content, &self.tool_calls));
        for image in &self.images {
            let shown = match image {
                Image::Path(p) | Image::Url(p) => p.clone(),
                Image::Bytes { sha256, .. } => format!("sha256 {}", &sha256[..12]),
            };
            if !out.is_empty() {
                out.push('\n');
            }
            out.push_str(&format!("[image: {shown}]"));
        }
        out
    }
}

pub use image::Image;

/// What the runner asks a provider for.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct Request {
    pub model: String,
    pub messages: Vec<ChatMessage>,
    /// Passed through to the provider as written in the prompt's `[params]`.
    pub params: BTreeMap<String, Value>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tools: Vec<ToolDef>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tool_choice: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response_format: Option<ResponseFormat>,
    /// Which draw of a repeated case this is (1-based). Never sent: it tells the
    /// cache and the cassette the draws apart.
    #[serde(skip)]
    pub sample: u32,
}

impl Request {
    /// `key`, the identity of this request in a cache or cassette, told apart from
    /// the request's other draws: the first draw adds nothing, so an unrepeated run
    /// keeps the keys it always had. Tools, tool choice and response format are added
    /// only when the prompt has them, for the same reason.
    pub(crate) fn drawn(&self, mut key: Value) -> Value {
        if self.sample > 1 {
            key["sample"] = self.sample.into();
        }
        if !self.tools.is_empty() {
            key["tools"] = serde_json::to_value(&self.tools).unwrap_or_default();
        }
        if let Some(choice) = &self.tool_choice {
            key["tool_choice"] = choice.as_str().into();
        }
        if let Some(format) = &self.response_format {
            key["response_format"] = serde_json::to_value(format).unwrap_or_default();
        }
        key
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tokens {
    pub input: u64,
    pub output: u64,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Response {
    pub output: String,
    /// The tools the answer called, in order.
    pub tool_calls: Vec<ToolCall>,
    pub tokens: Option<Tokens>,
    /// Set by providers whose calls are free whatever the pricing table says.
    pub cost_override_usd: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ProviderError {
    #[error("{0}")]
    Config(String),
    #[error("HTTP {status}: {message}")]
    Http { status: u16, message: String },
    #[error("timed out after {0} s")]
    Timeout(f64),
    #[error("connection failed: {0}")]
    Connection(String),
    #[error("malformed response: {0}")]
    Malformed(String),
    #[error(
        "HTTP {status} redirect to {location}, not followed: API calls follow no redirects (if you trust the target, set base_url to it)"
    )]
    Redirect { status: u16, location: String },
    #[error(
        "the answer is larger than max_response_mb = {limit_mb} MiB and was not read further (raise max_response_mb for this provider if its answers are that big)"
    )]
    TooLarge { limit_mb: f64 },
    /// A request of a batch job that got no answer (its line failed, or the job ended
    /// before it ran), in the provider's words.
    #[error("{0}")]
    Batch(String),
    /// A request of a batch job that never ran: the job expired, was cancelled or
    /// failed as a whole. The run is left resumable.
    #[error("{0}")]
    NotRun(String),
    #[error("gave up after {attempts} attempts; last: {last}")]
    Exhausted {
        attempts: u32,
        last: Box<ProviderError>,
    },
}

pub trait Provider: Send + Sync {
    fn kind(&self) -> ProviderKind;
    fn complete<'a>(&'a self, req: &'a Request) -> BoxFuture<'a, Result<Response, ProviderError>>;
}

/// Builds the provider a workspace configures; `concurrency` overrides the configured
/// limit of requests in flight (`eval -j`). Whoever shares the provider built (cases,
/// grader, the cells of a comparison) shares its limits. A missing key variable fails
/// here, before any call.
pub fn build(
    cfg: &ProviderConfig,
    concurrency: Option<usize>,
) -> Result<Arc<dyn Provider>, ProviderError> {
    let cfg = &ProviderConfig {
        concurrency: concurrency.map_or(cfg.concurrency, |j| j.clamp(1, u32::MAX as usize) as u32),
        ..cfg.clone()
    };
    Ok(match cfg.kind {
        ProviderKind::Echo => Arc::new(Echo),
        ProviderKind::Replay => {
            let path = cfg.cassette.as_ref().ok_or_else(|| {
                ProviderError::Config(format!("provider `{}` has no cassette", cfg.name))
            })?;
            Arc::new(Replay::open(path)?)
        }
        ProviderKind::Openai => Arc::new(OpenAi::new(cfg)?),
        ProviderKind::Anthropic => Arc::new(Anthropic::new(cfg)?),
    })
}

/// The URL an HTTP provider posts to, or `None` for offline kinds.
pub(crate) fn endpoint_url(cfg: &ProviderConfig) -> Option<String> {
    match cfg.kind {
        ProviderKind::Openai => Some(openai::endpoint(cfg.base_url.as_deref())),
        ProviderKind::Anthropic => Some(anthropic::endpoint(cfg.base_url.as_deref())),
        ProviderKind::Echo | ProviderKind::Replay => None,
    }
}

/// What identifies a provider's answers in the response cache (kind and base URL), or
/// `None` for providers whose answers are not worth caching (offline ones).
pub fn cache_scope(cfg: &ProviderConfig) -> Option<String> {
    match cfg.kind {
        ProviderKind::Echo | ProviderKind::Replay => None,
        kind => Some(format!(
            "{} {}",
            kind.as_str(),
            cfg.base_url.as_deref().unwrap_or("")
        )),
    }
}
