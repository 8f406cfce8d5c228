//! The one verdict: a draft's run compared with the current release's run, case by
//! case, and every `[gate]` threshold applied. `gate`, `release`, their exit codes and
//! the TUI's Release pane all render the [`Verdict`] this returns, so a printed FAIL can
//! never exit 0.
//!
//! Pure: run records and settings in, a value out. Running the two sides is
//! [`super::proposal`]'s job.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::Serialize;
use serde_json::Value;

use super::checks::Context;
use super::file::{Check, Evidence};
use crate::diff::{CaseChange, CaseDiff, OutputDiff};
use crate::sampling::{PairedDifference, paired_difference};
use crate::store::{RunRecord, Summary, Tally};
use crate::workspace::GateConfig;

/// Defaults for keys `[gate]` leaves out. Strict, like a reviewer who has not been told
/// otherwise: every case passes, nothing regresses, nothing errors, no new variables.
/// `max_cost_usd` and `max_p95_latency_ms` have no default: without them there is no
/// budget to hold a draft to, so their checks are left out.
pub const DEFAULT_MIN_PASS_RATE: f64 = 1.0;
pub const DEFAULT_MAX_REGRESSIONS: u64 = 0;
pub const DEFAULT_MAX_ERRORS: u64 = 0;
pub const DEFAULT_ALLOW_NEW_VARIABLES: bool = false;

/// The check that no setting turns off: both runs finished. An interrupted run has
/// cases missing, and a gate must not pass on evidence it does not have.
pub const RUNS_COMPLETE: &str = "runs_complete";

/// The release the draft is compared with, and its run on the same suites.
#[derive(Debug, Clone, Copy)]
pub struct Baseline<'a> {
    pub version: u32,
    pub run: &'a RunRecord,
    /// The template variables the release needs (`Prompt::variables`).
    pub variables: &'a BTreeSet<String>,
}

/// Everything the verdict depends on, as plain data.
#[derive(Debug, Clone, Copy)]
pub struct GateInput<'a> {
    /// The draft's run on every suite of the prompt.
    pub draft: &'a RunRecord,
    pub draft_variables: &'a BTreeSet<String>,
    /// `None` for a first release: nothing to regress from.
    pub baseline: Option<Baseline<'a>>,
    pub config: &'a GateConfig,
    /// The suites of the prompt (what `[gate.suite.X]` keys can apply to).
    pub suites: &'a [String],
}

/// One check: a `[gate]` key (or `[gate.suite.X]` key) against what the runs showed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GateCheck {
    /// `min_pass_rate`, or `suite.NAME.min_pass_rate` for a per-suite key: the key's
    /// path under `[gate]`.
    pub name: String,
    /// The suite of a per-suite check.
    pub suite: Option<String>,
    /// The threshold: a number, or `false` for `allow_new_variables`.
    pub required: Value,
    /// What the runs showed: a number, or the list of new variables.
    pub actual: Value,
    pub passed: bool,
    /// The threshold is a default: workspace.toml does not set this key.
    pub default: bool,
    /// One line a person reads: what was counted and against what.
    pub detail: String,
}

impl GateCheck {
    /// The row stored in a release's `[[evidence.checks]]`.
    pub fn to_check(&self) -> Check {
        Check {
            name: self.name.clone(),
            required: self.required.clone(),
            actual: self.actual.clone(),
            passed: self.passed,
        }
    }

    /// `≥ 0.9`, `≤ 0`, `none`: the threshold with its direction, for tables.
    pub fn required_text(&self) -> String {
        let key = self.name.rsplit('.').next().unwrap_or(&self.name);
        match (key, &self.required) {
            (RUNS_COMPLETE, _) => "yes".into(),
            ("allow_new_variables", Value::Bool(true)) => "any".into(),
            ("allow_new_variables", _) => "none".into(),
            (k, v) if k.starts_with("min_") => format!("≥ {}", number(v)),
            (_, v) => format!("≤ {}", number(v)),
        }
    }

    /// The actual value, for tables.
    pub fn actual_text(&self) -> String {
        match &self.actual {
            Value::Bool(b) => if *b { "yes" } else { "no" }.into(),
            Value::Array(items) if items.is_empty() => "none".into(),
            Value::Array(items) => items
                .iter()
                .map(|i| i.as_str().unwrap_or_default().to_string())
                .collect::<Vec<_>>()
                .join(", "),
            v => number(v),
        }
    }
}

fn number(v: &Value) -> String {
    match v.as_f64() {
        Some(f) if v.is_f64() => {
            let s = format!("{f:.4}");
            s.trim_end_matches('0').trim_end_matches('.').to_string()
        }
        _ => v.to_string(),
    }
}

