//! `eval --batch`: every request the run still owes goes to the provider's batch API
//! before any case is scored; the run then scores the answers that came back as it
//! scores synchronous ones (the provider it asks is [`Answered`]).
//!
//! Each job is written to the run record the moment it exists. A resumed run looks at
//! the jobs its record holds before it makes any: a job still running is waited for,
//! an ended one gives its answers, and only requests no job answered are sent again,
//! so nothing is paid for twice.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use futures::future::BoxFuture;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::RunEvent;
use crate::provider::batch::{self, Client, End, Outcome};
use crate::provider::{Provider, ProviderError, Request, Response};
use crate::store::cache;
use crate::store::{BatchLine, RunWriter};
use crate::workspace::ProviderKind;

/// How a run sends its requests through a batch API.
pub struct BatchPlan {
    pub client: Arc<Client>,
    /// The wait between two looks at the jobs.
    pub poll: Duration,
}

/// The longest a run waits for its jobs: the vendors' completion window (24 hours) and
/// an hour's margin. A run still waiting then ends incomplete; `--resume` waits again.
pub const MAX_WAIT: Duration = Duration::from_secs(25 * 3600);

/// Looks in a row that may fail (each after its retries) before a job is given up on
/// for this run (its cases errored, the run left for `--resume`).
const MAX_FAILED_LOOKS: u32 = 5;

/// What the jobs of a run are doing, for the progress line.
#[derive(Debug, Clone, PartialEq)]
pub struct BatchProgress {
    pub jobs: Vec<JobProgress>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct JobProgress {
    pub id: String,
    pub status: String,
    pub done: u64,
    pub total: u64,
}

/// The provider a batched run asks: the batch's answers, looked up by request.
pub(super) struct Answered {
    kind: ProviderKind,
    scope: String,
    answers: OnceLock<HashMap<String, Outcome>>,
}

impl Answered {
    pub(super) fn new(kind: ProviderKind, scope: String) -> Answered {
        Answered {
            kind,
            scope,
            answers: OnceLock::new(),
        }
    }

    pub(super) fn fill(&self, answers: HashMap<String, Outcome>) {
        let _ = self.answers.set(answers);
    }
}

impl Provider for Answered {
    fn kind(&self) -> ProviderKind {
        self.kind
    }

    fn complete<'a>(&'a self, req: &'a Request) -> BoxFuture<'a, Result<Response, ProviderError>> {
        let id = batch::custom_id(&cache::key(&self.scope, req));
        let outcome = self
            .answers
            .get()
            .and_then(|a| a.get(&id))
            .cloned()
            .unwrap_or_else(|| {
                Err(ProviderError::Batch(
                    "no answer came back from the batch for this request".into(),
                ))
            });
        Box::pin(async move { outcome })
    }
}

/// One job this run waits for, with the requests it answers for this run.
struct Track {
    id: String,
    ids: Vec<String>,
    ended: bool,
    /// Some of its requests got no answer that will last: never run, or not read.
    unfinished: bool,
    /// Looks in a row that could not reach the job.
    failures: u32,
    status: String,
    done: u64,
    total: u64,
}

/// What [`fetch`] needs of the run.
pub(super) struct Run<'a> {
    pub provider: &'a str,
    pub resumed: Option<&'a Path>,
    pub writer: &'a mut RunWriter,
    pub events: &'a mpsc::UnboundedSender<RunEvent>,
    pub cancel: &'a CancellationToken,
}

/// The answers of a batched run's jobs.
pub(super) struct Fetched {
    pub answers: HashMap<String, Outcome>,
    /// A request never ran (its job expired, was cancelled or failed) or its job could
    /// not be read: the run ends incomplete, so `--resume` takes it up.
    pub unfinished: bool,
}

/// Sends `asked` (custom id and request; one request per id) through the batch API and
/// waits for the answers. `None` when the run stops first (interrupted, or waiting past
/// [`MAX_WAIT`]): the jobs stay in the record for `--resume`.
pub(super) async fn fetch(
    plan: &BatchPlan,
    asked: HashMap<String, Request>,
    mut run: Run<'_>,
) -> Result<Option<Fetched>, std::io::Error> {
    let client = &plan.client;
    let mut answers: HashMap<String, Outcome> = HashMap::new();
    let mut tracked = Vec::new();
    let mut covered = HashSet::new();
    if let Some(path) = run.resumed {
        // Newest first: a request sent again is answered by its latest job.
        for job in crate::store::batch_jobs(path)?.into_iter().rev() {
            let valid = batch::checked_id("a recorded batch id", Some(&job.id.clone().into()));
            if job.provider != run.provider || valid.is_err() {
                continue;
            }
            let ids: Vec<String> = job
                .custom_ids
                .into_iter()
                .filter(|i| asked.contains_key(i) && covered.insert(i.clone()))
                .collect();
            if !ids.is_empty() {
                tracked.push(track(job.id, ids));
            }
        }
        // Shown in the order they were made.
        tracked.reverse();
    }
    // Jobs an earlier run made: their answers (failed lines too) are taken, and the
    // requests they never ran are sent again.
    let mut again = Vec::new();
    let mut unfinished = false;
    for t in &mut tracked {
        look(client, &asked, t, &mut answers, Some(&mut again)).await;
    }
    // Old jobs' requests that never ran are sent again below; a job that could not be
    // read leaves this run unfinished.
    unfinished |= tracked.iter().any(|t| t.unfinished);
    if !tracked.is_empty() {
        progress(run.events, &tracked);
    }
    tracked.retain(|t| !t.ended);
    let mut fresh: Vec<&String> = asked
        .keys()
        .filter(|id| !covered.contains(*id))
        .chain(&again)
        .collect();
    fresh.sort();
    let mut limits = client.limits;
    // Tests split six requests as a vendor splits fifty thousand (debug builds only).
    if let Some(n) = crate::failpoint::value("batch-max-requests").and_then(|v| v.parse().ok()) {
        limits.requests = n;
    }
    let mut packer = batch::Packer::new(limits);
    let mut sent = Sent {
        tracked: &mut tracked,
        answers: &mut answers,
        unfinished: &mut unfinished,
    };
    for id in fresh {
        let full = packer.push(id.clone(), client.line(id, &asked[id]));
        if let Some(job) = full {
            if run.cancel.is_cancelled() {
                return Ok(None);
            }
            sent.submit(client, job, &mut run).await?;
        }
    }
    if let Some(job) = packer.finish() {
        if run.cancel.is_cancelled() {
            return Ok(None);
        }
        sent.submit(client, job, &mut run).await?;
    }
    let started = Instant::now();
    while tracked.iter().any(|t| !t.ended) {
        if started.elapsed() > MAX_WAIT {
            return Ok(None);
        }
        tokio::select! {
            biased;
            _ = run.cancel.cancelled() => return Ok(None),
            _ = tokio::time::sleep(plan.poll) => {}
        }
        for t in tracked.iter_mut().filter(|t| !t.ended) {
            look(client, &asked, t, &mut answers, None).await;
        }
        progress(run.events, &tracked);
    }
    unfinished |= tracked.iter().any(|t| t.unfinished);
    Ok(Some(Fetched {
        answers,
        unfinished,
    }))
}

