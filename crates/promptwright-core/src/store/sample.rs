//! Samples: the draws of a case run more than once (`repeat`). A case sampled once
//! keeps no sample list (its own fields are its one sample), so an unrepeated run's
//! records and memory are what they always were; readers see every case through
//! [`CaseResult::samples`] all the same.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use super::{CaseResult, Status};
use crate::assert::AssertionResult;
use crate::provider::Tokens;
use crate::vocab::ToolCall;

/// One draw of a case: one model call, scored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sample {
    pub status: Status,
    pub score: f64,
    pub output: Option<String>,
    /// The tools the answer called, in order.
    #[serde(default)]
    pub tool_calls: Vec<ToolCall>,
    pub error: Option<String>,
    pub cached: bool,
    pub latency_ms: Option<u64>,
    pub tokens: Option<Tokens>,
    pub cost_usd: f64,
    pub assertions: Vec<AssertionResult>,
}

/// Why a draw did not pass.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Miss<'a> {
    /// 1-based; `None` for a case drawn once.
    pub sample: Option<usize>,
    pub error: Option<&'a str>,
    pub assertions: &'a [AssertionResult],
}

impl Miss<'_> {
    /// "sample 2: " for a repeated case, "" otherwise: what a reason line starts with.
    pub fn prefix(&self) -> String {
        self.sample
            .map(|k| format!("sample {k}: "))
            .unwrap_or_default()
    }
}

/// A sample written to the run record as soon as it is scored, before its case has
/// all its samples: what `eval --resume` continues a repeated case from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SampleLine {
    pub suite: String,
    pub id: String,
    /// 1-based.
    pub sample: u32,
    #[serde(flatten)]
    pub result: Sample,
}

impl CaseResult {
    /// How many times the case was drawn.
    pub fn sample_count(&self) -> usize {
        self.samples.len().max(1)
    }

    /// Samples that passed.
    pub fn passes(&self) -> usize {
        if self.samples.is_empty() {
            usize::from(self.status == Status::Pass)
        } else {
            self.samples
                .iter()
                .filter(|s| s.status == Status::Pass)
                .count()
        }
    }

    pub fn pass_fraction(&self) -> f64 {
        self.passes() as f64 / self.sample_count() as f64
    }

    /// Some samples passed and some did not.
    pub fn flaky(&self) -> bool {
        let passes = self.passes();
        passes > 0 && passes < self.sample_count()
    }

    /// "3/5" for a repeated case, "" for one drawn once.
    pub fn fraction_label(&self) -> String {
        if self.samples.is_empty() {
            String::new()
        } else {
            format!("{}/{}", self.passes(), self.sample_count())
        }
    }

