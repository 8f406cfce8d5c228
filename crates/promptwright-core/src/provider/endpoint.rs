//! One HTTP provider's endpoint: where it posts (checked by the key rules before the key
//! is read), with which key, timeout and body cap, and how an answer becomes JSON or a
//! retryable or fatal error. Everything a server sends is untrusted: bodies are read up
//! to the cap, redirects are errors, token counts are range-checked, and the key is
//! scrubbed from whatever is kept.

use std::future::Future;
use std::time::Duration;

use reqwest::Url;
use serde_json::Value;

use super::http::{self, Secret};
use super::rate::Limits;
use super::retry::{AttemptError, RetryPolicy, parse_retry_after, with_retries};
use super::{ProviderError, Request, Response, Tokens};
use crate::workspace::ProviderConfig;

/// Larger token counts are not a real answer's: a server sending one is broken or hostile,
/// and pricing it would put an absurd cost on the run.
pub const MAX_TOKENS_REPORTED: u64 = 1_000_000_000;

const MIB: f64 = 1024.0 * 1024.0;

pub(crate) struct Endpoint {
    /// The shared client for the URL's scheme (cloning it shares its connection pool).
    client: reqwest::Client,
    url: Url,
    key: Option<Secret>,
    timeout_s: f64,
    max_response_mb: f64,
    pub policy: RetryPolicy,
    /// Concurrency, `rpm`, `tpm` and `adaptive`, shared by everyone calling this endpoint.
    limits: Limits,
}

struct Sent {
    status: u16,
    body: String,
}

impl Endpoint {
    /// The endpoint of an HTTP provider. A key bound for a host the user does not allow
    /// is refused here, before the key is even read from the environment.
    pub fn new(cfg: &ProviderConfig) -> Result<Endpoint, ProviderError> {
        Endpoint::at(cfg, &super::endpoint_url(cfg).unwrap_or_default())
    }

    /// The provider's endpoint at another URL of the same server (`/embeddings`), under
    /// the same key rules.
    pub fn at(cfg: &ProviderConfig, raw: &str) -> Result<Endpoint, ProviderError> {
        let url = Url::parse(raw).map_err(|e| {
            ProviderError::Config(format!(
                "provider `{}`: base_url does not make a URL ({e})",
                cfg.name
            ))
        })?;
        super::trust::authorize(cfg)?;
        let client = http::client(url.as_str()).map_err(|e| {
            ProviderError::Config(format!(
                "provider `{}`: cannot set up the HTTP client ({e}); for https the system's root certificates must be readable (SSL_CERT_FILE, SSL_CERT_DIR)",
                cfg.name
            ))
        })?;
        Ok(Endpoint {
            client,
            url,
            key: http::read_key(&cfg.name, cfg.api_key_env.as_deref())?,
            timeout_s: cfg.timeout_s,
            max_response_mb: cfg.max_response_mb,
            policy: RetryPolicy::new(cfg.max_retries),
            limits: Limits::new(cfg, cfg.concurrency as usize),
        })
    }

    /// Runs `attempt` for `req` under the retry rules, each try admitted by the
    /// provider's limits: a try waits for its place in flight and its turn under `rpm`
    /// and `tpm`, and gives the place back while it waits to retry.
    pub async fn retried<F, Fut>(
        &self,
        req: &Request,
        mut attempt: F,
    ) -> Result<Response, ProviderError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<Response, AttemptError>>,
    {
        let (input, output) = crate::estimate::tokens_of(req);
        let tokens = input.saturating_add(output);
        with_retries(self.policy, || {
            let attempt = attempt();
            async move {
                let slot = self.limits.admit(tokens).await?;
                let outcome = attempt.await;
                slot.settle(&outcome);
                outcome
            }
        })
        .await
    }

    /// A POST to the endpoint on the shared client.
    pub fn post(&self) -> reqwest::RequestBuilder {
        self.client.post(self.url.clone())
    }

    /// A GET of the endpoint on the shared client (a batch's state, its results).
    pub fn get(&self) -> reqwest::RequestBuilder {
        self.client.get(self.url.clone())
    }

