use std::collections::BTreeSet;

use serde_json::json;

use super::*;
use crate::store::{CaseResult, RunRecord, Status, Summary};
use crate::workspace::GateConfig;
use crate::workspace::config::SuiteGate;

fn case(suite: &str, id: &str, status: Status) -> CaseResult {
    CaseResult {
        suite: suite.into(),
        id: id.into(),
        status,
        score: if status == Status::Pass { 1.0 } else { 0.0 },
        vars: serde_json::Map::new(),
        output: (status != Status::Error).then(|| format!("output of {id}")),
        tool_calls: Vec::new(),
        error: (status == Status::Error).then(|| "timed out".to_string()),
        cached: false,
        latency_ms: Some(100),
        tokens: None,
        cost_usd: 0.01,
        assertions: vec![],
        samples: Vec::new(),
    }
}

fn run(id: &str, cases: Vec<CaseResult>) -> RunRecord {
    RunRecord {
        run_id: id.into(),
        prompt: "p".into(),
        content_sha256: format!("sha-{id}"),
        provider: "local".into(),
        model: "echo".into(),
        started_at: "2026-11-26T00:00:00Z".into(),
        complete: true,
        summary: Summary::of(&cases),
        cases,
    }
}

use Status::{Error as E, Fail as F, Pass as P};

fn cases(spec: &[(&str, &str, Status)]) -> Vec<CaseResult> {
    spec.iter().map(|(s, i, st)| case(s, i, *st)).collect()
}

fn vars(names: &[&str]) -> BTreeSet<String> {
    names.iter().map(|s| s.to_string()).collect()
}

fn suites() -> Vec<String> {
    vec!["a".into(), "b".into()]
}

/// A lenient config, so each test turns on the one key it is about.
fn lenient() -> GateConfig {
    GateConfig {
        min_pass_rate: Some(0.0),
        max_regressions: Some(1000),
        max_errors: Some(1000),
        max_cost_usd: None,
        max_p95_latency_ms: None,
        allow_new_variables: Some(true),
        ..GateConfig::default()
    }
}

struct Fixture {
    draft: RunRecord,
    baseline: Option<RunRecord>,
    draft_vars: BTreeSet<String>,
    base_vars: BTreeSet<String>,
    config: GateConfig,
}

impl Fixture {
    fn new(draft: Vec<CaseResult>, baseline: Option<Vec<CaseResult>>) -> Fixture {
        Fixture {
            draft: run("draft", draft),
            baseline: baseline.map(|c| run("base", c)),
            draft_vars: vars(&["ticket"]),
            base_vars: vars(&["ticket"]),
            config: lenient(),
        }
    }

    fn verdict(&self) -> Verdict {
        let suites = suites();
        evaluate(&GateInput {
            draft: &self.draft,
            draft_variables: &self.draft_vars,
            baseline: self.baseline.as_ref().map(|run| Baseline {
                version: 3,
                run,
                variables: &self.base_vars,
            }),
            config: &self.config,
            suites: &suites,
        })
    }
}

fn check<'a>(v: &'a Verdict, name: &str) -> &'a GateCheck {
    v.checks
        .iter()
        .find(|c| c.name == name)
        .unwrap_or_else(|| panic!("no check {name} in {:#?}", v.checks))
}

#[test]
fn min_pass_rate_passes_at_the_bar_and_fails_below_it() {
    let mut f = Fixture::new(
        cases(&[("a", "1", P), ("a", "2", P), ("b", "3", P), ("b", "4", F)]),
        None,
    );
    f.config.min_pass_rate = Some(0.75);
    let v = f.verdict();
    let c = check(&v, "min_pass_rate");
    assert!(c.passed && v.passed, "{c:#?}");
    assert_eq!(
        (c.required.clone(), c.actual.clone()),
        (json!(0.75), json!(0.75))
    );
    assert_eq!(c.detail, "3 of 4 cases pass (75.0%)");
    assert!(!c.default);

    f.config.min_pass_rate = Some(0.76);
    let v = f.verdict();
    assert!(!check(&v, "min_pass_rate").passed);
    assert!(!v.passed);
    assert_eq!(
        v.failing().map(|c| c.name.as_str()).collect::<Vec<_>>(),
        ["min_pass_rate"]
    );
}

