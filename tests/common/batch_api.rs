//! A fake of both vendors' batch APIs on a real local server (over `server::Server`):
//! OpenAI's files and batches and Anthropic's message batches, checking what they are
//! sent as the vendors do, answering synchronous calls the same way, and ending each
//! job after a few looks. Every answer is `echo Say wN`; words in `failing` fail.

// Setup helpers stop the test at the first failure; a panic is the report.
#![allow(clippy::unwrap_used)]

use std::collections::{BTreeMap, HashSet};
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};

use super::server::{Hit, Reply, Server, api_error, chat, message};

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Vendor {
    OpenAi,
    Anthropic,
}

#[derive(Debug, Clone)]
pub struct Job {
    pub vendor: Vendor,
    /// custom_id and request body, as sent.
    pub lines: Vec<(String, Value)>,
    pub polls: usize,
    /// The key header the job was created with.
    pub key: String,
    /// Set when the job ends: whether its requests expired (an ended job stays so).
    pub expired: Option<bool>,
}

pub struct State {
    pub files: BTreeMap<String, String>,
    pub jobs: BTreeMap<String, Job>,
    /// Job creations, in order.
    pub created: Vec<String>,
    /// Looks a job takes to end; `usize::MAX` holds every job until it is lowered.
    pub polls_to_end: usize,
    /// Words whose request fails with the provider's message.
    pub failing: HashSet<String>,
    /// Every request of an ended job expired instead of running.
    pub expire: bool,
    /// Where Anthropic's results_url points (default: this server).
    pub results_base: Option<String>,
    /// The server's own base URL.
    pub base: String,
    /// Failure messages quote the key the job was created with (as careless servers do).
    pub echo_key: bool,
    /// Looks at a job answered 503 before the server comes back.
    pub outage: usize,
    /// Anthropic answers call this (structured-output) tool with `{"said": TEXT}`.
    pub answer_tool: Option<String>,
}

pub struct BatchApi {
    pub server: Server,
    pub state: Arc<Mutex<State>>,
}

pub fn failure(word: &str) -> String {
    format!("the model is overloaded for {word}")
}

impl BatchApi {
    pub fn start(polls_to_end: usize, failing: &[&str]) -> BatchApi {
        let state = Arc::new(Mutex::new(State {
            files: BTreeMap::new(),
            jobs: BTreeMap::new(),
            created: Vec::new(),
            polls_to_end,
            failing: failing.iter().map(|s| s.to_string()).collect(),
            expire: false,
            results_base: None,
            base: String::new(),
            echo_key: false,
            outage: 0,
            answer_tool: None,
        }));
        let shared = state.clone();
        let server = Server::start(move |hit, _| handle(&mut shared.lock().unwrap(), hit));
        state.lock().unwrap().base = server.url.clone();
        BatchApi { server, state }
    }

    pub fn creates(&self) -> usize {
        self.state.lock().unwrap().created.len()
    }

    pub fn jobs(&self) -> Vec<Job> {
        let s = self.state.lock().unwrap();
        s.created.iter().map(|id| s.jobs[id].clone()).collect()
    }

    pub fn set(&self, f: impl FnOnce(&mut State)) {
        f(&mut self.state.lock().unwrap());
    }
}

/// The word of a request body (`Say wN` → `wN`), in either vendor's format.
pub fn word(body: &Value) -> String {
    let user = body["messages"]
        .as_array()
        .and_then(|m| m.iter().rev().find(|m| m["role"] == "user"))
        .and_then(|m| m["content"].as_str())
        .unwrap_or_default();
    user.trim_start_matches("Say ").to_string()
}

fn json_reply(v: Value) -> Reply {
    Reply::new(200, v.to_string()).header("content-type", "application/json")
}

