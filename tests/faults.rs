//! Fault injection and kill-and-resume, through the real binary against a raw HTTP
//! server on 127.0.0.1 that misbehaves on purpose.
//!
//! The server decides each request's fate from the case it is for and how many times
//! that case has been asked (a seeded hash, never the arrival order), so the outcome of
//! every case is known before the run and the test can hold the binary to it exactly:
//! which cases pass, fail or error, with how many requests, and why.

// Integration tests: a failed setup step panics, and the panic is the report.
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use common::server::{Gate, HANG};
use common::{promptwright, write};

// ---------------------------------------------------------------------------------------
// The server: raw TCP, so it can reset connections and stall as well as answer badly.
// ---------------------------------------------------------------------------------------

/// What the server does with one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Fault {
    /// 200 with a chat-completions answer.
    Answer,
    /// 429 with this `Retry-After` (seconds).
    RateLimited(&'static str),
    /// 500 with an error body.
    ServerError,
    /// Reads the request, then resets the connection (RST) without a response.
    Reset,
    /// Sends the headers and part of the body, then resets the connection.
    CutMidBody,
    /// Holds the request until the client gives up on it (its timeout) and hangs up.
    Stall,
    /// 200 whose body is not JSON (fatal: the client must not retry it).
    Malformed,
}

impl Fault {
    fn retryable(self) -> bool {
        !matches!(self, Fault::Answer | Fault::Malformed)
    }
}

/// One request as the server saw it.
#[derive(Debug, Clone)]
struct Hit {
    /// N of the case `cN` (its user message is `Say wN`).
    case: usize,
    /// 0-based: how many requests for this case came before.
    attempt: usize,
    fault: Fault,
    /// The test's phase when the request arrived (kill and resume).
    phase: usize,
    /// When the whole request had been read.
    at: Instant,
    /// When the response had been written, if one was.
    done: Option<Instant>,
}

type Decide = dyn Fn(usize, usize) -> (Fault, Duration) + Send + Sync;

struct ServerState {
    /// (case, attempt) -> what to do and how long to wait first.
    decide: Box<Decide>,
    hits: Mutex<Vec<Hit>>,
    asked: Mutex<HashMap<usize, usize>>,
    phase: AtomicUsize,
    in_flight: AtomicUsize,
    max_in_flight: AtomicUsize,
    /// Whether every tenth case gets an answer that fails its assertion.
    some_fail: bool,
    /// Where every answer waits first, if set.
    gate: Option<Gate>,
}

struct Server {
    /// `http://127.0.0.1:PORT`
    url: String,
    state: Arc<ServerState>,
}

impl Server {
    fn start(
        some_fail: bool,
        decide: impl Fn(usize, usize) -> (Fault, Duration) + Send + Sync + 'static,
    ) -> Server {
        Server::start_gated(some_fail, None, decide)
    }

    /// Like `start`, every answer first waiting at `gate`.
    fn start_gated(
        some_fail: bool,
        gate: Option<Gate>,
        decide: impl Fn(usize, usize) -> (Fault, Duration) + Send + Sync + 'static,
    ) -> Server {
        let state = Arc::new(ServerState {
            gate,
            some_fail,
            decide: Box::new(decide),
            hits: Mutex::new(Vec::new()),
            asked: Mutex::new(HashMap::new()),
            phase: AtomicUsize::new(0),
            in_flight: AtomicUsize::new(0),
            max_in_flight: AtomicUsize::new(0),
        });
        let (tx, rx) = std::sync::mpsc::channel();
        let shared = state.clone();
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
                tx.send(listener.local_addr().unwrap()).unwrap();
                loop {
                    let Ok((stream, _)) = listener.accept().await else {
                        continue;
                    };
                    tokio::spawn(serve(shared.clone(), stream));
                }
            });
        });
        let addr = rx.recv().expect("the server starts");
        Server {
            url: format!("http://{addr}"),
            state,
        }
    }

    fn hits(&self) -> Vec<Hit> {
        self.state.hits.lock().unwrap().clone()
    }

    /// Every request, grouped by case, in the order they came.
    fn by_case(&self) -> BTreeMap<usize, Vec<Hit>> {
        let mut out: BTreeMap<usize, Vec<Hit>> = BTreeMap::new();
        for h in self.hits() {
            out.entry(h.case).or_default().push(h);
        }
        out
    }
}

