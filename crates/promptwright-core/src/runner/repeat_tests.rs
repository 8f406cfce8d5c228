//! Repeated cases: every sample its own call, its own cache entry and record line; a
//! case made of its samples; a stopped run resumed sample by sample.

use std::collections::HashMap;
use std::sync::Mutex;

use super::*;
use crate::store::{Line, PartialSamples, read_run_and_samples};

/// Answers draw `k` of each case with a pass for `k` in `passing` and a wrong answer
/// otherwise, and counts the calls per draw.
struct Draws {
    passing: Vec<u32>,
    calls: Mutex<HashMap<(String, u32), usize>>,
}

impl Draws {
    fn new(passing: &[u32]) -> Arc<Draws> {
        Arc::new(Draws {
            passing: passing.to_vec(),
            calls: Mutex::default(),
        })
    }

    fn total(&self) -> usize {
        self.calls.lock().unwrap().values().sum()
    }
}

impl Provider for Draws {
    fn kind(&self) -> ProviderKind {
        ProviderKind::Openai
    }
    fn complete<'a>(&'a self, req: &'a Request) -> BoxFuture<'a, Result<Response, ProviderError>> {
        Box::pin(async move {
            let asked = req.messages[0].content.clone();
            *self
                .calls
                .lock()
                .unwrap()
                .entry((asked.clone(), req.sample))
                .or_default() += 1;
            let output = if self.passing.contains(&req.sample) {
                asked
            } else {
                format!("draw {} went wrong", req.sample)
            };
            Ok(Response {
                output,
                ..Response::default()
            })
        })
    }
}

fn repeated(ws: &Workspace, provider: Arc<Draws>, n: u32) -> RunPlan {
    let mut p = plan(ws, provider, 4);
    p.repeat = Some(n);
    p.provider.cache_scope = Some("draws".into());
    p
}

async fn run_to_end(p: RunPlan) -> Arc<RunRecord> {
    let (tx, _rx) = mpsc::unbounded_channel();
    run(p, tx, CancellationToken::new()).await.unwrap()
}

#[tokio::test]
async fn every_sample_is_a_call_of_its_own_and_a_cached_rerun_reproduces_them_all() {
    let (dir, ws) = workspace(3);
    let provider = Draws::new(&[1, 3, 4]);
    let record = run_to_end(repeated(&ws, provider.clone(), 5)).await;
    assert_eq!(provider.total(), 15, "5 calls a case");
    assert!(
        provider.calls.lock().unwrap().values().all(|n| *n == 1),
        "no draw asked twice"
    );
    for c in &record.cases {
        assert_eq!((c.passes(), c.sample_count()), (3, 5), "{}", c.id);
        assert!(c.flaky());
        assert_eq!(c.status, Status::Fail, "min_pass_fraction defaults to 1");
        assert_eq!(c.samples[1].output.as_deref(), Some("draw 2 went wrong"));
    }
    assert_eq!(record.summary.repeat, 5);
    assert_eq!(record.summary.flaky, 3);
    assert_eq!(record.summary.sample_pass_rate, 0.6);

    // The record holds each sample's line, then the case made of them.
    let path = crate::store::runs_dir(dir.path()).join(format!("{}.jsonl", record.run_id));
    let text = std::fs::read_to_string(&path).unwrap();
    let lines: Vec<Line> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let samples = lines
        .iter()
        .filter(|l| matches!(l, Line::Sample(_)))
        .count();
    let cases = lines.iter().filter(|l| matches!(l, Line::Case(_))).count();
    assert_eq!((samples, cases), (15, 3));

    let again = run_to_end(repeated(&ws, provider.clone(), 5)).await;
    assert_eq!(provider.total(), 15, "every sample came from the cache");
    for (a, b) in record.cases.iter().zip(&again.cases) {
        let outputs = |c: &CaseResult| -> Vec<Option<String>> {
            c.samples.iter().map(|s| s.output.clone()).collect()
        };
        assert_eq!(outputs(a), outputs(b));
        assert!(b.cached && b.samples.iter().all(|s| s.cached));
    }
}

