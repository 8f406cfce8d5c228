//! The vendors' batch APIs (`eval --batch`): many requests sent as one job that the
//! provider runs on its own fleet, at a lower price, within a day. A job is created,
//! polled until it ends, and its results file read back; each result is read by the
//! same function that reads a synchronous reply (`openai::reply`, `anthropic::reply`).
//!
//! Every id a server sends is checked before it goes into a URL, a results URL must
//! pass the same host rule as the provider's own URL before the key is sent to it, and
//! a results file is read up to [`RESULTS_MAX_MB`].

mod anthropic;
mod openai;

use std::collections::HashMap;

use serde_json::Value;

use super::endpoint::Endpoint;
use super::retry::{AttemptError, RetryPolicy, with_retries};
use super::{ProviderError, Request, Response};
use crate::workspace::{ProviderConfig, ProviderKind};

/// The most a results file may hold, in MiB: a job's answers, read whole.
pub const RESULTS_MAX_MB: f64 = 2048.0;

/// What one request of a job came to: its answer, or why it has none.
pub type Outcome = Result<Response, ProviderError>;

/// A job's state as its vendor reports it.
#[derive(Debug, Clone, PartialEq)]
pub struct JobState {
    /// The vendor's own word (`validating`, `in_progress`, `ended`...).
    pub status: String,
    /// Requests finished (answered or failed) and in all, as reported.
    pub done: u64,
    pub total: u64,
    /// Set once the job has ended: where its results are, or why there are none.
    pub end: Option<End>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum End {
    /// Results to read (files or a URL); requests missing from them failed with the
    /// job's status.
    Results(Vec<String>),
    /// The job failed as a whole (an invalid input file, say): every request errs so.
    Failed(String),
}

/// The limits of one job: more requests or bytes are split into several jobs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limits {
    pub requests: usize,
    pub bytes: usize,
}

/// A provider's batch API, with the provider's key rules, retries and bounds.
pub struct Client {
    cfg: ProviderConfig,
    policy: RetryPolicy,
    pub limits: Limits,
}

impl Client {
    /// The batch API of an `openai` or `anthropic` provider; any other kind has none.
    pub fn new(cfg: &ProviderConfig) -> Result<Client, ProviderError> {
        let limits = match cfg.kind {
            ProviderKind::Openai => openai::LIMITS,
            ProviderKind::Anthropic => anthropic::LIMITS,
            ProviderKind::Echo | ProviderKind::Replay => {
                return Err(ProviderError::Config(format!(
                    "provider `{}` is of kind `{}`, which has no batch API",
                    cfg.name,
                    cfg.kind.as_str()
                )));
            }
        };
        // Fails here, before any call, when the key may not go to the host or is unset.
        Endpoint::new(cfg)?;
        Ok(Client {
            cfg: cfg.clone(),
            policy: RetryPolicy::new(cfg.max_retries),
            limits,
        })
    }

    pub fn kind(&self) -> ProviderKind {
        self.cfg.kind
    }

    /// The request body of `req` as one line of a batch, in the vendor's format (the
    /// exact body a synchronous call sends), serialised: a job is held as text only.
    pub fn line(&self, custom_id: &str, req: &Request) -> String {
        let body = super::request_body(self.cfg.kind, req);
        match self.cfg.kind {
            ProviderKind::Anthropic => anthropic::line(custom_id, body),
            _ => openai::line(custom_id, body),
        }
        .to_string()
    }

    /// Creates one job of `lines` (made by [`Client::line`], packed within
    /// [`Client::limits`]); returns its id. The create call is retried only when the
    /// server answered that it did not take it (429, 5xx): a lost answer must not
    /// create a second job.
    pub async fn submit(&self, lines: &[String]) -> Result<String, ProviderError> {
        match self.cfg.kind {
            ProviderKind::Anthropic => anthropic::submit(self, lines).await,
            _ => openai::submit(self, lines).await,
        }
    }

    pub async fn poll(&self, id: &str) -> Result<JobState, ProviderError> {
        match self.cfg.kind {
            ProviderKind::Anthropic => anthropic::poll(self, id).await,
            _ => openai::poll(self, id).await,
        }
    }

    /// The outcome of every request the ended job reports, by custom id; `asked` holds
    /// the requests by custom id (a reply is read knowing what was asked).
    pub async fn results(
        &self,
        sources: &[String],
        asked: &HashMap<String, Request>,
    ) -> Result<HashMap<String, Outcome>, ProviderError> {
        let mut out = HashMap::new();
        for source in sources {
            match self.cfg.kind {
                ProviderKind::Anthropic => {
                    anthropic::results(self, source, asked, &mut out).await?
                }
                _ => openai::results(self, source, &mut out).await?,
            }
        }
        Ok(out)
    }