/// Serves one connection: requests one after another (keep-alive) until a fault or the
/// client ends it.
async fn serve(state: Arc<ServerState>, mut stream: TcpStream) {
    let mut buf = Vec::new();
    while let Some(body) = read_request(&mut stream, &mut buf).await {
        let case = case_of(&body);
        let attempt = {
            let mut asked = state.asked.lock().unwrap();
            let n = asked.entry(case).or_default();
            *n += 1;
            *n - 1
        };
        let (fault, delay) = (state.decide)(case, attempt);
        let index = {
            let mut hits = state.hits.lock().unwrap();
            hits.push(Hit {
                case,
                attempt,
                fault,
                phase: state.phase.load(Ordering::SeqCst),
                at: Instant::now(),
                done: None,
            });
            hits.len() - 1
        };
        // In flight from reading the request until its answer starts: never more than
        // the client has out (it sends the next one only once an answer arrived).
        let now = state.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        state.max_in_flight.fetch_max(now, Ordering::SeqCst);
        if let Some(gate) = &state.gate {
            let mut probe = [0u8; 1];
            tokio::select! {
                () = gate.pass() => {}
                // The client never sends while it waits for an answer: anything read
                // here is its hanging up (a killed process).
                _ = stream.read(&mut probe) => {
                    state.in_flight.fetch_sub(1, Ordering::SeqCst);
                    return;
                }
            }
        }
        if !delay.is_zero() {
            tokio::time::sleep(delay).await;
        }
        state.in_flight.fetch_sub(1, Ordering::SeqCst);
        let text = answer(case, state.some_fail);
        let answered = respond(&mut stream, fault, &text).await;
        if !answered {
            return;
        }
        state.hits.lock().unwrap()[index].done = Some(Instant::now());
    }
}

/// Reads one request (head and `content-length` body); `None` when the client hangs up.
async fn read_request(stream: &mut TcpStream, buf: &mut Vec<u8>) -> Option<Vec<u8>> {
    let mut chunk = [0u8; 8192];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => return None,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_ascii_lowercase();
    let length: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    while buf.len() < head_end + length {
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => return None,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
    let body = buf[head_end..head_end + length].to_vec();
    buf.drain(..head_end + length);
    Some(body)
}

/// The case a request is for: N of its last user message `Say wN`.
fn case_of(body: &[u8]) -> usize {
    let v: Value = serde_json::from_slice(body).expect("the request body is JSON");
    let user = v["messages"]
        .as_array()
        .and_then(|m| m.iter().rev().find(|m| m["role"] == "user"))
        .and_then(|m| m["content"].as_str())
        .expect("a user message");
    user.strip_prefix("Say w")
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("unexpected user message {user:?}"))
}

/// What the model says to case N: `ok`, which passes `icontains "ok"`, or with
/// `some_fail`, for every tenth case, `nope`, which fails it.
fn answer(case: usize, some_fail: bool) -> String {
    if some_fail && case % 10 == 7 {
        format!("nope w{case}")
    } else {
        format!("ok w{case}")
    }
}

