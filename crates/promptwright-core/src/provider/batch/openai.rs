//! OpenAI's Batch API: the requests uploaded as a JSONL file (`POST /files`, purpose
//! `batch`), a job made of it (`POST /batches`), polled (`GET /batches/{id}`), and its
//! output and error files read (`GET /files/{id}/content`).

use std::collections::HashMap;

use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

use super::{
    Client, End, JobState, Limits, Outcome, RESULTS_MAX_MB, answered_only, checked_id, count,
    jsonl, status_word,
};
use crate::provider::endpoint::Endpoint;
use crate::provider::http;
use crate::provider::retry::AttemptError;
use crate::provider::{ProviderError, openai};

/// 50,000 requests and 200 MB an input file.
pub(super) const LIMITS: Limits = Limits {
    requests: 50_000,
    bytes: 200_000_000,
};

pub(super) fn line(custom_id: &str, body: Value) -> Value {
    json!({"custom_id": custom_id, "method": "POST", "url": "/v1/chat/completions", "body": body})
}

fn authed(ep: &Endpoint, req: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
    match ep.key() {
        Some(k) => req.bearer_auth(k.expose()),
        None => req,
    }
}

pub(super) async fn submit(c: &Client, lines: &[String]) -> Result<String, ProviderError> {
    let mut file = lines.join("\n");
    file.push('\n');
    let files = c.endpoint(&c.url("files"))?;
    let uploaded = c
        .retried(|| async {
            let part = Part::text(file.clone())
                .file_name("promptwright-batch.jsonl")
                .mime_str("application/jsonl")
                .map_err(|e| AttemptError::fatal(ProviderError::Config(e.to_string())))?;
            let form = Form::new().text("purpose", "batch").part("file", part);
            files
                .post_json(authed(&files, files.post().multipart(form)))
                .await
        })
        .await?;
    let file_id = checked_id("the uploaded file's id", uploaded.get("id"))?;
    let batches = c.endpoint(&c.url("batches"))?;
    let body = json!({
        "input_file_id": file_id,
        "endpoint": "/v1/chat/completions",
        "completion_window": "24h",
    });
    let job = c
        .retried(|| async {
            let req = authed(&batches, batches.post().json(&body));
            batches.post_json(req).await.map_err(answered_only)
        })
        .await?;
    checked_id("the batch's id", job.get("id"))
}

pub(super) async fn poll(c: &Client, id: &str) -> Result<JobState, ProviderError> {
    let ep = c.endpoint(&c.url(&format!("batches/{id}")))?;
    let v = c
        .retried(|| async { ep.post_json(authed(&ep, ep.get())).await })
        .await?;
    let status = status_word(v.get("status"));
    let end = match status.as_str() {
        "completed" | "expired" | "cancelled" => {
            let mut files = Vec::new();
            for field in ["output_file_id", "error_file_id"] {
                if v.get(field).is_some_and(|f| !f.is_null()) {
                    files.push(checked_id(field, v.get(field))?);
                }
            }
            Some(End::Results(files))
        }
        "failed" => {
            let reasons: Vec<String> = v
                .pointer("/errors/data")
                .and_then(Value::as_array)
                .map(|errors| {
                    errors
                        .iter()
                        .take(3)
                        .filter_map(|e| e.get("message").and_then(Value::as_str))
                        .map(|m| http::excerpt(&ep.scrub(m)))
                        .collect()
                })
                .unwrap_or_default();
            Some(End::Failed(if reasons.is_empty() {
                format!("batch {id} failed")
            } else {
                format!("batch {id} failed: {}", reasons.join("; "))
            }))
        }
        _ => None,
    };
    Ok(JobState {
        done: count(&v, "/request_counts/completed") + count(&v, "/request_counts/failed"),
        total: count(&v, "/request_counts/total"),
        status,
        end,
    })
}

/// Reads one output or error file into `out`.
pub(super) async fn results(
    c: &Client,
    file_id: &str,
    out: &mut HashMap<String, Outcome>,
) -> Result<(), ProviderError> {
    let ep = c
        .endpoint(&c.url(&format!("files/{file_id}/content")))?
        .with_cap(RESULTS_MAX_MB);
    let body = c
        .retried(|| async { ep.text(authed(&ep, ep.get())).await })
        .await?;
    for line in jsonl(&body) {
        let Some(id) = line.get("custom_id").and_then(Value::as_str) else {
            continue;
        };
        out.insert(id.to_string(), outcome(&ep, &line));
    }
    Ok(())
}

/// One line of an output or error file: the reply, read as a synchronous one is, or
/// the provider's own message.
fn outcome(ep: &Endpoint, line: &Value) -> Outcome {
    let status = line
        .pointer("/response/status_code")
        .and_then(Value::as_u64);
    let body = line.pointer("/response/body");
    match (status, body) {
        (Some(200), Some(body)) => openai::reply(ep, body).map_err(|e| e.error),
        (Some(status), body) => {
            let text = body.map(Value::to_string).unwrap_or_default();
            Err(ProviderError::Http {
                status: status.min(999) as u16,
                message: ep
                    .scrub(&http::error_message(&text).unwrap_or_else(|| http::excerpt(&text))),
            })
        }
        (None, _) => {
            let code = line.pointer("/error/code").and_then(Value::as_str);
            let message = line
                .pointer("/error/message")
                .and_then(Value::as_str)
                .unwrap_or("the batch reported an error with no message");
            let text = http::excerpt(&ep.scrub(&match code {
                Some(code) => format!("{code}: {message}"),
                None => message.to_string(),
            }));
            // Requests the job never ran are sent again by a resumed run.
            match code {
                Some("batch_expired" | "batch_cancelled") => Err(ProviderError::NotRun(text)),
                _ => Err(ProviderError::Batch(text)),
            }
        }
    }
}