    /// The same endpoint reading bodies up to `mb` MiB (a batch's results file holds
    /// many answers, so it has a bound of its own).
    pub fn with_cap(mut self, mb: f64) -> Endpoint {
        self.max_response_mb = mb;
        self
    }

    pub fn key(&self) -> Option<&Secret> {
        self.key.as_ref()
    }

    /// Removes the key from text a server sent (some echo it, even in the answer).
    pub fn scrub(&self, text: &str) -> String {
        match &self.key {
            Some(k) => k.scrub(text),
            None => text.to_string(),
        }
    }

    /// The same for tool calls: a key echoed into a name or an argument is removed.
    pub fn scrub_calls(&self, calls: Vec<crate::vocab::ToolCall>) -> Vec<crate::vocab::ToolCall> {
        if self.key.is_none() {
            return calls;
        }
        calls
            .into_iter()
            .map(|mut c| {
                c.name = self.scrub(&c.name);
                let text = c.arguments.to_string();
                let clean = self.scrub(&text);
                if clean != text {
                    c.arguments =
                        serde_json::from_str(&clean).unwrap_or(serde_json::Value::String(clean));
                }
                c
            })
            .collect()
    }

    fn transport(&self, e: reqwest::Error) -> AttemptError {
        if e.is_timeout() {
            return AttemptError::retryable(ProviderError::Timeout(self.timeout_s), None);
        }
        // The whole chain of causes: the last one says what happened ("Connection
        // refused", "end of file before message length reached").
        let mut causes = Vec::new();
        let mut source = std::error::Error::source(&e);
        while let Some(s) = source {
            causes.push(self.scrub(&s.to_string()));
            source = s.source();
        }
        // Without the URL: it is in the config already, and the message stays short.
        let mut text = self.scrub(&e.without_url().to_string());
        for cause in causes {
            if !text.contains(&cause) {
                text = format!("{text}: {cause}");
            }
        }
        AttemptError::retryable(ProviderError::Connection(text), None)
    }

    /// Reads the body up to `max_response_mb`, chunk by chunk, so an endless or huge
    /// answer costs at most the cap in memory.
    async fn read_capped(&self, mut resp: reqwest::Response) -> Result<String, AttemptError> {
        let cap = (self.max_response_mb * MIB) as u64;
        let too_large = || {
            AttemptError::fatal(ProviderError::TooLarge {
                limit_mb: self.max_response_mb,
            })
        };
        if resp.content_length().is_some_and(|n| n > cap) {
            return Err(too_large());
        }
        let mut body = Vec::new();
        while let Some(chunk) = resp.chunk().await.map_err(|e| self.transport(e))? {
            if (body.len() + chunk.len()) as u64 > cap {
                return Err(too_large());
            }
            body.extend_from_slice(&chunk);
        }
        // JSON is UTF-8; a stray invalid byte should not hide the rest of the answer.
        Ok(String::from_utf8(body)
            .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()))
    }

    /// Sends a request with the timeout and reads the body. Transport failures (connect,
    /// timeout, a body cut short), 408, 429 and 5xx are retryable; a redirect is fatal
    /// and names its target.
    async fn send(&self, req: reqwest::RequestBuilder) -> Result<Sent, AttemptError> {
        let resp = req
            .timeout(Duration::from_secs_f64(self.timeout_s))
            .send()
            .await
            .map_err(|e| self.transport(e))?;
        let status = resp.status().as_u16();
        if resp.status().is_redirection() {
            let location = resp
                .headers()
                .get(reqwest::header::LOCATION)
                .map(|v| http::excerpt(&self.scrub(&String::from_utf8_lossy(v.as_bytes()))))
                .unwrap_or_else(|| "(no Location header)".into());
            return Err(AttemptError::fatal(ProviderError::Redirect {
                status,
                location,
            }));
        }
        let retry_after = resp
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(parse_retry_after);
        let body = self.read_capped(resp).await?;
        if (200..300).contains(&status) {
            return Ok(Sent { status, body });
        }
        let message =
            self.scrub(&http::error_message(&body).unwrap_or_else(|| http::excerpt(&body)));
        let error = ProviderError::Http { status, message };
        if status == 429 || status == 408 || status >= 500 {
            Err(AttemptError::retryable(error, retry_after))
        } else {
            Err(AttemptError::fatal(error))
        }
    }

    /// Sends a prepared request and parses its JSON answer (one attempt). A malformed
    /// body is fatal (retrying a server that answers in another format only wastes time)
    /// and quotes the start of the body.
    pub async fn post_json(&self, req: reqwest::RequestBuilder) -> Result<Value, AttemptError> {
        let sent = self.send(req).await?;
        serde_json::from_str(&sent.body).map_err(|e| {
            AttemptError::fatal(ProviderError::Malformed(format!(
                "HTTP {} body is not JSON ({e}): {}",
                sent.status,
                http::excerpt(&self.scrub(&sent.body))
            )))
        })
    }

    /// Sends a prepared request and returns its body as text (one attempt): a JSONL
    /// file, read whole up to the cap.
    pub async fn text(&self, req: reqwest::RequestBuilder) -> Result<String, AttemptError> {
        Ok(self.send(req).await?.body)
    }

    /// A required field is missing from an otherwise valid answer (quoted with the key
    /// scrubbed: some servers echo the request's headers back).
    pub fn shape_error(&self, what: &str, v: &Value) -> AttemptError {
        AttemptError::fatal(ProviderError::Malformed(format!(
            "{what} missing in the answer: {}",
            http::excerpt(&self.scrub(&v.to_string()))
        )))
    }
}

