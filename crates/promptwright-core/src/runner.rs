//! The concurrent run: one tokio task per case under a concurrency limit. Each scored
//! case is appended to the run record at once and sent out as a `RunEvent`; the CLI
//! prints events, the TUI turns them into messages. Nothing polls.

use std::collections::HashMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use futures::FutureExt;
use tokio::sync::{OwnedSemaphorePermit, Semaphore, mpsc};
use tokio_util::sync::CancellationToken;

use crate::assert::{AssertionResult, Kind, Observation, combine, rubric};
use crate::provider::{ChatMessage, Provider, ProviderError, Recorder, Request, Response};
use crate::store::cache::{self, Cache, CacheQueue, CachedAnswer};
use crate::store::{
    CaseReader, CaseResult, RunHeader, RunRecord, RunWriter, RunningSummary, Status,
};
use crate::workspace::{Case, Price, Prompt, Suite};

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
}

#[derive(Debug, Clone, PartialEq)]
pub enum RunEvent {
    Started(RunHeader),
    CaseStarted {
        suite: String,
        id: String,
    },
    CaseScored(Box<CaseResult>),
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
/// all run their plans through here.
pub async fn run_all(
    plans: Vec<RunPlan>,
    events: mpsc::UnboundedSender<RunEvent>,
    cancel: CancellationToken,
) -> Result<Vec<Arc<RunRecord>>, RunError> {
    let mut records = Vec::with_capacity(plans.len());
    for plan in plans {
        records.push(run(plan, events.clone(), cancel.clone()).await?);
        if cancel.is_cancelled() {
            break;
        }
    }
    Ok(records)
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

/// What a run keeps of its results besides the record file.
trait Keep: Send {
    /// The result at place `order` in the plan; `at` is where this run wrote its line
    /// (`None` for a result carried over from the run being resumed).
    fn keep(&mut self, order: usize, result: CaseResult, at: Option<u64>);
}

/// Every result, for callers that show them all (the TUI, gates, releases).
#[derive(Default)]
struct KeepAll(Vec<(usize, CaseResult)>);

impl Keep for KeepAll {
    fn keep(&mut self, order: usize, result: CaseResult, _at: Option<u64>) {
        self.0.push((order, result));
    }
}

/// A place in the plan whose case has no result (the run was stopped).
const NOT_RUN: u64 = u64::MAX;

/// Where each result is in the record, and the summary counted as they come.
struct KeepPlaces {
    offsets: Vec<u64>,
    held: HashMap<usize, CaseResult>,
    summary: RunningSummary,
}

impl Keep for KeepPlaces {
    fn keep(&mut self, order: usize, result: CaseResult, at: Option<u64>) {
        self.summary.add(&result);
        match at {
            Some(at) => self.offsets[order] = at,
            None => {
                self.held.insert(order, result);
            }
        }
    }
}

/// A finished run whose cases stay in its record file (see [`run_stored`]).
pub struct StoredRun {
    /// The run and its summary; `cases` is empty: [`StoredRun::each_case`] reads them.
    pub record: RunRecord,
    pub path: PathBuf,
    /// Per place in the plan, where its case line starts, or [`NOT_RUN`].
    offsets: Vec<u64>,
    /// Results carried over from the run being resumed, by place.
    held: HashMap<usize, CaseResult>,
}

impl StoredRun {
    /// Calls `f` with each case in plan order, read back from the record.
    pub fn each_case(
        &self,
        f: &mut dyn FnMut(&CaseResult) -> std::io::Result<()>,
    ) -> std::io::Result<()> {
        let mut reader = CaseReader::open(&self.path)?;
        for (order, &at) in self.offsets.iter().enumerate() {
            if at != NOT_RUN {
                f(&reader.read_at(at)?)?;
            } else if let Some(c) = self.held.get(&order) {
                f(c)?;
            }
        }
        Ok(())
    }
}

/// Runs the plan, handing each result to `keep`; returns the header, whether the run
/// is complete, and the record's path.
async fn run_keeping(
    plan: RunPlan,
    events: &mpsc::UnboundedSender<RunEvent>,
    cancel: CancellationToken,
    keep: &mut dyn Keep,
) -> Result<(RunHeader, bool, PathBuf), RunError> {
    let store_err = |path: &std::path::Path| {
        let path = path.display().to_string();
        move |source| RunError::Store { path, source }
    };
    let total = plan.suites.iter().map(|s| s.cases.len()).sum();
    let (header, mut writer, recorded) = match plan.resume {
        Some(r) => {
            let writer = RunWriter::append_to(&plan.root, &r.path).map_err(|e| {
                if e.kind() == std::io::ErrorKind::WouldBlock {
                    RunError::InUse {
                        run_id: r.header.run_id.clone(),
                    }
                } else {
                    store_err(&r.path)(e)
                }
            })?;
            // Errors got no answer: they are asked again.
            let recorded: HashMap<(String, String), CaseResult> = r
                .recorded
                .into_iter()
                .filter(|c| c.status != Status::Error)
                .map(|c| ((c.suite.clone(), c.id.clone()), c))
                .collect();
            (RunHeader { total, ..r.header }, writer, recorded)
        }
        None => {
            let header = RunHeader {
                run_id: new_run_id(),
                prompt: plan.prompt.name.clone(),
                content_sha256: plan.prompt.content_sha256.clone(),
                provider: plan.provider.name.clone(),
                model: plan.model.clone(),
                started_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
                suites: plan.suites.iter().map(|s| s.name.clone()).collect(),
                total,
            };
            let runs_dir = crate::store::runs_dir(&plan.root);
            let writer = RunWriter::create(&plan.root, &header).map_err(store_err(&runs_dir))?;
            (header, writer, HashMap::new())
        }
    };
    let _ = events.send(RunEvent::Started(header.clone()));

    // A write that fails (a full disk) stops the run at once: cases in flight are
    // dropped, the record is left incomplete, and `eval --resume` continues it later.
    let stop = cancel.child_token();
    let failure: Arc<std::sync::Mutex<Option<RunError>>> = Arc::default();
    let fail = {
        let (stop, failure) = (stop.clone(), failure.clone());
        move |e: RunError| {
            failure
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .get_or_insert(e);
            stop.cancel();
        }
    };
    let cache = Cache::new(&plan.root);
    let (cache_queue, cache_written) = cache.writer({
        let fail = fail.clone();
        move |e| fail(RunError::Cache(e))
    });
    let shared = Arc::new(Shared {
        prompt: plan.prompt,
        suites: plan.suites,
        provider: plan.provider,
        model: plan.model,
        cache,
        cache_queue,
        use_cache: plan.use_cache,
        recorder: plan.recorder,
        grader: plan.grader,
    });
    // Cases carried over from the run being resumed are reported first. The work is
    // listed as it is done, not up front: a plan can hold a million cases.
    let done = |suite: &Suite, case: &Case| {
        if recorded.is_empty() {
            None
        } else {
            recorded.get(&(suite.name.clone(), case.id.clone()))
        }
    };
    let places = shared
        .suites
        .iter()
        .enumerate()
        .flat_map(|(s, suite)| (0..suite.cases.len()).map(move |c| (s, c)));
    let mut kept = 0;
    for (order, (s, c)) in places.clone().enumerate() {
        let suite = &shared.suites[s];
        if let Some(done) = done(suite, &suite.cases[c]) {
            let _ = events.send(RunEvent::CaseScored(Box::new(done.clone())));
            keep.keep(order, done.clone(), None);
            kept += 1;
        }
    }
    let work = places
        .enumerate()
        .filter(|(_, (s, c))| done(&shared.suites[*s], &shared.suites[*s].cases[*c]).is_none())
        .map(|(order, (s, c))| (order, s, c));
    let limit = Arc::new(Semaphore::new(plan.concurrency.max(1)));
    let (done_tx, mut done_rx) = mpsc::channel::<(usize, CaseResult)>(plan.concurrency.max(1) * 2);

    let producer = {
        let cancel = stop.clone();
        let events = events.clone();
        let shared = shared.clone();
        async move {
            for (order, s, c) in work {
                // The next request is made while the slots are all busy, so a freed
                // slot goes straight to the network.
                let ready = catch_unwind(AssertUnwindSafe(|| {
                    prepare(&shared, &shared.suites[s].cases[c])
                }))
                .unwrap_or_else(|panic| Err(internal_error(&*panic)));
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
                    let case = &suite.cases[c];
                    // A bug that panics in one case costs that case, never its place in
                    // the record: it is recorded as an error like any other.
                    let work = AssertUnwindSafe(run_case(&shared, suite, case, ready, permit));
                    let result = tokio::select! {
                        r = work.catch_unwind() => r.unwrap_or_else(|panic| {
                            errored(suite, case, internal_error(&*panic))
                        }),
                        _ = cancel.cancelled() => return,
                    };
                    let _ = done_tx.send((order, result)).await;
                });
                // The case just started runs (and sends) before the next is prepared.
                tokio::task::yield_now().await;
            }
        }
    };

