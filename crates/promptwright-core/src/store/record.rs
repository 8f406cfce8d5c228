//! What a run produces: per-case results, the summary, the run as a whole. These are
//! the shapes of `eval --format json` and of the lines of a run record.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::Tally;
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
    pub error: Option<String>,
    pub cached: bool,
    pub latency_ms: Option<u64>,
    pub tokens: Option<Tokens>,
    pub cost_usd: f64,
    pub assertions: Vec<AssertionResult>,
}

impl CaseResult {
    /// The first failing assertion's reason, or the error: what a reviewer reads first.
    pub fn headline(&self) -> Option<String> {
        if let Some(e) = &self.error {
            return Some(e.clone());
        }
        self.assertions
            .iter()
            .find(|a| !a.passed)
            .map(|a| format!("{}: {}", a.type_name, a.reason))
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
}

impl Default for RunningSummary {
    fn default() -> RunningSummary {
        RunningSummary {
            tally: Tally::default(),
            // What summing no costs gives (`Iterator::sum` of f64 starts at -0.0), so a
            // summary counted here serialises exactly as one summed from a slice.
            cost_usd: -0.0,
            latencies: Vec::new(),
        }
    }
}

impl RunningSummary {
    pub fn add(&mut self, c: &CaseResult) {
        self.tally.add(c.status);
        self.cost_usd += c.cost_usd;
        // Latency percentiles describe answered calls: errors have no meaningful latency.
        if c.status != Status::Error {
            self.latencies.extend(c.latency_ms);
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
            error: None,
            cached: false,
            latency_ms: Some(latency),
            tokens: None,
            cost_usd: 0.5,
            assertions: vec![],
        }
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