#[test]
fn a_rate_that_rounds_up_to_the_bar_still_fails() {
    // 8999 of 10000 prints as 0.9 but is below a 0.9 bar: the comparison is exact.
    let mut draft: Vec<CaseResult> = (0..8999).map(|i| case("a", &i.to_string(), P)).collect();
    draft.extend((0..1001).map(|i| case("b", &i.to_string(), F)));
    let mut f = Fixture::new(draft, None);
    f.config.min_pass_rate = Some(0.9);
    let v = f.verdict();
    let c = check(&v, "min_pass_rate");
    assert_eq!(c.actual, json!(0.9));
    assert!(!c.passed);
    // 9 of 10 exactly: passes despite floating point.
    let mut f = Fixture::new(
        (0..10)
            .map(|i| case("a", &i.to_string(), if i < 9 { P } else { F }))
            .collect(),
        None,
    );
    f.config.min_pass_rate = Some(0.9);
    assert!(check(&f.verdict(), "min_pass_rate").passed);
}

#[test]
fn an_error_never_counts_as_a_pass() {
    let mut f = Fixture::new(cases(&[("a", "1", P), ("a", "2", E)]), None);
    f.config.min_pass_rate = Some(0.6);
    let v = f.verdict();
    let c = check(&v, "min_pass_rate");
    assert_eq!(c.actual, json!(0.5));
    assert!(!c.passed);
    assert!(c.detail.contains("1 error count"), "{}", c.detail);
    assert_eq!(v.draft.errors, 1);
}

#[test]
fn max_errors_passes_and_fails() {
    let mut f = Fixture::new(cases(&[("a", "1", E), ("b", "2", E), ("b", "3", P)]), None);
    f.config.max_errors = Some(2);
    let v = f.verdict();
    let c = check(&v, "max_errors");
    assert!(c.passed, "{c:#?}");
    assert_eq!(c.actual, json!(2));
    f.config.max_errors = Some(1);
    let v = f.verdict();
    assert!(!check(&v, "max_errors").passed);
    assert!(!v.passed);
}

#[test]
fn max_regressions_counts_pass_to_fail_and_pass_to_error() {
    let base = cases(&[("a", "1", P), ("a", "2", P), ("b", "3", F), ("b", "4", P)]);
    let draft = cases(&[("a", "1", F), ("a", "2", E), ("b", "3", P), ("b", "4", P)]);
    let mut f = Fixture::new(draft, Some(base));
    f.config.max_regressions = Some(2);
    let v = f.verdict();
    let c = check(&v, "max_regressions");
    assert!(c.passed, "{c:#?}");
    assert_eq!(c.actual, json!(2));
    assert_eq!(c.detail, "2 regressions against v3");
    let ids: Vec<&str> = v.regressions.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids, ["1", "2"]);
    assert_eq!(v.fixes.len(), 1);
    assert_eq!(v.fixes[0].id, "3");
    assert_eq!(v.baseline_version, Some(3));
    assert!(!v.first_release);
    // The diff carries both sides, for the output diff a reviewer opens.
    assert_eq!(v.regressions[0].old.as_ref().unwrap().status, P);
    assert_eq!(v.regressions[0].new.as_ref().unwrap().status, F);

    f.config.max_regressions = Some(1);
    let v = f.verdict();
    assert!(!check(&v, "max_regressions").passed);
    assert!(!v.passed);
}

#[test]
fn a_case_missing_from_the_draft_run_is_a_regression() {
    let base = cases(&[("a", "1", P), ("a", "2", F), ("b", "gone", P)]);
    let draft = cases(&[("a", "1", P), ("a", "2", F)]);
    let mut f = Fixture::new(draft, Some(base));
    f.config.max_regressions = Some(0);
    let v = f.verdict();
    let c = check(&v, "max_regressions");
    assert!(!c.passed);
    assert_eq!(c.actual, json!(1));
    assert!(
        c.detail.contains("1 missing from the draft's run"),
        "{}",
        c.detail
    );
    assert_eq!(v.regressions[0].change, CaseChange::Missing);
    assert_eq!(v.regressions[0].id, "gone");
    // A failing case that went missing still counts: it was in the baseline.
    let base = cases(&[("a", "1", P), ("a", "2", F)]);
    let draft = cases(&[("a", "1", P)]);
    let mut f = Fixture::new(draft, Some(base));
    f.config.max_regressions = Some(0);
    assert!(!f.verdict().passed);
}

