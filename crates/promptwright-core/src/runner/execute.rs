//! One run: the record opened (or resumed), one task per case under the concurrency
//! limit, each result written and sent as it comes, the record closed.

use std::collections::HashMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;
use std::sync::Arc;

use futures::FutureExt;
use tokio::sync::{Semaphore, mpsc};
use tokio_util::sync::CancellationToken;

use crate::store::cache::Cache;
use crate::store::{CaseResult, RunHeader, RunWriter, SampleLine, Status};
use crate::workspace::Case;

use super::batch::{self, Answered};
use super::case::*;
use super::draws::{Draws, is_done};
use super::keep::Keep;
use super::*;

/// Runs the plan, handing each result to `keep`; returns the header, whether the run
/// is complete, and the record's path.
pub(super) async fn run_keeping(
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
    let resumed = plan.resume.as_ref().map(|r| r.path.clone());
    if let (Some(r), None) = (&plan.resume, &plan.batch) {
        let jobs = crate::store::batch_jobs(&r.path).map_err(store_err(&r.path))?;
        if !jobs.is_empty() {
            return Err(RunError::Batched {
                run_id: r.header.run_id.clone(),
            });
        }
    }
    let (header, mut writer, recorded, carried) = match plan.resume {
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
            (RunHeader { total, ..r.header }, writer, recorded, r.samples)
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
                shard: plan.shard.map(|s| s.to_string()),
            };
            let runs_dir = crate::store::runs_dir(&plan.root);
            let writer = RunWriter::create(&plan.root, &header).map_err(store_err(&runs_dir))?;
            (header, writer, HashMap::new(), Default::default())
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
    let mut draws = Draws::new(&plan.suites, plan.repeat, carried);
    let cache = Cache::new(&plan.root);
    let (cache_queue, cache_written) = cache.writer({
        let fail = fail.clone();
        move |e| fail(RunError::Cache(e))
    });
    // A batched run asks the answers its jobs brought back, once they are in.
    let mut provider = plan.provider;
    let answered = plan.batch.as_ref().map(|b| {
        let scope = provider.cache_scope.clone().unwrap_or_default();
        Arc::new(Answered::new(b.client.kind(), scope))
    });
    if let Some(a) = &answered {
        provider.provider = a.clone();
    }
    let shared = Arc::new(Shared {
        images: crate::provider::ImageReader::new(&plan.root, &plan.prompt),
        root: plan.root.clone(),
        embedder: plan.embedder.clone(),
        prompt: plan.prompt,
        suites: plan.suites,
        provider,
        model: plan.model,
        cache,
        cache_queue,
        use_cache: plan.use_cache,
        recorder: plan.recorder,
        grader: plan.grader,
    });
    // Cases carried over from the run being resumed are reported first. The work is
    // listed as it is done, not up front: a plan can hold a million cases.
    let counts = draws.counts();
    let done = |s: usize, case: &Case| {
        if recorded.is_empty() {
            return None;
        }
        let suite = &shared.suites[s];
        recorded
            .get(&(suite.name.clone(), case.id.clone()))
            .filter(|c| is_done(c, counts[s]))
    };
    let places = shared
        .suites
        .iter()
        .enumerate()
        .flat_map(|(s, suite)| (0..suite.cases.len()).map(move |c| (s, c)));
    let mut kept = 0;
    let mut finished = Vec::new();
    for (order, (s, c)) in places.clone().enumerate() {
        let suite = &shared.suites[s];
        let case = &suite.cases[c];
        if let Some(done) = done(s, case) {
            let _ = events.send(RunEvent::CaseScored(Box::new(done.clone())));
            keep.keep(order, done.clone(), None);
            kept += 1;
        } else if let Some(whole) = draws.finished_before(s, errored(suite, case, None)) {
            finished.push((order, whole));
        }
    }
    // Drawn in full before the stop, but never written as a case: written now.
    let written: std::collections::HashSet<usize> = finished.iter().map(|(o, _)| *o).collect();
    for (order, whole) in finished {
        let at = writer.append(&whole).map_err(store_err(&writer.path))?;
        let _ = events.send(RunEvent::CaseScored(Box::new(whole.clone())));
        keep.keep(order, whole, Some(at));
        kept += 1;
    }
    let mut batch_unfinished = false;
    if let (Some(b), Some(answered)) = (&plan.batch, &answered) {
        let mut asked = HashMap::new();
        for (order, (s, c)) in places.clone().enumerate() {
            let suite = &shared.suites[s];
            let case = &suite.cases[c];
            if done(s, case).is_some() || written.contains(&order) {
                continue;
            }
            for k in draws.owed(s, suite, &case.id) {
                // Unrendered cases err in the run; cached ones are answered from the cache.
                let Ok((req, Some(key))) = prepare(&shared, case, k) else {
                    continue;
                };
                if !(shared.use_cache && shared.cache.get(&key).is_some()) {
                    asked.insert(crate::provider::batch::custom_id(&key), req);
                }
            }
        }
        let run = batch::Run {
            provider: &shared.provider.name,
            resumed: resumed.as_deref(),
            writer: &mut writer,
            events,
            cancel: &cancel,
        };
        match batch::fetch(b, asked, run).await {
            Ok(Some(fetched)) => {
                batch_unfinished = fetched.unfinished;
                answered.fill(fetched.answers);
            }
            Ok(None) => {
                writer.finish(false).map_err(store_err(&writer.path))?;
                return Ok((header, false, writer.path.clone()));
            }
            Err(e) => return Err(store_err(&writer.path)(e)),
        }
    }
    // The producer asks what each case still owes as it lists the work; the consumer
    // gathers samples. Neither holds the lock across an await.
    let draws = std::sync::Mutex::new(draws);
    let work = places
        .enumerate()
        .filter(|(order, (s, c))| {
            done(*s, &shared.suites[*s].cases[*c]).is_none() && !written.contains(order)
        })
        .flat_map(|(order, (s, c))| {
            let suite = &shared.suites[s];
            let owed =
                draws
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .owed(s, suite, &suite.cases[c].id);
            let first = owed.first().copied();
            owed.into_iter()
                .map(move |k| (order, s, c, k, Some(k) == first))
        });
    let limit = Arc::new(Semaphore::new(plan.concurrency.max(1)));
    let (done_tx, mut done_rx) =
        mpsc::channel::<(usize, usize, u32, CaseResult, f64)>(plan.concurrency.max(1) * 2);
    let budget = plan.budget.clone();

    let producer = {
        let cancel = stop.clone();
        let events = events.clone();
        let shared = shared.clone();
        async move {
            for (order, s, c, k, first) in work {
                // The next request is made while the slots are all busy, so a freed
                // slot goes straight to the network.
                let ready = catch_unwind(AssertUnwindSafe(|| {
                    prepare(&shared, &shared.suites[s].cases[c], k)
                }))
                .unwrap_or_else(|panic| Err(internal_error(&*panic)));
                // Cancel first: a slot freed by the cancel itself must not start a case.
                let permit = tokio::select! {
                    biased;
                    _ = cancel.cancelled() => break,
                    p = limit.clone().acquire_owned() => p.expect("semaphore never closed"),
                };
                // What this call may cost, held against the budget until it is answered.
                let estimate = budget
                    .as_ref()
                    .map_or(0.0, |_| call_estimate(&shared, &ready));
                if let Some(b) = &budget {
                    let fits = tokio::select! {
                        biased;
                        _ = cancel.cancelled() => break,
                        fits = b.reserve(estimate) => fits,
                    };
                    if !fits {
                        break;
                    }
                }
                let (shared, done_tx, cancel) = (shared.clone(), done_tx.clone(), cancel.clone());
                let suite = &shared.suites[s];
                if first {
                    let _ = events.send(RunEvent::CaseStarted {
                        suite: suite.name.clone(),
                        id: suite.cases[c].id.clone(),
                    });
                }
                tokio::spawn(async move {
                    let suite = &shared.suites[s];
                    let case = &suite.cases[c];
                    // A bug that panics in one case costs that case, never its place in
                    // the record: it is recorded as an error like any other.
                    let work = AssertUnwindSafe(run_case(&shared, suite, case, ready, permit));
                    let result = tokio::select! {
                        biased;
                        _ = cancel.cancelled() => return,
                        r = work.catch_unwind() => r.unwrap_or_else(|panic| {
                            errored(suite, case, internal_error(&*panic))
                        }),
                    };
                    let _ = done_tx.send((order, s, k, result, estimate)).await;
                });
                // The case just started runs (and sends) before the next is prepared.
                tokio::task::yield_now().await;
            }
        }
    };

    // The consumer owns the receiver: when it stops on a failed write, the receiver is
    // gone and no task can block sending to it.
    let consumer = {
        let plan_budget = plan.budget.clone();
        let (events, fail) = (events.clone(), fail.clone());
        let (writer, kept, draws) = (&mut writer, &mut kept, &draws);
        async move {
            while let Some((order, s, k, drawn, estimate)) = done_rx.recv().await {
                if let Some(b) = &plan_budget {
                    b.settle(estimate, drawn.cost_usd);
                }
                let repeated = draws.lock().unwrap_or_else(|p| p.into_inner()).of(s) > 1;
                if repeated {
                    let line = SampleLine {
                        suite: drawn.suite.clone(),
                        id: drawn.id.clone(),
                        sample: k,
                        result: drawn.as_sample(),
                    };
                    if let Err(e) = writer.append_sample(line) {
                        fail(store_err(&writer.path)(e));
                        break;
                    }
                }
                let whole = draws
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .add(order, s, k, drawn);
                let Some(result) = whole else { continue };
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
    let complete = !cancel.is_cancelled() && kept == header.total && !batch_unfinished;
    writer.finish(complete).map_err(store_err(&writer.path))?;
    Ok((header, complete, writer.path.clone()))
}

/// The most a call may cost: nothing when its answer is cached or it cannot be asked,
/// else its messages in and its `max_tokens` ceiling out at the model's price.
fn call_estimate(
    shared: &Shared,
    ready: &Result<(crate::provider::Request, Option<String>), String>,
) -> f64 {
    let Ok((req, key)) = ready else { return 0.0 };
    let cached = shared.use_cache && key.as_ref().is_some_and(|k| shared.cache.get(k).is_some());
    match shared.provider.price {
        Some(price) if !cached => {
            let (input, output) = crate::estimate::tokens_of(req);
            crate::estimate::priced(input, output, price)
        }
        _ => 0.0,
    }
}