fn handle(s: &mut State, hit: &Hit) -> Reply {
    let path = hit.path.as_str();
    let post = hit.method == "POST";
    match (post, path) {
        (true, "/v1/chat/completions") => {
            let w = word(&hit.body);
            if s.failing.contains(&w) {
                return api_error(400, &failure(&w));
            }
            chat(&format!("echo Say {w}"), 10, 4)
        }
        (true, "/v1/messages") => {
            let w = word(&hit.body);
            if s.failing.contains(&w) {
                return api_error(400, &failure(&w));
            }
            message(&format!("echo Say {w}"), 10, 4)
        }
        (true, "/v1/files") => upload(s, hit),
        (true, "/v1/batches") => create_openai(s, hit),
        (true, "/v1/messages/batches") => create_anthropic(s, hit),
        (false, p) if p.starts_with("/v1/files/") && p.ends_with("/content") => {
            let id = p
                .trim_start_matches("/v1/files/")
                .trim_end_matches("/content");
            match s.files.get(id) {
                Some(text) => Reply::new(200, text.clone()),
                None => api_error(404, "no such file"),
            }
        }
        (false, p) if p.starts_with("/v1/batches/") => {
            look(s, p.trim_start_matches("/v1/batches/"), Vendor::OpenAi)
        }
        (false, p) if p.starts_with("/v1/messages/batches/") && p.ends_with("/results") => {
            let id = p
                .trim_start_matches("/v1/messages/batches/")
                .trim_end_matches("/results");
            Reply::new(200, anthropic_results(s, id))
        }
        (false, p) if p.starts_with("/v1/messages/batches/") => look(
            s,
            p.trim_start_matches("/v1/messages/batches/"),
            Vendor::Anthropic,
        ),
        _ => api_error(404, &format!("no route {path}")),
    }
}

/// `POST /v1/files`: a multipart form with `purpose` and `file`, as OpenAI takes it.
fn upload(s: &mut State, hit: &Hit) -> Reply {
    let ct = hit.header("content-type").unwrap_or_default();
    let Some(boundary) = ct.split("boundary=").nth(1) else {
        return api_error(400, "not multipart");
    };
    let raw = String::from_utf8_lossy(&hit.raw).into_owned();
    let mut fields = BTreeMap::new();
    for part in raw.split(&format!("--{boundary}")) {
        let Some((head, body)) = part.split_once("\r\n\r\n") else {
            continue;
        };
        if let Some(name) = head
            .split("name=\"")
            .nth(1)
            .and_then(|n| n.split('"').next())
        {
            fields.insert(name.to_string(), body.trim_end_matches("\r\n").to_string());
        }
    }
    if fields.get("purpose").map(String::as_str) != Some("batch") {
        return api_error(400, "purpose must be batch");
    }
    let Some(file) = fields.get("file") else {
        return api_error(400, "no file");
    };
    let id = format!("file-in{}", s.files.len() + 1);
    s.files.insert(id.clone(), file.clone());
    json_reply(json!({"id": id, "object": "file", "purpose": "batch", "bytes": file.len()}))
}

fn create_openai(s: &mut State, hit: &Hit) -> Reply {
    let b = &hit.body;
    if b["endpoint"] != "/v1/chat/completions" || b["completion_window"] != "24h" {
        return api_error(400, &format!("bad batch request {b}"));
    }
    let Some(file) = b["input_file_id"].as_str().and_then(|f| s.files.get(f)) else {
        return api_error(400, "no such input file");
    };
    let mut lines = Vec::new();
    for l in file.lines() {
        let v: Value = serde_json::from_str(l).unwrap();
        assert_eq!(v["method"], "POST", "{v}");
        assert_eq!(v["url"], "/v1/chat/completions", "{v}");
        lines.push((
            v["custom_id"].as_str().unwrap().to_string(),
            v["body"].clone(),
        ));
    }
    let id = new_job(s, Vendor::OpenAi, lines, hit.key_header());
    json_reply(json!({"id": id, "object": "batch", "status": "validating",
        "output_file_id": null, "error_file_id": null,
        "request_counts": {"total": 0, "completed": 0, "failed": 0}}))
}

fn create_anthropic(s: &mut State, hit: &Hit) -> Reply {
    if hit.header("anthropic-version").is_none() {
        return api_error(400, "anthropic-version missing");
    }
    let lines = hit.body["requests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["custom_id"].as_str().unwrap().to_string(),
                r["params"].clone(),
            )
        })
        .collect();
    let id = new_job(s, Vendor::Anthropic, lines, hit.key_header());
    json_reply(
        json!({"id": id, "type": "message_batch", "processing_status": "in_progress",
        "request_counts": {"processing": 0, "succeeded": 0, "errored": 0, "canceled": 0, "expired": 0},
        "results_url": null}),
    )
}

fn new_job(s: &mut State, vendor: Vendor, lines: Vec<(String, Value)>, key: String) -> String {
    let ids: HashSet<&String> = lines.iter().map(|(id, _)| id).collect();
    assert_eq!(ids.len(), lines.len(), "custom_ids are unique in a batch");
    for (id, _) in &lines {
        assert!(
            !id.is_empty()
                && id.len() <= 64
                && id
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-'),
            "custom_id {id}"
        );
    }
    let id = format!("batch_{}", s.created.len() + 1);
    s.jobs.insert(
        id.clone(),
        Job {
            vendor,
            lines,
            polls: 0,
            key,
            expired: None,
        },
    );
    s.created.push(id.clone());
    id
}