#[test]
fn first_release_has_no_baseline_and_no_regressions() {
    let mut f = Fixture::new(cases(&[("a", "1", P), ("b", "2", P)]), None);
    f.config = GateConfig::default();
    f.draft_vars = vars(&["ticket", "brand_new"]);
    let v = f.verdict();
    assert!(v.first_release);
    assert_eq!(v.baseline_version, None);
    assert!(v.baseline.is_none());
    assert!(v.regressions.is_empty() && v.fixes.is_empty());
    let c = check(&v, "max_regressions");
    assert!(c.passed);
    assert_eq!(c.actual, json!(0));
    assert_eq!(c.detail, "first release: no baseline to regress from");
    // Variables are new to nobody yet.
    let c = check(&v, "allow_new_variables");
    assert!(c.passed);
    assert_eq!(c.actual, json!([]));
    assert!(v.passed, "{:#?}", v.checks);
}

#[test]
fn absent_keys_take_strict_defaults() {
    let mut f = Fixture::new(cases(&[("a", "1", P), ("a", "2", F)]), None);
    f.config = GateConfig::default();
    let v = f.verdict();
    let names: Vec<&str> = v.checks.iter().map(|c| c.name.as_str()).collect();
    // No budget is invented for cost and latency.
    assert_eq!(
        names,
        [
            RUNS_COMPLETE,
            "min_pass_rate",
            "max_regressions",
            "max_errors",
            "allow_new_variables"
        ]
    );
    let c = check(&v, "min_pass_rate");
    assert_eq!(c.required, json!(DEFAULT_MIN_PASS_RATE));
    assert!(c.default && !c.passed);
    assert_eq!(check(&v, "max_regressions").required, json!(0));
    assert_eq!(check(&v, "max_errors").required, json!(0));
    assert_eq!(check(&v, "allow_new_variables").required, json!(false));
    assert!(v.checks[1..].iter().all(|c| c.default));
    assert!(!v.passed);
}

#[test]
fn max_cost_usd_passes_and_fails() {
    // Four cases at $0.01.
    let mut f = Fixture::new(
        cases(&[("a", "1", P), ("a", "2", P), ("b", "3", P), ("b", "4", P)]),
        None,
    );
    f.config.max_cost_usd = Some(0.04);
    let v = f.verdict();
    let c = check(&v, "max_cost_usd");
    assert!(c.passed, "{c:#?}");
    assert_eq!(c.actual, json!(0.04));
    f.config.max_cost_usd = Some(0.039);
    assert!(!check(&f.verdict(), "max_cost_usd").passed);
}

#[test]
fn an_answer_without_token_usage_has_no_known_cost_and_fails_the_budget() {
    let mut draft = cases(&[("a", "1", P), ("a", "2", P), ("a", "3", E)]);
    // A server that leaves usage out: the answer looks free.
    draft[1].cost_usd = 0.0;
    // Errors and cached answers cost nothing for a known reason.
    draft[2].cost_usd = 0.0;
    let mut f = Fixture::new(draft, None);
    f.config.max_cost_usd = Some(1.0);
    let v = f.verdict();
    let c = check(&v, "max_cost_usd");
    assert!(!c.passed, "{c:#?}");
    assert!(
        c.detail.contains("1 answer of unknown cost"),
        "{}",
        c.detail
    );
    // With usage reported the same run is within budget.
    f.draft.cases[1].tokens = Some(crate::provider::Tokens {
        input: 10,
        output: 5,
    });
    assert!(check(&f.verdict(), "max_cost_usd").passed);
    f.draft.cases[1].tokens = None;
    f.draft.cases[1].cached = true;
    assert!(check(&f.verdict(), "max_cost_usd").passed);
}

