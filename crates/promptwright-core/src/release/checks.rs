//! One function per gate check. Each reads the runs and `[gate]` settings through a
//! [`Context`] and returns the [`GateCheck`] a person reads: the threshold, what the
//! runs showed, and one line saying what was counted against what.

use serde_json::json;

use super::gate::{
    DEFAULT_ALLOW_NEW_VARIABLES, DEFAULT_MAX_ERRORS, DEFAULT_MAX_REGRESSIONS,
    DEFAULT_MIN_PASS_RATE, GateCheck, GateInput, RUNS_COMPLETE, RunStats, round,
};
use crate::diff::{CaseChange, CaseDiff};
use crate::store::{Status, Tally};
use crate::words::plural;

/// Tolerance for comparing a rate made of integers with a decimal threshold.
const EPSILON: f64 = 1e-9;

/// What every check reads.
pub(super) struct Context<'a> {
    pub input: &'a GateInput<'a>,
    pub regressions: &'a [CaseDiff],
    pub draft: &'a RunStats,
}

impl Context<'_> {
    fn first_release(&self) -> bool {
        self.input.baseline.is_none()
    }

    fn tally(&self, suite: Option<&str>) -> Tally {
        let cases = self.input.draft.cases.iter();
        Tally::of(
            cases
                .filter(|c| suite.is_none_or(|s| c.suite == s))
                .map(|c| &c.status),
        )
    }

    fn own_regressions(&self, suite: &str) -> Option<u64> {
        self.input.config.suite.get(suite)?.max_regressions
    }

    fn own_errors(&self, suite: &str) -> Option<u64> {
        self.input.config.suite.get(suite)?.max_errors
    }

    /// `max_flaky`, when set: cases of the draft whose samples disagree.
    pub fn max_flaky(&self) -> Option<GateCheck> {
        let max = self.input.config.max_flaky?;
        let flaky = self.draft.flaky;
        Some(GateCheck {
            name: "max_flaky".into(),
            suite: None,
            required: json!(max),
            actual: json!(flaky),
            passed: flaky as u64 <= max,
            default: false,
            detail: format!(
                "{} of {} drawn {} times each: some samples passed and some did not",
                plural(flaky, "case", "cases"),
                self.draft.cases,
                self.draft.repeat
            ),
        })
    }

    /// The check no setting turns off: both runs finished.
    pub fn runs_complete(&self) -> GateCheck {
        let draft = self.input.draft.complete;
        let baseline = self.input.baseline.is_none_or(|b| b.run.complete);
        GateCheck {
            name: RUNS_COMPLETE.into(),
            suite: None,
            required: json!(true),
            actual: json!(draft && baseline),
            passed: draft && baseline,
            default: false,
            detail: match (draft, baseline) {
                (true, true) if self.first_release() => {
                    "every case of the draft's run was scored".into()
                }
                (true, true) => "every case of both runs was scored".into(),
                (false, _) => {
                    "the draft's run was interrupted: its cases are not all scored".into()
                }
                (true, false) => {
                    "the current release's run was interrupted: regressions cannot all be seen"
                        .into()
                }
            },
        }
    }

    /// `min_pass_rate` over every case of every suite.
    pub fn min_pass_rate(&self) -> GateCheck {
        let (min, default) = setting(self.input.config.min_pass_rate, DEFAULT_MIN_PASS_RATE);
        rate_check(
            "min_pass_rate".into(),
            None,
            &self.tally(None),
            min,
            default,
        )
    }

    /// `max_regressions`: a suite with its own limit is judged by it alone and left out
    /// of the overall count, so a per-suite key really overrides.
    pub fn max_regressions(&self) -> GateCheck {
        let (max, default) = setting(self.input.config.max_regressions, DEFAULT_MAX_REGRESSIONS);
        let counted: Vec<&CaseDiff> = self
            .regressions
            .iter()
            .filter(|r| self.own_regressions(&r.suite).is_none())
            .collect();
        let detail = match self.input.baseline {
            None => "first release: no baseline to regress from".to_string(),
            Some(b) => format!(
                "{} against v{}{}",
                plural(counted.len(), "regression", "regressions"),
                b.version,
                missing_note(counted.iter().copied())
            ),
        };
        overall_limit_check(
            "max_regressions",
            (max, default),
            counted.len(),
            self.regressions.len() - counted.len(),
            detail,
        )
    }

    /// `max_errors`, with per-suite limits overriding as for regressions.
    pub fn max_errors(&self) -> GateCheck {
        let (max, default) = setting(self.input.config.max_errors, DEFAULT_MAX_ERRORS);
        let errors = self
            .input
            .draft
            .cases
            .iter()
            .filter(|c| c.status == Status::Error);
        let (counted, elsewhere) = errors.fold((0, 0), |(mine, theirs), c| {
            match self.own_errors(&c.suite) {
                None => (mine + 1, theirs),
                Some(_) => (mine, theirs + 1),
            }
        });
        overall_limit_check(
            "max_errors",
            (max, default),
            counted,
            elsewhere,
            format!(
                "{} with no scorable answer",
                plural(counted, "case", "cases")
            ),
        )
    }

    /// `max_cost_usd`: only when set (there is no default budget). An answer whose
    /// provider reported no token usage has no known cost: counting it as free would
    /// let a server that leaves usage out pass any budget, so such answers fail it.
    pub fn max_cost_usd(&self) -> Option<GateCheck> {
        let max = self.input.config.max_cost_usd?;
        let cost = round(self.draft.cost_usd, 6);
        let unknown = self
            .input
            .draft
            .cases
            .iter()
            .filter(|c| {
                c.status != Status::Error && !c.cached && c.tokens.is_none() && c.cost_usd == 0.0
            })
            .count();
        let detail = match unknown {
            0 => format!("the draft's run cost ${cost:.4}"),
            n => format!(
                "the draft's run cost ${cost:.4} plus {} of unknown cost: the provider reported no token usage",
                plural(n, "answer", "answers")
            ),
        };
        Some(GateCheck {
            name: "max_cost_usd".into(),
            suite: None,
            required: json!(max),
            actual: json!(cost),
            passed: unknown == 0 && self.draft.cost_usd <= max + EPSILON,
            default: false,
            detail,
        })
    }

    /// `max_p95_latency_ms`: only when set.
    pub fn max_p95_latency_ms(&self) -> Option<GateCheck> {
        let max = self.input.config.max_p95_latency_ms?;
        let (actual, detail) = match self.draft.p95_latency_ms {
            Some(p) => (p, format!("95% of answers took at most {p} ms")),
            None => (0, "no case got an answer to time".to_string()),
        };
        Some(GateCheck {
            name: "max_p95_latency_ms".into(),
            suite: None,
            required: json!(max),
            actual: json!(actual),
            passed: actual <= max,
            default: false,
            detail,
        })
    }

    /// `allow_new_variables`: callers of the release must not need to pass more.
    pub fn allow_new_variables(&self, new_variables: &[String]) -> GateCheck {
        let (allow, default) = setting(
            self.input.config.allow_new_variables,
            DEFAULT_ALLOW_NEW_VARIABLES,
        );
        GateCheck {
            name: "allow_new_variables".into(),
            suite: None,
            required: json!(allow),
            actual: json!(new_variables),
            passed: allow || new_variables.is_empty(),
            default,
            detail: match (self.first_release(), new_variables) {
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
        }
    }

    /// The `[gate.suite.NAME]` keys of one suite, in a fixed order.
    pub fn suite_checks(&self, suite: &String) -> Vec<GateCheck> {
        let Some(g) = self.input.config.suite.get(suite) else {
            return Vec::new();
        };
        let t = self.tally(Some(suite));
        let mut checks = Vec::new();
        if let Some(min) = g.min_pass_rate {
            let name = format!("suite.{suite}.min_pass_rate");
            checks.push(rate_check(name, Some(suite), &t, min, false));
        }
        if let Some(max) = g.max_regressions {
            let mine: Vec<&CaseDiff> = self
                .regressions
                .iter()
                .filter(|r| &r.suite == suite)
                .collect();
            checks.push(GateCheck {
                name: format!("suite.{suite}.max_regressions"),
                suite: Some(suite.clone()),
                required: json!(max),
                actual: json!(mine.len()),
                passed: mine.len() as u64 <= max,
                default: false,
                detail: if self.first_release() {
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
        checks
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
        passed: (t.cases() > 0 || min <= 0.0) && rate + EPSILON >= min,
        default,
        detail: if t.cases() == 0 {
            format!("no case{of} was scored")
        } else {
            format!(
                "{} of {} cases{of} pass ({:.1}%){errors}",
                t.passed,
                t.cases(),
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
