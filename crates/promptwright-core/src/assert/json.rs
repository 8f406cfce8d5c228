//! JSON assertions. `is-json` and `json-schema` need the whole output to be JSON, as an
//! application calling `JSON.parse` on the answer would; `contains-json` accepts JSON
//! anywhere in the text, a fenced block included.

use std::path::Path;

use serde_json::Value;

use super::{Check, CompileError, Field, Kind, compile::one_line, err, excerpt};

pub(super) fn compile_schema(
    value: Option<&Value>,
    base_dir: &Path,
    root: &Path,
) -> Result<jsonschema::Validator, CompileError> {
    let schema = match value {
        Some(Value::Object(_)) => value.cloned().unwrap_or_default(),
        Some(Value::String(path)) => {
            // Never read (nor quote, in an error) a file outside the workspace.
            let full =
                crate::workspace::confine::inside(root, &base_dir.join(path)).map_err(|e| {
                    err(
                        Field::Value,
                        format!("schema file `{path}` {e}"),
                        e.help("a schema file"),
                    )
                })?;
            let text = std::fs::read_to_string(&full).map_err(|e| {
                err(
                    Field::Value,
                    format!("cannot read schema file `{path}`: {e}"),
                    format!(
                        "the path is relative to the file holding this assertion ({})",
                        base_dir.display()
                    ),
                )
            })?;
            serde_json::from_str(&text).map_err(|e| {
                err(
                    Field::Value,
                    format!("schema file `{path}` is not valid JSON: {e}"),
                    "fix the JSON in the schema file",
                )
            })?
        }
        _ => {
            return Err(err(
                Field::Value,
                "`json-schema` needs `value` = an inline table (the schema) or a path to a .json file",
                "for example: value = { type = \"object\", required = [\"category\"] }",
            ));
        }
    };
    jsonschema::draft202012::new(&schema).map_err(|e| {
        err(
            Field::Value,
            format!("invalid JSON schema: {}", one_line(&e.to_string())),
            "the schema must be valid JSON Schema draft 2020-12",
        )
    })
}

/// Whether `s`, surrounding whitespace aside, is a fenced code block.
fn is_fenced(s: &str) -> bool {
    let t = s.trim();
    t.starts_with("```") && t.ends_with("```") && t.len() >= 6
}

/// The first JSON object or array that appears in `s`.
pub(crate) fn find_json(s: &str) -> Option<Value> {
    for (i, c) in s.char_indices() {
        if c != '{' && c != '[' {
            continue;
        }
        let mut stream = serde_json::Deserializer::from_str(&s[i..]).into_iter::<Value>();
        if let Some(Ok(v)) = stream.next() {
            if v.is_object() || v.is_array() {
                return Some(v);
            }
        }
    }
    None
}

fn parse_whole(output: &str) -> Result<Value, String> {
    serde_json::from_str::<Value>(output.trim()).map_err(|e| {
        let mut why = format!("it does not parse: {e}");
        if is_fenced(output) {
            why.push_str(
                " (the JSON is inside a ``` fence: an application parsing the answer would fail)",
            );
        } else if find_json(output).is_some() {
            why.push_str(" (there is JSON inside surrounding text)");
        }
        why
    })
}

pub(super) fn check(kind: &Kind, output: &str) -> Check {
    match kind {
        Kind::IsJson => match parse_whole(output) {
            Ok(_) => Check::new(true, "be JSON as a whole"),
            Err(why) => Check::new(false, "be JSON as a whole").observed(why),
        },
        Kind::ContainsJson => match find_json(output) {
            Some(v) => Check::new(true, "contain a JSON object or array")
                .observed(format!("found {}", excerpt(&v.to_string(), 60))),
            None => Check::new(false, "contain a JSON object or array").observed("found none"),
        },
        Kind::JsonSchema(validator) => {
            let expectation = "be JSON valid against the schema";
            match parse_whole(output) {
                Err(why) => Check::new(false, expectation).observed(why),
                Ok(v) => {
                    let errors: Vec<String> = validator
                        .iter_errors(&v)
                        .take(3)
                        .map(|e| {
                            let at = e.instance_path().to_string();
                            let at = if at.is_empty() { "/".to_string() } else { at };
                            format!("at {at}: {e}")
                        })
                        .collect();
                    if errors.is_empty() {
                        Check::new(true, expectation)
                    } else {
                        Check::new(false, expectation).observed(errors.join("; "))
                    }
                }
            }
        }
        other => unreachable!("not a JSON assertion: {other:?}"),
    }
}
