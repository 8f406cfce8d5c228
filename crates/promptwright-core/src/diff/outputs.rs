//! Per-case comparison of two sides: which cases regressed, which were fixed, what the
//! model now says differently. Cases are matched by (suite, id).
//!
//! Every view says what happened to a case in one vocabulary ([`CaseKind`]): its status
//! changed (a regression, a fix, or e.g. fail → error), only its output changed, it is
//! unchanged, or it was not run on one side.

use std::collections::HashMap;

use super::text::Document;
use crate::sampling::{family_level, fisher_less, fisher_less_floor};
use crate::store::{CaseResult, Status};
use crate::workspace::DEFAULT_REGRESSION_ALPHA;

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
    /// On one side only, in a comparison of each side's latest results
    /// ([`OutputDiff::of_latest`]): the other side never ran it, which says nothing
    /// about the prompt. Not a regression.
    NotRun,
}

/// What a reader is told about a case, the same words in every view.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CaseKind {
    /// pass / fail / error differs (regressions and fixes are such changes).
    StatusChanged,
    /// Same status, different output (or error message).
    OutputChanged,
    /// Same status and output.
    Unchanged,
    /// No result on one side.
    NotRun,
}

impl CaseKind {
    pub fn as_str(self) -> &'static str {
        match self {
            CaseKind::StatusChanged => "status changed",
            CaseKind::OutputChanged => "output changed",
            CaseKind::Unchanged => "unchanged",
            CaseKind::NotRun => "not run",
        }
    }
}

impl CaseChange {
    pub fn as_str(self) -> &'static str {
        match self {
            CaseChange::Regression => "regression",
            CaseChange::Missing => "missing",
            CaseChange::Fix => "fix",
            CaseChange::New => "new",
            CaseChange::Unchanged => "unchanged",
            CaseChange::NotRun => "not run",
        }
    }

    /// Counts against a release, like a regression.
    pub fn is_regression(self) -> bool {
        matches!(self, CaseChange::Regression | CaseChange::Missing)
    }

    /// Needs a reviewer's eye first: a regression (missing cases with them) or a fix.
    fn is_notable(self) -> bool {
        matches!(
            self,
            CaseChange::Regression | CaseChange::Missing | CaseChange::Fix
        )
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

    /// "5/5 → 1/5" when either side was drawn more than once: the pass fractions a
    /// repeated case is judged by.
    pub fn fractions(&self) -> Option<String> {
        let (old, new) = (self.old.as_ref()?, self.new.as_ref()?);
        if !repeated(old, new) {
            return None;
        }
        Some(format!(
            "{}/{} → {}/{}",
            old.passes(),
            old.sample_count(),
            new.passes(),
            new.sample_count()
        ))
    }

    /// For a case drawn more than once on a side: how likely sampling noise alone is to
    /// move its pass fraction this far, in the direction it moved (the one-sided Fisher
    /// exact test the gate applies).
    pub fn noise_p(&self) -> Option<f64> {
        let (old, new) = (self.old.as_ref()?, self.new.as_ref()?);
        if !repeated(old, new) {
            return None;
        }
        let ((op, on), (np, nn)) = (counts(old), counts(new));
        Some(
            if u64::from(np) * u64::from(on) <= u64::from(op) * u64::from(nn) {
                fisher_less(np, nn, op, on)
            } else {
                fisher_less(op, on, np, nn)
            },
        )
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

    /// What happened to the case, in the words every view uses.
    pub fn kind(&self) -> CaseKind {
        match (&self.old, &self.new) {
            (Some(o), Some(n)) if o.status != n.status => CaseKind::StatusChanged,
            (Some(_), Some(_)) if self.output_changed() => CaseKind::OutputChanged,
            (Some(_), Some(_)) => CaseKind::Unchanged,
            _ => CaseKind::NotRun,
        }
    }

    /// The case's label: `regression`, `missing`, `fix` or `new` where the change has a
    /// name of its own, else its kind (`status changed`, `output changed`, `unchanged`,
    /// `not run`).
    pub fn label(&self) -> &'static str {
        match self.change {
            CaseChange::Unchanged | CaseChange::NotRun => self.kind().as_str(),
            other => other.as_str(),
        }
    }

    /// Review order: regressions (missing ones with them), fixes, other status changes,
    /// output changes, new cases, cases not run on a side, unchanged ones.
    fn rank(&self) -> u8 {
        match (self.change, self.kind()) {
            (CaseChange::Regression | CaseChange::Missing, _) => 0,
            (CaseChange::Fix, _) => 1,
            (_, CaseKind::StatusChanged) => 2,
            (_, CaseKind::OutputChanged) => 3,
            (CaseChange::New, _) => 4,
            (_, CaseKind::NotRun) => 5,
            _ => 6,
        }
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
        Some(c) => match (c.shown_output(), &c.error) {
            (Some(o), _) => o,
            (None, Some(e)) => format!("error: {e}"),
            (None, None) => String::new(),
        },
    }
}

