//! The draws of repeated cases: how many each suite's cases get, which a resumed run
//! still owes, and the samples of a case gathered until it has them all.

use std::collections::{BTreeMap, HashMap};

use crate::store::{CaseResult, PartialSamples, Sample, Status};
use crate::workspace::Suite;

/// Whether a recorded case counts as done in a run drawing `n` samples a case: it got
/// an answer, as often as this run draws.
pub(super) fn is_done(case: &CaseResult, n: u32) -> bool {
    case.status != Status::Error && case.sample_count() == n as usize
}

pub(super) struct Draws {
    /// Samples per case, by suite index.
    per_suite: Vec<u32>,
    /// `min_pass_fraction`, by suite index.
    fractions: Vec<f64>,
    /// Samples carried over from the run being resumed (errored ones dropped: they got
    /// no answer and are drawn again).
    carried: PartialSamples,
    /// Samples of cases still drawing, by the case's place in the plan.
    gathering: HashMap<usize, BTreeMap<u32, Sample>>,
}

impl Draws {
    /// `repeat` overrides every suite's own (`eval --repeat`, a gate's `repeats`).
    pub(super) fn new(suites: &[Suite], repeat: Option<u32>, mut carried: PartialSamples) -> Draws {
        let per_suite: Vec<u32> = suites
            .iter()
            .map(|s| repeat.unwrap_or(s.repeat).max(1))
            .collect();
        let by_name: HashMap<&str, u32> = suites
            .iter()
            .zip(&per_suite)
            .map(|(s, n)| (s.name.as_str(), *n))
            .collect();
        // Samples past this run's count (an earlier run drew more) are not its own.
        for ((suite, _), samples) in carried.iter_mut() {
            let n = by_name.get(suite.as_str()).copied().unwrap_or(0);
            samples.retain(|k, s| *k <= n && s.status != Status::Error);
        }
        Draws {
            per_suite,
            fractions: suites.iter().map(|s| s.min_pass_fraction).collect(),
            carried,
            gathering: HashMap::new(),
        }
    }

    pub(super) fn of(&self, suite: usize) -> u32 {
        self.per_suite[suite]
    }

    /// Samples per case, by suite index.
    pub(super) fn counts(&self) -> Vec<u32> {
        self.per_suite.clone()
    }

    fn carried(&self, suite: &Suite, id: &str) -> Option<&BTreeMap<u32, Sample>> {
        if self.carried.is_empty() {
            return None;
        }
        self.carried.get(&(suite.name.clone(), id.to_string()))
    }

    /// The samples a case still needs, in order.
    pub(super) fn owed(&self, s: usize, suite: &Suite, id: &str) -> Vec<u32> {
        let have = self.carried(suite, id);
        (1..=self.of(s))
            .filter(|k| !have.is_some_and(|h| h.contains_key(k)))
            .collect()
    }

    /// Adds sample `k` of the case at `order`; once the case has every sample, the
    /// case made of them (`base` gives its identity and vars).
    pub(super) fn add(
        &mut self,
        order: usize,
        s: usize,
        k: u32,
        base: CaseResult,
    ) -> Option<CaseResult> {
        let n = self.of(s);
        let sample = base.as_sample();
        let gathered = self.gathering.entry(order).or_insert_with(|| {
            self.carried
                .remove(&(base.suite.clone(), base.id.clone()))
                .unwrap_or_default()
        });
        gathered.insert(k, sample);
        if gathered.len() < n as usize {
            return None;
        }
        let samples = self.gathering.remove(&order).unwrap_or_default();
        Some(base.combine(samples.into_values().collect(), self.fractions[s]))
    }

    /// A case whose samples were all drawn before the run was stopped, but whose line
    /// was not written: the case made of them.
    pub(super) fn finished_before(&mut self, s: usize, base: CaseResult) -> Option<CaseResult> {
        let n = self.of(s) as usize;
        let key = (base.suite.clone(), base.id.clone());
        if self.carried.get(&key).is_none_or(|h| h.len() < n) {
            return None;
        }
        let samples = self.carried.remove(&key).unwrap_or_default();
        Some(base.combine(samples.into_values().collect(), self.fractions[s]))
    }
}