    // The consumer owns the receiver: when it stops on a failed write, the receiver is
    // gone and no task can block sending to it.
    let consumer = {
        let (events, fail) = (events.clone(), fail.clone());
        let (writer, kept) = (&mut writer, &mut kept);
        async move {
            while let Some((order, result)) = done_rx.recv().await {
                let at = match writer.append(&result) {
                    Ok(at) => at,
                    Err(e) => {
                        fail(store_err(&writer.path)(e));
                        break;
                    }
                };
                let _ = events.send(RunEvent::CaseScored(Box::new(result.clone())));
                keep.keep(order, result, Some(at));
                *kept += 1;
            }
        }
    };

    // The producer holds the last sender clones through its tasks; when every task has
    // finished (or been cancelled) the channel closes and the consumer ends.
    tokio::join!(producer, consumer);
    // The last tasks drop their share of `shared` (and its cache queue) as they end.
    drop(shared);
    let _ = tokio::task::spawn_blocking(move || cache_written.wait()).await;
    let failed = failure.lock().unwrap_or_else(|p| p.into_inner()).take();
    if let Some(e) = failed {
        // Best effort: a record with no end line reads as incomplete all the same.
        let _ = writer.finish(false);
        return Err(e);
    }
    let complete = !cancel.is_cancelled() && kept == header.total;
    writer.finish(complete).map_err(store_err(&writer.path))?;
    Ok((header, complete, writer.path.clone()))
}

