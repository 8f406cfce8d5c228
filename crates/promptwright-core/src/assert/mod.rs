//! Assertions: compiled once at load time from a suite or dataset, then scored against
//! each output. Scoring is pure: output, latency and cost in, a result with a reason out.

pub mod command;
mod compile;
mod distance;
pub mod graded;
mod json;
mod metric;
mod overlap;
mod refusal;
pub mod rubric;
mod text;
mod tools;
#[cfg(test)]
mod tools_tests;
mod xml;

use std::path::Path;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// An assertion as written in a suite or dataset line, before validation.
#[derive(Debug, Clone, Default)]
pub struct AssertSpec {
    pub type_name: String,
    pub value: Option<Value>,
    pub weight: Option<f64>,
    pub threshold: Option<f64>,
    /// The named metric this assertion's score counts towards in summaries.
    pub metric: Option<String>,
    /// `command` only: seconds before the program is killed.
    pub timeout_s: Option<f64>,
}

/// Which part of an assertion a compile error concerns, so the loader can point at it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Type,
    Value,
    Weight,
    Threshold,
    Metric,
    Timeout,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CompileError {
    pub field: Field,
    pub message: String,
    pub help: String,
}

fn err(field: Field, message: impl Into<String>, help: impl Into<String>) -> CompileError {
    CompileError {
        field,
        message: message.into(),
        help: help.into(),
    }
}

/// A validated assertion, ready to score.
#[derive(Debug, Clone)]
pub struct Assertion {
    /// As written, e.g. `not-icontains`.
    pub type_name: String,
    pub kind: Kind,
    pub negate: bool,
    pub weight: f64,
    pub threshold: Option<f64>,
    pub metric: Option<String>,
}

#[derive(Debug, Clone)]
pub enum Kind {
    Equals(String),
    Contains(String),
    IContains(String),
    ContainsAny(Vec<String>),
    ContainsAll(Vec<String>),
    IContainsAny(Vec<String>),
    IContainsAll(Vec<String>),
    StartsWith(String),
    Regex(regex::Regex),
    IsJson,
    ContainsJson,
    JsonSchema(Arc<jsonschema::Validator>),
    MinLength(usize),
    MaxLength(usize),
    Latency(u64),
    Cost(f64),
    /// Expected text; the threshold is the maximum edit distance.
    Levenshtein(String),
    LlmRubric(String),
    /// Reference text; the threshold is the bar (default 0.75).
    RougeN(String),
    /// Reference texts; the threshold is the bar (default 0.5).
    Bleu(Vec<String>),
    IsRefusal,
    /// Required element paths (`root.child`), possibly none.
    IsXml(Vec<String>),
    ContainsXml(Vec<String>),
    /// The expert answer the grader compares the output with.
    Factuality(String),
    /// The criterion the grader checks the output against.
    ClosedQa(String),
    /// A program run on the output (see [`command`]).
    Command(command::Program),
    /// Reference text; the threshold is the least cosine similarity (default 0.8).
    Similar(String),
    /// Every one of these tools is called.
    ToolCalled(Vec<String>),
    /// A call to `name` has arguments containing `args` (a JSON subset).
    ToolArgs {
        name: String,
        args: Value,
    },
    /// The calls' names, in order, are exactly these.
    ToolSequence(Vec<String>),
    /// Every call names a declared tool, with arguments valid against its parameters.
    IsValidToolCall,
}

impl Kind {
    /// What the grader is asked, for the types a grader model judges.
    pub fn grader_ask(&self) -> Option<(graded::Ask, &str)> {
        match self {
            Kind::LlmRubric(t) => Some((graded::Ask::Rubric, t)),
            Kind::Factuality(t) => Some((graded::Ask::Factuality, t)),
            Kind::ClosedQa(t) => Some((graded::Ask::ClosedQa, t)),
            _ => None,
        }
    }
}

