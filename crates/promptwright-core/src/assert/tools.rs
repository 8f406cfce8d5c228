//! The tool assertions: which tools an answer called, with what arguments, in what
//! order, and whether each call fits what the prompt declared. Reasons quote the calls
//! the answer made, so a reader sees what happened without opening the record.

use serde_json::Value;

use super::{Check, CompileError, Field, Kind, err};
use crate::vocab::{ToolCall, ToolDef};

/// The value of a tool assertion, checked.
pub(super) fn compile(base: &str, value: Option<&Value>) -> Result<Kind, CompileError> {
    let names = |v: &Value| -> Option<Vec<String>> {
        match v {
            Value::String(s) if !s.is_empty() => Some(vec![s.clone()]),
            Value::Array(items) if !items.is_empty() => items
                .iter()
                .map(|i| i.as_str().filter(|s| !s.is_empty()).map(str::to_string))
                .collect(),
            _ => None,
        }
    };
    match base {
        "tool-called" => value.and_then(names).map(Kind::ToolCalled).ok_or_else(|| {
            err(
                Field::Value,
                "`tool-called` needs `value` = a tool's name or a list of names",
                "for example: value = \"lookup_order\" or value = [\"lookup_order\", \"refund\"]",
            )
        }),
        "tool-sequence" => match value {
            Some(v @ Value::Array(_)) => names(v).map(Kind::ToolSequence),
            _ => None,
        }
        .ok_or_else(|| {
            err(
                Field::Value,
                "`tool-sequence` needs `value` = a list of tool names, in call order",
                "for example: value = [\"lookup_order\", \"refund\"]",
            )
        }),
        "tool-args" => {
            let bad = || {
                err(
                    Field::Value,
                    "`tool-args` needs `value` = { name = \"TOOL\", args = { ... } }",
                    "for example: value = { name = \"lookup_order\", args = { order_id = \"A-17\" } }",
                )
            };
            let Some(Value::Object(v)) = value else {
                return Err(bad());
            };
            if v.keys().any(|k| k != "name" && k != "args") {
                return Err(bad());
            }
            match (v.get("name").and_then(Value::as_str), v.get("args")) {
                (Some(name), Some(args @ Value::Object(_))) if !name.is_empty() => {
                    Ok(Kind::ToolArgs {
                        name: name.to_string(),
                        args: args.clone(),
                    })
                }
                _ => Err(bad()),
            }
        }
        _ => match value {
            None => Ok(Kind::IsValidToolCall),
            Some(_) => Err(err(
                Field::Value,
                "`is-valid-tool-call` takes no `value`",
                "remove `value`: the calls are checked against the tools the prompt declares",
            )),
        },
    }
}

/// "cancel_order({"id":7}), refund({})", or "no tool".
fn called(calls: &[ToolCall]) -> String {
    if calls.is_empty() {
        "the answer called no tool".into()
    } else {
        format!(
            "the answer called {}",
            calls
                .iter()
                .map(ToolCall::short)
                .collect::<Vec<_>>()
                .join(", ")
        )
    }
}

/// `negate`: the assertion is `not-`. `not-tool-called` with several names asks that
/// none of them is called (not merely that one of them is missing), as it reads.
pub(super) fn check(kind: &Kind, calls: &[ToolCall], tools: &[ToolDef], negate: bool) -> Check {
    let made = called(calls);
    let mut c = match kind {
        Kind::ToolCalled(names) => {
            let is_called = |n: &String| calls.iter().any(|c| &c.name == n);
            if negate {
                let ok = names.iter().any(is_called);
                Check::new(ok, format!("call {}", names.join(" or ")))
            } else {
                let ok = names.iter().all(is_called);
                Check::new(ok, format!("call {}", names.join(" and ")))
            }
        }
        Kind::ToolArgs { name, args } => {
            let ok = calls
                .iter()
                .any(|c| &c.name == name && !c.malformed && contains(&c.arguments, args));
            Check::new(ok, format!("call {name} with arguments containing {args}"))
        }
        Kind::ToolSequence(names) => {
            let ok =
                calls.len() == names.len() && calls.iter().zip(names).all(|(c, n)| &c.name == n);
            Check::new(
                ok,
                format!("call exactly {} in this order", names.join(", ")),
            )
        }
        Kind::IsValidToolCall => {
            let problem = calls.iter().find_map(|c| invalid(c, tools));
            let mut c = Check::new(
                problem.is_none(),
                "make only calls that fit the declared tools",
            );
            c.observed = Some(problem.unwrap_or_else(|| match calls.len() {
                0 => "the answer called no tool, so there was nothing to check".into(),
                n => format!("all {n} calls fit"),
            }));
            c.subject = "the answer";
            return c;
        }
        _ => unreachable!("not a tool assertion"),
    };
    c.subject = "the answer";
    c.observed = Some(made);
    c
}

/// Why a call does not fit the declared tools, if it does not.
fn invalid(call: &ToolCall, tools: &[ToolDef]) -> Option<String> {
    let Some(tool) = tools.iter().find(|t| t.name == call.name) else {
        let declared: Vec<&str> = tools.iter().map(|t| t.name.as_str()).collect();
        let declared = if declared.is_empty() {
            "the prompt declares none".to_string()
        } else {
            format!("declared: {}", declared.join(", "))
        };
        return Some(format!(
            "{} calls `{}`, which is not a declared tool ({declared})",
            call.short(),
            call.name
        ));
    };
    if call.malformed {
        return Some(format!(
            "{}: the arguments are not valid JSON",
            call.short()
        ));
    }
    let validator = match jsonschema::draft202012::new(&tool.parameters) {
        Ok(v) => v,
        Err(e) => {
            return Some(format!(
                "the declared parameters of `{}` are not a valid schema: {e}",
                tool.name
            ));
        }
    };
    let errors: Vec<String> = validator
        .iter_errors(&call.arguments)
        .take(3)
        .map(|e| {
            let at = e.instance_path().to_string();
            if at.is_empty() {
                e.to_string()
            } else {
                format!("{at}: {e}")
            }
        })
        .collect();
    (!errors.is_empty()).then(|| format!("{}: {}", call.short(), errors.join("; ")))
}

/// Whether `want` is a JSON subset of `have`: every key of an object with a value it
/// contains, arrays element by element, numbers by value (7 matches 7.0).
pub(crate) fn contains(have: &Value, want: &Value) -> bool {
    match (have, want) {
        (Value::Object(h), Value::Object(w)) => w
            .iter()
            .all(|(k, wv)| h.get(k).is_some_and(|hv| contains(hv, wv))),
        (Value::Array(h), Value::Array(w)) => {
            h.len() == w.len() && h.iter().zip(w).all(|(a, b)| contains(a, b))
        }
        (Value::Number(h), Value::Number(w)) => h.as_f64() == w.as_f64(),
        (h, w) => h == w,
    }
}
