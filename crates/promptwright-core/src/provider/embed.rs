//! Embeddings from an OpenAI-compatible `/embeddings` endpoint, for `similar`
//! assertions. The `[embedder]` names a provider of kind `openai`: its base URL, key and
//! host rules, timeout, retries and body cap apply here as to its chat calls. What the
//! server sends is checked: one vector per text, of finite numbers, of one bounded size.

use serde_json::{Value, json};

use super::endpoint::Endpoint;
use super::retry::{AttemptError, with_retries};
use super::{ProviderError, Response};
use crate::workspace::ProviderConfig;

/// The longest vector accepted (the largest models have a few thousand dimensions).
pub const MAX_DIMENSIONS: usize = 65_536;

pub struct Embedder {
    endpoint: Endpoint,
    pub model: String,
}

/// The embeddings URL under a base URL (OpenAI's own by default).
fn url(base_url: Option<&str>) -> String {
    let base = base_url.unwrap_or("https://api.openai.com/v1");
    format!("{}/embeddings", base.trim_end_matches('/'))
}

impl Embedder {
    pub fn new(cfg: &ProviderConfig, model: &str) -> Result<Embedder, ProviderError> {
        Ok(Embedder {
            endpoint: Endpoint::at(cfg, &url(cfg.base_url.as_deref()))?,
            model: model.to_string(),
        })
    }

    /// One vector per text, in order.
    pub async fn embed(&self, texts: &[&str]) -> Result<Vec<Vec<f64>>, ProviderError> {
        let body = json!({"model": self.model, "input": texts});
        let answer =
            with_retries(self.endpoint.policy, || self.attempt(&body, texts.len())).await?;
        // The vectors travel through the retry loop as JSON text.
        serde_json::from_str(&answer.output)
            .map_err(|e| ProviderError::Malformed(format!("embeddings: {e}")))
    }

    async fn attempt(&self, body: &Value, count: usize) -> Result<Response, AttemptError> {
        let ep = &self.endpoint;
        let mut req = ep.post().json(body);
        if let Some(k) = ep.key() {
            req = req.bearer_auth(k.expose());
        }
        let v = ep.post_json(req).await?;
        let data = v
            .get("data")
            .and_then(Value::as_array)
            .ok_or_else(|| ep.shape_error("data", &v))?;
        let bad = |why: String| {
            AttemptError::fatal(ProviderError::Malformed(format!("embeddings: {why}")))
        };
        if data.len() != count {
            return Err(bad(format!("{} vectors for {count} texts", data.len())));
        }
        let mut vectors = vec![Vec::new(); count];
        for (i, item) in data.iter().enumerate() {
            // `index` says which text a vector is for; without one, the order does.
            let at = match item.get("index").map(Value::as_u64) {
                None => i,
                Some(Some(n)) if (n as usize) < count => n as usize,
                Some(_) => return Err(bad(format!("vector {i} has an invalid index"))),
            };
            let numbers = item
                .get("embedding")
                .and_then(Value::as_array)
                .ok_or_else(|| bad(format!("vector {i} has no `embedding` list")))?;
            if numbers.is_empty() || numbers.len() > MAX_DIMENSIONS {
                return Err(bad(format!("vector {i} has {} numbers", numbers.len())));
            }
            vectors[at] = numbers
                .iter()
                .map(|n| n.as_f64().filter(|x| x.is_finite()))
                .collect::<Option<Vec<f64>>>()
                .ok_or_else(|| bad(format!("vector {i} holds something other than numbers")))?;
        }
        if vectors.iter().any(|v| v.len() != vectors[0].len()) {
            return Err(bad("the vectors differ in length".into()));
        }
        Ok(Response {
            output: serde_json::to_string(&vectors).unwrap_or_default(),
            ..Response::default()
        })
    }
}

/// The cosine of the angle between two vectors; 0 when either is all zeros or their
/// lengths differ.
pub fn cosine(a: &[f64], b: &[f64]) -> f64 {
    if a.len() != b.len() {
        return 0.0;
    }
    let dot: f64 = a.iter().zip(b).map(|(x, y)| x * y).sum();
    let norm = |v: &[f64]| v.iter().map(|x| x * x).sum::<f64>().sqrt();
    let (na, nb) = (norm(a), norm(b));
    if na == 0.0 || nb == 0.0 {
        0.0
    } else {
        (dot / (na * nb)).clamp(-1.0, 1.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cosine_of_known_vectors() {
        assert!((cosine(&[1.0, 0.0], &[1.0, 0.0]) - 1.0).abs() < 1e-12);
        assert!(cosine(&[1.0, 0.0], &[0.0, 1.0]).abs() < 1e-12);
        assert!((cosine(&[1.0, 1.0], &[1.0, 0.0]) - 0.5_f64.sqrt()).abs() < 1e-12);
        assert_eq!(cosine(&[0.0, 0.0], &[1.0, 0.0]), 0.0);
        assert_eq!(cosine(&[1.0], &[1.0, 0.0]), 0.0);
    }

    #[test]
    fn the_url_is_under_the_base() {
        assert_eq!(url(None), "https://api.openai.com/v1/embeddings");
        assert_eq!(
            url(Some("http://127.0.0.1:9/v1/")),
            "http://127.0.0.1:9/v1/embeddings"
        );
    }
}