/// Where a job made by this run goes: its track, or its requests' errors.
struct Sent<'a> {
    tracked: &'a mut Vec<Track>,
    answers: &'a mut HashMap<String, Outcome>,
    unfinished: &'a mut bool,
}

impl Sent<'_> {
    /// Creates one job and records it at once; a job that cannot be created errs its
    /// requests as never run.
    async fn submit(
        &mut self,
        client: &Client,
        job: Vec<(String, String)>,
        run: &mut Run<'_>,
    ) -> Result<(), std::io::Error> {
        let (ids, lines): (Vec<String>, Vec<String>) = job.into_iter().unzip();
        match client.submit(&lines).await {
            Ok(id) => {
                run.writer.append_batch(BatchLine {
                    provider: run.provider.to_string(),
                    id: id.clone(),
                    custom_ids: ids.clone(),
                })?;
                self.tracked.push(track(id, ids));
                progress(run.events, self.tracked);
            }
            Err(e) => {
                let e = ProviderError::NotRun(format!("could not create the batch job: {e}"));
                self.answers
                    .extend(ids.into_iter().map(|id| (id, Err(e.clone()))));
                *self.unfinished = true;
            }
        }
        Ok(())
    }
}

fn track(id: String, ids: Vec<String>) -> Track {
    Track {
        total: ids.len() as u64,
        id,
        ids,
        ended: false,
        unfinished: false,
        failures: 0,
        status: "submitted".into(),
        done: 0,
    }
}

fn progress(events: &mpsc::UnboundedSender<RunEvent>, tracked: &[Track]) {
    let jobs = tracked
        .iter()
        .map(|t| JobProgress {
            id: t.id.clone(),
            status: t.status.clone(),
            done: t.done,
            total: t.total,
        })
        .collect();
    let _ = events.send(RunEvent::Batch(BatchProgress { jobs }));
}

/// Looks at a job once; when it has ended, shares its results out. A request the job
/// never ran goes to `again` when given (a job an earlier run made), else it is this
/// run's error; a request it ran and failed is an answer either way, never paid twice. A job whose state or results cannot be read errs its requests without
/// sending them again (its answers may exist: a later `--resume` looks again).
async fn look(
    client: &Client,
    asked: &HashMap<String, Request>,
    t: &mut Track,
    answers: &mut HashMap<String, Outcome>,
    mut again: Option<&mut Vec<String>>,
) {
    let results = match client.poll(&t.id).await {
        Ok(state) => {
            t.failures = 0;
            t.status = state.status.clone();
            (t.done, t.total) = (state.done, state.total.max(t.total));
            match state.end {
                None => return,
                Some(End::Failed(why)) => Ok(Err(ProviderError::NotRun(why))),
                Some(End::Results(sources)) => client.results(&sources, asked).await.map(Ok),
            }
        }
        // A long wait outlives a short outage: a job is given up on only after several
        // looks in a row failed (each already retried).
        Err(_) if t.failures + 1 < MAX_FAILED_LOOKS => {
            t.failures += 1;
            t.status = "unreachable".into();
            return;
        }
        Err(e) => Err(e),
    };
    t.ended = true;
    let id = &t.id;
    let mut results = match results {
        Ok(Ok(r)) => r,
        Ok(Err(failed)) => t
            .ids
            .iter()
            .map(|i| (i.clone(), Err(failed.clone())))
            .collect(),
        Err(e) => {
            let e = ProviderError::Batch(format!("batch {id}: {e}"));
            answers.extend(t.ids.iter().map(|i| (i.clone(), Err(e.clone()))));
            t.unfinished = true;
            return;
        }
    };
    for i in &t.ids {
        let outcome = results.remove(i).unwrap_or_else(|| {
            Err(ProviderError::NotRun(format!(
                "batch {id} ended `{}` with no result for this request",
                t.status
            )))
        });
        // Kept as this run's answer (not sent again): the run stays resumable.
        t.unfinished |= again.is_none() && matches!(outcome, Err(ProviderError::NotRun(_)));
        match (&outcome, again.as_deref_mut()) {
            (Err(ProviderError::NotRun(_)), Some(again)) => again.push(i.clone()),
            _ => {
                answers.insert(i.clone(), outcome);
            }
        }
    }
}
