//! The HTTP providers against real HTTP servers on 127.0.0.1, driven through the real
//! binary: request shapes, keys, retries, timeouts, malformed answers, the grader, the
//! cache, record/replay, secret hygiene and resume.

// Integration tests: a failed setup step panics, and the panic is the report.
#![allow(clippy::unwrap_used)]

use std::collections::HashMap;
use std::io::{Read, Write};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

mod common;

use common::record::{recorded_cases, wait_for_cases};
use common::server::*;
use common::write;
use serde_json::{Value, json};

/// A raw TCP server that promises a 200 body of 500 bytes, sends a few, and hangs up: a
/// truncated body; or, with `stall`, sends nothing more until the client hangs up: a
/// body that stalls. Returns its base URL and the number of requests it read.
fn partial_body_server(stall: bool) -> (String, Arc<AtomicUsize>) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let count = Arc::new(AtomicUsize::new(0));
    let counter = count.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let counter = counter.clone();
            std::thread::spawn(move || {
                // Read the whole request first, so the client sees a response rather
                // than a reset while it is still sending.
                let mut buf = Vec::new();
                let mut chunk = [0u8; 4096];
                let mut head_end = None;
                while head_end.is_none() {
                    match stream.read(&mut chunk) {
                        Ok(0) | Err(_) => return,
                        Ok(n) => buf.extend_from_slice(&chunk[..n]),
                    }
                    head_end = buf.windows(4).position(|w| w == b"\r\n\r\n").map(|i| i + 4);
                }
                let head_end = head_end.unwrap();
                let head = String::from_utf8_lossy(&buf[..head_end]).to_lowercase();
                let length: usize = head
                    .lines()
                    .find_map(|l| l.strip_prefix("content-length:"))
                    .and_then(|v| v.trim().parse().ok())
                    .unwrap_or(0);
                while buf.len() < head_end + length {
                    match stream.read(&mut chunk) {
                        Ok(0) | Err(_) => return,
                        Ok(n) => buf.extend_from_slice(&chunk[..n]),
                    }
                }
                counter.fetch_add(1, Ordering::SeqCst);
                let _ = stream.write_all(
                    b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 500\r\n\r\n{\"choices\": [{\"message\": {\"content\": \"par",
                );
                let _ = stream.flush();
                // Only the client's timeout can end a stall: the server waits for it.
                while stall && matches!(stream.read(&mut chunk), Ok(n) if n > 0) {}
                // Dropping the stream closes the connection mid-body.
            });
        }
    });
    (url, count)
}

// ---------------------------------------------------------------------------------------
// OpenAI-compatible: request shape, keys, usage and cost.
// ---------------------------------------------------------------------------------------

#[test]
fn openai_request_carries_model_messages_params_and_key_and_usage_prices_the_case() {
    // p50 and p95 must differ, whatever the load. Latency is measured by the client,
    // from before its request to after the answer; with one case at a time (-j 1) the
    // second case starts after the first has ended. The second answer is held for as
    // long as everything took since the server started (before the client did), plus
    // 50 ms: so the second latency exceeds the first by 50 ms at least, on any machine.
    let started = Instant::now();
    let server = Server::start(move |hit, i| {
        let reply = chat(&format!("ok: {}", hit.user()), 1000, 500);
        match i {
            0 => reply,
            _ => reply.after(started.elapsed() + Duration::from_millis(50)),
        }
    });
    // A parameter promptwright does not check goes under [params.extra], sent as written.
    let prompt = format!(
        "{PROMPT}[params]\ntemperature = 0.2\nmax_tokens = 50\n[params.extra]\nresponse_format = {{ type = \"json_object\" }}\nmin_p = 0.05\n"
    );
    let providers = openai(
        &server.url,
        "api_key_env = \"PW_TEST_OPENAI_KEY\"\n\n[pricing]\n\"m1\" = { input = 1.0, output = 2.0 }",
    )
    // The held answer must not meet the client's timeout on a loaded machine.
    .replace("timeout_s = 1", "timeout_s = 60");
    let ws = workspace(&providers, &prompt, &suite(2));
    let run = eval_env(
        ws.path(),
        &["-j", "1"],
        &[("PW_TEST_OPENAI_KEY", "sk-abc123")],
    );
    assert_eq!(run.code(), 0, "{}", run.stderr());

    let hits = server.hits();
    assert_eq!(hits.len(), 2);
    for hit in &hits {
        assert_eq!(hit.path, "/v1/chat/completions");
        assert_eq!(hit.header("authorization"), Some("Bearer sk-abc123"));
        assert!(
            hit.header("content-type")
                .is_some_and(|c| c.starts_with("application/json"))
        );
        assert_eq!(hit.body["model"], "m1");
        assert_eq!(hit.body["temperature"], 0.2);
        assert_eq!(hit.body["max_tokens"], 50);
        assert_eq!(hit.body["response_format"], json!({"type": "json_object"}));
        assert_eq!(hit.body["min_p"], 0.05);
        assert!(hit.body.get("extra").is_none(), "{}", hit.body);
    }
    let c1 = hits.iter().find(|h| h.user() == "Say w1").unwrap();
    assert_eq!(
        c1.body["messages"],
        json!([
            {"role": "system", "content": "You are terse."},
            {"role": "user", "content": "Say w1"}
        ])
    );

    let run0 = run.run0();
    assert_eq!(run0["provider"], "real");
    assert_eq!(run0["model"], "m1");
    assert_eq!(run0["complete"], true);
    for (id, word) in [("c1", "w1"), ("c2", "w2")] {
        let c = run.case(id);
        assert_eq!(c["status"], "pass", "{c:#}");
        assert_eq!(c["output"], format!("ok: Say {word}"));
        assert_eq!(c["error"], Value::Null);
        assert_eq!(c["cached"], false);
        assert_eq!(c["tokens"], json!({"input": 1000, "output": 500}));
        // (1000 · 1.0 + 500 · 2.0) / 1e6
        let cost = c["cost_usd"].as_f64().unwrap();
        assert!((cost - 0.002).abs() < 1e-12, "{cost}");
    }
    let lat = |id| run.case(id)["latency_ms"].as_u64().unwrap();
    // The cases in the order they reached the server: "Say w1" is c1's.
    let id = |hit: &Hit| hit.user().replace("Say w", "c");
    let (first, second) = (id(&hits[0]), id(&hits[1]));
    assert!(
        lat(&second) > lat(&first),
        "{first}: {} ms, {second}: {} ms",
        lat(&first),
        lat(&second)
    );
    let summary = &run0["summary"];
    assert_eq!(summary["cases"], 2);
    assert_eq!(summary["passed"], 2);
    assert!((summary["cost_usd"].as_f64().unwrap() - 0.004).abs() < 1e-12);
    // Nearest rank over two answers: p50 is the faster, p95 the slower.
    assert_eq!(summary["p50_latency_ms"].as_u64(), Some(lat(&first)));
    assert_eq!(summary["p95_latency_ms"].as_u64(), Some(lat(&second)));
}

