//! Cassettes: answers recorded by `eval --record` and replayed by a `replay` provider,
//! so CI can run a real model's answers with no key and no cost. An answer is keyed by
//! what was asked (model, params, messages), not by who answered it.

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use futures::future::BoxFuture;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::{Provider, ProviderError, Request, Response, Tokens};
use crate::vocab::ToolCall;
use crate::workspace::ProviderKind;

/// The key of a request in a cassette.
pub fn replay_key(req: &Request) -> String {
    let canonical = req.drawn(serde_json::json!({
        "model": req.model,
        "params": req.params,
        "messages": req.messages,
    }));
    hex(&Sha256::digest(canonical.to_string().as_bytes()))
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Entry {
    key: String,
    model: String,
    output: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    tool_calls: Vec<ToolCall>,
    tokens: Option<Tokens>,
}

pub struct Replay {
    path: PathBuf,
    answers: HashMap<String, Entry>,
}

impl Replay {
    pub fn open(path: &Path) -> Result<Replay, ProviderError> {
        let file = File::open(path).map_err(|e| {
            ProviderError::Config(format!(
                "cannot read cassette {}: {e}; record one with `promptwright eval --provider REAL --record`",
                path.display()
            ))
        })?;
        let mut answers = HashMap::new();
        // A torn last line (a recorder killed mid-write) is skipped; later lines win.
        for line in BufReader::new(file).lines().map_while(Result::ok) {
            if let Ok(e) = serde_json::from_str::<Entry>(&line) {
                answers.insert(e.key.clone(), e);
            }
        }
        Ok(Replay {
            path: path.to_path_buf(),
            answers,
        })
    }
}

impl Replay {
    /// Whether the cassette holds an answer to `req`.
    pub fn has(&self, req: &Request) -> bool {
        self.answers.contains_key(&replay_key(req))
    }
}

impl Provider for Replay {
    fn kind(&self) -> ProviderKind {
        ProviderKind::Replay
    }

    fn complete<'a>(&'a self, req: &'a Request) -> BoxFuture<'a, Result<Response, ProviderError>> {
        Box::pin(async move {
            match self.answers.get(&replay_key(req)) {
                Some(e) => Ok(Response {
                    output: e.output.clone(),
                    tool_calls: e.tool_calls.clone(),
                    tokens: e.tokens,
                    cost_override_usd: Some(0.0),
                }),
                None => Err(ProviderError::Config(format!(
                    "no recorded answer for this case in {} (model {}); record it with `promptwright eval --provider REAL --record`",
                    self.path.display(),
                    req.model
                ))),
            }
        })
    }
}

/// Appends answers to a cassette, a whole line per write.
pub struct Recorder {
    pub path: PathBuf,
    file: Mutex<File>,
}

impl Recorder {
    pub fn open(path: &Path) -> std::io::Result<Recorder> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let file = OpenOptions::new().create(true).append(true).open(path)?;
        Ok(Recorder {
            path: path.to_path_buf(),
            file: Mutex::new(file),
        })
    }

    pub fn record(&self, req: &Request, resp: &Response) -> std::io::Result<()> {
        let entry = Entry {
            key: replay_key(req),
            model: req.model.clone(),
            output: resp.output.clone(),
            tool_calls: resp.tool_calls.clone(),
            tokens: resp.tokens,
        };
        let mut line = serde_json::to_vec(&entry).map_err(std::io::Error::other)?;
        line.push(b'\n');
        let mut f = self.file.lock().unwrap_or_else(|p| p.into_inner());
        f.write_all(&line)?;
        f.flush()
    }
}
