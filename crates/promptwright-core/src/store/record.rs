//! What a run produces: per-case results, the summary, the run as a whole. These are
//! the shapes of `eval --format json` and of the lines of a run record.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

use super::Tally;
use super::sample::Sample;
use crate::assert::AssertionResult;
use crate::provider::Tokens;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Pass,
    Fail,
    Error,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Fail => "fail",
            Status::Error => "error",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CaseResult {
    pub suite: String,
    pub id: String,
    pub status: Status,
    pub score: f64,
    pub vars: Map<String, Value>,
    pub output: Option<String>,
    /// The tools the answer called, in order.
    #[serde(default)]
    pub tool_calls: Vec<crate::vocab::ToolCall>,
    pub error: Option<String>,
    pub cached: bool,
    pub latency_ms: Option<u64>,
    pub tokens: Option<Tokens>,
    pub cost_usd: f64,
    pub assertions: Vec<AssertionResult>,
    /// Every draw of a case drawn more than once, in order; empty for a case drawn once
    /// (see [`super::sample`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub samples: Vec<Sample>,
}

impl CaseResult {
    /// A case not answered yet: an error with no reason.
    pub fn new(suite: &str, id: &str, vars: Map<String, Value>) -> CaseResult {
        CaseResult {
            suite: suite.to_string(),
            id: id.to_string(),
            status: Status::Error,
            score: 0.0,
            vars,
            output: None,
            tool_calls: Vec::new(),
            error: None,
            cached: false,
            latency_ms: None,
            tokens: None,
            cost_usd: 0.0,
            assertions: Vec::new(),
            samples: Vec::new(),
        }
    }

    /// The answer as a reader sees it: its text, then its tool calls with their
    /// arguments pretty-printed; `None` when there was no answer.
    pub fn shown_output(&self) -> Option<String> {
        self.output
            .as_deref()
            .map(|o| crate::vocab::shown_output(o, &self.tool_calls))
    }

    /// The first failing assertion's reason, or the error: what a reviewer reads first
    /// (of the first sample that did not pass, for a repeated case).
    pub fn headline(&self) -> Option<String> {
        let miss = self.first_miss()?;
        if let Some(e) = miss.error {
            return Some(format!("{}{e}", miss.prefix()));
        }
        miss.assertions
            .iter()
            .find(|a| !a.passed)
            .map(|a| format!("{}{}: {}", miss.prefix(), a.type_name, a.reason))
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub cases: usize,
    pub passed: usize,
    pub failed: usize,
    pub errors: usize,
    /// passed / cases, errors in the denominator; rounded to 3 decimals.
    pub pass_rate: f64,
    pub cost_usd: f64,
    pub p50_latency_ms: Option<u64>,
    pub p95_latency_ms: Option<u64>,
    /// The most samples drawn of a case (1: the run was not repeated).
    #[serde(default = "one")]
    pub repeat: usize,
    /// Cases whose samples disagree.
    #[serde(default)]
    pub flaky: usize,
    /// Passing samples / all samples, rounded to 3 decimals.
    #[serde(default)]
    pub sample_pass_rate: f64,
    /// Each named metric's mean score over the scored assertions carrying it.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub metrics: BTreeMap<String, f64>,
}

fn one() -> usize {
    1
}

/// Nearest-rank percentile of sorted values.
fn percentile(sorted: &[u64], p: f64) -> Option<u64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    Some(sorted[rank.clamp(1, sorted.len()) - 1])
}

impl Summary {
    /// The counts alone.
    pub fn tally(&self) -> Tally {
        Tally {
            passed: self.passed,
            failed: self.failed,
            errors: self.errors,
        }
    }

    pub fn of(cases: &[CaseResult]) -> Summary {
        let mut running = RunningSummary::default();
        for c in cases {
            running.add(c);
        }
        running.summary()
    }
}

/// A summary counted a case at a time, so the cases need not be kept to summarise
/// them: what a case costs here is its latency.
#[derive(Debug, Clone)]
pub struct RunningSummary {
    tally: Tally,
    cost_usd: f64,
    latencies: Vec<u64>,
    samples: usize,
    sample_passes: usize,
    repeat: usize,
    flaky: usize,
    /// Per metric: the sum of its scores and how many there are.
    metrics: BTreeMap<String, (f64, usize)>,
}

impl Default for RunningSummary {
    fn default() -> RunningSummary {
        RunningSummary {
            tally: Tally::default(),
            // What summing no costs gives (`Iterator::sum` of f64 starts at -0.0), so a
            // summary counted here serialises exactly as one summed from a slice.
            cost_usd: -0.0,
            latencies: Vec::new(),
            samples: 0,
            sample_passes: 0,
            repeat: 1,
            flaky: 0,
            metrics: BTreeMap::new(),
        }
    }
}

