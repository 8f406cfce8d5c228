//! Anthropic's Message Batches: one `POST /v1/messages/batches` with every request,
//! polled (`GET /v1/messages/batches/{id}`) until `processing_status` is `ended`, then
//! the JSONL at its `results_url` read.

use std::collections::HashMap;

use serde_json::{Value, json};

use super::{
    Client, End, JobState, Limits, Outcome, RESULTS_MAX_MB, answered_only, checked_id, count,
    jsonl, status_word,
};
use crate::provider::anthropic::{self, API_VERSION};
use crate::provider::endpoint::Endpoint;
use crate::provider::{ProviderError, Request, http, wire_anthropic};

/// 100,000 requests or 256 MB a batch.
pub(super) const LIMITS: Limits = Limits {
    requests: 100_000,
    bytes: 256_000_000,
};

pub(super) fn line(custom_id: &str, body: Value) -> Value {
    json!({"custom_id": custom_id, "params": body})
}

fn authed(ep: &Endpoint, req: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
    let req = req.header("anthropic-version", API_VERSION);
    match ep.key() {
        Some(k) => req.header("x-api-key", k.expose()),
        None => req,
    }
}

pub(super) async fn submit(c: &Client, lines: &[String]) -> Result<String, ProviderError> {
    let ep = c.endpoint(&c.url("messages/batches"))?;
    // `{"requests": [LINE, ...]}` from the lines as made, without parsing them again.
    let body = format!("{{\"requests\":[{}]}}", lines.join(","));
    let job = c
        .retried(|| async {
            let req = ep
                .post()
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(body.clone());
            let req = authed(&ep, req);
            ep.post_json(req).await.map_err(answered_only)
        })
        .await?;
    checked_id("the batch's id", job.get("id"))
}

pub(super) async fn poll(c: &Client, id: &str) -> Result<JobState, ProviderError> {
    let ep = c.endpoint(&c.url(&format!("messages/batches/{id}")))?;
    let v = c
        .retried(|| async { ep.post_json(authed(&ep, ep.get())).await })
        .await?;
    let status = status_word(v.get("processing_status"));
    let counts = ["processing", "succeeded", "errored", "canceled", "expired"]
        .map(|k| count(&v, &format!("/request_counts/{k}")));
    let end = (status == "ended").then(|| match v.get("results_url").and_then(Value::as_str) {
        Some(url) => End::Results(vec![url.to_string()]),
        None => End::Failed(format!("batch {id} ended with no results_url")),
    });
    Ok(JobState {
        done: counts[1..].iter().sum(),
        total: counts.iter().sum(),
        status,
        end,
    })
}

/// Reads the results at `url` (checked by the key rules first) into `out`.
pub(super) async fn results(
    c: &Client,
    url: &str,
    asked: &HashMap<String, Request>,
    out: &mut HashMap<String, Outcome>,
) -> Result<(), ProviderError> {
    let ep = c.endpoint(url)?.with_cap(RESULTS_MAX_MB);
    let body = c
        .retried(|| async { ep.text(authed(&ep, ep.get())).await })
        .await?;
    for line in jsonl(&body) {
        let Some(id) = line.get("custom_id").and_then(Value::as_str) else {
            continue;
        };
        // The structured-output tool whose input is the answer, as for a synchronous call.
        let format_tool = asked.get(id).and_then(wire_anthropic::format_tool);
        out.insert(
            id.to_string(),
            outcome(&ep, line.get("result"), format_tool),
        );
    }
    Ok(())
}

/// One result: a succeeded message read as a synchronous reply is, else the reason.
fn outcome(ep: &Endpoint, result: Option<&Value>, format_tool: Option<&str>) -> Outcome {
    let kind = result
        .and_then(|r| r.get("type"))
        .and_then(Value::as_str)
        .unwrap_or_default();
    let text = match kind {
        "succeeded" => {
            let message = result
                .and_then(|r| r.get("message"))
                .unwrap_or(&Value::Null);
            return anthropic::reply(ep, message, format_tool).map_err(|e| e.error);
        }
        "errored" => {
            let e = result.and_then(|r| r.get("error"));
            // `{"type": "error", "error": {"type": ..., "message": ...}}`.
            let inner = e.and_then(|e| e.get("error")).or(e);
            let message = inner
                .and_then(|i| i.get("message"))
                .and_then(Value::as_str)
                .unwrap_or("no message");
            match inner.and_then(|i| i.get("type")).and_then(Value::as_str) {
                Some(t) => format!("{t}: {message}"),
                None => message.to_string(),
            }
        }
        "canceled" => {
            return Err(ProviderError::NotRun(
                "the request was canceled before it ran".into(),
            ));
        }
        "expired" => {
            return Err(ProviderError::NotRun(
                "the request expired before it ran (the batch's 24 hours ran out)".into(),
            ));
        }
        other => format!("unknown result type `{}`", http::excerpt(other)),
    };
    Err(ProviderError::Batch(http::excerpt(&ep.scrub(&text))))
}