/// How one run went, in the numbers the gate reads.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunStats {
    pub run_id: String,
    pub content_sha256: String,
    pub complete: bool,
    pub cases: usize,
    pub passed: usize,
    pub failed: usize,
    pub errors: usize,
    /// passed / cases, errors in the denominator (an error is never a pass); 3 decimals.
    pub pass_rate: f64,
    pub cost_usd: f64,
    pub p95_latency_ms: Option<u64>,
    /// The most samples drawn of a case.
    pub repeat: usize,
    /// Cases whose samples disagree.
    pub flaky: usize,
    pub sample_pass_rate: f64,
}

impl RunStats {
    pub fn of(run: &RunRecord) -> RunStats {
        let s = Summary::of(&run.cases);
        RunStats {
            run_id: run.run_id.clone(),
            content_sha256: run.content_sha256.clone(),
            complete: run.complete,
            cases: s.cases,
            passed: s.passed,
            failed: s.failed,
            errors: s.errors,
            pass_rate: s.pass_rate,
            cost_usd: s.cost_usd,
            p95_latency_ms: s.p95_latency_ms,
            repeat: s.repeat,
            flaky: s.flaky,
            sample_pass_rate: s.sample_pass_rate,
        }
    }
}

/// One suite of the draft's run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SuiteStats {
    pub suite: String,
    pub cases: usize,
    pub passed: usize,
    pub failed: usize,
    pub errors: usize,
    pub pass_rate: f64,
    /// Regressions against the baseline, missing cases included.
    pub regressions: usize,
    pub fixes: usize,
}

/// The gate's answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    /// Every check holds. The one bit that decides exit codes and exports.
    pub passed: bool,
    /// In a fixed order: `runs_complete`, the overall keys, then the per-suite keys.
    pub checks: Vec<GateCheck>,
    /// Cases that passed on the baseline and do not on the draft, and cases of the
    /// baseline missing from the draft's run; by suite and id. Each holds both results,
    /// so a view can show the output diff (`CaseDiff::output_diff`).
    pub regressions: Vec<CaseDiff>,
    /// Cases that did not pass on the baseline and pass on the draft.
    pub fixes: Vec<CaseDiff>,
    /// The version compared with; `None` for a first release.
    pub baseline_version: Option<u32>,
    /// No release yet: nothing can regress, and the verdict says so.
    pub first_release: bool,
    pub draft: RunStats,
    pub baseline: Option<RunStats>,
    /// The draft's run by suite, in the order of `GateInput::suites` (then any others).
    pub suites: Vec<SuiteStats>,
    /// Variables the draft needs that the baseline did not (sorted).
    pub new_variables: Vec<String>,
    /// Variables the baseline needed that the draft no longer reads (sorted).
    pub removed_variables: Vec<String>,
    /// Draft minus baseline pass fraction, paired over the baseline's cases (a case
    /// missing from the draft counts as never passing), with its 95% interval; `None`
    /// for a first release.
    pub pass_rate_change: Option<PairedDifference>,
}

impl Verdict {
    pub fn failing(&self) -> impl Iterator<Item = &GateCheck> {
        self.checks.iter().filter(|c| !c.passed)
    }

    /// The `[evidence]` a release made on this verdict carries.
    pub fn evidence(&self) -> Evidence {
        Evidence {
            run_id: self.draft.run_id.clone(),
            suites: self.suites.iter().map(|s| s.suite.clone()).collect(),
            cases: self.draft.cases,
            passed: self.draft.passed,
            failed: self.draft.failed,
            errors: self.draft.errors,
            pass_rate: self.draft.pass_rate,
            regressions: self.regressions.len(),
            fixes: self.fixes.len(),
            baseline_version: self.baseline_version,
            cost_usd: round(self.draft.cost_usd, 6),
            p95_latency_ms: self.draft.p95_latency_ms,
            repeats: (self.draft.repeat > 1).then_some(self.draft.repeat as u32),
            flaky: (self.draft.repeat > 1).then_some(self.draft.flaky),
            sample_pass_rate: (self.draft.repeat > 1).then_some(self.draft.sample_pass_rate),
            pass_rate_change: self.pass_rate_change.map(|d| round(d.mean, 4)),
            pass_rate_change_low: self.pass_rate_change.map(|d| round(d.low, 4)),
            pass_rate_change_high: self.pass_rate_change.map(|d| round(d.high, 4)),
            checks: self.checks.iter().map(GateCheck::to_check).collect(),
        }
    }
}

pub(super) fn round(x: f64, decimals: i32) -> f64 {
    let f = 10f64.powi(decimals);
    (x * f).round() / f
}