async fn reply(
    stream: &mut TcpStream,
    status: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> std::io::Result<()> {
    let mut out = format!(
        "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        out.push_str(&format!("{k}: {v}\r\n"));
    }
    out.push_str("\r\n");
    out.push_str(body);
    stream.write_all(out.as_bytes()).await?;
    stream.flush().await
}

/// Carries out `fault`; true when the connection can serve another request.
async fn respond(stream: &mut TcpStream, fault: Fault, text: &str) -> bool {
    let sent = match fault {
        Fault::Answer => {
            let body = json!({
                "id": "chatcmpl-1", "object": "chat.completion", "model": "m1",
                "choices": [{"index": 0, "finish_reason": "stop",
                             "message": {"role": "assistant", "content": text}}],
                "usage": {"prompt_tokens": 5, "completion_tokens": 2, "total_tokens": 7}
            });
            reply(stream, "200 OK", &[], &body.to_string()).await
        }
        Fault::RateLimited(after) => {
            let body = r#"{"error": {"message": "slow down"}}"#;
            reply(
                stream,
                "429 Too Many Requests",
                &[("retry-after", after)],
                body,
            )
            .await
        }
        Fault::ServerError => {
            let body = r#"{"error": {"message": "upstream overloaded"}}"#;
            reply(stream, "500 Internal Server Error", &[], body).await
        }
        Fault::Malformed => {
            let body = r#"{"choices": [{"message": {"content": "ok, but the JSON ends here"#;
            reply(stream, "200 OK", &[], body).await
        }
        Fault::Reset => {
            let _ = stream.set_zero_linger();
            return false;
        }
        Fault::CutMidBody => {
            let _ = stream
                .write_all(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 500\r\n\r\n{\"choices\": [{\"mess")
                .await;
            let _ = stream.flush().await;
            let _ = stream.set_zero_linger();
            return false;
        }
        Fault::Stall => {
            // Only the client's timeout ends this: wait until it hangs up.
            let mut probe = [0u8; 64];
            while matches!(stream.read(&mut probe).await, Ok(n) if n > 0) {}
            return false;
        }
    };
    sent.is_ok()
}

// ---------------------------------------------------------------------------------------
// The faults: seeded, per case and attempt.
// ---------------------------------------------------------------------------------------

const SEED: u64 = 0x5eed_0008_f417;
/// Requests that misbehave, in percent.
const FAULT_PERCENT: u64 = 30;

fn mix(mut z: u64) -> u64 {
    // splitmix64
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

const KINDS: [Fault; 8] = [
    Fault::RateLimited("0"),
    Fault::RateLimited("0.05"),
    Fault::RateLimited("0.3"),
    Fault::ServerError,
    Fault::Reset,
    Fault::CutMidBody,
    Fault::Stall,
    Fault::Malformed,
];

/// The fate of the `attempt`-th request for case N: 30% of requests fail, in eight ways.
/// Every 97th case fails every time, with retryable faults only, so some cases
/// certainly spend all their retries.
fn injected(case: usize, attempt: usize) -> Fault {
    let h = mix(SEED ^ ((case as u64) << 20) ^ attempt as u64);
    if case % 97 == 0 {
        return KINDS[(h >> 40) as usize % (KINDS.len() - 1)];
    }
    if h % 100 >= FAULT_PERCENT {
        return Fault::Answer;
    }
    KINDS[(h >> 40) as usize % KINDS.len()]
}

const MAX_RETRIES: usize = 3;
const TIMEOUT_S: f64 = 0.3;

/// What the binary must make of case N: its status and how many requests it takes.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Expected {
    status: &'static str,
    attempts: usize,
    /// The last request's fault.
    last: Fault,
}

fn expected(case: usize) -> Expected {
    for attempt in 0..=MAX_RETRIES {
        let fault = injected(case, attempt);
        let status = match fault {
            Fault::Answer if answer(case, true).contains("ok") => "pass",
            Fault::Answer => "fail",
            Fault::Malformed => "error",
            _ if attempt == MAX_RETRIES => "error",
            _ => continue,
        };
        return Expected {
            status,
            attempts: attempt + 1,
            last: fault,
        };
    }
    unreachable!()
}

// ---------------------------------------------------------------------------------------
// The workspace and the run record.
// ---------------------------------------------------------------------------------------

/// A workspace of `n` cases `c1..cN` (from a JSONL dataset) for the prompt `Say {{ word }}`
/// on an OpenAI-compatible provider at `url`; `extra` adds to its table.
fn workspace(url: &str, extra: &str, n: usize) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        root,
        "workspace.toml",
        format!(
            "[workspace]\nname = \"faults\"\ndefault_provider = \"flaky\"\n\n[providers.flaky]\nkind = \"openai\"\nbase_url = \"{url}/v1\"\n{extra}\n"
        ),
    );
    write(
        root,
        "prompts/p.toml",
        "model = \"m1\"\n[[messages]]\nrole = \"system\"\ncontent = \"You are terse.\"\n[[messages]]\nrole = \"user\"\ncontent = \"Say {{ word }}\"\n",
    );
    write(
        root,
        "evals/s.toml",
        "prompt = \"p\"\ndataset = \"data/cases.jsonl\"\n[[assert]]\ntype = \"icontains\"\nvalue = \"ok\"\n",
    );
    let lines: String = (1..=n)
        .map(|i| format!("{{\"id\": \"c{i}\", \"vars\": {{\"word\": \"w{i}\"}}}}\n"))
        .collect();
    write(root, "evals/data/cases.jsonl", lines);
    dir
}

