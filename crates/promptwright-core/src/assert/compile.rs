//! An assertion's `value` checked and turned into its [`Kind`]: every type's shape of
//! value, with an example in each error.

use std::path::Path;
use std::sync::Arc;

use serde_json::Value;

use super::{CompileError, Field, Kind, err, json};

pub(super) fn compile_kind(
    base: &str,
    value: Option<&Value>,
    base_dir: &Path,
    root: &Path,
) -> Result<Kind, CompileError> {
    let needs = |what: &str, example: &str| {
        err(
            Field::Value,
            format!("`{base}` needs `value` = {what}"),
            format!("for example: value = {example}"),
        )
    };
    let string = |example: &str| match value {
        Some(Value::String(s)) => Ok(s.clone()),
        _ => Err(needs("a string", example)),
    };
    // An empty needle is always found: almost certainly a mistake, never a real check.
    let needle = |example: &str| match value {
        Some(Value::String(s)) if s.is_empty() => Err(err(
            Field::Value,
            format!("`{base}` needs a non-empty string"),
            "an empty string is contained in every output, so the check could never fail",
        )),
        _ => string(example),
    };
    let strings = |example: &str| match value {
        Some(Value::Array(items)) if !items.is_empty() => items
            .iter()
            .map(|v| v.as_str().filter(|s| !s.is_empty()).map(str::to_string))
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| needs("a list of strings", example)),
        _ => Err(needs("a non-empty list of strings", example)),
    };
    let count = |example: &str| match value {
        Some(Value::Number(n)) if n.as_u64().is_some() => Ok(n.as_u64().unwrap_or_default()),
        _ => Err(needs("a whole number of 0 or more", example)),
    };
    let no_value = || match value {
        None => Ok(()),
        Some(_) => Err(err(
            Field::Value,
            format!("`{base}` takes no `value`"),
            "remove `value` from this assertion",
        )),
    };
    Ok(match base {
        "equals" => Kind::Equals(string("\"Thank you!\"")?),
        "contains" => Kind::Contains(needle("\"30 days\"")?),
        "icontains" => Kind::IContains(needle("\"30 days\"")?),
        "contains-any" => Kind::ContainsAny(strings("[\"refund\", \"return\"]")?),
        "contains-all" => Kind::ContainsAll(strings("[\"refund\", \"return\"]")?),
        "icontains-any" => Kind::IContainsAny(strings("[\"refund\", \"return\"]")?),
        "icontains-all" => Kind::IContainsAll(strings("[\"refund\", \"return\"]")?),
        "starts-with" => Kind::StartsWith(needle("\"Dear\"")?),
        "regex" => {
            let pattern = string("'\\d+ days'")?;
            let re = regex::Regex::new(&pattern).map_err(|e| {
                err(
                    Field::Value,
                    format!("invalid regex: {}", regex_error(&e)),
                    "the pattern uses Rust regex syntax (https://docs.rs/regex); use a TOML literal string '...' to avoid double escaping",
                )
            })?;
            Kind::Regex(re)
        }
        "is-json" => {
            no_value()?;
            Kind::IsJson
        }
        "contains-json" => {
            no_value()?;
            Kind::ContainsJson
        }
        "json-schema" => Kind::JsonSchema(Arc::new(json::compile_schema(value, base_dir, root)?)),
        "min-length" => Kind::MinLength(count("50")? as usize),
        "max-length" => Kind::MaxLength(count("800")? as usize),
        "latency" => Kind::Latency(count("2000")?),
        "cost" => match value.and_then(Value::as_f64) {
            Some(c) if c >= 0.0 => Kind::Cost(c),
            _ => return Err(needs("a cost in USD of 0 or more", "0.002")),
        },
        "levenshtein" => Kind::Levenshtein(string("\"Your order has shipped.\"")?),
        "llm-rubric" => Kind::LlmRubric(string(
            "\"The reply is polite and quotes the refund window\"",
        )?),
        "rouge-n" => Kind::RougeN(needle("\"The refund window is 30 days.\"")?),
        "bleu" => match value {
            Some(Value::String(_)) => {
                Kind::Bleu(vec![needle("\"The refund window is 30 days.\"")?])
            }
            _ => Kind::Bleu(strings(
                "[\"The refund window is 30 days.\", \"Refunds within 30 days.\"]",
            )?),
        },
        "is-refusal" => {
            no_value()?;
            Kind::IsRefusal
        }
        "similar" => Kind::Similar(needle("\"The refund window is 30 days.\"")?),
        "is-xml" => Kind::IsXml(element_paths(base, value)?),
        "contains-xml" => Kind::ContainsXml(element_paths(base, value)?),
        "factuality" => Kind::Factuality(needle("\"The refund window is 30 days.\"")?),
        "model-graded-closedqa" => {
            Kind::ClosedQa(needle("\"The answer names the refund window\"")?)
        }
        _ => unreachable!("checked against TYPES"),
    })
}

/// `is-xml` / `contains-xml`'s optional required elements: a list of dotted paths, or
/// promptfoo's comma-separated string.
fn element_paths(base: &str, value: Option<&Value>) -> Result<Vec<String>, CompileError> {
    let bad = || {
        err(
            Field::Value,
            format!("`{base}` takes an optional list of element paths"),
            "for example: value = [\"analysis.classification\", \"analysis.score\"]",
        )
    };
    let paths: Vec<String> = match value {
        None => return Ok(Vec::new()),
        Some(Value::String(s)) => s.split(',').map(|p| p.trim().to_string()).collect(),
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| v.as_str().map(|s| s.trim().to_string()))
            .collect::<Option<_>>()
            .ok_or_else(bad)?,
        Some(_) => return Err(bad()),
    };
    let valid = |p: &String| {
        !p.is_empty()
            && p.split('.')
                .all(|n| !n.is_empty() && !n.contains(char::is_whitespace))
    };
    if paths.is_empty() || !paths.iter().all(valid) {
        return Err(bad());
    }
    Ok(paths)
}

/// What is wrong with a pattern, without the library's drawing of it: the regex crate
/// shows the pattern, a line of carets and then `error: unclosed group`, which joined
/// on one line reads as noise.
fn regex_error(e: &regex::Error) -> String {
    let text = e.to_string();
    text.lines()
        .find_map(|l| l.trim().strip_prefix("error: "))
        .map_or_else(|| one_line(&text), str::to_string)
}

/// First line of a multi-line library message.
pub(super) fn one_line(s: &str) -> String {
    s.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}