/// How many cases of each kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CaseCounts {
    /// Of the status changes: pass → fail or error.
    pub regressions: usize,
    /// Of the cases not run: in the old run, not in the new one (a gate's comparison).
    pub missing: usize,
    /// Of the status changes: fail or error → pass.
    pub fixes: usize,
    /// Of the cases not run: only in the new run (a gate's comparison).
    pub new: usize,
    /// By kind; these four add up to every case.
    pub status_changed: usize,
    pub output_changed: usize,
    pub unchanged: usize,
    pub not_run: usize,
}

impl CaseCounts {
    /// Regressions including missing cases: the number a gate holds against a release.
    pub fn regressions_total(&self) -> usize {
        self.regressions + self.missing
    }

    pub fn total(&self) -> usize {
        self.status_changed + self.output_changed + self.unchanged + self.not_run
    }

    /// One line in the shared vocabulary, for every view, zero counts left out:
    /// `2 status changed (1 regression, 1 fix), 1 output changed, 3 unchanged, 1 not run`.
    pub fn summary(&self) -> String {
        use crate::words::plural;
        let mut parts = Vec::new();
        if self.status_changed > 0 {
            let mut status = format!("{} status changed", self.status_changed);
            let mut detail = Vec::new();
            if self.regressions > 0 {
                detail.push(plural(self.regressions, "regression", "regressions"));
            }
            if self.fixes > 0 {
                detail.push(plural(self.fixes, "fix", "fixes"));
            }
            if !detail.is_empty() {
                status.push_str(&format!(" ({})", detail.join(", ")));
            }
            parts.push(status);
        }
        if self.output_changed > 0 {
            parts.push(format!("{} output changed", self.output_changed));
        }
        if self.unchanged > 0 {
            parts.push(format!("{} unchanged", self.unchanged));
        }
        if self.not_run > 0 {
            let mut n = format!("{} not run", self.not_run);
            if self.missing > 0 {
                n.push_str(&format!(
                    " ({} missing from the new run: regressions)",
                    self.missing
                ));
            }
            parts.push(n);
        }
        if parts.is_empty() {
            return "no cases".to_string();
        }
        parts.join(", ")
    }
}

/// A case's passes and draws, as the tests count them.
fn counts(c: &CaseResult) -> (u32, u32) {
    let n = |x: usize| u32::try_from(x).unwrap_or(u32::MAX);
    (n(c.passes()), n(c.sample_count()))
}

fn repeated(old: &CaseResult, new: &CaseResult) -> bool {
    !(old.samples.is_empty() && new.samples.is_empty())
}

/// The per-case levels for repeated cases, down (regressions) and up (fixes), that
/// keep the chance of any false one among `pairs` at `alpha` ([`family_level`]).
fn levels(pairs: &[(&CaseResult, &CaseResult)], alpha: f64) -> (f64, f64) {
    let floors = |down: bool| -> Vec<f64> {
        pairs
            .iter()
            .filter(|(o, n)| repeated(o, n))
            .map(|(o, n)| {
                let ((op, on), (np, nn)) = (counts(o), counts(n));
                if down {
                    fisher_less_floor(nn, on, np + op)
                } else {
                    fisher_less_floor(on, nn, np + op)
                }
            })
            .collect()
    };
    (
        family_level(&floors(true), alpha),
        family_level(&floors(false), alpha),
    )
}

/// What happened to a case run on both sides. Drawn once a side, its status tells: a
/// pass that no longer passes is a regression. Drawn more often, its pass fraction
/// tells, and only a fall (or rise) that sampling noise does not explain counts: the
/// one-sided Fisher exact test on the two sides' passes, below `down` (or `up`), the
/// levels [`levels`] sets for the whole comparison.
fn change_of(old: &CaseResult, new: &CaseResult, (down, up): (f64, f64)) -> CaseChange {
    if !repeated(old, new) {
        return match (old.status == Status::Pass, new.status == Status::Pass) {
            (true, false) => CaseChange::Regression,
            (false, true) => CaseChange::Fix,
            _ => CaseChange::Unchanged,
        };
    }
    let ((op, on), (np, nn)) = (counts(old), counts(new));
    if fisher_less(np, nn, op, on) <= down {
        CaseChange::Regression
    } else if fisher_less(op, on, np, nn) <= up {
        CaseChange::Fix
    } else {
        CaseChange::Unchanged
    }
}