/// Every type the spec defines, for help texts and suggestions.
pub const TYPES: &[&str] = &[
    "equals",
    "contains",
    "icontains",
    "contains-any",
    "contains-all",
    "icontains-any",
    "icontains-all",
    "starts-with",
    "regex",
    "is-json",
    "contains-json",
    "json-schema",
    "min-length",
    "max-length",
    "latency",
    "cost",
    "levenshtein",
    "llm-rubric",
    "rouge-n",
    "bleu",
    "is-refusal",
    "is-xml",
    "contains-xml",
    "factuality",
    "model-graded-closedqa",
    "command",
    "similar",
    "tool-called",
    "tool-args",
    "tool-sequence",
    "is-valid-tool-call",
];

/// Types whose negation means nothing useful: a graded judgement or a budget.
const NOT_NEGATABLE: &[&str] = &[
    "latency",
    "cost",
    "llm-rubric",
    "factuality",
    "model-graded-closedqa",
    "command",
    "similar",
];

/// Default least cosine similarity for `similar`.
pub const DEFAULT_SIMILAR: f64 = 0.8;

/// `similar`'s verdict on a cosine similarity: the score is the similarity (never
/// below 0), and `negate` asks for less than the threshold.
pub fn similar_result(a: &Assertion, similarity: f64) -> AssertionResult {
    let bar = a.threshold.unwrap_or(DEFAULT_SIMILAR);
    let reached = similarity + EPSILON >= bar;
    let passed = reached != a.negate;
    let relation = if a.negate { "below" } else { "at least" };
    AssertionResult {
        type_name: a.type_name.clone(),
        passed,
        score: similarity.max(0.0),
        reason: format!("cosine similarity {similarity:.3} (needs {relation} {bar:.2})"),
        metric: a.metric.clone(),
    }
}

/// Default maximum edit distance for `levenshtein` (as in promptfoo).
pub const DEFAULT_LEVENSHTEIN_DISTANCE: f64 = 5.0;

impl Assertion {
    /// Validates a spec. `base_dir` resolves a `json-schema` file path, which must stay
    /// inside the workspace at `root`.
    pub fn compile(
        spec: &AssertSpec,
        base_dir: &Path,
        root: &Path,
    ) -> Result<Assertion, CompileError> {
        let (negate, base) = match spec.type_name.strip_prefix("not-") {
            Some(b) => (true, b),
            None => (false, spec.type_name.as_str()),
        };
        if !TYPES.contains(&base) {
            let help = match crate::vocab::did_you_mean(base, TYPES.iter().copied()) {
                Some(s) => format!("did you mean `{}{s}`?", if negate { "not-" } else { "" }),
                None => format!(
                    "use one of: {} (any of them may take a `not-` prefix)",
                    TYPES.join(", ")
                ),
            };
            return Err(err(
                Field::Type,
                format!("unknown assertion type `{}`", spec.type_name),
                help,
            ));
        }
        if negate && NOT_NEGATABLE.contains(&base) {
            return Err(err(
                Field::Type,
                format!("`{base}` cannot be negated"),
                format!(
                    "use `{base}` without `not-`; it is a score or a budget, not a yes/no check"
                ),
            ));
        }
        if let Some(w) = spec.weight {
            if !(w.is_finite() && w >= 0.0) {
                return Err(err(
                    Field::Weight,
                    format!("weight must be a number of 0 or more, found {w}"),
                    "weights are relative: 1 is the default, 2 counts twice as much",
                ));
            }
        }
        if let Some(t) = spec.threshold {
            let ok = if base == "levenshtein" {
                t.is_finite() && t >= 0.0
            } else {
                (0.0..=1.0).contains(&t)
            };
            if !ok {
                let help = if base == "levenshtein" {
                    "for levenshtein the threshold is the largest edit distance allowed, e.g. 5"
                } else {
                    "a threshold is a score between 0 and 1"
                };
                return Err(err(
                    Field::Threshold,
                    format!("invalid threshold {t}"),
                    help,
                ));
            }
        }
        let metric = match &spec.metric {
            Some(m) if !valid_metric(m) => {
                return Err(err(
                    Field::Metric,
                    format!("invalid metric name {m:?}"),
                    "a metric name is 1 to 64 letters, digits, spaces, `-`, `_` or `.`, e.g. metric = \"accuracy\"",
                ));
            }
            m => m.clone(),
        };
        if spec.timeout_s.is_some() && base != "command" {
            return Err(err(
                Field::Timeout,
                format!("`timeout_s` applies to `command` assertions, not `{base}`"),
                "remove `timeout_s` from this assertion",
            ));
        }
        let kind = match base {
            "command" => Kind::Command(command::compile(spec.value.as_ref(), spec.timeout_s)?),
            "tool-called" | "tool-args" | "tool-sequence" | "is-valid-tool-call" => {
                tools::compile(base, spec.value.as_ref())?
            }
            _ => compile::compile_kind(base, spec.value.as_ref(), base_dir, root)?,
        };
        Ok(Assertion {
            type_name: spec.type_name.clone(),
            kind,
            negate,
            weight: spec.weight.unwrap_or(1.0),
            threshold: spec.threshold,
            metric,
        })
    }