#[test]
fn max_p95_latency_passes_and_fails() {
    let mut draft = cases(&[("a", "1", P), ("a", "2", P), ("a", "3", E)]);
    draft[1].latency_ms = Some(900);
    // Errors are left out of latency: the error's 60 s timeout does not count.
    draft[2].latency_ms = Some(60_000);
    let mut f = Fixture::new(draft, None);
    f.config.max_p95_latency_ms = Some(900);
    let v = f.verdict();
    let c = check(&v, "max_p95_latency_ms");
    assert!(c.passed, "{c:#?}");
    assert_eq!(c.actual, json!(900));
    f.config.max_p95_latency_ms = Some(899);
    assert!(!check(&f.verdict(), "max_p95_latency_ms").passed);
}

#[test]
fn new_variables_are_a_breaking_change_unless_allowed() {
    let base = cases(&[("a", "1", P)]);
    let mut f = Fixture::new(cases(&[("a", "1", P)]), Some(base));
    f.draft_vars = vars(&["ticket", "tone", "brand"]);
    f.base_vars = vars(&["ticket", "old"]);
    f.config.allow_new_variables = Some(false);
    let v = f.verdict();
    let c = check(&v, "allow_new_variables");
    assert!(!c.passed);
    assert_eq!(c.actual, json!(["brand", "tone"]));
    assert_eq!(c.actual_text(), "brand, tone");
    assert_eq!(c.required_text(), "none");
    assert_eq!(c.detail, "callers must now pass `brand`, `tone`");
    assert_eq!(v.new_variables, ["brand", "tone"]);
    assert_eq!(v.removed_variables, ["old"]);
    f.config.allow_new_variables = Some(true);
    assert!(check(&f.verdict(), "allow_new_variables").passed);
    // Removing a variable is no break: callers pass one the prompt ignores.
    f.config.allow_new_variables = Some(false);
    f.draft_vars = vars(&["ticket"]);
    assert!(check(&f.verdict(), "allow_new_variables").passed);
}

#[test]
fn a_per_suite_pass_rate_adds_a_check_and_the_overall_still_counts_every_case() {
    let mut f = Fixture::new(
        cases(&[("a", "1", P), ("a", "2", F), ("b", "3", P), ("b", "4", P)]),
        None,
    );
    f.config.min_pass_rate = Some(0.75);
    f.config.suite.insert(
        "a".into(),
        SuiteGate {
            min_pass_rate: Some(1.0),
            ..SuiteGate::default()
        },
    );
    let v = f.verdict();
    assert!(check(&v, "min_pass_rate").passed);
    let c = check(&v, "suite.a.min_pass_rate");
    assert!(!c.passed);
    assert_eq!(c.suite.as_deref(), Some("a"));
    assert_eq!(c.actual, json!(0.5));
    assert_eq!(c.detail, "1 of 2 cases of `a` pass (50.0%)");
    assert!(!v.passed);
    // A looser per-suite bar passes its suite; the overall bar still applies.
    f.config.suite.get_mut("a").unwrap().min_pass_rate = Some(0.5);
    assert!(f.verdict().passed);
    f.config.min_pass_rate = Some(0.8);
    let v = f.verdict();
    assert!(check(&v, "suite.a.min_pass_rate").passed);
    assert!(!check(&v, "min_pass_rate").passed);
}