/// Token usage under the provider's own field names: `None` when the server reports none;
/// an error when a count is not a whole number from 0 to [`MAX_TOKENS_REPORTED`] (a
/// negative, fractional or huge count would price the case at $0 or absurdly).
pub(crate) fn usage(v: &Value, input: &str, output: &str) -> Result<Option<Tokens>, AttemptError> {
    let Some(u) = v.get("usage").filter(|u| !u.is_null()) else {
        return Ok(None);
    };
    let count = |field: &str| -> Result<Option<u64>, AttemptError> {
        match u.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(n) => n
                .as_u64()
                .filter(|n| *n <= MAX_TOKENS_REPORTED)
                .map(Some)
                .ok_or_else(|| {
                    let shown: String = n.to_string().chars().take(40).collect();
                    AttemptError::fatal(ProviderError::Malformed(format!(
                        "usage.{field} is {shown}, not a token count (a whole number from 0 to {MAX_TOKENS_REPORTED})"
                    )))
                }),
        }
    };
    let (input, output) = (count(input)?, count(output)?);
    Ok(input
        .zip(output)
        .map(|(input, output)| Tokens { input, output }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn read(v: Value) -> Result<Option<(u64, u64)>, String> {
        usage(&v, "in", "out")
            .map(|t| t.map(|t| (t.input, t.output)))
            .map_err(|e| e.error.to_string())
    }

    #[test]
    fn token_counts_are_whole_numbers_in_range_or_the_case_errors() {
        assert_eq!(
            read(json!({"usage": {"in": 3, "out": 0}})),
            Ok(Some((3, 0)))
        );
        assert_eq!(
            read(json!({"usage": {"in": 1_000_000_000u64, "out": 1}})),
            Ok(Some((1_000_000_000, 1)))
        );
        assert_eq!(read(json!({})), Ok(None));
        assert_eq!(read(json!({"usage": null})), Ok(None));
        assert_eq!(read(json!({"usage": {"in": 3}})), Ok(None));
        for (bad, shown) in [
            (json!(-5), "-5"),
            (json!(2.5), "2.5"),
            (json!(10.0), "10.0"),
            (json!("12"), "\"12\""),
            (json!(u64::MAX), "18446744073709551615"),
            (json!(1_000_000_001u64), "1000000001"),
            (json!([1]), "[1]"),
        ] {
            let err = read(json!({"usage": {"in": 1, "out": bad}})).unwrap_err();
            assert_eq!(
                err,
                format!(
                    "malformed response: usage.out is {shown}, not a token count (a whole number from 0 to 1000000000)"
                )
            );
        }
    }
}