#[tokio::test]
async fn one_draw_keeps_the_unrepeated_shape_and_the_cache_of_an_unrepeated_run() {
    let (_dir, ws) = workspace(2);
    let provider = Draws::new(&[1]);
    let once = run_to_end(repeated(&ws, provider.clone(), 1)).await;
    assert!(once.cases.iter().all(|c| c.samples.is_empty()));
    assert_eq!(once.summary.repeat, 1);
    // Drawing three: the first draw is the one already cached.
    let thrice = run_to_end(repeated(&ws, provider.clone(), 3)).await;
    assert_eq!(provider.total(), 2 + 4, "draws 2 and 3 of each case only");
    assert!(thrice.cases.iter().all(|c| c.samples[0].cached));
}

#[tokio::test]
async fn a_stopped_repeated_run_resumes_sample_by_sample() {
    let (dir, ws) = workspace(2);
    let first = Draws::new(&[1, 2, 3, 4]);
    let record = run_to_end(repeated(&ws, first, 4)).await;
    let path = crate::store::runs_dir(dir.path()).join(format!("{}.jsonl", record.run_id));
    // Keep the header and samples 1 and 2 of c0 and sample 3 of c1, as if the process
    // had been killed then: no case lines, no end line.
    let text = std::fs::read_to_string(&path).unwrap();
    let kept: Vec<&str> = text
        .lines()
        .filter(|l| match serde_json::from_str::<Line>(l).unwrap() {
            Line::Run(_) => true,
            Line::Sample(s) => matches!((s.id.as_str(), s.sample), ("c0", 1 | 2) | ("c1", 3)),
            _ => false,
        })
        .collect();
    std::fs::write(&path, kept.join("\n") + "\n").unwrap();
    let (partial, samples) = read_run_and_samples(&path).unwrap();
    assert!(!partial.complete && partial.cases.is_empty());
    assert_eq!(samples.values().map(|s| s.len()).sum::<usize>(), 3);

    let second = Draws::new(&[1, 2, 3, 4]);
    let mut p = repeated(&ws, second.clone(), 4);
    p.use_cache = false;
    p.resume = Some(Resume {
        path: path.clone(),
        header: crate::store::read_header(&path).unwrap(),
        recorded: Vec::new(),
        samples,
    });
    let resumed = run_to_end(p).await;
    assert!(resumed.complete);
    let asked: Vec<(String, u32)> = {
        let mut a: Vec<_> = second.calls.lock().unwrap().keys().cloned().collect();
        a.sort();
        a
    };
    assert_eq!(
        asked,
        [
            ("n=0".to_string(), 3),
            ("n=0".to_string(), 4),
            ("n=1".to_string(), 1),
            ("n=1".to_string(), 2),
            ("n=1".to_string(), 4),
        ],
        "only the samples the stopped run had not drawn"
    );
    assert!(resumed.cases.iter().all(|c| c.passes() == 4));
    let (reread, left) = read_run_and_samples(&path).unwrap();
    assert!(reread.complete && left.is_empty());
    assert_eq!(reread.cases.len(), 2);
}

#[tokio::test]
async fn a_case_whose_samples_were_all_drawn_before_a_stop_is_written_without_a_call() {
    let (dir, ws) = workspace(1);
    let record = run_to_end(repeated(&ws, Draws::new(&[1, 2]), 2)).await;
    let path = crate::store::runs_dir(dir.path()).join(format!("{}.jsonl", record.run_id));
    let text = std::fs::read_to_string(&path).unwrap();
    let kept: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("\"type\":\"run\"") || l.contains("\"type\":\"sample\""))
        .collect();
    std::fs::write(&path, kept.join("\n") + "\n").unwrap();
    let (_, samples): (_, PartialSamples) = read_run_and_samples(&path).unwrap();
    let provider = Draws::new(&[1, 2]);
    let mut p = repeated(&ws, provider.clone(), 2);
    p.resume = Some(Resume {
        path: path.clone(),
        header: crate::store::read_header(&path).unwrap(),
        recorded: Vec::new(),
        samples,
    });
    let resumed = run_to_end(p).await;
    assert_eq!(provider.total(), 0);
    assert!(resumed.complete);
    assert_eq!(resumed.cases[0].passes(), 2);
}
