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
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tool_calls: Vec<crate::vocab::ToolCall>,
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
    let canonical = req.drawn(serde_json::json!({
        "scope": scope,
        "model": req.model,
        "params": req.params,
        "messages": req.messages,
    }));
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

    /// A writer on its own thread: creating a file costs the kernel far more than the
    /// request it saves (~150 µs here), and on the async workers that time would delay
    /// every answer waiting behind it. The thread ends once every [`CacheQueue`] clone
    /// is dropped; [`CacheWritten::wait`] then returns.
    ///
    /// The first write that fails goes to `on_error` and ends the writing: a cache that
    /// cannot be written is a disk that is full or read-only, and the run record is
    /// next; the run stops rather than carry on asking the model for answers it cannot
    /// keep.
    pub fn writer(
        &self,
        on_error: impl FnOnce(std::io::Error) + Send + 'static,
    ) -> (CacheQueue, CacheWritten) {
        let (tx, rx) = std::sync::mpsc::channel::<(String, CachedAnswer)>();
        let cache = self.clone();
        let thread = std::thread::spawn(move || {
            for (key, answer) in rx.iter() {
                if let Err(e) = cache.put(&key, &answer) {
                    on_error(e);
                    // Drained, not dropped: senders never see a closed queue.
                    rx.iter().for_each(drop);
                    return;
                }
            }
        });
        (CacheQueue(tx), CacheWritten(thread))
    }

    pub fn put(&self, key: &str, answer: &CachedAnswer) -> std::io::Result<()> {
        if crate::failpoint::value("cache-write-fails").is_some() {
            return Err(std::io::ErrorKind::StorageFull.into());
        }
        let path = self.path(key);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let bytes = serde_json::to_vec(answer).map_err(std::io::Error::other)?;
        crate::fsutil::write_atomic_unsynced(&path, &bytes)
    }
}

/// Queues answers for the writer thread of [`Cache::writer`].
#[derive(Clone)]
pub struct CacheQueue(std::sync::mpsc::Sender<(String, CachedAnswer)>);

impl CacheQueue {
    pub fn put(&self, key: String, answer: CachedAnswer) {
        let _ = self.0.send((key, answer));
    }
}

/// The writer thread of [`Cache::writer`].
pub struct CacheWritten(std::thread::JoinHandle<()>);

impl CacheWritten {
    /// Blocks until every queue is dropped and every answer queued is on disk.
    pub fn wait(self) {
        let _ = self.0.join();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::ChatMessage;
    use crate::vocab::Role;

    fn req(content: &str) -> Request {
        Request {
            model: "m".into(),
            messages: vec![ChatMessage::text(Role::User, content)],
            sample: 1,
            ..Request::default()
        }
    }

    #[test]
    fn tools_choice_format_and_image_bytes_are_part_of_the_key() {
        use crate::provider::Image;
        use crate::vocab::{FormatKind, ResponseFormat, ToolDef};
        let plain = key("s", &req("x"));
        let mut with_tool = req("x");
        with_tool.tools = vec![ToolDef {
            name: "t".into(),
            description: None,
            parameters: serde_json::json!({"type": "object"}),
        }];
        assert_ne!(plain, key("s", &with_tool));
        let mut chosen = with_tool.clone();
        chosen.tool_choice = Some("t".into());
        assert_ne!(key("s", &with_tool), key("s", &chosen));
        let mut formatted = req("x");
        formatted.response_format = Some(ResponseFormat {
            kind: FormatKind::JsonObject,
            name: None,
            schema: None,
            strict: None,
        });
        assert_ne!(plain, key("s", &formatted));
        let image = |bytes: &[u8], sha256: &str| {
            let mut r = req("x");
            r.messages[0].images.push(Image::Bytes {
                media_type: "image/png",
                data: bytes.into(),
                sha256: sha256.into(),
            });
            key("s", &r)
        };
        assert_ne!(image(b"a", "aa"), image(b"b", "bb"));
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
    fn each_draw_has_its_own_key_and_the_first_keeps_the_unrepeated_one() {
        let drawn = |n: u32| {
            key(
                "s",
                &Request {
                    sample: n,
                    ..req("x")
                },
            )
        };
        // The key an unrepeated run has always used, written out: old caches stay valid.
        let canonical =
            r#"{"messages":[{"content":"x","role":"user"}],"model":"m","params":{},"scope":"s"}"#;
        let old = crate::provider::replay::hex(&Sha256::digest(canonical.as_bytes()));
        assert_eq!(drawn(1), old);
        assert_ne!(drawn(2), drawn(1));
        assert_ne!(drawn(3), drawn(2));
        assert_eq!(drawn(2), drawn(2));
    }

    #[test]
    fn round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::new(dir.path());
        let k = key("s", &req("x"));
        assert_eq!(cache.get(&k), None);
        let a = CachedAnswer {
            output: "hi".into(),
            tool_calls: Vec::new(),
            tokens: Some(Tokens {
                input: 1,
                output: 2,
            }),
            latency_ms: 40,
        };
        cache.put(&k, &a).unwrap();
        assert_eq!(cache.get(&k), Some(a));
    }

    #[test]
    fn the_writer_thread_has_written_everything_once_waited_for() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::new(dir.path());
        let (queue, written) = cache.writer(|e| panic!("{e}"));
        let answer = |n: u64| CachedAnswer {
            output: format!("answer {n}"),
            tool_calls: Vec::new(),
            tokens: None,
            latency_ms: n,
        };
        let second = queue.clone();
        for n in 0..200 {
            let q = if n % 2 == 0 { &queue } else { &second };
            q.put(key("s", &req(&n.to_string())), answer(n));
        }
        drop((queue, second));
        written.wait();
        for n in 0..200 {
            assert_eq!(cache.get(&key("s", &req(&n.to_string()))), Some(answer(n)));
        }
    }
}
