//! One promptfoo assertion as a dataset assertion object: types mapped one to one, the
//! few renamed, everything else reported. What is written is compiled first, as the
//! loader will, so the workspace passes `check`.

use marked_yaml::types::Node;
use serde_json::{Map, Value, json};

use super::cases::Src;
use super::{Ctx, yaml};
use crate::assert::{AssertSpec, Assertion};

/// promptfoo assertion types that have the same name and meaning here.
const SAME: &[&str] = &[
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
    "levenshtein",
    "llm-rubric",
    "rouge-n",
    "bleu",
    "is-refusal",
    "is-xml",
    "contains-xml",
    "factuality",
    "model-graded-closedqa",
    "similar",
];

/// One assertion as a dataset object, or `None` (reported).
pub(super) fn assertion(ctx: &mut Ctx, src: &Src<'_>, node: &Node) -> Option<Value> {
    let line = src.line(node);
    let Some(map) = node.as_mapping() else {
        ctx.drop_at(src.file, line, "an assertion that is not a mapping");
        return None;
    };
    let Some(type_name) = map.get_node("type").and_then(yaml::string) else {
        ctx.drop_at(src.file, line, "an assertion without a `type`");
        return None;
    };
    let (negate, base) = match type_name.strip_prefix("not-") {
        Some(b) => ("not-", b),
        None => ("", type_name),
    };
    let get = |k: &str| map.get_node(k).and_then(|n| yaml::to_json(n).ok());
    let mut value = get("value");
    let threshold = get("threshold").and_then(|t| t.as_f64()).or(
        // promptfoo's `similar` passes at 0.75 unless told; here the default is 0.8.
        (base == "similar").then_some(0.75),
    );
    let mut out = Map::new();
    let target = match base {
        b if SAME.contains(&b) => b.to_string(),
        "model-graded-factuality" => "factuality".into(),
        "latency" | "cost" => {
            // promptfoo gives the budget as `threshold`.
            value = threshold.map(|t| {
                if base == "latency" {
                    json!(t as u64)
                } else {
                    json!(t)
                }
            });
            base.to_string()
        }
        other => {
            ctx.drop_at(
                src.file,
                line,
                format!("`{type_name}` assertion: {}", why_not(other)),
            );
            return None;
        }
    };
    // promptfoo's `is-json` with a schema is a schema check here.
    let target = if base == "is-json" && value.is_some() {
        "json-schema".to_string()
    } else {
        target
    };
    out.insert("type".into(), Value::String(format!("{negate}{target}")));
    if let Some(Value::String(s)) = &value {
        if s.starts_with("file://") {
            ctx.drop_at(
                src.file,
                line,
                format!("`{type_name}` assertion: a `file://` value is not converted"),
            );
            return None;
        }
    }
    if let Some(v) = value {
        out.insert("value".into(), v);
    }
    if let Some(w) = get("weight") {
        out.insert("weight".into(), w);
    }
    if let Some(t) = threshold.filter(|_| !matches!(base, "latency" | "cost")) {
        out.insert("threshold".into(), json!(t));
    }
    if let Some(m) = get("metric") {
        out.insert("metric".into(), m);
    }
    for (k, v) in map.iter() {
        if !matches!(
            k.as_str(),
            "type" | "value" | "weight" | "threshold" | "metric"
        ) {
            ctx.drop_at(
                src.file,
                src.line(v),
                format!("`{type_name}` assertion: `{}` is not converted", k.as_str()),
            );
        }
    }
    // What is written must load: check it as the loader will.
    let spec = AssertSpec {
        type_name: out["type"].as_str().unwrap_or_default().to_string(),
        value: out.get("value").cloned(),
        weight: out.get("weight").and_then(Value::as_f64),
        threshold: out.get("threshold").and_then(Value::as_f64),
        metric: out
            .get("metric")
            .and_then(|m| m.as_str().map(str::to_string)),
        timeout_s: None,
    };
    match Assertion::compile(&spec, &ctx.dir, &ctx.dir) {
        Ok(_) => Some(Value::Object(out)),
        Err(e) => {
            ctx.drop_at(
                src.file,
                line,
                format!("`{type_name}` assertion: {}", e.message),
            );
            None
        }
    }
}

fn why_not(base: &str) -> &'static str {
    match base {
        "javascript" | "python" | "webhook" | "ruby" => {
            "it runs code; write it as a `command` assertion if you trust it"
        }
        "assert-set" => "assertion sets are not converted; list their assertions on the test",
        _ => "no assertion of that type here",
    }
}
