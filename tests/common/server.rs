//! A fake model API for the provider tests: a real axum server on 127.0.0.1 that records
//! every request and answers as the test says, and the workspaces and `eval` runs that
//! point at it.

// Setup helpers stop the test at the first failure; a panic is the report.
#![allow(clippy::unwrap_used)]

use std::collections::HashMap;
use std::path::Path;
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
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
    /// Requests the server held unanswered when this one arrived, this one included.
    pub in_flight: usize,
    /// The request body as sent (a multipart upload is not JSON).
    pub raw: Vec<u8>,
    /// The query string, if any.
    pub query: Option<String>,
    pub method: String,
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
    /// Held at this gate until the test opens it (or the client gives up).
    pub gate: Option<Gate>,
}

impl Reply {
    pub fn new(status: u16, body: impl Into<String>) -> Reply {
        Reply {
            status,
            headers: Vec::new(),
            body: body.into(),
            delay: Duration::ZERO,
            gate: None,
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

    /// Answers only once `gate` lets the request through.
    pub fn held(mut self, gate: &Gate) -> Reply {
        self.gate = Some(gate.clone());
        self
    }
}

/// How long a test waits for an event before it calls the run hung. Never a measure of
/// speed: only a machine stopped for minutes reaches it.
pub const HANG: Duration = Duration::from_secs(120);

/// Blocks until `done` holds for the value behind `lock`, woken through `cond`; panics
/// after [`HANG`] saying what it waited for.
pub fn wait_on<T>(lock: &Mutex<T>, cond: &Condvar, what: &str, done: impl Fn(&T) -> bool) {
    let guard = lock.lock().unwrap();
    let (guard, timeout) = cond.wait_timeout_while(guard, HANG, |v| !done(v)).unwrap();
    assert!(!timeout.timed_out(), "hung waiting for {what}");
    drop(guard);
}

/// Where held replies wait: the test lets requests through by count (`release`), or all
/// from then on (`open`), or the gate opens itself once `n` requests wait at it
/// (`opens_at`), which proves those `n` were in flight together. The test can wait until a
/// given number of requests wait (`wait_waiting`).
#[derive(Debug, Clone)]
pub struct Gate(Arc<GateState>);

#[derive(Debug)]
struct GateState {
    /// Requests waiting now, and requests let through so far.
    counts: Mutex<(usize, usize)>,
    changed: Condvar,
    permits: tokio::sync::Semaphore,
    opens_at: usize,
}

impl Default for Gate {
    fn default() -> Gate {
        Gate::opens_at(usize::MAX)
    }
}

impl Gate {
    pub fn new() -> Gate {
        Gate::default()
    }

    pub fn opens_at(n: usize) -> Gate {
        Gate(Arc::new(GateState {
            counts: Mutex::new((0, 0)),
            changed: Condvar::new(),
            permits: tokio::sync::Semaphore::new(0),
            opens_at: n,
        }))
    }

    /// Lets `n` more requests through.
    pub fn release(&self, n: usize) {
        self.0.permits.add_permits(n);
    }

    /// Lets every request through from now on.
    pub fn open(&self) {
        // A closed semaphore refuses every acquire at once: nobody waits any more.
        self.0.permits.close();
    }

    /// Blocks until exactly `n` requests wait at the gate.
    pub fn wait_waiting(&self, n: usize) {
        let s = &self.0;
        wait_on(
            &s.counts,
            &s.changed,
            &format!("{n} requests at the gate"),
            |c| c.0 == n,
        );
    }

    /// Blocks until `n` requests have passed in all and `waiting` wait now.
    pub fn wait_passed(&self, n: usize, waiting: usize) {
        let s = &self.0;
        let what = format!("{n} requests through the gate and {waiting} at it");
        wait_on(&s.counts, &s.changed, &what, |c| c.1 == n && c.0 == waiting);
    }

    fn count(&self, f: impl FnOnce(&mut (usize, usize))) {
        f(&mut self.0.counts.lock().unwrap());
        self.0.changed.notify_all();
    }

    /// Waits for the gate, counted as waiting until then. Dropped (the client hung up),
    /// it counts as neither waiting nor passed.
    pub async fn pass(&self) {
        struct Waiting<'a>(&'a Gate, bool);
        impl Drop for Waiting<'_> {
            fn drop(&mut self) {
                let passed = self.1;
                self.0.count(|c| {
                    c.0 -= 1;
                    c.1 += usize::from(passed);
                });
            }
        }
        let mut waiting = Waiting(self, false);
        let mut now = 0;
        self.count(|c| {
            c.0 += 1;
            now = c.0;
        });
        if now >= self.0.opens_at {
            self.open();
        }
        if let Ok(permit) = self.0.permits.acquire().await {
            permit.forget();
        }
        waiting.1 = true;
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

/// A successful Anthropic messages answer.
pub fn message(text: &str, input: u64, output: u64) -> Reply {
    Reply::new(
        200,
        json!({
            "content": [{"type": "text", "text": text}],
            "usage": {"input_tokens": input, "output_tokens": output}
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
    arrived: Condvar,
    /// Requests read and not yet answered, and the most there ever were.
    in_flight: AtomicUsize,
    max_in_flight: AtomicUsize,
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
            arrived: Condvar::new(),
            in_flight: AtomicUsize::new(0),
            max_in_flight: AtomicUsize::new(0),
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

    /// Blocks until the server has read `n` requests in all.
    pub fn wait_hits(&self, n: usize) {
        let s = &self.state;
        wait_on(&s.hits, &s.arrived, &format!("{n} requests"), |h| {
            h.len() >= n
        });
    }

    /// The most requests the server held unanswered at one time.
    pub fn max_in_flight(&self) -> usize {
        self.state.max_in_flight.load(Ordering::SeqCst)
    }
}

/// Counts a request in flight until dropped (answered, or the client hung up), with
/// the count when it arrived.
struct InFlight<'a>(&'a ServerState, usize);

impl<'a> InFlight<'a> {
    fn new(state: &'a ServerState) -> InFlight<'a> {
        let now = state.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        state.max_in_flight.fetch_max(now, Ordering::SeqCst);
        InFlight(state, now)
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}

async fn handle(State(state): State<Arc<ServerState>>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default();
    let in_flight = InFlight::new(&state);
    let hit = Hit {
        in_flight: in_flight.1,
        at: Instant::now(),
        path: parts.uri.path().to_string(),
        headers: parts
            .headers
            .iter()
            .map(|(k, v)| (k.as_str().to_string(), v.to_str().unwrap_or("").to_string()))
            .collect(),
        body: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        raw: bytes.to_vec(),
        query: parts.uri.query().map(str::to_string),
        method: parts.method.to_string(),
    };
    let n = {
        let mut hits = state.hits.lock().unwrap();
        hits.push(hit.clone());
        hits.len() - 1
    };
    state.arrived.notify_all();
    let reply = (state.handler)(&hit, n);
    if let Some(gate) = &reply.gate {
        gate.pass().await;
    }
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

/// Releases the prompt of `root` as v1, then rewords its draft's system message
/// ("terse" → "brief"): a draft that means the same in other words.
pub fn released_then_reworded(root: &Path) {
    let v1 = super::run_in(root, &["release", "p", "--note", "first"]);
    assert_eq!(
        v1.status.code(),
        Some(0),
        "{}{}",
        super::stdout(&v1),
        super::stderr(&v1)
    );
    write(
        root,
        "prompts/p.toml",
        PROMPT.replace("You are terse.", "You are brief."),
    );
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
    let out = output_or_hang(&mut cmd);
    let elapsed = started.elapsed();
    let json = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    Run { out, json, elapsed }
}

/// Runs `cmd` to its end like `Command::output`, but kills it and fails the test if it is
/// still running after [`HANG`]: a run that waits forever is a failure, not a stuck suite.
pub fn output_or_hang(cmd: &mut Command) -> Output {
    output_within(cmd, HANG, "the run")
}

/// [`output_or_hang`] with another bound and `what` named in the failure, for a script
/// that runs many commands. The
/// command runs in a process group of its own, and a hang kills the whole group, so a
/// stuck grandchild holding the pipes cannot keep the test waiting.
pub fn output_within(cmd: &mut Command, hang: Duration, what: &str) -> Output {
    use std::os::unix::process::CommandExt;
    use std::process::Stdio;
    let child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .spawn()
        .expect("binary runs");
    let group = format!("-{}", child.id());
    let (done, finished) = std::sync::mpsc::channel::<()>();
    let watchdog = std::thread::spawn(move || {
        let hung = matches!(
            finished.recv_timeout(hang),
            Err(std::sync::mpsc::RecvTimeoutError::Timeout)
        );
        if hung {
            let _ = Command::new("kill").args(["-9", "--", &group]).status();
        }
        hung
    });
    let out = child.wait_with_output().expect("binary runs");
    let _ = done.send(());
    assert!(
        !watchdog.join().unwrap(),
        "{what}: still running after {hang:?}: killed"
    );
    out
}

pub fn eval(root: &Path, args: &[&str]) -> Run {
    eval_env(root, args, &[])
}