/// The one run record under `root`, if it exists yet.
fn record_path(root: &Path) -> Option<PathBuf> {
    let files: Vec<PathBuf> = std::fs::read_dir(root.join(".promptwright/runs"))
        .ok()?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "jsonl"))
        .collect();
    assert!(files.len() <= 1, "one run record expected: {files:?}");
    files.into_iter().next()
}

/// The parsed lines of the run record (a torn last line is left out).
fn record_lines(root: &Path) -> Vec<Value> {
    let Some(path) = record_path(root) else {
        return Vec::new();
    };
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect()
}

/// N of every case line in the record, in order.
fn recorded(root: &Path) -> Vec<usize> {
    record_lines(root)
        .iter()
        .filter(|v| v["type"] == "case")
        .map(|v| case_number(&v["id"]))
        .collect()
}

fn case_number(id: &Value) -> usize {
    id.as_str()
        .and_then(|s| s.strip_prefix('c'))
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("unexpected case id {id}"))
}

// ---------------------------------------------------------------------------------------
// 500 cases through a server that fails 30% of requests.
// ---------------------------------------------------------------------------------------

#[test]
fn five_hundred_cases_through_thirty_percent_faults_each_end_pass_fail_or_error_as_they_must() {
    const CASES: usize = 500;
    let server = Server::start(true, |case, attempt| {
        (injected(case, attempt), Duration::ZERO)
    });
    let ws = workspace(
        &server.url,
        &format!("timeout_s = {TIMEOUT_S}\nmax_retries = {MAX_RETRIES}"),
        CASES,
    );
    let root = ws.path();

    let started = Instant::now();
    let out = common::server::output_or_hang(
        promptwright(root).args(["eval", "--format", "json", "-j", "32"]),
    );
    let elapsed = started.elapsed();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    // Failures and errors: the work ran and failed its bar.
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    // Every case waits at most 4 × 0.3 s of timeouts and 1.75 s of backoff (plus a 0.3 s
    // Retry-After): the run is bounded however unlucky it is; in practice ~3 s. The
    // figure is printed, not asserted: a busy machine is no failure (a hang is).
    eprintln!("500 cases through faults at -j 32: {elapsed:?}");

    let json: Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
    let run = &json["runs"][0];
    assert_eq!(run["complete"], true);
    let cases = run["cases"].as_array().unwrap();
    assert_eq!(cases.len(), CASES);
    let by_id: BTreeMap<usize, &Value> = cases.iter().map(|c| (case_number(&c["id"]), c)).collect();
    assert_eq!(
        by_id.keys().copied().collect::<Vec<_>>(),
        (1..=CASES).collect::<Vec<_>>(),
        "every case once"
    );

    // The record on disk: a header, exactly 500 case lines (each case once), an end line.
    let lines = record_lines(root);
    let kinds: Vec<&str> = lines.iter().map(|l| l["type"].as_str().unwrap()).collect();
    assert_eq!(kinds.len(), CASES + 2, "header, 500 cases, end");
    assert_eq!(kinds[0], "run");
    assert_eq!(kinds[CASES + 1], "end");
    assert_eq!(lines[CASES + 1]["complete"], true);
    let mut in_record = recorded(root);
    assert_eq!(in_record.len(), CASES);
    in_record.sort_unstable();
    in_record.dedup();
    assert_eq!(in_record.len(), CASES, "no case recorded twice");
    for line in lines.iter().filter(|l| l["type"] == "case") {
        let n = case_number(&line["id"]);
        assert_eq!(
            line["status"], by_id[&n]["status"],
            "c{n}: record and output agree"
        );
    }

    // Each case against what the server saw and what the seed says.
    let asked = server.by_case();
    let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
    let mut exhausted = 0;
    let mut recovered = 0;
    let mut late_answers = Vec::new();
    for (&n, case) in &by_id {
        let status = case["status"].as_str().unwrap();
        assert!(
            ["pass", "fail", "error"].contains(&status),
            "c{n}: {case:#}"
        );
        *seen.entry(status).or_default() += 1;
        let hits = &asked[&n];
        let faults: Vec<Fault> = hits.iter().map(|h| h.fault).collect();
        // Retries stay bounded, counted at the server.
        assert!(
            hits.len() <= MAX_RETRIES + 1,
            "c{n} asked {} times: {faults:?}",
            hits.len()
        );
        assert_eq!(
            hits.iter().map(|h| h.attempt).collect::<Vec<_>>(),
            (0..hits.len()).collect::<Vec<_>>()
        );
        // No error counts as a pass: a case that never got an answer is an error.
        if !faults.contains(&Fault::Answer) {
            assert_eq!(status, "error", "c{n} got no answer: {faults:?} {case:#}");
        }
        if status == "error" {
            assert!(case["output"].is_null(), "c{n}: {case:#}");
            assert_eq!(case["score"], 0.0, "c{n}: {case:#}");
        } else {
            // A pass or a fail scored the server's answer, the last thing it sent.
            assert_eq!(faults.last(), Some(&Fault::Answer), "c{n}: {faults:?}");
            assert_eq!(case["output"], answer(n, true).as_str(), "c{n}: {case:#}");
        }
        // An answer the client gave up on (a machine too loaded for the 0.3 s timeout)
        // makes the server's plan and the client's view differ: count it, and skip the
        // exact check for that case.
        let last_answer_unseen = status == "error" && faults.last() == Some(&Fault::Answer);
        if last_answer_unseen || faults.iter().rev().skip(1).any(|f| *f == Fault::Answer) {
            late_answers.push(n);
            continue;
        }
        let want = expected(n);
        assert_eq!(
            (status, hits.len()),
            (want.status, want.attempts),
            "c{n}: the server answered {faults:?}: {case:#}"
        );
        if want.status == "error" {
            let error = case["error"].as_str().unwrap();
            let last = match want.last {
                Fault::RateLimited(_) => "HTTP 429: slow down",
                Fault::ServerError => "HTTP 500: upstream overloaded",
                Fault::Stall => "timed out after 0.3 s",
                Fault::Reset | Fault::CutMidBody => "connection failed",
                Fault::Malformed => "malformed response: HTTP 200 body is not JSON",
                Fault::Answer => unreachable!(),
            };
            assert!(error.contains(last), "c{n}: {error}");
            if want.last.retryable() {
                exhausted += 1;
                assert!(error.contains("gave up after 4 attempts"), "c{n}: {error}");
            } else {
                // A malformed body is not asked again.
                assert_eq!(
                    hits.len(),
                    faults.iter().position(|f| *f == Fault::Malformed).unwrap() + 1
                );
            }
        } else if hits.len() > 1 {
            recovered += 1;
        }
        // Retry-After is honoured: the next request for the case comes no sooner.
        for pair in hits.windows(2) {
            if let (Fault::RateLimited(after), Some(done)) = (pair[0].fault, pair[0].done) {
                let wait = Duration::from_secs_f64(after.parse().unwrap());
                let gap = pair[1].at.duration_since(done);
                assert!(
                    gap >= wait,
                    "c{n}: asked again {gap:?} after Retry-After: {after}"
                );
            }
        }
    }
    // Usually none; a few under heavy load. The exact check covers the rest.
    assert!(
        late_answers.len() <= CASES / 20,
        "too many answers timed out on the client: {late_answers:?}"
    );

    // The summary counts what the cases say; errors are in the pass rate's denominator.
    let summary = &run["summary"];
    assert_eq!(summary["cases"], CASES);
    assert_eq!(summary["passed"], seen.get("pass").copied().unwrap_or(0));
    assert_eq!(summary["failed"], seen.get("fail").copied().unwrap_or(0));
    assert_eq!(summary["errors"], seen.get("error").copied().unwrap_or(0));
    let passed = seen["pass"] as f64;
    assert!((summary["pass_rate"].as_f64().unwrap() - passed / CASES as f64).abs() < 0.001);

    // The faults really happened, in the intended proportion, and every outcome occurred.
    let hits = server.hits();
    let faulty = hits.iter().filter(|h| h.fault != Fault::Answer).count();
    let share = faulty as f64 / hits.len() as f64;
    assert!(
        (0.25..0.45).contains(&share),
        "{faulty} of {} requests failed",
        hits.len()
    );
    for kind in KINDS {
        assert!(hits.iter().any(|h| h.fault == kind), "no {kind:?} injected");
    }
    assert!(
        seen["pass"] > 300 && seen["fail"] > 20 && seen["error"] > 10,
        "{seen:?}"
    );
    assert!(exhausted >= 5, "{exhausted} cases spent all their retries");
    assert!(recovered > 50, "{recovered} cases passed after a retry");
    eprintln!(
        "{} requests, {faulty} failed ({:.0}%); cases: {seen:?}; {exhausted} spent all retries, {recovered} recovered, {} late answers",
        hits.len(),
        share * 100.0,
        late_answers.len()
    );
}

