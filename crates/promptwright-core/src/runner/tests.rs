use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use futures::future::BoxFuture;

use super::case::{cost_of, may_take_long, off_worker};
use super::*;

use crate::provider::{Echo, ProviderError, Request, Response};
use crate::store::{RunWriter, Status};
use crate::workspace::{ProviderKind, Workspace};

/// Remembers how many calls were in flight at most. Each call waits until `meet` calls
/// are in flight together (when set); calls after the first `answer` never answer (a
/// cancel ends them). Events, not delays: nothing depends on a timer.
struct Slow {
    meet: Option<tokio::sync::Barrier>,
    answer: usize,
    calls: AtomicUsize,
    in_flight: AtomicUsize,
    peak: AtomicUsize,
}

impl Slow {
    fn new(meet: usize, answer: usize) -> Slow {
        Slow {
            meet: (meet > 1).then(|| tokio::sync::Barrier::new(meet)),
            answer,
            calls: AtomicUsize::new(0),
            in_flight: AtomicUsize::new(0),
            peak: AtomicUsize::new(0),
        }
    }
}

impl Provider for Slow {
    fn kind(&self) -> ProviderKind {
        ProviderKind::Echo
    }
    fn complete<'a>(&'a self, req: &'a Request) -> BoxFuture<'a, Result<Response, ProviderError>> {
        Box::pin(async move {
            let now = self.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
            self.peak.fetch_max(now, Ordering::SeqCst);
            if self.calls.fetch_add(1, Ordering::SeqCst) >= self.answer {
                std::future::pending::<()>().await;
            }
            if let Some(meet) = &self.meet {
                // A limit below `meet` would wait here for ever: fail instead.
                tokio::time::timeout(Duration::from_secs(120), meet.wait())
                    .await
                    .expect("fewer calls in flight than the limit");
            }
            self.in_flight.fetch_sub(1, Ordering::SeqCst);
            Echo.complete(req).await
        })
    }
}

pub(super) fn workspace(cases: usize) -> (tempfile::TempDir, Workspace) {
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

pub(super) fn plan(ws: &Workspace, provider: Arc<dyn Provider>, concurrency: usize) -> RunPlan {
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
        embedder: None,
        resume: None,
        repeat: None,
        shard: None,
        budget: None,
        batch: None,
    }
}

#[tokio::test]
async fn respects_the_concurrency_limit_and_keeps_plan_order() {
    let (_dir, ws) = workspace(24);
    // Four calls meet before any answers: the limit is reached, and (24 being 6 × 4)
    // every call finds three others.
    let slow = Arc::new(Slow::new(4, usize::MAX));
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
    // The first call answers; the others wait until the cancel ends them.
    let slow = Arc::new(Slow::new(1, 1));
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
    assert_eq!(record.cases.len(), 1, "only the answered case is recorded");
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
    fn complete<'a>(&'a self, _req: &'a Request) -> BoxFuture<'a, Result<Response, ProviderError>> {
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
    let err = run(p, tx, CancellationToken::new()).await.unwrap_err();
    assert!(matches!(err, RunError::Cache(_)), "{err}");
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
        samples: Default::default(),
    });
    let (tx, _rx) = mpsc::unbounded_channel();
    let err = run(p, tx, CancellationToken::new()).await.unwrap_err();
    assert!(matches!(err, RunError::InUse { .. }), "{err}");
    drop(first);
    assert!(RunWriter::append_to(dir.path(), &path).is_ok());
}

#[tokio::test]
async fn a_run_that_made_batch_jobs_is_not_continued_with_ordinary_calls() {
    let (dir, ws) = workspace(3);
    let mut p = plan(&ws, Arc::new(Echo), 2);
    let header = crate::store::RunHeader {
        run_id: "20260101-000000-000001".into(),
        prompt: p.prompt.name.clone(),
        content_sha256: p.prompt.content_sha256.clone(),
        provider: p.provider.name.clone(),
        model: p.model.clone(),
        started_at: "2026-01-01T00:00:00.000Z".into(),
        suites: p.suites.iter().map(|s| s.name.clone()).collect(),
        total: 3,
        shard: None,
    };
    let mut w = RunWriter::create(dir.path(), &header).unwrap();
    w.append_batch(crate::store::BatchLine {
        provider: header.provider.clone(),
        id: "batch_1".into(),
        custom_ids: vec!["pw-1".into()],
    })
    .unwrap();
    let path = w.path.clone();
    drop(w);
    p.resume = Some(Resume {
        path: path.clone(),
        header,
        recorded: Vec::new(),
        samples: Default::default(),
    });
    let (tx, _rx) = mpsc::unbounded_channel();
    let err = run(p, tx, CancellationToken::new()).await.unwrap_err();
    assert!(matches!(err, RunError::Batched { .. }), "{err}");
    // Refused before anything was written: the record holds its two lines.
    assert_eq!(std::fs::read_to_string(&path).unwrap().lines().count(), 2);
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
        tool_calls: Vec::new(),
    };
    let price = Some(Price::new(0.15, 0.60));
    assert!((cost_of(&resp(None), price) - 0.45).abs() < 1e-12);
    assert_eq!(cost_of(&resp(Some(0.0)), price), 0.0);
    assert_eq!(cost_of(&resp(None), None), 0.0);
}

#[path = "repeat_tests.rs"]
mod repeat;

#[test]
fn only_scoring_that_may_take_long_leaves_the_worker() {
    use crate::assert::Kind;
    let short = "a short answer";
    let long = "x".repeat(64 * 1024 + 1);
    assert!(!may_take_long(&Kind::IContains("ticket".into()), short));
    assert!(!may_take_long(&Kind::MaxLength(10), short));
    assert!(may_take_long(&Kind::IContains("ticket".into()), &long));
    assert!(may_take_long(&Kind::Levenshtein("an answer".into()), short));
    assert!(may_take_long(&Kind::Bleu(vec!["an answer".into()]), short));
}
