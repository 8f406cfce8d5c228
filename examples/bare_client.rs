//! The floor for `scripts/bench-eval.sh`: the same requests as an eval, sent by a bare
//! reqwest loop at the same concurrency with no templates, scoring, cache or record.
//! What it cannot beat on this machine, promptwright cannot either.
//!
//! cargo run --release --example bare_client -- PORT CASES CONCURRENCY

use std::sync::Arc;
use std::time::Instant;

use serde_json::json;
use tokio::sync::Semaphore;

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let arg =
        |i: usize, default: usize| args.get(i).and_then(|a| a.parse().ok()).unwrap_or(default);
    let (port, cases, concurrency) = (arg(0, 18089), arg(1, 2000), arg(2, 64));
    let url = format!("http://127.0.0.1:{port}/v1/chat/completions");
    let client = reqwest::Client::builder()
        .tls_certs_only([])
        .tcp_nodelay(true)
        .pool_max_idle_per_host(256)
        .build()
        .expect("client");
    let limit = Arc::new(Semaphore::new(concurrency));
    let started = Instant::now();
    let mut tasks = Vec::with_capacity(cases);
    for n in 0..cases {
        let permit = limit.clone().acquire_owned().await.expect("open");
        let (client, url) = (client.clone(), url.clone());
        tasks.push(tokio::spawn(async move {
            let body = json!({"model": "bench-model", "messages": [
                {"role": "system", "content": "Answer the ticket briefly."},
                {"role": "user", "content": format!("Ticket {n}: my parcel is late")}]});
            let resp = client.post(&url).json(&body).send().await.expect("send");
            let _: serde_json::Value = resp.json().await.expect("json");
            drop(permit);
        }));
    }
    for t in tasks {
        t.await.expect("task");
    }
    println!("{:.3}", started.elapsed().as_secs_f64());
}
