//! Per-case comparison of two runs: which cases regressed, which were fixed, what the
//! model now says differently. Cases are matched by (suite, id).

use std::collections::HashMap;

use super::text::Document;
use crate::store::{CaseResult, RunRecord, Status};

/// What happened to a case between the old run and the new one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CaseChange {
    /// It passed and now fails or errors.
    Regression,
    /// It was in the old run and is not in the new one. Counted as a regression: a case
    /// that silently stops being run must not look like progress.
    Missing,
    /// It failed or errored and now passes.
    Fix,
    /// Only in the new run.
    New,
    /// Passing then and now, or not passing then and now (`fail` → `error` included:
    /// the statuses still tell).
    Unchanged,
}

impl CaseChange {
    pub fn as_str(self) -> &'static str {
        match self {
            CaseChange::Regression => "regression",
            CaseChange::Missing => "missing",
            CaseChange::Fix => "fix",
            CaseChange::New => "new",
            CaseChange::Unchanged => "unchanged",
        }
    }

    /// Counts against a release, like a regression.
    pub fn is_regression(self) -> bool {
        matches!(self, CaseChange::Regression | CaseChange::Missing)
    }

    /// Review order: regressions (missing ones with them), fixes, new, unchanged.
    fn rank(self) -> u8 {
        match self {
            CaseChange::Regression | CaseChange::Missing => 0,
            CaseChange::Fix => 1,
            CaseChange::New => 2,
            CaseChange::Unchanged => 3,
        }
    }
}

/// One case on both sides.
#[derive(Debug, Clone, PartialEq)]
pub struct CaseDiff {
    pub suite: String,
    pub id: String,
    pub change: CaseChange,
    pub old: Option<CaseResult>,
    pub new: Option<CaseResult>,
}

impl CaseDiff {
    pub fn old_status(&self) -> Option<Status> {
        self.old.as_ref().map(|c| c.status)
    }

    pub fn new_status(&self) -> Option<Status> {
        self.new.as_ref().map(|c| c.status)
    }

    /// New score minus old, when the case is on both sides.
    pub fn score_delta(&self) -> Option<f64> {
        Some(self.new.as_ref()?.score - self.old.as_ref()?.score)
    }

    /// The text a side is compared by: the output, else the error.
    pub fn old_text(&self) -> String {
        side_text(self.old.as_ref())
    }

    pub fn new_text(&self) -> String {
        side_text(self.new.as_ref())
    }

    /// The outputs (or errors) differ.
    pub fn output_changed(&self) -> bool {
        self.old_text() != self.new_text()
    }

    /// The line and word diff of the two outputs. Computed on request, so listing
    /// thousands of cases costs no text diffs; a view computes the one it shows.
    pub fn output_diff(&self) -> Document {
        Document::of_text(&self.old_text(), &self.new_text())
    }
}

fn side_text(c: Option<&CaseResult>) -> String {
    match c {
        None => String::new(),
        Some(c) => match (&c.output, &c.error) {
            (Some(o), _) => o.clone(),
            (None, Some(e)) => format!("error: {e}"),
            (None, None) => String::new(),
        },
    }
}

/// How many cases of each kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CaseCounts {
    pub regressions: usize,
    pub missing: usize,
    pub fixes: usize,
    pub new: usize,
    pub unchanged: usize,
}

impl CaseCounts {
    /// Regressions including missing cases: the number a gate holds against a release.
    pub fn regressions_total(&self) -> usize {
        self.regressions + self.missing
    }

    pub fn total(&self) -> usize {
        self.regressions + self.missing + self.fixes + self.new + self.unchanged
    }
}

/// Two runs compared case by case, in review order.
#[derive(Debug, Clone, PartialEq)]
pub struct OutputDiff {
    /// Regressions and missing cases first, then fixes, new cases, unchanged ones; by
    /// suite and id within each group.
    pub cases: Vec<CaseDiff>,
    pub counts: CaseCounts,
}

impl OutputDiff {
    /// Compares the cases of an old run with those of a new one.
    pub fn new(old: &[CaseResult], new: &[CaseResult]) -> OutputDiff {
        let new_by_key: HashMap<(&str, &str), &CaseResult> = new
            .iter()
            .map(|c| ((c.suite.as_str(), c.id.as_str()), c))
            .collect();
        let old_keys: std::collections::HashSet<(&str, &str)> = old
            .iter()
            .map(|c| (c.suite.as_str(), c.id.as_str()))
            .collect();
        let mut cases = Vec::with_capacity(old.len().max(new.len()));
        for o in old {
            let n = new_by_key.get(&(o.suite.as_str(), o.id.as_str())).copied();
            let change = match n {
                None => CaseChange::Missing,
                Some(n) => match (o.status == Status::Pass, n.status == Status::Pass) {
                    (true, false) => CaseChange::Regression,
                    (false, true) => CaseChange::Fix,
                    _ => CaseChange::Unchanged,
                },
            };
            cases.push(CaseDiff {
                suite: o.suite.clone(),
                id: o.id.clone(),
                change,
                old: Some(o.clone()),
                new: n.cloned(),
            });
        }
        for n in new {
            if !old_keys.contains(&(n.suite.as_str(), n.id.as_str())) {
                cases.push(CaseDiff {
                    suite: n.suite.clone(),
                    id: n.id.clone(),
                    change: CaseChange::New,
                    old: None,
                    new: Some(n.clone()),
                });
            }
        }
        cases.sort_by(|a, b| {
            (a.change.rank(), &a.suite, &a.id).cmp(&(b.change.rank(), &b.suite, &b.id))
        });
        let mut counts = CaseCounts::default();
        for c in &cases {
            match c.change {
                CaseChange::Regression => counts.regressions += 1,
                CaseChange::Missing => counts.missing += 1,
                CaseChange::Fix => counts.fixes += 1,
                CaseChange::New => counts.new += 1,
                CaseChange::Unchanged => counts.unchanged += 1,
            }
        }
        OutputDiff { cases, counts }
    }

    /// Compares two run records.
    pub fn of_runs(old: &RunRecord, new: &RunRecord) -> OutputDiff {
        OutputDiff::new(&old.cases, &new.cases)
    }

    /// Index of the next case after `from` that needs review (a regression or a fix):
    /// what `n` jumps to in a list.
    pub fn next_notable(&self, from: usize) -> Option<usize> {
        (from + 1..self.cases.len()).find(|&i| self.cases[i].change.rank() < 2)
    }

    /// Index of the previous case before `from` that needs review.
    pub fn prev_notable(&self, from: usize) -> Option<usize> {
        (0..from.min(self.cases.len()))
            .rev()
            .find(|&i| self.cases[i].change.rank() < 2)
    }
}
