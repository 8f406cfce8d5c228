//! The concurrent run: one tokio task per case under a concurrency limit. Each scored
//! case is appended to the run record at once and sent out as a `RunEvent`; the CLI
//! prints events, the TUI turns them into messages. Nothing polls.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use tokio::sync::{Semaphore, mpsc};
use tokio_util::sync::CancellationToken;

use crate::assert::{Observation, score_case};
use crate::provider::{ChatMessage, Provider, Request, Response};
use crate::store::{CaseResult, RunHeader, RunRecord, RunWriter, Status};
use crate::workspace::{Case, Price, Prompt, Suite};

/// Everything a run needs, owned, so it can move onto a task.
pub struct RunPlan {
    /// Workspace root: the record goes under its `.promptwright/runs/`.
    pub root: PathBuf,
    pub prompt: Prompt,
    pub suites: Vec<Suite>,
    pub provider_name: String,
    pub provider: Arc<dyn Provider>,
    pub model: String,
    pub concurrency: usize,
    pub price: Option<Price>,
}

#[derive(Debug, Clone)]
pub enum RunEvent {
    Started(RunHeader),
    CaseStarted { suite: String, id: String },
    CaseScored(Box<CaseResult>),
    Finished(Box<RunRecord>),
}

#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("cannot write the run record {path}: {source}")]
    Store {
        path: String,
        source: std::io::Error,
    },
}

pub fn new_run_id() -> String {
    format!(
        "{}-{:06x}",
        chrono::Utc::now().format("%Y%m%d-%H%M%S"),
        fastrand::u32(..0x100_0000)
    )
}

/// Runs every case of the plan's suites and returns the run record.
pub async fn run(
    plan: RunPlan,
    events: mpsc::UnboundedSender<RunEvent>,
    cancel: CancellationToken,
) -> Result<RunRecord, RunError> {
    let header = RunHeader {
        run_id: new_run_id(),
        prompt: plan.prompt.name.clone(),
        content_sha256: plan.prompt.content_sha256.clone(),
        provider: plan.provider_name.clone(),
        model: plan.model.clone(),
        started_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        suites: plan.suites.iter().map(|s| s.name.clone()).collect(),
        total: plan.suites.iter().map(|s| s.cases.len()).sum(),
    };
    let store_err = |path: &std::path::Path| {
        let path = path.display().to_string();
        move |source| RunError::Store { path, source }
    };
    let runs_dir = crate::store::runs_dir(&plan.root);
    let mut writer = RunWriter::create(&plan.root, &header).map_err(store_err(&runs_dir))?;
    let _ = events.send(RunEvent::Started(header.clone()));

    let shared = Arc::new(Shared {
        prompt: plan.prompt,
        suites: plan.suites,
        provider: plan.provider,
        provider_name: plan.provider_name,
        model: plan.model,
        price: plan.price,
    });
    let work: Vec<(usize, usize)> = shared
        .suites
        .iter()
        .enumerate()
        .flat_map(|(s, suite)| (0..suite.cases.len()).map(move |c| (s, c)))
        .collect();
    let limit = Arc::new(Semaphore::new(plan.concurrency.max(1)));
    let (done_tx, mut done_rx) = mpsc::channel::<(usize, CaseResult)>(plan.concurrency.max(1) * 2);

    let producer = {
        let cancel = cancel.clone();
        let events = events.clone();
        let shared = shared.clone();
        async move {
            for (order, (s, c)) in work.into_iter().enumerate() {
                let permit = tokio::select! {
                    p = limit.clone().acquire_owned() => p.expect("semaphore never closed"),
                    _ = cancel.cancelled() => break,
                };
                let (shared, done_tx, cancel) = (shared.clone(), done_tx.clone(), cancel.clone());
                let suite = &shared.suites[s];
                let _ = events.send(RunEvent::CaseStarted {
                    suite: suite.name.clone(),
                    id: suite.cases[c].id.clone(),
                });
                tokio::spawn(async move {
                    let suite = &shared.suites[s];
                    let result = tokio::select! {
                        r = run_case(&shared, suite, &suite.cases[c]) => r,
                        _ = cancel.cancelled() => return,
                    };
                    drop(permit);
                    let _ = done_tx.send((order, result)).await;
                });
            }
        }
    };

    let consumer = async {
        let mut results = Vec::new();
        while let Some((order, result)) = done_rx.recv().await {
            writer.append(&result).map_err(store_err(&writer.path))?;
            let _ = events.send(RunEvent::CaseScored(Box::new(result.clone())));
            results.push((order, result));
        }
        Ok::<_, RunError>(results)
    };

    // The producer holds the last sender clones through its tasks; when every task has
    // finished (or been cancelled) the channel closes and the consumer ends.
    let ((), results) = tokio::join!(producer, consumer);
    let mut results = results?;
    results.sort_by_key(|(order, _)| *order);
    let cases: Vec<CaseResult> = results.into_iter().map(|(_, r)| r).collect();
    let complete = !cancel.is_cancelled() && cases.len() == header.total;
    writer.finish(complete).map_err(store_err(&writer.path))?;
    let record = RunRecord::new(&header, complete, cases);
    let _ = events.send(RunEvent::Finished(Box::new(record.clone())));
    Ok(record)
}

struct Shared {
    prompt: Prompt,
    suites: Vec<Suite>,
    provider: Arc<dyn Provider>,
    provider_name: String,
    model: String,
    price: Option<Price>,
}

fn cost_of(resp: &Response, price: Option<Price>) -> f64 {
    if let Some(c) = resp.cost_override_usd {
        return c;
    }
    match (resp.tokens, price) {
        (Some(t), Some(p)) => (t.input as f64 * p.input + t.output as f64 * p.output) / 1_000_000.0,
        _ => 0.0,
    }
}

async fn run_case(shared: &Shared, suite: &Suite, case: &Case) -> CaseResult {
    let mut result = CaseResult {
        suite: suite.name.clone(),
        id: case.id.clone(),
        status: Status::Error,
        score: 0.0,
        vars: case.vars.clone(),
        output: None,
        error: None,
        cached: false,
        latency_ms: None,
        tokens: None,
        cost_usd: 0.0,
        assertions: Vec::new(),
    };
    let rendered = match shared.prompt.templates.render(&case.vars) {
        Ok(r) => r,
        Err(e) => {
            result.error = Some(format!("template: {e}"));
            return result;
        }
    };
    let request = Request {
        model: shared.model.clone(),
        messages: shared
            .prompt
            .def
            .messages
            .iter()
            .zip(rendered)
            .map(|(m, content)| ChatMessage {
                role: m.role,
                content,
            })
            .collect(),
        params: shared.prompt.def.params.clone(),
    };
    let started = Instant::now();
    let response = shared.provider.complete(&request).await;
    let latency_ms = started.elapsed().as_millis() as u64;
    result.latency_ms = Some(latency_ms);
    let response = match response {
        Ok(r) => r,
        Err(e) => {
            result.error = Some(format!("provider `{}`: {e}", shared.provider_name));
            return result;
        }
    };
    result.cost_usd = cost_of(&response, shared.price);
    result.tokens = response.tokens;
    let obs = Observation {
        output: &response.output,
        latency_ms,
        cost_usd: result.cost_usd,
    };
    match score_case(suite.assertions_for(case), &obs, suite.threshold_for(case)) {
        Ok(score) => {
            result.status = if score.passed {
                Status::Pass
            } else {
                Status::Fail
            };
            result.score = score.score;
            result.assertions = score.results;
        }
        Err(e) => result.error = Some(e),
    }
    result.output = Some(response.output);
    result
}
