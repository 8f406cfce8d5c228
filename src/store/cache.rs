//! The response cache: `.promptwright/cache/AB/KEY.json`, one file per answer, keyed by
//! a hash of (provider kind, base URL, model, params, rendered messages). Errors are
//! never cached. Files are written atomically, so a concurrent reader sees all or nothing.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::provider::{Request, Tokens};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CachedAnswer {
    pub output: String,
    pub tokens: Option<Tokens>,
    /// Latency of the call that produced the answer, so percentiles stay meaningful.
    pub latency_ms: u64,
}

#[derive(Debug, Clone)]
pub struct Cache {
    dir: PathBuf,
}

/// The cache key of a request sent to the provider identified by `scope`
/// (its kind and base URL).
pub fn key(scope: &str, req: &Request) -> String {
    let canonical = serde_json::json!({
        "scope": scope,
        "model": req.model,
        "params": req.params,
        "messages": req.messages,
    });
    crate::provider::replay::hex(&Sha256::digest(canonical.to_string().as_bytes()))
}

impl Cache {
    pub fn new(root: &Path) -> Cache {
        Cache {
            dir: root.join(super::STATE_DIR).join("cache"),
        }
    }

    fn path(&self, key: &str) -> PathBuf {
        self.dir
            .join(&key[..2.min(key.len())])
            .join(format!("{key}.json"))
    }

    pub fn get(&self, key: &str) -> Option<CachedAnswer> {
        let bytes = std::fs::read(self.path(key)).ok()?;
        serde_json::from_slice(&bytes).ok()
    }

    pub fn put(&self, key: &str, answer: &CachedAnswer) -> std::io::Result<()> {
        let path = self.path(key);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let bytes = serde_json::to_vec(answer).map_err(std::io::Error::other)?;
        crate::fsutil::write_atomic_unsynced(&path, &bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::ChatMessage;
    use crate::workspace::Role;

    fn req(content: &str) -> Request {
        Request {
            model: "m".into(),
            messages: vec![ChatMessage {
                role: Role::User,
                content: content.into(),
            }],
            params: Default::default(),
        }
    }

    #[test]
    fn keys_depend_on_scope_and_request() {
        assert_eq!(
            key("openai http://a", &req("x")),
            key("openai http://a", &req("x"))
        );
        assert_ne!(
            key("openai http://a", &req("x")),
            key("openai http://b", &req("x"))
        );
        assert_ne!(
            key("openai http://a", &req("x")),
            key("openai http://a", &req("y"))
        );
    }

    #[test]
    fn round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::new(dir.path());
        let k = key("s", &req("x"));
        assert_eq!(cache.get(&k), None);
        let a = CachedAnswer {
            output: "hi".into(),
            tokens: Some(Tokens {
                input: 1,
                output: 2,
            }),
            latency_ms: 40,
        };
        cache.put(&k, &a).unwrap();
        assert_eq!(cache.get(&k), Some(a));
    }
}
