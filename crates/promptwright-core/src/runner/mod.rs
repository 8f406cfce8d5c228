//! The concurrent run: one tokio task per case under a concurrency limit. Each scored
//! case is appended to the run record at once and sent out as a `RunEvent`; the CLI
//! prints events, the TUI turns them into messages. Nothing polls.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::provider::{Provider, Recorder};
use crate::store::{CaseResult, PartialSamples, RunHeader, RunRecord, RunningSummary};
use crate::workspace::{Price, Prompt, Suite};

pub mod batch;
pub mod budget;
mod case;
mod draws;
mod execute;
mod keep;

use execute::run_keeping;
pub use keep::StoredRun;
use keep::{KeepAll, KeepPlaces, NOT_RUN};

/// Everything a run needs, owned, so it can move onto a task.
pub struct RunPlan {
    /// Workspace root: the record and the cache live under its `.promptwright/`.
    pub root: PathBuf,
    pub prompt: Prompt,
    pub suites: Vec<Suite>,
    pub provider: ProviderPlan,
    pub model: String,
    pub concurrency: usize,
    /// Read answers from the response cache (fresh answers are written either way).
    pub use_cache: bool,
    /// Append every answer to this cassette (`eval --record`).
    pub recorder: Option<Arc<Recorder>>,
    /// The model that judges `llm-rubric` assertions.
    pub grader: Option<GraderPlan>,
    /// Continue this incomplete run instead of starting a new one.
    pub resume: Option<Resume>,
    /// Where `similar` assertions get their embeddings.
    pub embedder: Option<EmbedderPlan>,
    /// Samples per case for every suite (`eval --repeat`, a gate's `repeats`); `None`:
    /// each suite's own `repeat`.
    pub repeat: Option<u32>,
    /// The part of the cases this run is (`eval --shard`); its suites hold only those.
    pub shard: Option<crate::shard::Shard>,
    /// Stop starting calls before the spend would pass this (`eval --budget`).
    pub budget: Option<Arc<budget::Budget>>,
    /// Send the requests through the provider's batch API (`eval --batch`).
    pub batch: Option<batch::BatchPlan>,
}

/// A provider ready to call, with what the cost and the cache need to know of it.
#[derive(Clone)]
pub struct ProviderPlan {
    pub name: String,
    pub provider: Arc<dyn Provider>,
    /// Identity in the response cache; `None` disables caching (offline providers).
    pub cache_scope: Option<String>,
    pub price: Option<Price>,
}

/// The `[embedder]`, shared by every plan of an invocation, with its cache identity.
#[derive(Clone)]
pub struct EmbedderPlan {
    pub embedder: Arc<crate::provider::embed::Embedder>,
    /// Kind, base URL and model: what a cached vector is for.
    pub scope: String,
}

#[derive(Clone)]
pub struct GraderPlan {
    pub provider: ProviderPlan,
    pub model: String,
}

/// An incomplete run to continue: its record file, header and the cases it holds.
pub struct Resume {
    pub path: PathBuf,
    pub header: RunHeader,
    pub recorded: Vec<CaseResult>,
    /// Samples of repeated cases that had not all been drawn.
    pub samples: PartialSamples,
}

#[derive(Debug, Clone, PartialEq)]
pub enum RunEvent {
    Started(RunHeader),
    CaseStarted {
        suite: String,
        id: String,
    },
    CaseScored(Box<CaseResult>),
    /// The jobs of a batched run, after each look at them.
    Batch(batch::BatchProgress),
    /// Shared, not copied: a record can hold thousands of cases.
    Finished(Arc<RunRecord>),
}

#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("cannot write the run record {path}: {source}")]
    Store {
        path: String,
        source: std::io::Error,
    },
    #[error("cannot write the response cache: {0}")]
    Cache(std::io::Error),
    /// `eval --resume` of a run another process is writing.
    #[error("run {run_id} is being continued by another promptwright process")]
    InUse { run_id: String },
    /// A run whose requests went out in batch jobs, continued without them: asking
    /// again would pay for the same answers twice.
    #[error("run {run_id} sent its requests in batch jobs and can only be continued as a batch")]
    Batched { run_id: String },
}

pub fn new_run_id() -> String {
    format!(
        "{}-{:06x}",
        chrono::Utc::now().format("%Y%m%d-%H%M%S"),
        fastrand::u32(..0x100_0000)
    )
}

/// Runs plans one after another on one event channel, and stops after a cancelled one
/// (its record is kept, marked incomplete). The CLI, the workbench and the screenshots
/// all run their plans through here; `run_one` is [`run`] (every result in memory) or
/// [`run_stored`] (results left in the record file).
pub async fn run_each<T, F, Fut>(
    plans: Vec<RunPlan>,
    events: mpsc::UnboundedSender<RunEvent>,
    cancel: CancellationToken,
    run_one: F,
) -> Result<Vec<T>, RunError>
where
    F: Fn(RunPlan, mpsc::UnboundedSender<RunEvent>, CancellationToken) -> Fut,
    Fut: Future<Output = Result<T, RunError>>,
{
    let mut runs = Vec::with_capacity(plans.len());
    for plan in plans {
        runs.push(run_one(plan, events.clone(), cancel.clone()).await?);
        if cancel.is_cancelled() {
            break;
        }
    }
    Ok(runs)
}

/// [`run_each`] with [`run`]: every record whole.
pub async fn run_all(
    plans: Vec<RunPlan>,
    events: mpsc::UnboundedSender<RunEvent>,
    cancel: CancellationToken,
) -> Result<Vec<Arc<RunRecord>>, RunError> {
    run_each(plans, events, cancel, run).await
}

/// Runs every case of the plan's suites and returns the run record (shared with the
/// `Finished` event; `Arc::unwrap_or_clone` once the events are consumed).
pub async fn run(
    plan: RunPlan,
    events: mpsc::UnboundedSender<RunEvent>,
    cancel: CancellationToken,
) -> Result<Arc<RunRecord>, RunError> {
    let mut all = KeepAll::default();
    let (header, complete, _) = run_keeping(plan, &events, cancel, &mut all).await?;
    let mut results = all.0;
    results.sort_by_key(|(order, _)| *order);
    let cases: Vec<CaseResult> = results.into_iter().map(|(_, r)| r).collect();
    let record = Arc::new(RunRecord::new(&header, complete, cases));
    let _ = events.send(RunEvent::Finished(record.clone()));
    Ok(record)
}

/// Runs the plan like [`run`] but keeps no results in memory, only where each is in
/// the record file: a report reads them back from there (a run of a million cases
/// costs a few bytes per case, not its results). The `Finished` event carries the
/// run's summary and no cases.
pub async fn run_stored(
    plan: RunPlan,
    events: mpsc::UnboundedSender<RunEvent>,
    cancel: CancellationToken,
) -> Result<StoredRun, RunError> {
    let total = plan.suites.iter().map(|s| s.cases.len()).sum();
    let mut stored = KeepPlaces {
        offsets: vec![NOT_RUN; total],
        held: HashMap::new(),
        summary: RunningSummary::default(),
    };
    let (header, complete, path) = run_keeping(plan, &events, cancel, &mut stored).await?;
    let mut record = RunRecord::new(&header, complete, Vec::new());
    record.summary = stored.summary.summary();
    let _ = events.send(RunEvent::Finished(Arc::new(record.clone())));
    Ok(StoredRun {
        record,
        path,
        offsets: stored.offsets,
        held: stored.held,
    })
}

#[cfg(test)]
mod tests;