#[test]
fn a_server_needing_no_key_gets_no_authorization_header() {
    let server = Server::always(chat("fine", 3, 1));
    let ws = workspace(&openai(&server.url, ""), PROMPT, &suite(1));
    let run = eval(ws.path(), &[]);
    assert_eq!(run.code(), 0, "{}", run.stderr());
    assert_eq!(run.case("c1")["output"], "fine");
    // No [pricing] for the model: the call costs nothing, tokens are still read.
    assert_eq!(run.case("c1")["cost_usd"], 0.0);
    assert_eq!(run.case("c1")["tokens"], json!({"input": 3, "output": 1}));
    let hits = server.hits();
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].header("authorization"), None);
}

#[test]
fn a_missing_key_variable_is_a_configuration_error_before_any_request() {
    let server = Server::always(chat("never", 1, 1));
    let ws = workspace(
        &openai(&server.url, "api_key_env = \"PW_TEST_ABSENT_KEY\""),
        PROMPT,
        &suite(2),
    );
    let out = bin(ws.path())
        .args(["eval", "--format", "json"])
        .env_remove("PW_TEST_ABSENT_KEY")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("PW_TEST_ABSENT_KEY"), "{stderr}");
    assert!(out.stdout.is_empty());
    assert_eq!(server.count(), 0);
    assert!(
        !ws.path().join(".promptwright").exists(),
        "nothing is written on exit 2"
    );
}

// ---------------------------------------------------------------------------------------
// Retries, timeouts and bad answers.
// ---------------------------------------------------------------------------------------

#[test]
fn a_429_with_retry_after_is_waited_for_then_retried() {
    let server = Server::script(vec![
        api_error(429, "slow down").header("retry-after", "1"),
        chat("after the wait", 5, 2),
    ]);
    let ws = workspace(&openai(&server.url, ""), PROMPT, &suite(1));
    let run = eval(ws.path(), &[]);
    assert_eq!(run.code(), 0, "{}", run.stderr());
    assert_eq!(run.case("c1")["status"], "pass");
    assert_eq!(run.case("c1")["output"], "after the wait");
    let hits = server.hits();
    assert_eq!(hits.len(), 2);
    let gap = hits[1].at - hits[0].at;
    assert!(gap >= Duration::from_millis(950), "retried after {gap:?}");
    assert!(run.elapsed >= Duration::from_secs(1));
}

#[test]
fn a_retry_after_too_large_for_a_duration_is_no_panic_and_the_case_ends() {
    // 1e300 seconds once panicked converting to a Duration; it is now clamped to a
    // minute. No retries here, so the run ends at once with the server's 429.
    let server = Server::always(api_error(429, "slow down").header("retry-after", "1e300"));
    let providers = openai(&server.url, "").replace("max_retries = 2", "max_retries = 0");
    let ws = workspace(&providers, PROMPT, &suite(1));
    let run = eval(ws.path(), &[]);
    assert_eq!(run.code(), 1, "{}", run.stderr());
    let err = run.error("c1");
    assert!(err.contains("429") && err.contains("slow down"), "{err}");
    assert!(!err.contains("panic") && !err.contains("Duration"), "{err}");
    // One request and no retry: nothing waited on the huge Retry-After.
    assert_eq!(server.count(), 1);
}

#[test]
fn a_500_then_success_passes_after_one_retry() {
    let server = Server::script(vec![
        Reply::new(500, "internal error"),
        chat("second time lucky", 5, 2),
    ]);
    let ws = workspace(&openai(&server.url, ""), PROMPT, &suite(1));
    let run = eval(ws.path(), &[]);
    assert_eq!(run.code(), 0, "{}", run.stderr());
    assert_eq!(run.case("c1")["status"], "pass");
    assert_eq!(run.case("c1")["output"], "second time lucky");
    assert_eq!(server.count(), 2);
}

#[test]
fn always_500_gives_up_after_max_retries_with_status_and_body_excerpt() {
    let server = Server::always(Reply::new(502, "upstream exploded: database unreachable"));
    let ws = workspace(&openai(&server.url, ""), PROMPT, &suite(1));
    let run = eval(ws.path(), &[]);
    assert_eq!(run.code(), 1, "{}", run.stderr());
    let err = run.error("c1");
    assert!(err.contains("502"), "{err}");
    assert!(
        err.contains("upstream exploded: database unreachable"),
        "{err}"
    );
    assert!(err.contains("gave up after 3 attempts"), "{err}");
    assert_eq!(run.case("c1")["output"], Value::Null);
    assert_eq!(run.run0()["summary"]["errors"], 1);
    assert_eq!(run.run0()["summary"]["passed"], 0);
    assert_eq!(run.run0()["summary"]["pass_rate"], 0.0);
    // Errors have no latency to report.
    assert_eq!(run.run0()["summary"]["p95_latency_ms"], Value::Null);
    assert_eq!(server.count(), 3, "max_retries = 2: three attempts");
}

#[test]
fn a_stalled_server_times_out_is_retried_then_errors() {
    // The gate never opens: only the client's timeout can end an attempt.
    let never = Gate::new();
    let server = Server::always(chat("too late", 1, 1).held(&never));
    let ws = workspace(
        &format!(
            "[providers.real]\nkind = \"openai\"\nbase_url = \"{}/v1\"\ntimeout_s = 0.3\nmax_retries = 1\n",
            server.url
        ),
        PROMPT,
        &suite(1),
    );
    let run = eval(ws.path(), &[]);
    assert_eq!(run.code(), 1, "{}", run.stderr());
    let err = run.error("c1");
    assert!(err.contains("timed out"), "{err}");
    assert!(err.contains("gave up after 2 attempts"), "{err}");
    assert_eq!(server.count(), 2);
}

#[test]
fn malformed_json_with_200_is_an_error_quoting_the_body_and_is_not_retried() {
    let server = Server::always(Reply::new(
        200,
        "<html><body>Gateway login page</body></html>",
    ));
    let ws = workspace(&openai(&server.url, ""), PROMPT, &suite(1));
    let run = eval(ws.path(), &[]);
    assert_eq!(run.code(), 1, "{}", run.stderr());
    let err = run.error("c1");
    assert!(err.contains("<html><body>Gateway login page"), "{err}");
    assert!(err.contains("not JSON"), "{err}");
    assert_eq!(server.count(), 1);
}

