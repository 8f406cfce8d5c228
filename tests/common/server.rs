//! A fake model API for the provider tests: a real axum server on 127.0.0.1 that records
//! every request and answers as the test says, and the workspaces and `eval` runs that
//! point at it.

// Setup helpers stop the test at the first failure; a panic is the report.
#![allow(clippy::unwrap_used)]

use std::collections::HashMap;
use std::path::Path;
use std::process::{Command, Output};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::{Request, State};
use axum::response::Response;
use serde_json::{Value, json};

use super::write;

// ---------------------------------------------------------------------------------------
// The server harness: a real axum server on a background thread. Every request is
// recorded (path, headers, body, arrival time) before the test's handler decides the
// reply, so counts are exact even for requests the client gave up on.
// ---------------------------------------------------------------------------------------

#[derive(Debug, Clone)]
pub struct Hit {
    pub at: Instant,
    pub path: String,
    /// Header names in lowercase.
    pub headers: HashMap<String, String>,
    /// The request body as JSON (`Null` if it was not JSON).
    pub body: Value,
}

impl Hit {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(String::as_str)
    }

    /// The content of the last user message: what identifies a case.
    pub fn user(&self) -> String {
        self.body["messages"]
            .as_array()
            .and_then(|m| m.iter().rev().find(|m| m["role"] == "user"))
            .and_then(|m| m["content"].as_str())
            .unwrap_or_default()
            .to_string()
    }

    /// A request from an `llm-rubric` grader (its system prompt, see src/assert/rubric.rs).
    pub fn is_grader(&self) -> bool {
        self.body["messages"][0]["content"]
            .as_str()
            .is_some_and(|s| s.starts_with("You grade the output of another model"))
    }

    /// The key the client sent, in whichever header its API uses.
    pub fn key_header(&self) -> String {
        self.header("authorization")
            .or(self.header("x-api-key"))
            .unwrap_or("")
            .to_string()
    }
}

#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(&'static str, String)>,
    pub body: String,
    pub delay: Duration,
}

impl Reply {
    pub fn new(status: u16, body: impl Into<String>) -> Reply {
        Reply {
            status,
            headers: Vec::new(),
            body: body.into(),
            delay: Duration::ZERO,
        }
    }

    pub fn header(mut self, name: &'static str, value: impl Into<String>) -> Reply {
        self.headers.push((name, value.into()));
        self
    }

    pub fn after(mut self, delay: Duration) -> Reply {
        self.delay = delay;
        self
    }
}

/// An OpenAI chat-completions answer.
pub fn chat(text: &str, input: u64, output: u64) -> Reply {
    Reply::new(
        200,
        json!({
            "id": "chatcmpl-1", "object": "chat.completion", "model": "m1",
            "choices": [{"index": 0, "finish_reason": "stop",
                         "message": {"role": "assistant", "content": text}}],
            "usage": {"prompt_tokens": input, "completion_tokens": output,
                      "total_tokens": input + output}
        })
        .to_string(),
    )
    .header("content-type", "application/json")
}

/// An error body in the shape OpenAI and Anthropic use.
pub fn api_error(status: u16, message: &str) -> Reply {
    Reply::new(status, json!({"error": {"message": message}}).to_string())
        .header("content-type", "application/json")
}

type Handler = dyn Fn(&Hit, usize) -> Reply + Send + Sync;

struct ServerState {
    hits: Mutex<Vec<Hit>>,
    handler: Box<Handler>,
}

pub struct Server {
    /// `http://127.0.0.1:PORT`
    pub url: String,
    state: Arc<ServerState>,
}

impl Server {
    /// Starts a server whose handler gets each request and its 0-based index.
    pub fn start(handler: impl Fn(&Hit, usize) -> Reply + Send + Sync + 'static) -> Server {
        let state = Arc::new(ServerState {
            hits: Mutex::new(Vec::new()),
            handler: Box::new(handler),
        });
        let app = axum::Router::new()
            .fallback(handle)
            .with_state(state.clone());
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                tx.send(listener.local_addr().unwrap()).unwrap();
                axum::serve(listener, app).await.unwrap();
            });
        });
        let addr = rx.recv().expect("server starts");
        Server {
            url: format!("http://{addr}"),
            state,
        }
    }

    /// Answers every request with the same reply.
    pub fn always(reply: Reply) -> Server {
        Server::start(move |_, _| reply.clone())
    }

    /// Answers the n-th request with the n-th reply, the last one from then on.
    pub fn script(replies: Vec<Reply>) -> Server {
        Server::start(move |_, n| replies[n.min(replies.len() - 1)].clone())
    }

    pub fn hits(&self) -> Vec<Hit> {
        self.state.hits.lock().unwrap().clone()
    }

    pub fn count(&self) -> usize {
        self.state.hits.lock().unwrap().len()
    }
}