    /// Scores one output. `Err` means the assertion could not be judged at all
    /// (the case becomes `error`, never a pass).
    pub fn score(&self, obs: &Observation<'_>) -> Result<AssertionResult, String> {
        let check = match &self.kind {
            Kind::LlmRubric(_) | Kind::Factuality(_) | Kind::ClosedQa(_) => {
                return Err(format!(
                    "`{}` is judged by the grader model; it cannot be scored offline",
                    self.type_name
                ));
            }
            Kind::Command(_) => {
                return Err(format!(
                    "`{}` runs a program; it is scored by a run",
                    self.type_name
                ));
            }
            Kind::Similar(_) => {
                return Err(format!(
                    "`{}` needs embeddings from the embedder; it is scored by a run",
                    self.type_name
                ));
            }
            Kind::IsXml(required) => xml::check(true, required, obs.output),
            Kind::ContainsXml(required) => xml::check(false, required, obs.output),
            Kind::Latency(max) => metric::latency(*max, obs.latency_ms),
            Kind::Cost(max) => metric::cost(*max, obs.cost_usd),
            Kind::IsJson | Kind::ContainsJson | Kind::JsonSchema(_) => {
                json::check(&self.kind, obs.output)
            }
            Kind::Levenshtein(expected) => text::levenshtein(
                expected,
                obs.output,
                self.threshold.unwrap_or(DEFAULT_LEVENSHTEIN_DISTANCE),
            ),
            Kind::RougeN(reference) => overlap::rouge_n(
                reference,
                obs.output,
                self.threshold.unwrap_or(overlap::DEFAULT_ROUGE),
            ),
            Kind::Bleu(references) => overlap::bleu(
                references,
                obs.output,
                self.threshold.unwrap_or(overlap::DEFAULT_BLEU),
            ),
            Kind::IsRefusal => refusal::check(obs.output),
            Kind::ToolCalled(_)
            | Kind::ToolArgs { .. }
            | Kind::ToolSequence(_)
            | Kind::IsValidToolCall => {
                tools::check(&self.kind, obs.tool_calls, obs.tools, self.negate)
            }
            other => text::check(other, obs.output),
        };
        let passed = !check.undecided && check.ok != self.negate;
        let reason = if passed {
            check.pass_reason(self.negate)
        } else {
            check.fail_reason(self.negate)
        };
        Ok(AssertionResult {
            type_name: self.type_name.clone(),
            passed,
            score: if passed { 1.0 } else { 0.0 },
            reason,
            metric: self.metric.clone(),
        })
    }
}

/// What an assertion is scored against.
#[derive(Debug, Clone, Copy)]
pub struct Observation<'a> {
    pub output: &'a str,
    /// The tools the answer called.
    pub tool_calls: &'a [crate::vocab::ToolCall],
    /// The tools the prompt declared.
    pub tools: &'a [crate::vocab::ToolDef],
    pub latency_ms: u64,
    pub cost_usd: f64,
}

/// The outcome of one check before negation: did the output have the property, and
/// how to say so either way.
pub(crate) struct Check {
    pub ok: bool,
    /// Subject of the sentence: "output" or "response".
    pub subject: &'static str,
    /// Infinitive phrase: `contain "30 days"`, `parse as JSON`.
    pub expectation: String,
    /// What was seen, when it helps: `it was "..."`, `it has 12`.
    pub observed: Option<String>,
    /// The check could not be decided (a work limit): it fails, negated or not.
    pub undecided: bool,
}

