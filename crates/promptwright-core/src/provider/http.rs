//! What every HTTP provider shares: one connection pool that follows no redirects, the
//! API key (read from the environment, never printed), and short excerpts of bodies for
//! messages. Sending and reading answers is in `endpoint.rs`.

use std::sync::OnceLock;

use serde_json::Value;

use super::ProviderError;

/// The client for `url`, one per scheme for the process, so connections are pooled and
/// reused across requests. It follows no redirect: one would carry the key (in
/// `x-api-key` for Anthropic) to wherever the server points, and turn a POST into a GET
/// whose answer looks like the model's. Plain `http://` (local servers, the common case for a
/// benchmark or a llama.cpp box) gets a client that trusts no certificate: loading the
/// system's roots costs tens of milliseconds at start and buys nothing without TLS.
pub(crate) fn client(url: &str) -> Result<reqwest::Client, String> {
    // A client that cannot be built (no usable root certificates, say) is an error to
    // report, never a fallback: a default client would follow redirects with the key.
    static TLS: OnceLock<Result<reqwest::Client, String>> = OnceLock::new();
    static PLAIN: OnceLock<Result<reqwest::Client, String>> = OnceLock::new();
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
                .redirect(reqwest::redirect::Policy::none())
                .user_agent(concat!("promptwright/", env!("CARGO_PKG_VERSION"))),
        )
        .build()
        .map_err(|e| {
            let mut text = e.to_string();
            let mut source = std::error::Error::source(&e);
            while let Some(s) = source {
                text = format!("{text}: {s}");
                source = s.source();
            }
            text
        })
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
pub(crate) fn error_message(body: &str) -> Option<String> {
    let v: Value = serde_json::from_str(body).ok()?;
    let e = v.get("error")?;
    e.get("message")
        .and_then(Value::as_str)
        .or_else(|| e.as_str())
        .map(str::to_string)
}

/// The start of every request body: the prompt's `[params]` as written, with the
/// entries of `[params.extra]` beside them, then the model.
pub(crate) fn body_with_params(req: &super::Request) -> serde_json::Map<String, Value> {
    let mut body = crate::workspace::params::body_params(&req.params);
    body.insert("model".into(), Value::from(req.model.clone()));
    body
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