fn look(s: &mut State, id: &str, vendor: Vendor) -> Reply {
    if s.outage > 0 {
        s.outage -= 1;
        return api_error(503, "service unavailable");
    }
    let polls_to_end = s.polls_to_end;
    let Some(job) = s.jobs.get_mut(id) else {
        return api_error(404, "no such batch");
    };
    assert_eq!(job.vendor, vendor);
    job.polls += 1;
    let n = job.lines.len();
    let ended = job.polls >= polls_to_end;
    if ended && job.expired.is_none() {
        job.expired = Some(s.expire);
    }
    let job = job.clone();
    let expired = job.expired == Some(true);
    match vendor {
        Vendor::OpenAi => {
            let status = if !ended {
                if job.polls == 1 {
                    "validating"
                } else {
                    "in_progress"
                }
            } else if expired {
                "expired"
            } else {
                "completed"
            };
            let (mut out, mut err) = (None, None);
            if ended {
                let (ok, bad) = openai_results(s, &job);
                out = Some(format!("file-out-{id}"));
                s.files.insert(out.clone().unwrap(), ok);
                if !bad.is_empty() {
                    err = Some(format!("file-err-{id}"));
                    s.files.insert(err.clone().unwrap(), bad);
                }
            }
            json_reply(json!({"id": id, "object": "batch", "status": status,
                "output_file_id": out, "error_file_id": err,
                "request_counts": {"total": n, "completed": if ended { n } else { n / 2 }, "failed": 0}}))
        }
        Vendor::Anthropic => {
            let results = format!(
                "{}/v1/messages/batches/{id}/results",
                s.results_base.clone().unwrap_or(s.base.clone())
            );
            json_reply(json!({"id": id, "type": "message_batch",
                "processing_status": if ended { "ended" } else { "in_progress" },
                "request_counts": {"processing": if ended { 0 } else { n }, "succeeded": if ended { n } else { 0 },
                    "errored": 0, "canceled": 0, "expired": 0},
                "results_url": if ended { Some(results) } else { None }}))
        }
    }
}

/// The output and error files of an ended OpenAI job.
fn openai_results(s: &State, job: &Job) -> (String, String) {
    let (mut ok, mut bad) = (String::new(), String::new());
    for (i, (custom_id, body)) in job.lines.iter().enumerate() {
        let w = word(body);
        let line = if job.expired == Some(true) {
            json!({"id": format!("r{i}"), "custom_id": custom_id, "response": null,
                "error": {"code": "batch_expired", "message": "This request could not be executed before the completion window expired."}})
        } else if s.failing.contains(&w) {
            json!({"id": format!("r{i}"), "custom_id": custom_id,
                "response": {"status_code": 400, "body": {"error": {"message": failure_of(s, job, &w)}}}, "error": null})
        } else {
            let reply: Value =
                serde_json::from_str(&chat(&format!("echo Say {w}"), 10, 4).body).unwrap();
            json!({"id": format!("r{i}"), "custom_id": custom_id,
                "response": {"status_code": 200, "body": reply}, "error": null})
        };
        let to = if line["error"].is_null() && line["response"]["status_code"] == 200 {
            &mut ok
        } else {
            &mut bad
        };
        to.push_str(&line.to_string());
        to.push('\n');
    }
    (ok, bad)
}

fn failure_of(s: &State, job: &Job, w: &str) -> String {
    if s.echo_key {
        format!("{} (request sent with {})", failure(w), job.key)
    } else {
        failure(w)
    }
}

fn anthropic_results(s: &State, id: &str) -> String {
    let Some(job) = s.jobs.get(id) else {
        return String::new();
    };
    let mut out = String::new();
    for (custom_id, body) in &job.lines {
        let w = word(body);
        let result = if job.expired == Some(true) {
            json!({"type": "expired"})
        } else if s.failing.contains(&w) {
            json!({"type": "errored", "error": {"type": "error",
                "error": {"type": "overloaded_error", "message": failure_of(s, job, &w)}}})
        } else {
            let mut m: Value =
                serde_json::from_str(&message(&format!("echo Say {w}"), 10, 4).body).unwrap();
            if let Some(tool) = &s.answer_tool {
                m["content"] = json!([{"type": "tool_use", "id": "t1", "name": tool,
                    "input": {"said": format!("echo Say {w}")}}]);
            }
            json!({"type": "succeeded", "message": m})
        };
        out.push_str(&json!({"custom_id": custom_id, "result": result}).to_string());
        out.push('\n');
    }
    out
}