struct Shared {
    prompt: Prompt,
    suites: Vec<Suite>,
    provider: ProviderPlan,
    model: String,
    cache: Cache,
    cache_queue: CacheQueue,
    use_cache: bool,
    recorder: Option<Arc<Recorder>>,
    grader: Option<GraderPlan>,
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

/// One answer, from the cache when allowed, else from the provider (then cached by
/// `remember` once it is known to be usable).
struct Answer {
    response: Response,
    latency_ms: u64,
    cached: bool,
    /// The cache key of a fresh answer that may be cached.
    key: Option<String>,
}

/// Caches a fresh answer. A cache that cannot be written costs a repeat call later, not
/// this run.
fn remember(shared: &Shared, answer: &Answer) {
    if let Some(k) = &answer.key {
        shared.cache_queue.put(
            k.clone(),
            CachedAnswer {
                output: answer.response.output.clone(),
                tokens: answer.response.tokens,
                latency_ms: answer.latency_ms,
            },
        );
    }
}

/// The cache key of `req` sent to `who`, if its answers are cached at all.
fn key_for(who: &ProviderPlan, req: &Request) -> Option<String> {
    who.cache_scope.as_ref().map(|scope| cache::key(scope, req))
}

async fn ask(
    shared: &Shared,
    who: &ProviderPlan,
    req: &Request,
    key: Option<String>,
) -> Result<Answer, ProviderError> {
    let hit = match &key {
        Some(k) if shared.use_cache => shared.cache.get(k),
        _ => None,
    };
    let answer = match hit {
        Some(hit) => Answer {
            response: Response {
                output: hit.output,
                tokens: hit.tokens,
                cost_override_usd: Some(0.0),
            },
            latency_ms: hit.latency_ms,
            cached: true,
            key: None,
        },
        None => {
            let started = Instant::now();
            let response = who.provider.complete(req).await?;
            Answer {
                response,
                latency_ms: started.elapsed().as_millis() as u64,
                cached: false,
                key,
            }
        }
    };
    Ok(answer)
}

/// A case's request, rendered and keyed before it takes a slot, or why it has none.
type Ready = Result<(Request, Option<String>), String>;

fn prepare(shared: &Shared, case: &Case) -> Ready {
    let rendered = shared
        .prompt
        .templates
        .render(&case.vars)
        .map_err(|e| format!("template: {e}"))?;
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
    let key = key_for(&shared.provider, &request);
    Ok((request, key))
}

/// Runs one case. `slot` is its place among the cases in flight, given back as soon as
/// the model has answered: scoring, caching and recording need no slot, and holding it
/// through them would leave the provider idle.
async fn run_case(
    shared: &Shared,
    suite: &Suite,
    case: &Case,
    ready: Ready,
    slot: OwnedSemaphorePermit,
) -> CaseResult {
    let mut result = errored(suite, case, None);
    let (request, key) = match ready {
        Ok(r) => r,
        Err(e) => {
            result.error = Some(e);
            return result;
        }
    };
    let answer = match ask(shared, &shared.provider, &request, key).await {
        Ok(a) => a,
        Err(e) => {
            result.error = Some(format!("provider `{}`: {e}", shared.provider.name));
            return result;
        }
    };
    drop(slot);
    // Let the task waiting for the slot send its request before this one scores.
    tokio::task::yield_now().await;
    remember(shared, &answer);
    if let Some(rec) = &shared.recorder {
        if let Err(e) = rec.record(&request, &answer.response) {
            result.error = Some(format!("cannot record to {}: {e}", rec.path.display()));
            return result;
        }
    }
    let response = answer.response;
    result.cached = answer.cached;
    result.latency_ms = Some(answer.latency_ms);
    result.cost_usd = if answer.cached {
        0.0
    } else {
        cost_of(&response, shared.provider.price)
    };
    result.tokens = response.tokens;
    let obs = Observation {
        output: &response.output,
        latency_ms: answer.latency_ms,
        cost_usd: result.cost_usd,
    };
    let mut scored = Vec::new();
    for a in suite.assertions_for(case) {
        let r = match &a.kind {
            Kind::LlmRubric(rubric_text) => {
                grade(
                    shared,
                    &a.type_name,
                    rubric_text,
                    a.threshold,
                    &response.output,
                    &mut result.cost_usd,
                )
                .await
            }
            _ => score_off_worker(a, &obs),
        };
        match r {
            Ok(r) => scored.push((a.weight, r)),
            Err(e) => {
                result.error = Some(e);
                result.output = Some(response.output);
                return result;
            }
        }
    }
    let score = combine(scored, suite.threshold_for(case));
    result.status = if score.passed {
        Status::Pass
    } else {
        Status::Fail
    };
    result.score = score.score;
    result.assertions = score.results;
    result.output = Some(response.output);
    result
}

/// Scores one assertion. Scoring is CPU work (an edit distance over a long answer), so
/// on a multi-threaded runtime the worker hands its other tasks off for the duration
/// and requests in flight keep moving; a current-thread runtime (tests) scores inline.
fn score_off_worker(
    a: &crate::assert::Assertion,
    obs: &Observation<'_>,
) -> Result<AssertionResult, String> {
    off_worker(|| a.score(obs))
}

/// Runs blocking work `f` without holding up the async worker it is called on.
fn off_worker<T>(f: impl FnOnce() -> T) -> T {
    use tokio::runtime::{Handle, RuntimeFlavor};
    match Handle::try_current().map(|h| h.runtime_flavor()) {
        Ok(RuntimeFlavor::MultiThread) => tokio::task::block_in_place(f),
        _ => f(),
    }
}

/// A case's result before it is answered: an error, with `error` as the reason.
fn errored(suite: &Suite, case: &Case, error: impl Into<Option<String>>) -> CaseResult {
    CaseResult {
        suite: suite.name.clone(),
        id: case.id.clone(),
        status: Status::Error,
        score: 0.0,
        vars: case.vars.to_map(),
        output: None,
        error: error.into(),
        cached: false,
        latency_ms: None,
        tokens: None,
        cost_usd: 0.0,
        assertions: Vec::new(),
    }
}

/// The error of a case whose work panicked, with the panic's message.
fn internal_error(panic: &(dyn std::any::Any + Send)) -> String {
    let message = panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "no message".into());
    format!("internal error: {message} (a bug in promptwright: please report it)")
}