impl RunningSummary {
    pub fn add(&mut self, c: &CaseResult) {
        self.tally.add(c.status);
        self.cost_usd += c.cost_usd;
        // Latency percentiles describe answered calls: errors have no meaningful latency.
        if c.samples.is_empty() {
            if c.status != Status::Error {
                self.latencies.extend(c.latency_ms);
            }
        } else {
            let answered = c.samples.iter().filter(|s| s.status != Status::Error);
            self.latencies.extend(answered.filter_map(|s| s.latency_ms));
        }
        let n = c.sample_count();
        self.samples += n;
        self.sample_passes += c.passes();
        self.repeat = self.repeat.max(n);
        self.flaky += usize::from(c.flaky());
        let scored = if c.samples.is_empty() {
            c.assertions.iter().collect::<Vec<_>>()
        } else {
            c.samples.iter().flat_map(|s| &s.assertions).collect()
        };
        for a in scored {
            if let Some(m) = &a.metric {
                let e = self.metrics.entry(m.clone()).or_insert((0.0, 0));
                e.0 += a.score;
                e.1 += 1;
            }
        }
    }

    pub fn summary(&self) -> Summary {
        let mut latencies = self.latencies.clone();
        latencies.sort_unstable();
        Summary {
            cases: self.tally.cases(),
            passed: self.tally.passed,
            failed: self.tally.failed,
            errors: self.tally.errors,
            pass_rate: self.tally.pass_rate(),
            cost_usd: self.cost_usd,
            p50_latency_ms: percentile(&latencies, 50.0),
            p95_latency_ms: percentile(&latencies, 95.0),
            repeat: self.repeat,
            flaky: self.flaky,
            metrics: self
                .metrics
                .iter()
                .map(|(k, (sum, n))| (k.clone(), (sum / *n as f64 * 1000.0).round() / 1000.0))
                .collect(),
            sample_pass_rate: Tally {
                passed: self.sample_passes,
                failed: self.samples - self.sample_passes,
                errors: 0,
            }
            .pass_rate(),
        }
    }
}

/// A run's identity: one prompt, one provider and model, the suites selected.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunHeader {
    pub run_id: String,
    pub prompt: String,
    pub content_sha256: String,
    pub provider: String,
    pub model: String,
    pub started_at: String,
    pub suites: Vec<String>,
    pub total: usize,
    /// `I/N` for a shard's run (`eval --shard`): a part of the cases, never a run that
    /// `gate` or `diff --outputs` reads until `merge` joins it with the others.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard: Option<String>,
}

/// A whole run, as `eval --format json` prints it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunRecord {
    pub run_id: String,
    pub prompt: String,
    pub content_sha256: String,
    pub provider: String,
    pub model: String,
    pub started_at: String,
    pub complete: bool,
    pub summary: Summary,
    pub cases: Vec<CaseResult>,
}

impl RunRecord {
    pub fn new(header: &RunHeader, complete: bool, cases: Vec<CaseResult>) -> RunRecord {
        RunRecord {
            run_id: header.run_id.clone(),
            prompt: header.prompt.clone(),
            content_sha256: header.content_sha256.clone(),
            provider: header.provider.clone(),
            model: header.model.clone(),
            started_at: header.started_at.clone(),
            complete,
            summary: Summary::of(&cases),
            cases,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn case(status: Status, latency: u64) -> CaseResult {
        CaseResult {
            suite: "s".into(),
            id: "c".into(),
            status,
            score: 0.0,
            vars: Map::new(),
            output: None,
            tool_calls: Vec::new(),
            error: None,
            cached: false,
            latency_ms: Some(latency),
            tokens: None,
            cost_usd: 0.5,
            assertions: vec![],
            samples: vec![],
        }
    }

    #[test]
    fn metrics_are_the_mean_score_of_the_assertions_naming_them() {
        let scored = |score: f64, metric: Option<&str>| AssertionResult {
            type_name: "t".into(),
            passed: score >= 0.5,
            score,
            reason: String::new(),
            metric: metric.map(str::to_string),
        };
        let mut a = case(Status::Pass, 1);
        a.assertions = vec![scored(1.0, Some("tone")), scored(0.5, Some("accuracy"))];
        let mut b = case(Status::Fail, 1);
        b.assertions = vec![scored(0.0, Some("accuracy")), scored(0.0, None)];
        let s = Summary::of(&[a, b.clone()]);
        assert_eq!(
            s.metrics.into_iter().collect::<Vec<_>>(),
            vec![("accuracy".to_string(), 0.25), ("tone".to_string(), 1.0)]
        );
        // None named: the key is left out of the JSON, as before metrics existed.
        b.assertions[0].metric = None;
        let s = Summary::of(&[b]);
        assert!(!serde_json::to_string(&s).unwrap().contains("metrics"));
    }

    #[test]
    fn summary_counts_errors_in_the_denominator() {
        let cases = vec![
            case(Status::Pass, 10),
            case(Status::Pass, 20),
            case(Status::Error, 999),
        ];
        let s = Summary::of(&cases);
        assert_eq!((s.passed, s.failed, s.errors), (2, 0, 1));
        assert_eq!(s.pass_rate, 0.667);
        assert_eq!(s.cost_usd, 1.5);
        assert_eq!(s.p50_latency_ms, Some(10));
        assert_eq!(s.p95_latency_ms, Some(20));
    }

    #[test]
    fn percentiles_use_nearest_rank() {
        let cases: Vec<_> = (1..=100).map(|i| case(Status::Pass, i)).collect();
        let s = Summary::of(&cases);
        assert_eq!(s.p50_latency_ms, Some(50));
        assert_eq!(s.p95_latency_ms, Some(95));
        assert_eq!(Summary::of(&[]).p95_latency_ms, None);
        assert_eq!(Summary::of(&[]).pass_rate, 0.0);
    }
}
