//! A local OpenAI-compatible server that answers every chat completion after a fixed
//! delay: the yardstick for eval throughput (`scripts/bench-eval.sh`).
//!
//! cargo run --release --example latency_server -- [PORT] [DELAY_MS]

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use axum::extract::Request;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{Value, json};

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let port: u16 = args.next().and_then(|a| a.parse().ok()).unwrap_or(8089);
    let delay = Duration::from_millis(args.next().and_then(|a| a.parse().ok()).unwrap_or(50));
    let served = Arc::new(AtomicU64::new(0));
    let counter = served.clone();
    let app = Router::new()
        .route(
            "/v1/chat/completions",
            post(move |request: Request| {
                let counter = counter.clone();
                async move {
                    // The clock starts when the request arrives, so reading and parsing
                    // its body is inside the fixed latency, not added to it.
                    let deadline = Instant::now() + delay;
                    let bytes = axum::body::to_bytes(request.into_body(), usize::MAX)
                        .await
                        .unwrap_or_default();
                    let body: Value = serde_json::from_slice(&bytes).unwrap_or_default();
                    // tokio's timer wheel rounds a sleep up to the next millisecond tick
                    // (~51.8 ms for "50 ms" measured at the client); an OS sleep on a
                    // blocking thread keeps the yardstick at the latency it claims.
                    let _ = tokio::task::spawn_blocking(move || {
                        std::thread::sleep(deadline.saturating_duration_since(Instant::now()))
                    })
                    .await;
                    counter.fetch_add(1, Ordering::Relaxed);
                    let last = body["messages"]
                        .as_array()
                        .and_then(|m| m.last())
                        .and_then(|m| m["content"].as_str())
                        .unwrap_or("")
                        .to_string();
                    Json(json!({
                        "id": "bench",
                        "object": "chat.completion",
                        "model": body["model"],
                        "choices": [{"index": 0, "finish_reason": "stop",
                                     "message": {"role": "assistant", "content": format!("echo: {last}")}}],
                        "usage": {"prompt_tokens": 20, "completion_tokens": 8, "total_tokens": 28}
                    }))
                }
            }),
        )
        .route("/served", get(move || async move { served.load(Ordering::Relaxed).to_string() }));
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .expect("bind");
    eprintln!(
        "latency server on 127.0.0.1:{port}, {} ms per answer",
        delay.as_millis()
    );
    axum::serve(listener, app).await.expect("serve");
}