/// Asks the grader to judge `output`; its cost is added to the case's.
async fn grade(
    shared: &Shared,
    type_name: &str,
    rubric_text: &str,
    threshold: Option<f64>,
    output: &str,
    cost: &mut f64,
) -> Result<AssertionResult, String> {
    let grader = shared.grader.as_ref().ok_or_else(|| {
        format!(
            "`{type_name}` needs a grader: add [grader] with provider and model to workspace.toml"
        )
    })?;
    let req = rubric::grader_request(&grader.model, rubric_text, output);
    let key = key_for(&grader.provider, &req);
    let answer = ask(shared, &grader.provider, &req, key)
        .await
        .map_err(|e| format!("grader `{}`: {e}", grader.provider.name))?;
    if !answer.cached {
        *cost += cost_of(&answer.response, grader.provider.price);
    }
    let verdict = rubric::judge(type_name, &answer.response.output, threshold)?;
    // Only a verdict that could be read is cached or recorded: an unreadable one is
    // asked again.
    remember(shared, &answer);
    if let Some(rec) = &shared.recorder {
        rec.record(&req, &answer.response)
            .map_err(|e| format!("cannot record to {}: {e}", rec.path.display()))?;
    }
    Ok(verdict)
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    use futures::future::BoxFuture;

    use super::*;
    use crate::provider::{Echo, ProviderError};
    use crate::workspace::{ProviderKind, Workspace};

    /// Answers after a delay and remembers how many calls were in flight at most.
    struct Slow {
        delay: Duration,
        in_flight: AtomicUsize,
        peak: AtomicUsize,
    }

    impl Provider for Slow {
        fn kind(&self) -> ProviderKind {
            ProviderKind::Echo
        }
        fn complete<'a>(
            &'a self,
            req: &'a Request,
        ) -> BoxFuture<'a, Result<Response, ProviderError>> {
            Box::pin(async move {
                let now = self.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
                self.peak.fetch_max(now, Ordering::SeqCst);
                tokio::time::sleep(self.delay).await;
                self.in_flight.fetch_sub(1, Ordering::SeqCst);
                Echo.complete(req).await
            })
        }
    }

    fn workspace(cases: usize) -> (tempfile::TempDir, Workspace) {
        let dir = tempfile::tempdir().unwrap();
        let w = |rel: &str, text: String| {
            let p = dir.path().join(rel);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, text).unwrap();
        };
        w(
            "workspace.toml",
            "[workspace]\nname = \"t\"\ndefault_provider = \"e\"\n[providers.e]\nkind = \"echo\"\n"
                .into(),
        );
        w(
            "prompts/p.toml",
            "[[messages]]\nrole = \"user\"\ncontent = \"n={{ n }}\"\n".into(),
        );
        let mut suite = String::from("prompt = \"p\"\n");
        for i in 0..cases {
            suite.push_str(&format!(
                "[[cases]]\nid = \"c{i}\"\nvars = {{ n = {i} }}\n[[cases.assert]]\ntype = \"equals\"\nvalue = \"n={i}\"\n"
            ));
        }
        w("evals/s.toml", suite);
        let ws = Workspace::load(dir.path()).unwrap();
        (dir, ws)
    }

    fn plan(ws: &Workspace, provider: Arc<dyn Provider>, concurrency: usize) -> RunPlan {
        RunPlan {
            root: ws.root.clone(),
            prompt: ws.prompts["p"].clone(),
            suites: vec![ws.suites["s"].clone()],
            provider: ProviderPlan {
                name: "e".into(),
                provider,
                cache_scope: None,
                price: None,
            },
            model: "m".into(),
            concurrency,
            use_cache: true,
            recorder: None,
            grader: None,
            resume: None,
        }
    }

    #[tokio::test]
    async fn respects_the_concurrency_limit_and_keeps_plan_order() {
        let (_dir, ws) = workspace(24);
        let slow = Arc::new(Slow {
            delay: Duration::from_millis(20),
            in_flight: AtomicUsize::new(0),
            peak: AtomicUsize::new(0),
        });
        let (tx, mut rx) = mpsc::unbounded_channel();
        let record = run(plan(&ws, slow.clone(), 4), tx, CancellationToken::new())
            .await
            .unwrap();
        assert_eq!(slow.peak.load(Ordering::SeqCst), 4);
        assert!(record.complete);
        assert_eq!(record.summary.passed, 24);
        let ids: Vec<_> = record.cases.iter().map(|c| c.id.clone()).collect();
        let expected: Vec<_> = (0..24).map(|i| format!("c{i}")).collect();
        assert_eq!(ids, expected);
        // Events: started, then a start and a score per case, then finished.
        let mut scored = 0;
        let mut first = None;
        let mut last = None;
        while let Ok(ev) = rx.try_recv() {
            if first.is_none() {
                first = Some(matches!(ev, RunEvent::Started(_)));
            }
            if matches!(ev, RunEvent::CaseScored(_)) {
                scored += 1;
            }
            last = Some(matches!(ev, RunEvent::Finished(_)));
        }
        assert_eq!((first, last, scored), (Some(true), Some(true), 24));
    }

    #[tokio::test]
    async fn cancel_stops_the_run_and_marks_the_record_incomplete() {
        let (dir, ws) = workspace(50);
        let slow = Arc::new(Slow {
            delay: Duration::from_millis(50),
            in_flight: AtomicUsize::new(0),
            peak: AtomicUsize::new(0),
        });
        let cancel = CancellationToken::new();
        let (tx, mut rx) = mpsc::unbounded_channel();
        let task = tokio::spawn(run(plan(&ws, slow, 5), tx, cancel.clone()));
        // Cancel once the first results are in.
        while let Some(ev) = rx.recv().await {
            if matches!(ev, RunEvent::CaseScored(_)) {
                cancel.cancel();
                break;
            }
        }
        let record = task.await.unwrap().unwrap();
        assert!(!record.complete);
        assert!(record.cases.len() < 50, "{} cases", record.cases.len());
        let file = std::fs::read_dir(crate::store::runs_dir(dir.path()))
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| p.extension().is_some_and(|x| x == "jsonl"))
            .unwrap();
        let stored = crate::store::read_run(&file).unwrap();
        assert!(!stored.complete);
        assert_eq!(stored.cases.len(), record.cases.len());
    }

    #[test]
    fn a_torn_last_line_is_skipped_when_reading() {
        let (dir, ws) = workspace(3);
        let rt = tokio::runtime::Runtime::new().unwrap();
        let (tx, _rx) = mpsc::unbounded_channel();
        let record = rt
            .block_on(run(
                plan(&ws, Arc::new(Echo), 2),
                tx,
                CancellationToken::new(),
            ))
            .unwrap();
        let path = crate::store::runs_dir(dir.path()).join(format!("{}.jsonl", record.run_id));
        // Simulate a kill mid-write: drop the end line and half of the last case.
        let text = std::fs::read_to_string(&path).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        let torn = format!(
            "{}\n{}\n{}\n{}",
            lines[0],
            lines[1],
            lines[2],
            &lines[3][..lines[3].len() / 2]
        );
        std::fs::write(&path, torn).unwrap();
        let stored = crate::store::read_run(&path).unwrap();
        assert!(!stored.complete);
        assert_eq!(stored.cases.len(), 2);
    }

    /// Panics in every call, as `timeout_s = 1e20` once did in the HTTP client.
    struct Panics;

    impl Provider for Panics {
        fn kind(&self) -> ProviderKind {
            ProviderKind::Echo
        }
        fn complete<'a>(
            &'a self,
            _req: &'a Request,
        ) -> BoxFuture<'a, Result<Response, ProviderError>> {
            Box::pin(async move { panic!("overflow when converting float to duration") })
        }
    }

    #[tokio::test]
    async fn a_case_that_panics_is_an_errored_case_not_a_lost_one() {
        let (dir, ws) = workspace(6);
        let (tx, _rx) = mpsc::unbounded_channel();
        let record = run(plan(&ws, Arc::new(Panics), 2), tx, CancellationToken::new())
            .await
            .unwrap();
        assert!(record.complete);
        assert_eq!(record.cases.len(), 6);
        assert_eq!(record.summary.errors, 6);
        for c in &record.cases {
            assert_eq!(c.status, Status::Error);
            let e = c.error.as_deref().unwrap();
            assert!(
                e.contains("internal error: overflow when converting"),
                "{e}"
            );
        }
        // The record on disk holds them too, so a report or a gate counts them.
        let path = crate::store::runs_dir(dir.path()).join(format!("{}.jsonl", record.run_id));
        let stored = crate::store::read_run(&path).unwrap();
        assert!(stored.complete);
        assert_eq!(stored.summary.errors, 6);
    }

    #[tokio::test]
    async fn a_cache_that_cannot_be_written_ends_the_run_with_an_incomplete_record() {
        let (dir, ws) = workspace(400);
        // A file where the cache folder goes: every cache write fails.
        std::fs::create_dir_all(dir.path().join(".promptwright")).unwrap();
        std::fs::write(dir.path().join(".promptwright/cache"), "").unwrap();
        let mut p = plan(&ws, Arc::new(Echo), 32);
        p.provider.cache_scope = Some("echo".into());
        let (tx, _rx) = mpsc::unbounded_channel();
        let started = Instant::now();
        let err = run(p, tx, CancellationToken::new()).await.unwrap_err();
        assert!(matches!(err, RunError::Cache(_)), "{err}");
        assert!(started.elapsed() < std::time::Duration::from_secs(20));
        let file = crate::store::run_files_newest_first(dir.path()).remove(0);
        let stored = crate::store::read_run(&file).unwrap();
        assert!(!stored.complete);
        assert!(stored.cases.len() < 400, "{} cases", stored.cases.len());
    }

    #[tokio::test]
    async fn a_run_being_written_cannot_be_resumed_by_another_writer() {
        let (dir, ws) = workspace(3);
        let (tx, _rx) = mpsc::unbounded_channel();
        let record = run(plan(&ws, Arc::new(Echo), 2), tx, CancellationToken::new())
            .await
            .unwrap();
        let path = crate::store::runs_dir(dir.path()).join(format!("{}.jsonl", record.run_id));
        let first = RunWriter::append_to(dir.path(), &path).unwrap();
        let header = crate::store::read_header(&path).unwrap();
        let mut p = plan(&ws, Arc::new(Echo), 2);
        p.resume = Some(Resume {
            path: path.clone(),
            header,
            recorded: Vec::new(),
        });
        let (tx, _rx) = mpsc::unbounded_channel();
        let err = run(p, tx, CancellationToken::new()).await.unwrap_err();
        assert!(matches!(err, RunError::InUse { .. }), "{err}");
        drop(first);
        assert!(RunWriter::append_to(dir.path(), &path).is_ok());
    }

    /// Scoring blocks its thread until another task on the runtime has run: with the
    /// runtime's only worker kept by the scoring, that task could never run. The wait is
    /// bounded only so that a regression fails instead of hanging.
    #[tokio::test(flavor = "multi_thread", worker_threads = 1)]
    async fn other_tasks_run_while_a_case_is_scored() {
        let (started_tx, started_rx) = tokio::sync::oneshot::channel::<()>();
        let (ran_tx, ran_rx) = std::sync::mpsc::channel::<()>();
        let other = tokio::spawn(async move {
            if started_rx.await.is_ok() {
                let _ = ran_tx.send(());
            }
        });
        let scoring = tokio::spawn(async move {
            off_worker(move || {
                let _ = started_tx.send(());
                ran_rx.recv_timeout(Duration::from_secs(30)).is_ok()
            })
        });
        assert!(
            scoring.await.unwrap(),
            "the other task never ran while scoring blocked"
        );
        other.await.unwrap();
    }

    #[test]
    fn cost_comes_from_pricing_unless_the_provider_overrides_it() {
        let resp = |cost_override_usd| Response {
            output: String::new(),
            tokens: Some(crate::provider::Tokens {
                input: 1_000_000,
                output: 500_000,
            }),
            cost_override_usd,
        };
        let price = Some(Price {
            input: 0.15,
            output: 0.60,
        });
        assert!((cost_of(&resp(None), price) - 0.45).abs() < 1e-12);
        assert_eq!(cost_of(&resp(Some(0.0)), price), 0.0);
        assert_eq!(cost_of(&resp(None), None), 0.0);
    }
}