impl Check {
    pub fn new(ok: bool, expectation: impl Into<String>) -> Check {
        Check {
            ok,
            subject: "output",
            expectation: expectation.into(),
            observed: None,
            undecided: false,
        }
    }

    /// A check that could not be decided; `why` becomes the observation.
    pub fn undecided(expectation: impl Into<String>, why: impl Into<String>) -> Check {
        Check {
            undecided: true,
            ..Check::new(false, expectation).observed(why)
        }
    }

    pub fn observed(mut self, o: impl Into<String>) -> Check {
        self.observed = Some(o.into());
        self
    }

    fn suffix(&self) -> String {
        self.observed
            .as_ref()
            .map(|o| format!("; {o}"))
            .unwrap_or_default()
    }

    fn fail_reason(&self, negate: bool) -> String {
        let not = if negate { "not " } else { "" };
        format!(
            "expected {} {not}to {}{}",
            self.subject,
            self.expectation,
            self.suffix()
        )
    }

    fn pass_reason(&self, negate: bool) -> String {
        let not = if negate { "not " } else { "" };
        match self.expectation.strip_prefix("be ") {
            Some(rest) => format!("{} is {not}{rest}{}", self.subject, self.suffix()),
            None => format!(
                "{} does {not}{}{}",
                self.subject,
                self.expectation,
                self.suffix()
            ),
        }
    }
}

/// One assertion's result, as recorded and reported.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AssertionResult {
    #[serde(rename = "type")]
    pub type_name: String,
    pub passed: bool,
    pub score: f64,
    pub reason: String,
    /// The named metric this result counts towards, when the assertion names one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metric: Option<String>,
}

/// How a case's assertions combine.
#[derive(Debug, Clone, PartialEq)]
pub struct CaseScore {
    pub passed: bool,
    /// Weighted mean of the assertion scores (1.0 with no assertions).
    pub score: f64,
    pub results: Vec<AssertionResult>,
}

/// Tolerance so that a weighted mean that lands exactly on the threshold passes
/// despite floating-point rounding (3 of 4 weights is 0.75, not 0.7499999).
const EPSILON: f64 = 1e-9;

/// Scores a case: the weighted mean of its assertions; with a threshold the case passes
/// when the mean reaches it, without one every assertion must pass.
pub fn score_case<'a>(
    assertions: impl IntoIterator<Item = &'a Assertion>,
    obs: &Observation<'_>,
    threshold: Option<f64>,
) -> Result<CaseScore, String> {
    let scored = assertions
        .into_iter()
        .map(|a| Ok((a.weight, a.score(obs)?)))
        .collect::<Result<Vec<_>, String>>()?;
    Ok(combine(scored, threshold))
}

/// Combines (weight, result) pairs into the case's score and verdict.
pub fn combine(scored: Vec<(f64, AssertionResult)>, threshold: Option<f64>) -> CaseScore {
    let mut results = Vec::new();
    let mut weighted = 0.0;
    let mut total_weight = 0.0;
    let mut all_passed = true;
    for (weight, r) in scored {
        weighted += weight * r.score;
        total_weight += weight;
        all_passed &= r.passed;
        results.push(r);
    }
    let score = if total_weight > 0.0 {
        weighted / total_weight
    } else if all_passed {
        1.0
    } else {
        0.0
    };
    let passed = match threshold {
        Some(t) => score + EPSILON >= t,
        None => all_passed,
    };
    CaseScore {
        passed,
        score,
        results,
    }
}

/// Metric names are shown in every report's header: short, printable, no markup.
fn valid_metric(m: &str) -> bool {
    let len = m.chars().count();
    (1..=64).contains(&len)
        && m.trim() == m
        && m.chars()
            .all(|c| c.is_alphanumeric() || matches!(c, ' ' | '-' | '_' | '.'))
}

/// A short, quoted excerpt of a text for reasons.
pub(crate) fn excerpt(s: &str, max: usize) -> String {
    let mut out: String = s.chars().take(max).collect();
    if s.chars().count() > max {
        out.push('…');
    }
    format!("{out:?}")
}

#[cfg(test)]
mod tests;