    /// The endpoint at `url` under the provider's key rules: a URL a server gave
    /// (`results_url`) is checked like the provider's own before the key is sent.
    fn endpoint(&self, url: &str) -> Result<Endpoint, ProviderError> {
        let parsed = reqwest::Url::parse(url)
            .map_err(|e| ProviderError::Batch(format!("`{url}` is not a URL ({e})")))?;
        if self.cfg.api_key_env.is_some() {
            super::trust::Trust::from_user()
                .key_may_go(self.cfg.kind, &parsed)
                .map_err(|_| {
                    let host = parsed.host_str().unwrap_or("(no host)");
                    ProviderError::Batch(format!(
                        "the server named {host} for the batch results, a host the key of provider `{}` may not go to; nothing was sent there (allow the host with PROMPTWRIGHT_ALLOW_HOSTS if you trust it)",
                        self.cfg.name
                    ))
                })?;
        }
        Endpoint::at(&self.cfg, url)
    }

    /// `path` under the provider's base URL (which for Anthropic ends before `/v1`).
    fn url(&self, path: &str) -> String {
        let base = match self.cfg.kind {
            ProviderKind::Anthropic => {
                let b = self
                    .cfg
                    .base_url
                    .as_deref()
                    .unwrap_or("https://api.anthropic.com")
                    .trim_end_matches('/');
                b.strip_suffix("/v1").unwrap_or(b).to_string() + "/v1"
            }
            _ => self
                .cfg
                .base_url
                .as_deref()
                .unwrap_or("https://api.openai.com/v1")
                .trim_end_matches('/')
                .to_string(),
        };
        format!("{base}/{path}")
    }

    async fn retried<T, F, Fut>(&self, attempt: F) -> Result<T, ProviderError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, AttemptError>>,
    {
        with_retries(self.policy, attempt).await
    }
}

/// Only errors the server answered with (429, 5xx) are retried: after a timeout or a
/// cut connection nobody knows whether the job was created.
fn answered_only(e: AttemptError) -> AttemptError {
    if matches!(e.error, ProviderError::Http { .. }) {
        e
    } else {
        AttemptError::fatal(e.error)
    }
}

/// An id a server sent, checked before it goes into a URL path: letters, digits, `_`
/// and `-` (and `.`), at most 200 of them, so it cannot climb or add a query.
pub(crate) fn checked_id(what: &str, v: Option<&Value>) -> Result<String, ProviderError> {
    let id = v.and_then(Value::as_str).unwrap_or_default();
    let ok = !id.is_empty()
        && id.len() <= 200
        && id != "."
        && id != ".."
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
    if ok {
        Ok(id.to_string())
    } else {
        let shown: String = v
            .map(Value::to_string)
            .unwrap_or_default()
            .chars()
            .take(60)
            .collect();
        Err(ProviderError::Malformed(format!(
            "{what} is {shown}, not an id (letters, digits, _ - . only)"
        )))
    }
}

/// A count a server reported, for the progress line only.
fn count(v: &Value, path: &str) -> u64 {
    v.pointer(path)
        .and_then(Value::as_u64)
        .unwrap_or(0)
        .min(u32::MAX as u64)
}

/// A job's status as the server words it, kept short and plain for the progress line.
fn status_word(v: Option<&Value>) -> String {
    let word: String = v
        .and_then(Value::as_str)
        .unwrap_or("unknown")
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
        .take(32)
        .collect();
    if word.is_empty() {
        "unknown".into()
    } else {
        word
    }
}

/// The custom id of a request: from its cache key (the request and its draw), so the
/// same request has the same id in every run and a resumed run finds it in the jobs
/// it already made. Fits both vendors' rules (`[A-Za-z0-9_-]{1,64}`).
pub fn custom_id(cache_key: &str) -> String {
    format!("pw-{}", &cache_key[..cache_key.len().min(40)])
}

/// Packs lines into jobs within `limits` (requests, and bytes of the lines as sent, one
/// newline each) as they are made, so only one job's lines are held at a time.
pub struct Packer {
    limits: Limits,
    job: Vec<(String, String)>,
    bytes: usize,
}

impl Packer {
    pub fn new(limits: Limits) -> Packer {
        Packer {
            limits,
            job: Vec::new(),
            bytes: 0,
        }
    }

    /// Adds a request (custom id and line); returns the job it filled, if it did. A
    /// line alone over the byte limit still goes, alone (the vendor then says why).
    pub fn push(&mut self, id: String, line: String) -> Option<Vec<(String, String)>> {
        let size = line.len() + 1;
        let full = !self.job.is_empty()
            && (self.job.len() >= self.limits.requests || self.bytes + size > self.limits.bytes);
        let out = full.then(|| {
            self.bytes = 0;
            std::mem::take(&mut self.job)
        });
        self.bytes += size;
        self.job.push((id, line));
        out
    }

    /// The last job, if it holds anything.
    pub fn finish(self) -> Option<Vec<(String, String)>> {
        (!self.job.is_empty()).then_some(self.job)
    }
}

/// Each line of a JSONL body that parses, the rest skipped with no panic.
fn jsonl(body: &str) -> impl Iterator<Item = Value> + '_ {
    body.lines()
        .filter(|l| !l.trim().is_empty())
        .filter_map(|l| serde_json::from_str(l).ok())
}

#[cfg(test)]
mod tests;
