//! What every HTTP provider shares: one connection pool, the API key (read from the
//! environment, never printed), request sending with timeouts, and turning statuses and
//! bodies into retryable or fatal errors with a short excerpt.

use std::sync::OnceLock;
use std::time::Duration;

use serde_json::Value;

use super::ProviderError;
use super::retry::{AttemptError, parse_retry_after};

/// The client for `url`, one per scheme for the process, so connections are pooled and
/// reused across requests. Plain `http://` (local servers, the common case for a
/// benchmark or a llama.cpp box) gets a client that trusts no certificate: loading the
/// system's roots costs tens of milliseconds at start and buys nothing without TLS.
pub(crate) fn client(url: &str) -> reqwest::Client {
    static TLS: OnceLock<reqwest::Client> = OnceLock::new();
    static PLAIN: OnceLock<reqwest::Client> = OnceLock::new();
    let (cell, roots): (_, fn(reqwest::ClientBuilder) -> reqwest::ClientBuilder) =
        if is_plain_http(url) {
            (&PLAIN, |b| b.tls_certs_only([]))
        } else {
            (&TLS, |b| b)
        };
    cell.get_or_init(|| {
        roots(
            reqwest::Client::builder()
                .pool_max_idle_per_host(256)
                .tcp_nodelay(true)
                .user_agent(concat!("promptwright/", env!("CARGO_PKG_VERSION"))),
        )
        .build()
        .unwrap_or_else(|_| reqwest::Client::new())
    })
    .clone()
}

fn is_plain_http(url: &str) -> bool {
    url.get(..7)
        .is_some_and(|s| s.eq_ignore_ascii_case("http://"))
}

/// An API key. Its Debug form is redacted so it cannot leak through logs or errors.
#[derive(Clone)]
pub(crate) struct Secret(String);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

impl Secret {
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Removes the key from a text that came back from a server (some echo it).
    pub fn scrub(&self, text: &str) -> String {
        if self.0.len() >= 4 {
            text.replace(&self.0, "[redacted]")
        } else {
            text.to_string()
        }
    }
}

/// Reads the key named by `api_key_env`. Missing or empty is a configuration error that
/// names the variable (never a value).
pub(crate) fn read_key(provider: &str, var: Option<&str>) -> Result<Option<Secret>, ProviderError> {
    let Some(var) = var else {
        return Ok(None);
    };
    match std::env::var(var) {
        Ok(v) if !v.trim().is_empty() => Ok(Some(Secret(v.trim().to_string()))),
        _ => Err(ProviderError::Config(format!(
            "provider `{provider}` needs an API key in the environment variable {var}, which is not set; export {var}=... (keys are never read from files)"
        ))),
    }
}

/// A short, single-line excerpt of a body for error messages.
pub(crate) fn excerpt(body: &str) -> String {
    let flat: String = body.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut out: String = flat.chars().take(200).collect();
    if flat.chars().count() > 200 {
        out.push('…');
    }
    if out.is_empty() {
        "(empty body)".into()
    } else {
        out
    }
}

/// The provider's own error message from an error body, if it has the usual shape
/// (`{"error": {"message": ...}}` for OpenAI and Anthropic, `{"error": "..."}` for others).
fn error_message(body: &str) -> Option<String> {
    let v: Value = serde_json::from_str(body).ok()?;
    let e = v.get("error")?;
    e.get("message")
        .and_then(Value::as_str)
        .or_else(|| e.as_str())
        .map(str::to_string)
}

pub(crate) struct Sent {
    pub status: u16,
    pub body: String,
}

