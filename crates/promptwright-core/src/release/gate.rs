//! The one verdict: a draft's run compared with the current release's run, case by
//! case, and every `[gate]` threshold applied. `gate`, `release`, their exit codes and
//! the TUI's Release pane all render the [`Verdict`] this returns, so a printed FAIL can
//! never exit 0.
//!
//! Pure: run records and settings in, a value out. Running the two sides is
//! [`super::proposal`]'s job.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;
use serde_json::{Value, json};

use super::file::{Check, Evidence};
use crate::diff::{CaseChange, CaseDiff, OutputDiff};
use crate::store::{CaseResult, RunRecord, Status, Summary};
use crate::words::plural;
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
            checks: self.checks.iter().map(GateCheck::to_check).collect(),
        }
    }
}

fn round(x: f64, decimals: i32) -> f64 {
    let f = 10f64.powi(decimals);
    (x * f).round() / f
}

/// Counts of one set of cases.
struct Tally {
    cases: usize,
    passed: usize,
    errors: usize,
}

impl Tally {
    fn of<'a>(cases: impl Iterator<Item = &'a CaseResult>) -> Tally {
        let mut t = Tally {
            cases: 0,
            passed: 0,
            errors: 0,
        };
        for c in cases {
            t.cases += 1;
            match c.status {
                Status::Pass => t.passed += 1,
                Status::Error => t.errors += 1,
                Status::Fail => {}
            }
        }
        t
    }

    /// The exact rate (for the comparison) — the shown one is rounded, and 0.8996 must
    /// not pass a 0.9 bar because it prints as 0.9.
    fn rate(&self) -> f64 {
        if self.cases == 0 {
            0.0
        } else {
            self.passed as f64 / self.cases as f64
        }
    }
}

/// Tolerance for comparing a rate made of integers with a decimal threshold.
const EPSILON: f64 = 1e-9;

