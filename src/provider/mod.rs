//! Model providers behind one trait. The runner knows only `Provider`; each kind
//! (echo now, HTTP kinds next) turns a rendered request into an answer.

mod echo;

use std::collections::BTreeMap;
use std::sync::Arc;

use futures::future::BoxFuture;
use serde::{Deserialize, Serialize};
use serde_json::Value;

pub use echo::Echo;

use crate::workspace::{ProviderConfig, ProviderKind, Role};

/// One rendered chat message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChatMessage {
    pub role: Role,
    pub content: String,
}

/// What the runner asks a provider for.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Request {
    pub model: String,
    pub messages: Vec<ChatMessage>,
    /// Passed through to the provider as written in the prompt's `[params]`.
    pub params: BTreeMap<String, Value>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tokens {
    pub input: u64,
    pub output: u64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Response {
    pub output: String,
    pub tokens: Option<Tokens>,
    /// Set by providers whose calls are free whatever the pricing table says.
    pub cost_override_usd: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ProviderError {
    #[error("{0}")]
    Config(String),
    #[error("HTTP {status}: {excerpt}")]
    Http { status: u16, excerpt: String },
    #[error("timed out after {0} s")]
    Timeout(f64),
    #[error("connection failed: {0}")]
    Connection(String),
    #[error("malformed response: {0}")]
    Malformed(String),
}

pub trait Provider: Send + Sync {
    fn kind(&self) -> ProviderKind;
    fn complete<'a>(&'a self, req: &'a Request) -> BoxFuture<'a, Result<Response, ProviderError>>;
}

/// Builds the provider a workspace configures.
pub fn build(cfg: &ProviderConfig) -> Result<Arc<dyn Provider>, ProviderError> {
    match cfg.kind {
        ProviderKind::Echo => Ok(Arc::new(Echo)),
        other => Err(ProviderError::Config(format!(
            "provider `{}` is of kind `{}`, which this build cannot call yet; use an `echo` provider (e.g. --provider local)",
            cfg.name,
            other.as_str()
        ))),
    }
}