/// Sends a request with the provider's timeout and reads the whole body. Transport
/// failures (connect, timeout, a body cut short) are retryable.
pub(crate) async fn send(
    req: reqwest::RequestBuilder,
    timeout_s: f64,
    key: Option<&Secret>,
) -> Result<Sent, AttemptError> {
    let scrub = |s: String| key.map_or(s.clone(), |k| k.scrub(&s));
    let transport = |e: reqwest::Error| {
        if e.is_timeout() {
            AttemptError::retryable(ProviderError::Timeout(timeout_s), None)
        } else {
            // The whole chain of causes: the last one says what happened ("Connection
            // refused", "end of file before message length reached").
            let mut causes = Vec::new();
            let mut source = std::error::Error::source(&e);
            while let Some(s) = source {
                causes.push(scrub(s.to_string()));
                source = s.source();
            }
            // Without the URL: it is in the config already, and the message stays short.
            let mut text = scrub(e.without_url().to_string());
            for cause in causes {
                if !text.contains(&cause) {
                    text = format!("{text}: {cause}");
                }
            }
            AttemptError::retryable(ProviderError::Connection(text), None)
        }
    };
    let resp = req
        .timeout(Duration::from_secs_f64(timeout_s))
        .send()
        .await
        .map_err(transport)?;
    let status = resp.status().as_u16();
    let retry_after = resp
        .headers()
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(parse_retry_after);
    let body = resp.text().await.map_err(transport)?;
    if (200..300).contains(&status) {
        return Ok(Sent { status, body });
    }
    let message = scrub(error_message(&body).unwrap_or_else(|| excerpt(&body)));
    let error = ProviderError::Http { status, message };
    if status == 429 || status == 408 || status >= 500 {
        Err(AttemptError::retryable(error, retry_after))
    } else {
        Err(AttemptError::fatal(error))
    }
}

/// Parses a successful body as JSON; a malformed one is fatal (retrying a server that
/// answers in another format only wastes time) and quotes the start of the body.
pub(crate) fn parse_json(sent: &Sent, key: Option<&Secret>) -> Result<Value, AttemptError> {
    serde_json::from_str(&sent.body).map_err(|e| {
        let body = key.map_or(sent.body.clone(), |k| k.scrub(&sent.body));
        AttemptError::fatal(ProviderError::Malformed(format!(
            "HTTP {} body is not JSON ({e}): {}",
            sent.status,
            excerpt(&body)
        )))
    })
}

/// A required field is missing from an otherwise valid answer (quoted with the key
/// scrubbed: some servers echo the request's headers back).
pub(crate) fn shape_error(what: &str, v: &Value, key: Option<&Secret>) -> AttemptError {
    let body = match key {
        Some(k) => k.scrub(&v.to_string()),
        None => v.to_string(),
    };
    AttemptError::fatal(ProviderError::Malformed(format!(
        "{what} missing in the answer: {}",
        excerpt(&body)
    )))
}

/// The start of every request body: the prompt's `[params]` as written, then the model.
pub(crate) fn body_with_params(req: &super::Request) -> serde_json::Map<String, Value> {
    let mut body: serde_json::Map<String, Value> = req
        .params
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    body.insert("model".into(), Value::from(req.model.clone()));
    body
}

/// Sends a prepared request and parses its JSON answer (one attempt).
pub(crate) async fn post_json(
    req: reqwest::RequestBuilder,
    timeout_s: f64,
    key: Option<&Secret>,
) -> Result<Value, AttemptError> {
    let sent = send(req, timeout_s, key).await?;
    parse_json(&sent, key)
}

/// Token usage under the provider's own field names.
pub(crate) fn usage(v: &Value, input: &str, output: &str) -> Option<super::Tokens> {
    let u = v.get("usage")?;
    Some(super::Tokens {
        input: u.get(input)?.as_u64()?,
        output: u.get(output)?.as_u64()?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_http_skips_the_system_roots() {
        assert!(is_plain_http("http://127.0.0.1:8080/v1/chat/completions"));
        assert!(is_plain_http("HTTP://localhost/v1"));
        assert!(!is_plain_http("https://api.openai.com/v1/chat/completions"));
        assert!(!is_plain_http("http:/"));
    }
}