async fn handle(State(state): State<Arc<ServerState>>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default();
    let hit = Hit {
        at: Instant::now(),
        path: parts.uri.path().to_string(),
        headers: parts
            .headers
            .iter()
            .map(|(k, v)| (k.as_str().to_string(), v.to_str().unwrap_or("").to_string()))
            .collect(),
        body: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    };
    let n = {
        let mut hits = state.hits.lock().unwrap();
        hits.push(hit.clone());
        hits.len() - 1
    };
    let reply = (state.handler)(&hit, n);
    if !reply.delay.is_zero() {
        tokio::time::sleep(reply.delay).await;
    }
    let mut resp = Response::builder().status(reply.status);
    for (k, v) in &reply.headers {
        resp = resp.header(*k, v);
    }
    resp.body(Body::from(reply.body)).unwrap()
}

// ---------------------------------------------------------------------------------------
// Workspaces and the binary.
// ---------------------------------------------------------------------------------------

/// A workspace whose default provider is `real`; `providers` holds its TOML tables.
pub fn workspace(providers: &str, prompt: &str, suite: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        root,
        "workspace.toml",
        format!("[workspace]\nname = \"t\"\ndefault_provider = \"real\"\n\n{providers}"),
    );
    write(root, "prompts/p.toml", prompt);
    write(root, "evals/s.toml", suite);
    dir
}

/// `[providers.real]`, OpenAI-compatible, at the server, fast to give up.
pub fn openai(url: &str, extra: &str) -> String {
    format!(
        "[providers.real]\nkind = \"openai\"\nbase_url = \"{url}/v1\"\ntimeout_s = 1\nmax_retries = 2\n{extra}\n"
    )
}

/// A prompt with a system and a user message; `{{ word }}` is the case's variable.
pub const PROMPT: &str = r#"model = "m1"
[[messages]]
role = "system"
content = "You are terse."
[[messages]]
role = "user"
content = "Say {{ word }}"
"#;

/// A suite of cases `c1..cN` whose word is `w1..wN`, each asserting nothing but that an
/// answer came (min-length 1).
pub fn suite(n: usize) -> String {
    let mut s = String::from("prompt = \"p\"\n[[assert]]\ntype = \"min-length\"\nvalue = 1\n");
    for i in 1..=n {
        s.push_str(&format!(
            "[[cases]]\nid = \"c{i}\"\nvars = {{ word = \"w{i}\" }}\n"
        ));
    }
    s
}

/// The real binary in `root`, without colours, and blind to the user's own trust
/// settings (allowed hosts), which must not change what a test sees.
pub fn bin(root: &Path) -> Command {
    let mut c = super::promptwright(root);
    c.env_remove("PROMPTWRIGHT_ALLOW_HOSTS")
        .env("XDG_CONFIG_HOME", root.join(".no-user-config"));
    c
}

pub struct Run {
    pub out: Output,
    pub json: Value,
    pub elapsed: Duration,
}

impl Run {
    pub fn code(&self) -> i32 {
        self.out.status.code().expect("exited")
    }

    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.out.stderr).into_owned()
    }

    pub fn run0(&self) -> &Value {
        &self.json["runs"][0]
    }

    pub fn case(&self, id: &str) -> &Value {
        self.run0()["cases"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == id)
            .unwrap_or_else(|| panic!("no case {id} in {:#}", self.json))
    }

    pub fn cases(&self) -> &Vec<Value> {
        self.run0()["cases"].as_array().unwrap()
    }

    /// The error of a case, which must exist.
    pub fn error(&self, id: &str) -> String {
        let c = self.case(id);
        assert_eq!(c["status"], "error", "{c:#}");
        c["error"].as_str().unwrap().to_string()
    }
}

/// `promptwright eval --format json ARGS` with extra environment variables.
pub fn eval_env(root: &Path, args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut cmd = bin(root);
    cmd.args(["eval", "--format", "json"]).args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let started = Instant::now();
    let out = cmd.output().expect("binary runs");
    let elapsed = started.elapsed();
    let json = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    Run { out, json, elapsed }
}

pub fn eval(root: &Path, args: &[&str]) -> Run {
    eval_env(root, args, &[])
}