/// Two sides compared case by case, in review order.
#[derive(Debug, Clone, PartialEq)]
pub struct OutputDiff {
    /// In review order (see [`CaseDiff`]'s rank: regressions and missing cases first,
    /// then fixes, other changes, and unchanged cases last); by suite and id within each
    /// group.
    pub cases: Vec<CaseDiff>,
    pub counts: CaseCounts,
}

impl OutputDiff {
    /// Compares the cases of an old run with those of a new one, both run on the same
    /// suites (a gate's two runs): a case the new run lacks is missing, a regression.
    pub fn new(old: &[CaseResult], new: &[CaseResult]) -> OutputDiff {
        OutputDiff::compare(old, new, false, DEFAULT_REGRESSION_ALPHA)
    }

    /// [`OutputDiff::new`] with the gate's `regression_alpha` for repeated cases.
    pub fn with_alpha(old: &[CaseResult], new: &[CaseResult], alpha: f64) -> OutputDiff {
        OutputDiff::compare(old, new, false, alpha)
    }

    /// Compares each side's latest results (see `release::side_results`): a case one
    /// side never ran is `NotRun` there, not a regression — rerunning one case must not
    /// make every other case look lost.
    pub fn of_latest(old: &[CaseResult], new: &[CaseResult]) -> OutputDiff {
        OutputDiff::compare(old, new, true, DEFAULT_REGRESSION_ALPHA)
    }

    fn compare(
        old: &[CaseResult],
        new: &[CaseResult],
        absent_is_not_run: bool,
        alpha: f64,
    ) -> OutputDiff {
        let new_by_key: HashMap<(&str, &str), &CaseResult> = new
            .iter()
            .map(|c| ((c.suite.as_str(), c.id.as_str()), c))
            .collect();
        let old_keys: std::collections::HashSet<(&str, &str)> = old
            .iter()
            .map(|c| (c.suite.as_str(), c.id.as_str()))
            .collect();
        let pairs: Vec<(&CaseResult, &CaseResult)> = old
            .iter()
            .filter_map(|o| Some((o, *new_by_key.get(&(o.suite.as_str(), o.id.as_str()))?)))
            .collect();
        let levels = levels(&pairs, alpha);
        let mut cases = Vec::with_capacity(old.len().max(new.len()));
        for o in old {
            let n = new_by_key.get(&(o.suite.as_str(), o.id.as_str())).copied();
            let change = match n {
                None if absent_is_not_run => CaseChange::NotRun,
                None => CaseChange::Missing,
                Some(n) => change_of(o, n, levels),
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
                    change: if absent_is_not_run {
                        CaseChange::NotRun
                    } else {
                        CaseChange::New
                    },
                    old: None,
                    new: Some(n.clone()),
                });
            }
        }
        cases.sort_by_cached_key(|c| (c.rank(), c.suite.clone(), c.id.clone()));
        let mut counts = CaseCounts::default();
        for c in &cases {
            match c.change {
                CaseChange::Regression => counts.regressions += 1,
                CaseChange::Missing => counts.missing += 1,
                CaseChange::Fix => counts.fixes += 1,
                CaseChange::New => counts.new += 1,
                CaseChange::Unchanged | CaseChange::NotRun => {}
            }
            match c.kind() {
                CaseKind::StatusChanged => counts.status_changed += 1,
                CaseKind::OutputChanged => counts.output_changed += 1,
                CaseKind::Unchanged => counts.unchanged += 1,
                CaseKind::NotRun => counts.not_run += 1,
            }
        }
        OutputDiff { cases, counts }
    }

    /// Index of the next case after `from` that needs review (a regression or a fix):
    /// what `n` jumps to in a list.
    pub fn next_notable(&self, from: usize) -> Option<usize> {
        (from + 1..self.cases.len()).find(|&i| self.cases[i].change.is_notable())
    }

    /// Index of the previous case before `from` that needs review.
    pub fn prev_notable(&self, from: usize) -> Option<usize> {
        (0..from.min(self.cases.len()))
            .rev()
            .find(|&i| self.cases[i].change.is_notable())
    }
}