#[test]
fn per_suite_regression_and_error_limits_override_the_overall_ones() {
    let base = cases(&[("a", "1", P), ("a", "2", P), ("b", "3", P)]);
    let draft = cases(&[("a", "1", F), ("a", "2", E), ("b", "3", P)]);
    let mut f = Fixture::new(draft, Some(base));
    f.config.max_regressions = Some(0);
    f.config.max_errors = Some(0);
    f.config.suite.insert(
        "a".into(),
        SuiteGate {
            max_regressions: Some(2),
            max_errors: Some(1),
            ..SuiteGate::default()
        },
    );
    let v = f.verdict();
    assert!(v.passed, "{:#?}", v.failing().collect::<Vec<_>>());
    let c = check(&v, "max_regressions");
    assert_eq!(c.actual, json!(0));
    assert!(
        c.detail
            .ends_with("; 2 more in suites with their own max_regressions"),
        "{}",
        c.detail
    );
    assert_eq!(check(&v, "suite.a.max_regressions").actual, json!(2));
    let c = check(&v, "max_errors");
    assert_eq!(c.actual, json!(0));
    assert_eq!(
        c.detail,
        "0 cases with no scorable answer; 1 more in suites with their own max_errors"
    );
    assert_eq!(check(&v, "suite.a.max_errors").actual, json!(1));
    // Tighter per-suite limits fail on their own.
    f.config.suite.get_mut("a").unwrap().max_regressions = Some(1);
    let v = f.verdict();
    assert_eq!(
        v.failing().map(|c| c.name.as_str()).collect::<Vec<_>>(),
        ["suite.a.max_regressions"]
    );
    // The other suite's regressions still count overall.
    let base = cases(&[("a", "1", P), ("b", "3", P)]);
    let draft = cases(&[("a", "1", P), ("b", "3", F)]);
    let mut g = Fixture::new(draft, Some(base));
    g.config = f.config.clone();
    assert!(!check(&g.verdict(), "max_regressions").passed);
}

#[test]
fn a_suite_override_of_another_prompt_does_not_apply() {
    let mut f = Fixture::new(cases(&[("a", "1", P)]), None);
    f.config.suite.insert(
        "elsewhere".into(),
        SuiteGate {
            min_pass_rate: Some(1.0),
            ..SuiteGate::default()
        },
    );
    let v = f.verdict();
    assert!(v.checks.iter().all(|c| !c.name.contains("elsewhere")));
    assert!(v.passed);
}

#[test]
fn an_interrupted_run_never_passes() {
    let mut f = Fixture::new(cases(&[("a", "1", P)]), Some(cases(&[("a", "1", P)])));
    assert!(f.verdict().passed);
    f.draft.complete = false;
    let v = f.verdict();
    let c = check(&v, RUNS_COMPLETE);
    assert!(!c.passed);
    assert!(c.detail.contains("draft's run was interrupted"));
    assert!(!v.passed);
    f.draft.complete = true;
    f.baseline.as_mut().unwrap().complete = false;
    let v = f.verdict();
    assert!(
        check(&v, RUNS_COMPLETE)
            .detail
            .contains("current release's run")
    );
    assert!(!v.passed);
}

#[test]
fn suite_stats_and_evidence_follow_the_verdict() {
    let base = cases(&[("a", "1", P), ("b", "2", F)]);
    let draft = cases(&[("a", "1", F), ("b", "2", P), ("b", "3", E)]);
    let mut f = Fixture::new(draft, Some(base));
    f.config.max_cost_usd = Some(1.0);
    let v = f.verdict();
    assert_eq!(v.suites.len(), 2);
    assert_eq!(
        (
            v.suites[1].suite.as_str(),
            v.suites[1].cases,
            v.suites[1].passed,
            v.suites[1].errors
        ),
        ("b", 2, 1, 1)
    );
    assert_eq!((v.suites[0].regressions, v.suites[1].fixes), (1, 1));
    let e = v.evidence();
    assert_eq!(e.run_id, "draft");
    assert_eq!(e.suites, ["a", "b"]);
    assert_eq!((e.cases, e.passed, e.failed, e.errors), (3, 1, 1, 1));
    assert_eq!(
        (e.regressions, e.fixes, e.baseline_version),
        (1, 1, Some(3))
    );
    assert_eq!(e.pass_rate, 0.333);
    assert_eq!(e.checks.len(), v.checks.len());
    assert_eq!(e.checks[0].name, RUNS_COMPLETE);
    assert_eq!(v.baseline.as_ref().unwrap().run_id, "base");
}

#[test]
fn no_scored_case_fails_the_pass_rate() {
    let mut f = Fixture::new(vec![], None);
    f.config.min_pass_rate = Some(0.5);
    let v = f.verdict();
    let c = check(&v, "min_pass_rate");
    assert!(!c.passed);
    assert_eq!(c.detail, "no case was scored");
}

#[path = "noise_tests.rs"]
mod noise;