/// Applies the gate. See the module docs; every key's semantics are in README "Releases".
pub fn evaluate(input: &GateInput) -> Verdict {
    let cfg = input.config;
    let draft = input.draft;
    let diff = input
        .baseline
        .map(|b| OutputDiff::new(&b.run.cases, &draft.cases));
    let (regressions, fixes): (Vec<CaseDiff>, Vec<CaseDiff>) = match &diff {
        Some(d) => (
            d.cases
                .iter()
                .filter(|c| c.change.is_regression())
                .cloned()
                .collect(),
            d.cases
                .iter()
                .filter(|c| c.change == CaseChange::Fix)
                .cloned()
                .collect(),
        ),
        None => (Vec::new(), Vec::new()),
    };
    let first_release = input.baseline.is_none();

    // Suites: the prompt's, then any only seen in the runs (a suite deleted since the
    // baseline ran shows up through its missing cases).
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

    let mut regressions_by_suite: BTreeMap<&str, usize> = BTreeMap::new();
    for r in &regressions {
        *regressions_by_suite.entry(r.suite.as_str()).or_default() += 1;
    }
    let mut fixes_by_suite: BTreeMap<&str, usize> = BTreeMap::new();
    for f in &fixes {
        *fixes_by_suite.entry(f.suite.as_str()).or_default() += 1;
    }
    let suites: Vec<SuiteStats> = suite_names
        .iter()
        .map(|name| {
            let t = Tally::of(draft.cases.iter().filter(|c| &c.suite == name));
            SuiteStats {
                suite: name.clone(),
                cases: t.cases,
                passed: t.passed,
                failed: t.cases - t.passed - t.errors,
                errors: t.errors,
                pass_rate: round(t.rate(), 3),
                regressions: regressions_by_suite
                    .get(name.as_str())
                    .copied()
                    .unwrap_or(0),
                fixes: fixes_by_suite.get(name.as_str()).copied().unwrap_or(0),
            }
        })
        .collect();

    let mut checks = Vec::new();

    // runs_complete
    let baseline_complete = input.baseline.is_none_or(|b| b.run.complete);
    let complete = draft.complete && baseline_complete;
    checks.push(GateCheck {
        name: RUNS_COMPLETE.into(),
        suite: None,
        required: json!(true),
        actual: json!(complete),
        passed: complete,
        default: false,
        detail: match (draft.complete, baseline_complete) {
            (true, true) if first_release => "every case of the draft's run was scored".into(),
            (true, true) => "every case of both runs was scored".into(),
            (false, _) => "the draft's run was interrupted: its cases are not all scored".into(),
            (true, false) => {
                "the current release's run was interrupted: regressions cannot all be seen".into()
            }
        },
    });

    // min_pass_rate over every case of every suite.
    let all = Tally::of(draft.cases.iter());
    let (min_rate, default) = setting(cfg.min_pass_rate, DEFAULT_MIN_PASS_RATE);
    checks.push(rate_check(
        "min_pass_rate".into(),
        None,
        &all,
        min_rate,
        default,
    ));

    // max_regressions and max_errors: a suite with its own limit is judged by it alone,
    // and left out of the overall count, so a per-suite key really overrides.
    let own_regressions = |s: &str| cfg.suite.get(s).and_then(|g| g.max_regressions);
    let own_errors = |s: &str| cfg.suite.get(s).and_then(|g| g.max_errors);
    let (max_reg, default) = setting(cfg.max_regressions, DEFAULT_MAX_REGRESSIONS);
    let counted = regressions
        .iter()
        .filter(|r| own_regressions(&r.suite).is_none())
        .count();
    let detail = if first_release {
        "first release: no baseline to regress from".to_string()
    } else {
        format!(
            "{} against v{}{}",
            plural(counted, "regression", "regressions"),
            input.baseline.map_or(0, |b| b.version),
            missing_note(
                regressions
                    .iter()
                    .filter(|r| own_regressions(&r.suite).is_none())
            )
        )
    };
    checks.push(overall_limit_check(
        "max_regressions",
        (max_reg, default),
        counted,
        regressions.len() - counted,
        detail,
    ));

    let (max_err, default) = setting(cfg.max_errors, DEFAULT_MAX_ERRORS);
    let counted = draft
        .cases
        .iter()
        .filter(|c| c.status == Status::Error && own_errors(&c.suite).is_none())
        .count();
    checks.push(overall_limit_check(
        "max_errors",
        (max_err, default),
        counted,
        all.errors - counted,
        format!(
            "{} with no scorable answer",
            plural(counted, "case", "cases")
        ),
    ));

    let stats = RunStats::of(draft);
    if let Some(max) = cfg.max_cost_usd {
        let cost = round(stats.cost_usd, 6);
        checks.push(GateCheck {
            name: "max_cost_usd".into(),
            suite: None,
            required: json!(max),
            actual: json!(cost),
            passed: stats.cost_usd <= max + EPSILON,
            default: false,
            detail: format!("the draft's run cost ${cost:.4}"),
        });
    }
    if let Some(max) = cfg.max_p95_latency_ms {
        let (actual, detail) = match stats.p95_latency_ms {
            Some(p) => (p, format!("95% of answers took at most {p} ms")),
            None => (0, "no case got an answer to time".to_string()),
        };
        checks.push(GateCheck {
            name: "max_p95_latency_ms".into(),
            suite: None,
            required: json!(max),
            actual: json!(actual),
            passed: actual <= max,
            default: false,
            detail,
        });
    }

    let new_variables: Vec<String> = match input.baseline {
        Some(b) => input
            .draft_variables
            .difference(b.variables)
            .cloned()
            .collect(),
        None => Vec::new(),
    };
    let removed_variables: Vec<String> = match input.baseline {
        Some(b) => b
            .variables
            .difference(input.draft_variables)
            .cloned()
            .collect(),
        None => Vec::new(),
    };
    let (allow, default) = setting(cfg.allow_new_variables, DEFAULT_ALLOW_NEW_VARIABLES);
    checks.push(GateCheck {
        name: "allow_new_variables".into(),
        suite: None,
        required: json!(allow),
        actual: json!(new_variables),
        passed: allow || new_variables.is_empty(),
        default,
        detail: match (first_release, new_variables.as_slice()) {
            (true, _) => "first release: callers have no variables to break yet".into(),
            (false, []) => "the draft needs no variable the current release did not".into(),
            (false, vars) => format!(
                "callers must now pass {}",
                vars.iter()
                    .map(|v| format!("`{v}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        },
    });

    // Per-suite keys, for the prompt's suites only (a [gate.suite.X] of another prompt's
    // suite is that prompt's business).
    for suite in input.suites {
        let Some(g) = cfg.suite.get(suite) else {
            continue;
        };
        let t = Tally::of(draft.cases.iter().filter(|c| &c.suite == suite));
        if let Some(min) = g.min_pass_rate {
            checks.push(rate_check(
                format!("suite.{suite}.min_pass_rate"),
                Some(suite),
                &t,
                min,
                false,
            ));
        }
        if let Some(max) = g.max_regressions {
            let mine: Vec<&CaseDiff> = regressions.iter().filter(|r| &r.suite == suite).collect();
            checks.push(GateCheck {
                name: format!("suite.{suite}.max_regressions"),
                suite: Some(suite.clone()),
                required: json!(max),
                actual: json!(mine.len()),
                passed: mine.len() as u64 <= max,
                default: false,
                detail: if first_release {
                    "first release: no baseline to regress from".into()
                } else {
                    format!(
                        "{} in `{suite}`{}",
                        plural(mine.len(), "regression", "regressions"),
                        missing_note(mine.into_iter())
                    )
                },
            });
        }
        if let Some(max) = g.max_errors {
            checks.push(GateCheck {
                name: format!("suite.{suite}.max_errors"),
                suite: Some(suite.clone()),
                required: json!(max),
                actual: json!(t.errors),
                passed: t.errors as u64 <= max,
                default: false,
                detail: format!(
                    "{} of `{suite}` with no scorable answer",
                    plural(t.errors, "case", "cases")
                ),
            });
        }
    }

    Verdict {
        passed: checks.iter().all(|c| c.passed),
        checks,
        regressions,
        fixes,
        baseline_version: input.baseline.map(|b| b.version),
        first_release,
        draft: stats,
        baseline: input.baseline.map(|b| RunStats::of(b.run)),
        suites,
        new_variables,
        removed_variables,
    }
}

/// The configured value and whether it is the default.
fn setting<T>(configured: Option<T>, default: T) -> (T, bool) {
    match configured {
        Some(v) => (v, false),
        None => (default, true),
    }
}

/// A workspace-wide limit on a count (`setting`'s value and whether it is the default),
/// with the cases left to suites that set their own limit noted after `detail`.
fn overall_limit_check(
    name: &str,
    (max, default): (u64, bool),
    counted: usize,
    elsewhere: usize,
    mut detail: String,
) -> GateCheck {
    if elsewhere > 0 {
        detail.push_str(&format!(
            "; {elsewhere} more in suites with their own {name}"
        ));
    }
    GateCheck {
        name: name.into(),
        suite: None,
        required: json!(max),
        actual: json!(counted),
        passed: counted as u64 <= max,
        default,
        detail,
    }
}

fn rate_check(
    name: String,
    suite: Option<&String>,
    t: &Tally,
    min: f64,
    default: bool,
) -> GateCheck {
    let rate = t.rate();
    let of = match suite {
        Some(s) => format!(" of `{s}`"),
        None => String::new(),
    };
    let errors = match t.errors {
        0 => String::new(),
        n => format!(
            " ({n} error{} count as not passing)",
            if n == 1 { "" } else { "s" }
        ),
    };
    GateCheck {
        name,
        suite: suite.cloned(),
        required: json!(min),
        actual: json!(round(rate, 3)),
        passed: (t.cases > 0 || min <= 0.0) && rate + EPSILON >= min,
        default,
        detail: if t.cases == 0 {
            format!("no case{of} was scored")
        } else {
            format!(
                "{} of {} cases{of} pass ({:.1}%){errors}",
                t.passed,
                t.cases,
                rate * 100.0
            )
        },
    }
}

/// ` (2 missing from the draft's run)` when some regressions are missing cases.
fn missing_note<'a>(regressions: impl Iterator<Item = &'a CaseDiff>) -> String {
    match regressions
        .filter(|r| r.change == CaseChange::Missing)
        .count()
    {
        0 => String::new(),
        n => format!(" ({n} missing from the draft's run)"),
    }
}

#[cfg(test)]
#[path = "gate_tests.rs"]
mod tests;