#[test]
fn json_without_choices_is_an_error_not_a_pass() {
    let server = Server::always(Reply::new(200, r#"{"object": "list", "data": []}"#));
    let ws = workspace(&openai(&server.url, ""), PROMPT, &suite(1));
    let run = eval(ws.path(), &[]);
    assert_eq!(run.code(), 1);
    let err = run.error("c1");
    assert!(err.contains("choices"), "{err}");
    assert_eq!(server.count(), 1);
}

#[test]
fn a_truncated_body_is_never_a_pass_and_the_run_finishes() {
    let (url, count) = partial_body_server(false);
    let ws = workspace(&openai(&url, ""), PROMPT, &suite(1));
    let run = eval(ws.path(), &[]);
    assert_eq!(run.code(), 1, "{}", run.stderr());
    assert_eq!(run.run0()["complete"], true);
    let err = run.error("c1");
    assert!(err.contains("connection failed"), "{err}");
    assert!(err.contains("gave up after 3 attempts"), "{err}");
    assert_eq!(count.load(Ordering::SeqCst), 3, "a cut body is retried");
}

#[test]
fn a_body_that_stalls_after_the_headers_times_out() {
    let (url, count) = partial_body_server(true);
    let ws = workspace(
        &format!(
            "[providers.real]\nkind = \"openai\"\nbase_url = \"{url}/v1\"\ntimeout_s = 0.3\nmax_retries = 1\n"
        ),
        PROMPT,
        &suite(1),
    );
    let run = eval(ws.path(), &[]);
    assert_eq!(run.code(), 1, "{}", run.stderr());
    let err = run.error("c1");
    assert!(err.contains("timed out after 0.3 s"), "{err}");
    // The server never sends the rest: only the timeout ended each attempt.
    assert_eq!(count.load(Ordering::SeqCst), 2);
}

#[test]
fn a_server_that_is_not_listening_is_a_connection_error_after_retries() {
    // A port that was free a moment ago.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let ws = workspace(
        &openai(&format!("http://127.0.0.1:{port}"), ""),
        PROMPT,
        &suite(1),
    );
    let run = eval(ws.path(), &[]);
    assert_eq!(run.code(), 1, "{}", run.stderr());
    let err = run.error("c1");
    assert!(err.contains("connection failed"), "{err}");
    // The root cause, not just "error sending request".
    assert!(err.to_lowercase().contains("refused"), "{err}");
    assert!(err.contains("gave up after 3 attempts"), "{err}");
}

#[test]
fn a_401_fails_at_once_with_the_providers_own_message() {
    let server = Server::always(api_error(
        401,
        "Incorrect API key provided. You can find your API key in your dashboard.",
    ));
    let ws = workspace(
        &openai(&server.url, "api_key_env = \"PW_TEST_OPENAI_KEY\""),
        PROMPT,
        &suite(1),
    );
    let run = eval_env(ws.path(), &[], &[("PW_TEST_OPENAI_KEY", "sk-wrong")]);
    assert_eq!(run.code(), 1, "{}", run.stderr());
    let err = run.error("c1");
    assert!(
        err.contains("HTTP 401: Incorrect API key provided. You can find your API key"),
        "{err}"
    );
    assert!(!err.contains("gave up"), "{err}");
    assert_eq!(server.count(), 1);
}

#[test]
fn a_400_403_or_404_fails_at_once_without_a_retry() {
    for status in [400, 403, 404] {
        let message = format!("refused with {status}");
        let server = Server::always(api_error(status, &message));
        // max_retries = 2: a retried status would be asked three times.
        let ws = workspace(&openai(&server.url, ""), PROMPT, &suite(1));
        let run = eval(ws.path(), &[]);
        assert_eq!(run.code(), 1, "{}", run.stderr());
        let err = run.error("c1");
        assert!(err.contains(&format!("HTTP {status}: {message}")), "{err}");
        assert!(!err.contains("gave up"), "{err}");
        assert_eq!(server.count(), 1, "HTTP {status} was retried");
    }
}

/// `examples/real-model`, copied (nothing is written into the repository), with its
/// base URL pointed at `url`.
fn real_model_example(url: &str) -> tempfile::TempDir {
    let from = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/real-model");
    let dir = tempfile::tempdir().unwrap();
    for rel in [
        "workspace.toml",
        "prompts/quick-answer.toml",
        "evals/basics.toml",
    ] {
        let text = std::fs::read_to_string(from.join(rel)).unwrap();
        write(
            dir.path(),
            rel,
            text.replace("http://127.0.0.1:18091/v1", &format!("{url}/v1")),
        );
    }
    dir
}

#[test]
fn the_real_model_example_loads_checks_and_runs_against_an_openai_compatible_server() {
    let server = Server::start(|hit, _| chat(&format!("Paris. {}", hit.user()), 5, 3));
    let ws = real_model_example(&server.url);
    let o = bin(ws.path()).arg("check").output().unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{out}{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(out.contains("1 prompt, 1 suite, 12 cases"), "{out}");
    let run = eval(ws.path(), &[]);
    assert!([0, 1].contains(&run.code()), "{}", run.stderr());
    assert_eq!(run.run0()["complete"], true);
    assert_eq!(run.cases().len(), 12);
    assert!(
        run.cases().iter().all(|c| c["status"] != "error"),
        "{:#}",
        run.json
    );
    assert_eq!(server.count(), 12);
    assert!(
        server
            .hits()
            .iter()
            .all(|h| h.body["model"] == "smollm2-135m")
    );
}

// ---------------------------------------------------------------------------------------
// Anthropic.
// ---------------------------------------------------------------------------------------

#[test]
fn anthropic_messages_api_shape_headers_and_usage() {
    let server = Server::always(
        Reply::new(
            200,
            json!({
                "id": "msg_1", "type": "message", "role": "assistant", "model": "claude-x",
                "content": [{"type": "text", "text": "Hel"},
                            {"type": "tool_use", "id": "t", "name": "x", "input": {}},
                            {"type": "text", "text": "lo"}],
                "stop_reason": "end_turn",
                "usage": {"input_tokens": 7, "output_tokens": 3}
            })
            .to_string(),
        )
        .header("content-type", "application/json"),
    );
    let providers = format!(
        "[providers.real]\nkind = \"anthropic\"\nbase_url = \"{}\"\napi_key_env = \"PW_TEST_ANTHROPIC_KEY\"\ntimeout_s = 1\nmax_retries = 1\n\n[pricing]\n\"claude-x\" = {{ input = 3.0, output = 15.0 }}\n",
        server.url
    );
    let prompt = PROMPT.replace("\"m1\"", "\"claude-x\"") + "[params]\ntemperature = 0.5\n";
    let ws = workspace(&providers, &prompt, &suite(1));
    let run = eval_env(ws.path(), &[], &[("PW_TEST_ANTHROPIC_KEY", "sk-ant-xyz")]);
    assert_eq!(run.code(), 0, "{}", run.stderr());

    let hits = server.hits();
    assert_eq!(hits.len(), 1);
    let hit = &hits[0];
    assert_eq!(hit.path, "/v1/messages");
    assert_eq!(hit.header("x-api-key"), Some("sk-ant-xyz"));
    assert_eq!(hit.header("anthropic-version"), Some("2023-06-01"));
    assert_eq!(hit.header("authorization"), None);
    assert_eq!(hit.body["model"], "claude-x");
    assert_eq!(hit.body["system"], "You are terse.");
    assert_eq!(
        hit.body["messages"],
        json!([{"role": "user", "content": "Say w1"}])
    );
    assert_eq!(hit.body["max_tokens"], 1024);
    assert_eq!(hit.body["temperature"], 0.5);

    let c = run.case("c1");
    assert_eq!(c["output"], "Hello");
    assert_eq!(c["tokens"], json!({"input": 7, "output": 3}));
    // (7 · 3 + 3 · 15) / 1e6
    assert!(
        (c["cost_usd"].as_f64().unwrap() - 66e-6).abs() < 1e-15,
        "{c:#}"
    );
}

#[test]
fn anthropic_keeps_the_prompts_max_tokens_and_accepts_a_v1_base_url() {
    let server = Server::always(message("hi", 1, 1));
    let providers = format!(
        "[providers.real]\nkind = \"anthropic\"\nbase_url = \"{}/v1/\"\ntimeout_s = 1\nmax_retries = 0\n",
        server.url
    );
    let prompt = PROMPT.replace("\"m1\"", "\"claude-x\"") + "[params]\nmax_tokens = 64\n";
    let ws = workspace(&providers, &prompt, &suite(1));
    let run = eval(ws.path(), &[]);
    assert_eq!(run.code(), 0, "{}", run.stderr());
    let hits = server.hits();
    assert_eq!(hits[0].path, "/v1/messages");
    assert_eq!(hits[0].body["max_tokens"], 64);
    assert_eq!(hits[0].header("x-api-key"), None);
}

// ---------------------------------------------------------------------------------------
// llm-rubric through [grader].
// ---------------------------------------------------------------------------------------

#[test]
fn llm_rubric_asks_the_grader_and_reads_its_verdict() {
    // The case's answer is its word; the grader judges by the output it is shown.
    let server = Server::start(|hit, _| {
        if !hit.is_grader() {
            let word = hit.user().trim_start_matches("Say ").to_string();
            return chat(&word, 100, 10);
        }
        let shown = hit.user();
        let verdict = if shown.contains("<output>\nGOOD\n</output>") {
            r#"{"pass": true, "score": 0.9, "reason": "polite and on topic"}"#
        } else if shown.contains("<output>\nBAD\n</output>") {
            r#"{"pass": false, "score": 0.1, "reason": "the reply insults the customer"}"#
        } else if shown.contains("<output>\nMID") {
            "```json\n{\"pass\": true, \"score\": 0.6, \"reason\": \"acceptable\"}\n```"
        } else {
            "Sure! The output looks great to me."
        };
        chat(verdict, 200, 20)
    });
    let providers = format!(
        "{}\n[pricing]\n\"m1\" = {{ input = 1.0, output = 1.0 }}\n\"judge\" = {{ input = 10.0, output = 10.0 }}\n\n[grader]\nprovider = \"real\"\nmodel = \"judge\"\n",
        openai(&server.url, "")
    );
    let suite = r#"prompt = "p"
[[assert]]
type = "llm-rubric"
value = "The reply is polite."

[[cases]]
id = "good"
vars = { word = "GOOD" }

[[cases]]
id = "bad"
vars = { word = "BAD" }

[[cases]]
id = "garbage"
vars = { word = "HUH" }

[[cases]]
id = "mid-strict"
vars = { word = "MID1" }
[[cases.assert]]
type = "llm-rubric"
value = "The reply is very polite."
threshold = 0.7

[[cases]]
id = "mid-lenient"
vars = { word = "MID2" }
[[cases.assert]]
type = "llm-rubric"
value = "The reply is somewhat polite."
threshold = 0.5
"#;
    let ws = workspace(&providers, PROMPT, suite);
    let run = eval(ws.path(), &[]);
    assert_eq!(run.code(), 1, "{}", run.stderr());

    let good = run.case("good");
    assert_eq!(good["status"], "pass", "{good:#}");
    assert_eq!(good["assertions"][0]["type"], "llm-rubric");
    assert_eq!(good["assertions"][0]["score"], 0.9);
    assert_eq!(
        good["assertions"][0]["reason"],
        "grader says pass: polite and on topic"
    );
    // The case's call (100 + 10 tokens at 1.0) plus the grader's (200 + 20 at 10.0).
    let cost = good["cost_usd"].as_f64().unwrap();
    assert!((cost - (110.0 + 2200.0) / 1e6).abs() < 1e-12, "{cost}");

    let bad = run.case("bad");
    assert_eq!(bad["status"], "fail", "{bad:#}");
    assert!(
        bad["assertions"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("the reply insults the customer")
    );

    let err = run.error("garbage");
    assert!(err.contains("not the expected JSON"), "{err}");
    assert!(err.contains("The output looks great to me"), "{err}");
    assert_eq!(run.case("garbage")["output"], "HUH");

    // The same grader answer (score 0.6) fails a 0.7 threshold and passes a 0.5 one,
    // whatever the grader's own `pass` says.
    let strict = run.case("mid-strict");
    assert_eq!(strict["status"], "fail", "{strict:#}");
    let reasons: Vec<&str> = strict["assertions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["reason"].as_str().unwrap())
        .collect();
    assert!(
        reasons.contains(&"grader score 0.60 (needs 0.70): acceptable"),
        "{reasons:?}"
    );
    assert_eq!(run.case("mid-lenient")["status"], "pass");

    let hits = server.hits();
    let graded: Vec<&Hit> = hits.iter().filter(|h| h.is_grader()).collect();
    // One per case for the suite's rubric, one more for each case's own.
    assert_eq!(graded.len(), 7);
    assert_eq!(hits.len() - graded.len(), 5);
    for g in &graded {
        assert_eq!(g.body["model"], "judge");
        assert_eq!(g.body["temperature"], 0);
        assert!(g.user().contains("<rubric>\nThe reply is"), "{}", g.user());
    }
}

#[test]
fn jobs_sets_the_limit_of_a_provider_the_grader_shares() {
    // concurrency = 1 in workspace.toml, -j 4 on the command line: the four case calls
    // are in flight together, grader or not. They are held until all four wait at the
    // server, so a client that sent them one at a time would time out instead.
    let together = Gate::opens_at(4);
    let server = Server::start(move |hit, _| {
        if hit.is_grader() {
            chat(r#"{"pass": true, "score": 1, "reason": "ok"}"#, 1, 1)
        } else {
            chat("x", 1, 1).held(&together)
        }
    });
    let providers = format!(
        "{}concurrency = 1\n\n[grader]\nprovider = \"real\"\nmodel = \"judge\"\n",
        openai(&server.url, "").replace(
            "timeout_s = 1\nmax_retries = 2",
            "timeout_s = 60\nmax_retries = 0"
        )
    );
    let mut suite = suite(4);
    suite.push_str("[[assert]]\ntype = \"llm-rubric\"\nvalue = \"Answers.\"\n");
    let ws = workspace(&providers, PROMPT, &suite);
    let run = eval(ws.path(), &["-j", "4"]);
    assert_eq!(run.code(), 0, "{}", run.stderr());
    let cases = server.hits().iter().filter(|h| !h.is_grader()).count();
    assert_eq!(cases, 4);
    assert_eq!(server.max_in_flight(), 4, "-j 4: four at once, never more");
}

#[test]
fn a_grader_answer_that_cannot_be_read_is_asked_again_next_run() {
    let garbled = Arc::new(AtomicBool::new(true));
    let flag = garbled.clone();
    let server = Server::start(move |hit, _| {
        if !hit.is_grader() {
            chat("an answer", 1, 1)
        } else if flag.load(Ordering::SeqCst) {
            chat("I think it is fine?", 1, 1)
        } else {
            chat(r#"{"pass": true, "score": 1, "reason": "fine"}"#, 1, 1)
        }
    });
    let providers = format!(
        "{}\n[grader]\nprovider = \"real\"\nmodel = \"judge\"\n",
        openai(&server.url, "")
    );
    let mut suite = suite(1);
    suite.push_str("[[assert]]\ntype = \"llm-rubric\"\nvalue = \"Answers.\"\n");
    let ws = workspace(&providers, PROMPT, &suite);
    let first = eval(ws.path(), &[]);
    assert_eq!(first.code(), 1);
    assert!(first.error("c1").contains("I think it is fine?"));

    garbled.store(false, Ordering::SeqCst);
    let second = eval(ws.path(), &[]);
    assert_eq!(second.code(), 0, "{:#}", second.json);
    // The case's own answer comes from the cache; the grader is asked again.
    assert_eq!(second.case("c1")["cached"], true);
    let graded = server.hits().iter().filter(|h| h.is_grader()).count();
    assert_eq!((server.count() - graded, graded), (1, 2));
}

// ---------------------------------------------------------------------------------------
// Cache.
// ---------------------------------------------------------------------------------------

#[test]
fn a_second_run_is_answered_from_the_cache_and_no_cache_asks_again() {
    let server = Server::start(|hit, _| chat(&format!("answer to {}", hit.user()), 10, 5));
    let ws = workspace(
        &openai(
            &server.url,
            "\n[pricing]\n\"m1\" = { input = 1.0, output = 1.0 }",
        ),
        PROMPT,
        &suite(3),
    );
    let first = eval(ws.path(), &[]);
    assert_eq!(first.code(), 0, "{}", first.stderr());
    assert_eq!(server.count(), 3);
    assert!(first.cases().iter().all(|c| c["cached"] == false));
    assert!(first.run0()["summary"]["cost_usd"].as_f64().unwrap() > 0.0);

    let second = eval(ws.path(), &[]);
    assert_eq!(second.code(), 0, "{}", second.stderr());
    assert_eq!(server.count(), 3, "the second run asks nothing");
    assert_ne!(first.run0()["run_id"], second.run0()["run_id"]);
    for c in second.cases() {
        assert_eq!(c["cached"], true, "{c:#}");
        assert_eq!(c["cost_usd"], 0.0);
        assert_eq!(c["status"], "pass");
        let id = c["id"].as_str().unwrap();
        assert_eq!(c["output"], first.case(id)["output"]);
        assert_eq!(c["tokens"], first.case(id)["tokens"]);
        // The latency of the call that produced the answer is kept.
        assert_eq!(c["latency_ms"], first.case(id)["latency_ms"]);
    }
    assert_eq!(second.run0()["summary"]["cost_usd"], 0.0);

    let fresh = eval(ws.path(), &["--no-cache"]);
    assert_eq!(fresh.code(), 0, "{}", fresh.stderr());
    assert_eq!(server.count(), 6);
    assert!(fresh.cases().iter().all(|c| c["cached"] == false));
}

#[test]
fn the_cache_key_covers_the_model_and_the_params() {
    let server = Server::start(|hit, _| chat(&format!("from {}", hit.body["model"]), 1, 1));
    let ws = workspace(&openai(&server.url, ""), PROMPT, &suite(1));
    let root = ws.path();
    let asked = |args: &[&str]| {
        let before = server.count();
        let run = eval(root, args);
        assert_eq!(run.code(), 0, "{}", run.stderr());
        (server.count() - before, run.case("c1")["output"].clone())
    };
    assert_eq!(asked(&[]), (1, json!("from \"m1\"")));
    assert_eq!(asked(&[]).0, 0, "the same request is cached");
    // Another model is another question.
    assert_eq!(asked(&["--model", "m2"]), (1, json!("from \"m2\"")));
    assert_eq!(asked(&["--model", "m2"]).0, 0);
    // So are other params.
    write(
        root,
        "prompts/p.toml",
        format!("{PROMPT}[params]\ntemperature = 0.7\n"),
    );
    assert_eq!(
        asked(&[]).0,
        1,
        "a new temperature was answered from the cache"
    );
    write(
        root,
        "prompts/p.toml",
        format!("{PROMPT}[params]\ntemperature = 0.2\n"),
    );
    assert_eq!(
        asked(&[]).0,
        1,
        "a new temperature was answered from the cache"
    );
    assert_eq!(asked(&[]).0, 0);
}

#[test]
fn errors_are_not_cached() {
    let broken = Arc::new(AtomicBool::new(true));
    let flag = broken.clone();
    let server = Server::start(move |_, _| {
        if flag.load(Ordering::SeqCst) {
            api_error(401, "invalid key")
        } else {
            chat("fixed", 1, 1)
        }
    });
    let ws = workspace(&openai(&server.url, ""), PROMPT, &suite(2));
    let first = eval(ws.path(), &[]);
    assert_eq!(first.code(), 1);
    assert!(first.error("c1").contains("invalid key"));
    assert_eq!(server.count(), 2);

    broken.store(false, Ordering::SeqCst);
    let second = eval(ws.path(), &[]);
    assert_eq!(second.code(), 0, "{}", second.stderr());
    assert_eq!(server.count(), 4, "the failed cases are asked again");
    assert!(
        second
            .cases()
            .iter()
            .all(|c| c["cached"] == false && c["output"] == "fixed")
    );
}

// ---------------------------------------------------------------------------------------
// Record and replay.
// ---------------------------------------------------------------------------------------

#[test]
fn record_then_replay_answers_identically_without_the_server() {
    let server = Server::start(|hit, _| chat(&format!("recorded {}", hit.user()), 12, 4));
    let providers = format!(
        "{}\n[providers.recorded]\nkind = \"replay\"\ncassette = \"evals/cassettes/x.jsonl\"\n",
        openai(&server.url, "")
    );
    let ws = workspace(&providers, PROMPT, &suite(3));
    let root = ws.path();

    let recorded = eval(root, &["--provider", "real", "--record"]);
    assert_eq!(recorded.code(), 0, "{}", recorded.stderr());
    assert_eq!(server.count(), 3);
    let cassette = std::fs::read_to_string(root.join("evals/cassettes/x.jsonl")).unwrap();
    assert_eq!(cassette.lines().count(), 3, "{cassette}");

    let replayed = eval(root, &["--provider", "recorded"]);
    assert_eq!(replayed.code(), 0, "{}", replayed.stderr());
    assert_eq!(server.count(), 3, "replay asks no server");
    assert_eq!(replayed.run0()["provider"], "recorded");
    for c in replayed.cases() {
        let id = c["id"].as_str().unwrap();
        assert_eq!(c["status"], "pass");
        assert_eq!(c["output"], recorded.case(id)["output"]);
        assert_eq!(c["tokens"], recorded.case(id)["tokens"]);
        assert_eq!(c["cost_usd"], 0.0);
    }

    // A case the cassette does not hold is an error that says how to record it.
    let mut more = suite(3);
    more.push_str("[[cases]]\nid = \"new\"\nvars = { word = \"unheard\" }\n");
    write(root, "evals/s.toml", &more);
    let partial = eval(root, &["--provider", "recorded"]);
    assert_eq!(partial.code(), 1);
    let err = partial.error("new");
    assert!(err.contains("--record"), "{err}");
    assert!(err.contains("x.jsonl"), "{err}");
    assert_eq!(partial.case("c1")["status"], "pass");
    assert_eq!(server.count(), 3);
}

// ---------------------------------------------------------------------------------------
// Secrets.
// ---------------------------------------------------------------------------------------

const SENTINEL: &str = "sk-test-SENTINEL-1234567890";

/// Every file under `root` that contains `needle`.
fn files_containing(root: &Path, needle: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let bytes = std::fs::read(&path).unwrap();
                if bytes.windows(needle.len()).any(|w| w == needle.as_bytes()) {
                    found.push(path.display().to_string());
                }
            }
        }
    }
    found
}

#[test]
fn api_keys_never_reach_records_cache_cassettes_outputs_or_errors() {
    // A careless server that echoes the key header back wherever it can, except in the
    // answer text itself (which would be the model's own words).
    let server = Server::start(|hit, _| {
        let key = hit.key_header();
        let case = hit.user();
        if hit.path == "/v1/messages" {
            return api_error(401, &format!("invalid x-api-key: {key}"));
        }
        match case.as_str() {
            "Say fine" => {
                let mut r = chat("all good", 5, 5);
                let mut v: Value = serde_json::from_str(&r.body).unwrap();
                v["debug"] = json!({"authorization": key});
                r.body = v.to_string();
                r
            }
            "Say unauthorized" => api_error(401, &format!("Incorrect API key provided: {key}")),
            "Say flaky" => Reply::new(503, format!("overloaded (request auth was {key})")),
            "Say shapeless" => Reply::new(200, json!({"echo": {"authorization": key}}).to_string()),
            _ => Reply::new(200, format!("not json, you sent {key}")),
        }
    });
    let providers = format!(
        "[providers.real]\nkind = \"openai\"\nbase_url = \"{url}/v1\"\napi_key_env = \"PW_TEST_SECRET\"\ntimeout_s = 1\nmax_retries = 1\n\n\
         [providers.claude]\nkind = \"anthropic\"\nbase_url = \"{url}\"\napi_key_env = \"PW_TEST_SECRET\"\ntimeout_s = 1\nmax_retries = 1\n\n\
         [providers.recorded]\nkind = \"replay\"\ncassette = \"evals/cassettes/secrets.jsonl\"\n",
        url = server.url
    );
    let suite = r#"prompt = "p"
[[cases]]
id = "fine"
vars = { word = "fine" }
[[cases]]
id = "unauthorized"
vars = { word = "unauthorized" }
[[cases]]
id = "flaky"
vars = { word = "flaky" }
[[cases]]
id = "garbled"
vars = { word = "garbled" }
[[cases]]
id = "shapeless"
vars = { word = "shapeless" }
"#;
    let ws = workspace(&providers, PROMPT, suite);
    let root = ws.path();
    let env = [("PW_TEST_SECRET", SENTINEL)];

    let mut runs = vec![
        eval_env(root, &["--record"], &env),
        // Again, from the cache for the answered case.
        eval_env(root, &[], &env),
        eval_env(root, &["--provider", "claude"], &env),
        eval_env(root, &["-o", "out.json"], &env),
    ];
    let jsonl = bin(root)
        .args(["eval", "--format", "jsonl", "--no-cache"])
        .env("PW_TEST_SECRET", SENTINEL)
        .output()
        .unwrap();
    let table = bin(root)
        .args(["eval", "--no-cache"])
        .env("PW_TEST_SECRET", SENTINEL)
        .output()
        .unwrap();

    // The key did reach the server, so the echoes below really had it to leak.
    assert!(
        server
            .hits()
            .iter()
            .all(|h| h.key_header().contains(SENTINEL))
    );

    let first = runs.remove(0);
    assert_eq!(first.code(), 1);
    assert_eq!(first.case("fine")["status"], "pass");
    let unauthorized = first.error("unauthorized");
    assert!(
        unauthorized.contains("Incorrect API key provided: Bearer [redacted]"),
        "{unauthorized}"
    );
    assert!(first.error("flaky").contains("[redacted]"));
    assert!(first.error("garbled").contains("[redacted]"));
    assert!(first.error("shapeless").contains("[redacted]"));
    let claude = &runs[1];
    assert!(
        claude
            .error("fine")
            .contains("invalid x-api-key: [redacted]"),
        "{}",
        claude.error("fine")
    );

    let mut outputs: Vec<&Output> = runs.iter().map(|r| &r.out).collect();
    outputs.extend([&first.out, &jsonl, &table]);
    for out in outputs {
        for stream in [&out.stdout, &out.stderr] {
            let text = String::from_utf8_lossy(stream);
            assert!(!text.contains(SENTINEL), "leaked to the terminal: {text}");
            assert!(!text.contains("SENTINEL"), "partly leaked: {text}");
        }
    }
    assert!(root.join("evals/cassettes/secrets.jsonl").exists());
    assert!(root.join("out.json").exists());
    assert!(root.join(".promptwright/cache").is_dir());
    let leaks = files_containing(root, SENTINEL);
    assert!(leaks.is_empty(), "the key is in {leaks:?}");
}

// ---------------------------------------------------------------------------------------
// Resume after a kill or an interrupt.
// ---------------------------------------------------------------------------------------

/// Requests per case (by the case's user message `Say wN`), from the server's log.
fn asked_per_case(server: &Server) -> Vec<usize> {
    let mut per_case: HashMap<String, usize> = HashMap::new();
    for hit in server.hits() {
        *per_case.entry(hit.user()).or_default() += 1;
    }
    let n = per_case.len();
    (1..=n)
        .map(|i| per_case.get(&format!("Say w{i}")).copied().unwrap_or(0))
        .collect()
}

/// A server whose answers wait at the returned gate, and a workspace of `n` cases at it
/// whose client waits for them (a minute's timeout, never reached: the test opens the
/// gate). `first_c1` answers c1's first request at once.
fn held_server(n: usize, first_c1: Option<Reply>) -> (Server, Gate, tempfile::TempDir) {
    let gate = Gate::new();
    let held = gate.clone();
    let first = std::sync::Mutex::new(first_c1);
    let server = Server::start(move |hit, _| {
        if hit.user() == "Say w1"
            && let Some(reply) = first.lock().unwrap().take()
        {
            return reply;
        }
        chat(&format!("slow {}", hit.user()), 1, 1).held(&held)
    });
    let providers = openai(&server.url, "").replace("timeout_s = 1", "timeout_s = 60");
    let ws = workspace(&providers, PROMPT, &suite(n));
    (server, gate, ws)
}

#[test]
fn a_killed_run_resumes_without_asking_again_for_recorded_cases() {
    // c1 fails at once the first time it is asked: a recorded error, asked again on resume.
    let (server, gate, ws) = held_server(10, Some(api_error(401, "key revoked, briefly")));
    let root = ws.path();

    let mut child = bin(root)
        .args(["eval", "-j", "2", "--format", "json"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // c1 errs at once; c2 and c3 wait. Let them through: c4 and c5 take their slots.
    gate.wait_waiting(2);
    gate.release(2);
    gate.wait_passed(2, 2);
    wait_for_cases(root, 3, &mut child);
    child.kill().unwrap();
    child.wait().unwrap();
    let (run_id, mut before) = recorded_cases(root).unwrap();
    before.sort();
    assert_eq!(before, ["c1", "c2", "c3"]);
    assert_eq!(server.count(), 5, "c4 and c5 were in flight at the kill");

    // --no-cache: the recorded cases must come from the run record, not the cache.
    gate.open();
    let resumed = eval(root, &["--resume", "--no-cache"]);
    assert_eq!(resumed.code(), 0, "{}", resumed.stderr());
    assert!(
        resumed.stderr().contains(&format!("resuming run {run_id}")),
        "{}",
        resumed.stderr()
    );
    let run0 = resumed.run0();
    assert_eq!(run0["run_id"], run_id.as_str());
    assert_eq!(run0["complete"], true);
    let ids: Vec<&str> = resumed
        .cases()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    let expected: Vec<String> = (1..=10).map(|i| format!("c{i}")).collect();
    assert_eq!(ids, expected, "all cases, in plan order");
    assert_eq!(run0["summary"]["passed"], 10);

    // Asked again: c1 (its recorded error) and the two in flight at the kill; the
    // recorded passes c2 and c3 never.
    assert_eq!(asked_per_case(&server), [2, 1, 1, 2, 2, 1, 1, 1, 1, 1]);
    assert_eq!(resumed.case("c1")["output"], "slow Say w1");

    // The record on disk is append-only: c1's error line stays, its answer follows, and
    // reading the record back gives one complete run of 10 cases, c1 passing.
    let (_, after) = recorded_cases(root).unwrap();
    assert_eq!(after.len(), 11, "{after:?}");
    let path = root.join(format!(".promptwright/runs/{run_id}.jsonl"));
    let stored = promptwright_core::store::read_run(&path).unwrap();
    assert!(stored.complete);
    assert_eq!(stored.cases.len(), 10);
    assert_eq!(stored.summary.passed, 10);
    assert_eq!(stored.summary.errors, 0);
}

#[test]
fn an_interrupted_run_is_recorded_incomplete_and_resumes_asking_only_unrecorded_cases() {
    let (server, gate, ws) = held_server(8, None);
    let root = ws.path();
    let mut child = bin(root)
        .args(["eval", "-j", "2", "--format", "json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // c1 and c2 answer; c3 and c4 are in flight when Ctrl-C comes.
    gate.wait_waiting(2);
    gate.release(2);
    gate.wait_passed(2, 2);
    wait_for_cases(root, 2, &mut child);
    let sent = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("--resume"), "{stderr}");
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    let run0 = &json["runs"][0];
    assert_eq!(run0["complete"], false);
    let done: Vec<&str> = run0["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(done, ["c1", "c2"]);

    gate.open();
    let resumed = eval(root, &["--resume"]);
    assert_eq!(resumed.code(), 0, "{}", resumed.stderr());
    assert_eq!(resumed.run0()["run_id"], run0["run_id"]);
    assert_eq!(resumed.run0()["complete"], true);
    assert_eq!(resumed.cases().len(), 8);
    // Only the two cut off by the interrupt are asked twice.
    assert_eq!(asked_per_case(&server), [1, 1, 2, 2, 1, 1, 1, 1]);
}

#[test]
fn resume_continues_only_a_run_of_the_same_prompt_content_provider_and_model() {
    let (server, gate, ws) = held_server(2, None);
    let root = ws.path();
    // A second provider at the same server.
    let config = std::fs::read_to_string(root.join("workspace.toml")).unwrap();
    let other = openai(&server.url, "").replace("[providers.real]", "[providers.other]");
    write(root, "workspace.toml", format!("{config}\n{other}"));
    // An incomplete run: c1 recorded, c2 in flight at the kill.
    let mut child = bin(root)
        .args(["eval", "-j", "1", "--format", "json"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    gate.wait_waiting(1);
    gate.release(1);
    gate.wait_passed(1, 1);
    wait_for_cases(root, 1, &mut child);
    child.kill().unwrap();
    child.wait().unwrap();
    let (run_id, _) = recorded_cases(root).unwrap();
    gate.open();

    let fresh = |args: &[&str], what: &str| {
        let mut all = vec!["--resume"];
        all.extend_from_slice(args);
        let run = eval(root, &all);
        assert_eq!(run.code(), 0, "{}", run.stderr());
        assert!(
            !run.stderr().contains("resuming run"),
            "{what}: {}",
            run.stderr()
        );
        assert_ne!(
            run.run0()["run_id"],
            run_id.as_str(),
            "{what} resumed the run"
        );
        assert_eq!(run.cases().len(), 2, "{what}: a whole new run");
    };
    fresh(&["--model", "m2"], "another model");
    fresh(&["--provider", "other"], "another provider");
    let prompt = std::fs::read_to_string(root.join("prompts/p.toml")).unwrap();
    write(
        root,
        "prompts/p.toml",
        prompt.replace("You are terse.", "You are brief."),
    );
    fresh(&[], "other prompt content");

    // The same content, provider and model: that run goes on.
    write(root, "prompts/p.toml", &prompt);
    let resumed = eval(root, &["--resume", "--no-cache"]);
    assert_eq!(resumed.code(), 0, "{}", resumed.stderr());
    assert!(
        resumed.stderr().contains(&format!("resuming run {run_id}")),
        "{}",
        resumed.stderr()
    );
    assert_eq!(resumed.run0()["run_id"], run_id.as_str());
    assert_eq!(resumed.run0()["complete"], true);
}

#[test]
fn a_recorded_rubric_replays_with_no_key_and_no_server() {
    let server = Server::start(|hit, _| {
        if hit.is_grader() {
            chat(r#"{"pass": true, "score": 0.8, "reason": "polite"}"#, 50, 5)
        } else {
            chat("Thank you for writing!", 10, 4)
        }
    });
    let providers = format!(
        "{}\n[providers.recorded]\nkind = \"replay\"\ncassette = \"evals/cassettes/x.jsonl\"\n\n[grader]\nprovider = \"real\"\nmodel = \"judge\"\n",
        openai(&server.url, "api_key_env = \"PW_TEST_GRADER_KEY\"")
    );
    let suite = "prompt = \"p\"\n[[assert]]\ntype = \"llm-rubric\"\nvalue = \"Polite\"\n[[cases]]\nid = \"a\"\nvars = { word = \"hi\" }\n";
    let ws = workspace(&providers, PROMPT, suite);
    let root = ws.path();
    let recorded = eval_env(
        root,
        &["--provider", "real", "--record"],
        &[("PW_TEST_GRADER_KEY", "k-123456")],
    );
    assert_eq!(recorded.code(), 0, "{}", recorded.stderr());
    assert_eq!(server.count(), 2, "the answer and its grading");
    let cassette = std::fs::read_to_string(root.join("evals/cassettes/x.jsonl")).unwrap();
    assert_eq!(cassette.lines().count(), 2, "{cassette}");
    // No key in the environment, and the server is not asked: both come from the cassette.
    let replayed = eval(root, &["--provider", "recorded"]);
    assert_eq!(replayed.code(), 0, "{}", replayed.stderr());
    assert_eq!(server.count(), 2);
    let a = replayed.case("a");
    assert_eq!(a["status"], "pass");
    assert_eq!(a["assertions"][0]["score"], 0.8);
    assert_eq!(a["assertions"][0]["reason"], "grader says pass: polite");
}

#[test]
fn gate_judges_a_model_swap_against_the_release_on_its_own_model() {
    let server = Server::always(chat("ok", 1, 1));
    let ws = workspace(&openai(&server.url, ""), PROMPT, &suite(2));
    let root = ws.path();
    let o = bin(root)
        .args(["release", "p", "--note", "first"])
        .output()
        .unwrap();
    assert_eq!(
        o.status.code().unwrap(),
        0,
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    let before = server.count();
    let o = bin(root)
        .args(["gate", "p", "--model", "m2", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(
        o.status.code().unwrap(),
        0,
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("the draft (real / m2)"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let models: Vec<Value> = server.hits()[before..]
        .iter()
        .map(|h| h.body["model"].clone())
        .collect();
    // The draft asked m2; the current release asked its own m1 (from the cache or anew).
    assert!(models.contains(&json!("m2")), "{models:?}");
    assert!(models.iter().all(|m| m == "m1" || m == "m2"), "{models:?}");
    let verdict: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(verdict["passed"], true, "{verdict:#}");
    // Each side's run record names the model it ran on.
    let model_of = |side: &str| {
        let id = verdict[side]["run_id"].as_str().unwrap();
        let path = root.join(format!(".promptwright/runs/{id}.jsonl"));
        let text = std::fs::read_to_string(path).unwrap();
        let header: Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
        header["model"].clone()
    };
    assert_eq!(model_of("draft"), json!("m2"));
    assert_eq!(model_of("baseline"), json!("m1"));

    // Released with the swap: the file names the model the gate judged, and its hash
    // covers it, so what ships is what was evaluated.
    let o = bin(root)
        .args(["release", "p", "--model", "m2", "--note", "cheaper model"])
        .output()
        .unwrap();
    assert_eq!(
        o.status.code().unwrap(),
        0,
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let v2 = std::fs::read_to_string(root.join("releases/p/v2.toml")).unwrap();
    assert!(v2.contains("model = \"m2\""), "{v2}");
    let check = bin(root).arg("check").output().unwrap();
    assert_eq!(
        check.status.code().unwrap(),
        0,
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
    let unknown = bin(root)
        .args(["release", "p", "--provider", "rael", "--note", "x"])
        .output()
        .unwrap();
    assert_eq!(unknown.status.code().unwrap(), 2);
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("did you mean `real`?"));
}