    /// Where a reader sees why: a case drawn once is its own (whatever its status: a
    /// case can pass with a light assertion failing); a repeated case, its first draw
    /// that did not pass. The draw's number (`None` for a case drawn once), its error
    /// and its assertions.
    pub fn first_miss(&self) -> Option<Miss<'_>> {
        if self.samples.is_empty() {
            return Some(Miss {
                sample: None,
                error: self.error.as_deref(),
                assertions: &self.assertions,
            });
        }
        let (k, s) = self
            .samples
            .iter()
            .enumerate()
            .find(|(_, s)| s.status != Status::Pass)?;
        Some(Miss {
            sample: Some(k + 1),
            error: s.error.as_deref(),
            assertions: &s.assertions,
        })
    }

    /// Every sample, in order; a case drawn once is its own sample.
    pub fn samples(&self) -> Cow<'_, [Sample]> {
        if self.samples.is_empty() {
            Cow::Owned(vec![self.as_sample()])
        } else {
            Cow::Borrowed(&self.samples)
        }
    }

    /// Draw `k` (from 1) of a repeated case as a case of its own: the same identity
    /// and vars, that draw's outcome.
    pub fn draw(&self, k: usize) -> Option<CaseResult> {
        let sample = self.samples.get(k.checked_sub(1)?)?.clone();
        let mut c = CaseResult::new(&self.suite, &self.id, self.vars.clone());
        c.take_outcome(sample);
        Some(c)
    }

    /// The case's own outcome as a sample (what a case drawn once is).
    pub fn as_sample(&self) -> Sample {
        Sample {
            status: self.status,
            score: self.score,
            output: self.output.clone(),
            tool_calls: self.tool_calls.clone(),
            error: self.error.clone(),
            cached: self.cached,
            latency_ms: self.latency_ms,
            tokens: self.tokens,
            cost_usd: self.cost_usd,
            assertions: self.assertions.clone(),
        }
    }

    /// Takes a sample's outcome as the case's own (its identity and vars stay).
    fn take_outcome(&mut self, s: Sample) {
        self.status = s.status;
        self.score = s.score;
        self.output = s.output;
        self.tool_calls = s.tool_calls;
        self.error = s.error;
        self.cached = s.cached;
        self.latency_ms = s.latency_ms;
        self.tokens = s.tokens;
        self.cost_usd = s.cost_usd;
        self.assertions = s.assertions;
    }

    /// The case made of its samples (in order). With one sample the case is that
    /// sample. With more: `pass` when at least `min_pass_fraction` of them passed,
    /// `error` when every one errored, else `fail`; the score is their mean; output,
    /// latency and assertions are the first sample's; cost and tokens are summed; the
    /// error is the first sample's when every one errored.
    pub fn combine(mut self, mut samples: Vec<Sample>, min_pass_fraction: f64) -> CaseResult {
        self.samples.clear();
        if samples.len() <= 1 {
            if let Some(s) = samples.pop() {
                self.take_outcome(s);
            }
            return self;
        }
        let n = samples.len();
        let cost: f64 = samples.iter().map(|s| s.cost_usd).sum();
        let tokens = samples
            .iter()
            .filter_map(|s| s.tokens)
            .reduce(|a, b| Tokens {
                input: a.input + b.input,
                output: a.output + b.output,
            });
        let score = samples.iter().map(|s| s.score).sum::<f64>() / n as f64;
        let cached = samples.iter().all(|s| s.cached);
        let all_errored = samples.iter().all(|s| s.status == Status::Error);
        self.take_outcome(samples[0].clone());
        self.samples = samples;
        let fraction = self.pass_fraction();
        self.status = if all_errored {
            Status::Error
        } else if fraction + 1e-9 >= min_pass_fraction {
            Status::Pass
        } else {
            Status::Fail
        };
        if !all_errored {
            self.error = None;
        }
        self.score = score;
        self.cached = cached;
        self.cost_usd = cost;
        self.tokens = tokens;
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(status: Status, score: f64, output: &str) -> Sample {
        Sample {
            status,
            score,
            output: Some(output.into()),
            tool_calls: Vec::new(),
            error: (status == Status::Error).then(|| format!("{output} broke")),
            cached: false,
            latency_ms: Some(10),
            tokens: Some(Tokens {
                input: 3,
                output: 2,
            }),
            cost_usd: 0.25,
            assertions: Vec::new(),
        }
    }

    fn case() -> CaseResult {
        CaseResult::new("s", "c", serde_json::Map::new())
    }

    #[test]
    fn a_repeated_case_passes_on_its_fraction_and_sums_what_it_cost() {
        let samples = vec![
            sample(Status::Fail, 0.0, "first"),
            sample(Status::Pass, 1.0, "second"),
            sample(Status::Pass, 1.0, "third"),
            sample(Status::Error, 0.0, "fourth"),
        ];
        let strict = case().combine(samples.clone(), 1.0);
        assert_eq!(strict.status, Status::Fail);
        assert_eq!((strict.passes(), strict.sample_count()), (2, 4));
        assert_eq!(strict.pass_fraction(), 0.5);
        assert!(strict.flaky());
        assert_eq!(strict.fraction_label(), "2/4");
        assert_eq!(strict.score, 0.5);
        assert_eq!(
            strict.output.as_deref(),
            Some("first"),
            "the first sample's"
        );
        assert_eq!(strict.cost_usd, 1.0);
        assert_eq!(strict.tokens.map(|t| (t.input, t.output)), Some((12, 8)));
        assert_eq!(strict.error, None, "not every sample errored");
        let lenient = case().combine(samples, 0.5);
        assert_eq!(lenient.status, Status::Pass, "2 of 4 reach one half");
    }

    #[test]
    fn a_case_whose_every_sample_errored_is_an_error_with_the_first_reason() {
        let c = case().combine(
            vec![
                sample(Status::Error, 0.0, "a"),
                sample(Status::Error, 0.0, "b"),
            ],
            0.5,
        );
        assert_eq!(c.status, Status::Error);
        assert_eq!(c.error.as_deref(), Some("a broke"));
        assert!(!c.flaky());
    }

    #[test]
    fn a_case_drawn_once_is_its_own_sample_and_keeps_no_list() {
        let c = case().combine(vec![sample(Status::Pass, 1.0, "only")], 1.0);
        assert!(c.samples.is_empty());
        assert_eq!(c.samples().len(), 1);
        assert_eq!(c.samples()[0].output.as_deref(), Some("only"));
        assert_eq!((c.passes(), c.pass_fraction(), c.flaky()), (1, 1.0, false));
        assert_eq!(c.fraction_label(), "");
    }
}