/// Applies the gate. See the module docs; every key's semantics are in README "Releases".
pub fn evaluate(input: &GateInput) -> Verdict {
    let (regressions, fixes) = compare(input);
    let first_release = input.baseline.is_none();
    let draft = RunStats::of(input.draft);
    let (new_variables, removed_variables) = variable_changes(input);
    let ctx = Context {
        input,
        regressions: &regressions,
        draft: &draft,
    };

    let mut checks = vec![
        ctx.runs_complete(),
        ctx.min_pass_rate(),
        ctx.max_regressions(),
        ctx.max_errors(),
    ];
    checks.extend(ctx.max_cost_usd());
    checks.extend(ctx.max_p95_latency_ms());
    checks.extend(ctx.max_flaky());
    checks.push(ctx.allow_new_variables(&new_variables));
    // Per-suite keys, for the prompt's suites only (a [gate.suite.X] of another prompt's
    // suite is that prompt's business).
    for suite in input.suites {
        checks.extend(ctx.suite_checks(suite));
    }

    Verdict {
        passed: checks.iter().all(|c| c.passed),
        checks,
        suites: suite_stats(input, &regressions, &fixes),
        regressions,
        fixes,
        baseline_version: input.baseline.map(|b| b.version),
        first_release,
        draft,
        baseline: input.baseline.map(|b| RunStats::of(b.run)),
        new_variables,
        removed_variables,
        pass_rate_change: pass_rate_change(input),
    }
}

/// The draft's pass fraction minus the baseline's, case by case over the baseline's
/// cases, and its interval: what "the draft passes less often" means with its noise.
fn pass_rate_change(input: &GateInput) -> Option<PairedDifference> {
    let b = input.baseline?;
    let draft: HashMap<(&str, &str), f64> = input
        .draft
        .cases
        .iter()
        .map(|c| ((c.suite.as_str(), c.id.as_str()), c.pass_fraction()))
        .collect();
    let pairs: Vec<(f64, f64)> = b
        .run
        .cases
        .iter()
        .map(|c| {
            let d = draft.get(&(c.suite.as_str(), c.id.as_str()));
            (d.copied().unwrap_or(0.0), c.pass_fraction())
        })
        .collect();
    Some(paired_difference(&pairs))
}

/// The draft's regressions and fixes against the baseline, in review order.
fn compare(input: &GateInput) -> (Vec<CaseDiff>, Vec<CaseDiff>) {
    let Some(b) = input.baseline else {
        return (Vec::new(), Vec::new());
    };
    let alpha = input.config.regression_alpha;
    let diff = OutputDiff::with_alpha(&b.run.cases, &input.draft.cases, alpha);
    diff.cases
        .into_iter()
        .filter(|c| c.change.is_regression() || c.change == CaseChange::Fix)
        .partition(|c| c.change.is_regression())
}

/// Variables the draft needs that the baseline did not, and the other way round.
fn variable_changes(input: &GateInput) -> (Vec<String>, Vec<String>) {
    let Some(b) = input.baseline else {
        return (Vec::new(), Vec::new());
    };
    (
        input
            .draft_variables
            .difference(b.variables)
            .cloned()
            .collect(),
        b.variables
            .difference(input.draft_variables)
            .cloned()
            .collect(),
    )
}

/// The draft's run by suite: the prompt's suites, then any only seen in the runs (a
/// suite deleted since the baseline ran shows up through its missing cases).
fn suite_stats(input: &GateInput, regressions: &[CaseDiff], fixes: &[CaseDiff]) -> Vec<SuiteStats> {
    let draft = input.draft;
    let mut suite_names: Vec<String> = input.suites.to_vec();
    let seen: BTreeSet<&str> = input.suites.iter().map(String::as_str).collect();
    let extra: BTreeSet<&str> = draft
        .cases
        .iter()
        .map(|c| c.suite.as_str())
        .chain(regressions.iter().map(|c| c.suite.as_str()))
        .filter(|s| !seen.contains(s))
        .collect();
    suite_names.extend(extra.into_iter().map(str::to_string));

    let per_suite = |list: &[CaseDiff]| {
        let mut by: BTreeMap<String, usize> = BTreeMap::new();
        for c in list {
            *by.entry(c.suite.clone()).or_default() += 1;
        }
        by
    };
    let (regressions_by_suite, fixes_by_suite) = (per_suite(regressions), per_suite(fixes));
    suite_names
        .into_iter()
        .map(|name| {
            let t = Tally::of(
                draft
                    .cases
                    .iter()
                    .filter(|c| c.suite == name)
                    .map(|c| &c.status),
            );
            SuiteStats {
                cases: t.cases(),
                passed: t.passed,
                failed: t.failed,
                errors: t.errors,
                pass_rate: t.pass_rate(),
                regressions: regressions_by_suite.get(&name).copied().unwrap_or(0),
                fixes: fixes_by_suite.get(&name).copied().unwrap_or(0),
                suite: name,
            }
        })
        .collect()
}

#[cfg(test)]
#[path = "gate_tests.rs"]
mod tests;