// ---------------------------------------------------------------------------------------
// Kill the real binary twice mid-run at -j 32, resume, and count requests per case.
// ---------------------------------------------------------------------------------------

/// Waits until the running `child` has recorded at least `n` cases. A line written by
/// another process has no signal to wait on, so this looks again every few ms; it
/// asserts no duration (the deadline only catches a hang).
fn wait_for_cases(root: &Path, n: usize, child: &mut Child) {
    let deadline = Instant::now() + HANG;
    while recorded(root).len() < n {
        assert!(
            Instant::now() < deadline,
            "hung waiting for {n} recorded cases"
        );
        assert!(
            child.try_wait().unwrap().is_none(),
            "the run ended before it was killed"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn killed_twice_at_j32_then_resumed_no_recorded_case_is_asked_again_and_the_record_is_whole() {
    const CASES: usize = 500;
    const JOBS: usize = 32;
    // Every answer waits at the gate: the test lets through exactly as many as it wants
    // recorded before each kill, and the next 32 are then in flight, held.
    let gate = Gate::new();
    let server = Server::start_gated(false, Some(gate.clone()), |_, _| {
        (Fault::Answer, Duration::ZERO)
    });
    // Every case passes: resume asks again only the cases recorded as errors.
    let ws = workspace(&server.url, "timeout_s = 60\nmax_retries = 0", CASES);
    let root = ws.path();
    let eval = |args: &[&str]| {
        let mut cmd = promptwright(root);
        cmd.args(["eval", "-j", "32", "--no-cache"]).args(args);
        cmd
    };

    let kill_after = |n: usize, args: &[&str]| -> BTreeSet<usize> {
        let mut child = eval(args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        if n == 100 {
            // The first 32 all wait at once: -j 32 reaches 32 in flight.
            gate.wait_waiting(JOBS);
        }
        let passed = recorded(root).len();
        gate.release(n - passed);
        // n answered, and the next 32 already read and held: the process has nothing
        // more on the wire when it dies.
        gate.wait_passed(n, JOBS);
        wait_for_cases(root, n, &mut child);
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        // The held requests see their connections close.
        gate.wait_waiting(0);
        server.state.phase.fetch_add(1, Ordering::SeqCst);
        recorded(root).into_iter().collect()
    };
    let first = kill_after(100, &[]);
    let run_id = record_lines(root)[0]["run_id"]
        .as_str()
        .unwrap()
        .to_string();
    let second = kill_after(250, &["--resume"]);
    assert_eq!(
        (first.len(), second.len()),
        (100, 250),
        "killed mid-run, with exactly the cases let through recorded"
    );
    assert!(second.is_superset(&first));

    gate.open();
    let out = common::server::output_or_hang(&mut eval(&["--resume", "--format", "json"]));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains(&format!("resuming run {run_id}")),
        "{stderr}"
    );
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    let run = &json["runs"][0];
    assert_eq!(run["run_id"], run_id.as_str());
    assert_eq!(run["complete"], true);
    assert_eq!(run["summary"]["passed"], CASES);
    let ids: Vec<usize> = run["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| case_number(&c["id"]))
        .collect();
    assert_eq!(
        ids,
        (1..=CASES).collect::<Vec<_>>(),
        "every case once, in plan order"
    );

    // No request for a case already recorded when its process was killed.
    let recorded_before = [BTreeSet::new(), first.clone(), second.clone()];
    let mut in_flight_at_kill = [0usize; 2];
    for (n, hits) in server.by_case() {
        for h in &hits {
            assert!(
                !recorded_before[h.phase].contains(&n),
                "c{n} was recorded before kill {} and asked again",
                h.phase
            );
        }
        let phases: Vec<usize> = hits.iter().map(|h| h.phase).collect();
        let mut unique = phases.clone();
        unique.dedup();
        assert_eq!(
            unique, phases,
            "c{n}: asked twice by one process: {phases:?}"
        );
        for p in 0..2 {
            if phases.contains(&p) && !recorded_before[p + 1].contains(&n) {
                in_flight_at_kill[p] += 1;
            }
        }
    }
    let hits = server.hits();
    assert_eq!(server.by_case().len(), CASES, "every case asked");
    assert_eq!(
        hits.len(),
        CASES + in_flight_at_kill[0] + in_flight_at_kill[1],
        "only the cases in flight at a kill are asked twice"
    );
    // In flight at each kill: the 32 requests held at the gate, no more.
    assert_eq!(in_flight_at_kill, [JOBS, JOBS]);
    let max = server.state.max_in_flight.load(Ordering::SeqCst);
    assert_eq!(
        max, JOBS,
        "-j 32: 32 requests in flight at once, never more"
    );

    // The record: one header, each case exactly once, one end line, complete.
    let lines = record_lines(root);
    let kinds: Vec<&str> = lines.iter().map(|l| l["type"].as_str().unwrap()).collect();
    assert_eq!(kinds.iter().filter(|k| **k == "run").count(), 1);
    assert_eq!(
        kinds.iter().filter(|k| **k == "end").count(),
        1,
        "killed runs end nothing"
    );
    assert_eq!(kinds.last(), Some(&"end"));
    let mut cases = recorded(root);
    assert_eq!(cases.len(), CASES);
    cases.sort_unstable();
    assert_eq!(cases, (1..=CASES).collect::<Vec<_>>());
    let stored = promptwright_core::store::read_run(&record_path(root).unwrap()).unwrap();
    assert!(stored.complete);
    assert_eq!(stored.summary.passed, CASES);
    eprintln!(
        "killed after {} and {} cases; {} requests for {CASES} cases ({in_flight_at_kill:?} in flight at the kills), at most {max} at once",
        first.len(),
        second.len(),
        hits.len()
    );
}
