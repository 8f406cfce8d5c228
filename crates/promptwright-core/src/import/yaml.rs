//! YAML (and JSON, which YAML reads too) with the line of every node, through
//! marked-yaml: what lets a dropped assertion be reported at its `file:line`.

use marked_yaml::loader::{LoadError, LoaderOptions, parse_yaml_with_options};
use marked_yaml::types::Node;
use serde_json::{Map, Number, Value};

use crate::vocab::Diagnostic;

/// Nesting deeper than this is not a promptfoo config: refused rather than recursed into.
const MAX_DEPTH: usize = 64;

/// Parses `text`, shown as `shown`; `first_line` numbers its first line (a JSONL line).
pub(super) fn parse(
    text: &str,
    shown: &str,
    first_line: usize,
    mapping: bool,
) -> Result<Node, Diagnostic> {
    let options = if mapping {
        LoaderOptions::default().toplevel_mapping()
    } else {
        LoaderOptions::default().toplevel_sequence()
    };
    // Quoted scalars stay strings: `"1"` is text, `1` a number, as YAML means them.
    let options = options.error_on_duplicate_keys(true).prevent_coercion(true);
    parse_yaml_with_options(0, text, options).map_err(|e| {
        let (marker, message) = match &e {
            LoadError::ScanError(m, se) => (Some(*m), se.info().to_string()),
            LoadError::TopLevelMustBeMapping(m) => (Some(*m), "expected a mapping of keys".into()),
            LoadError::TopLevelMustBeSequence(m) => (Some(*m), "expected a list".into()),
            LoadError::UnexpectedAnchor(m) => (
                Some(*m),
                "YAML anchors and aliases are not supported here".into(),
            ),
            LoadError::UnexpectedTag(m) => (Some(*m), "YAML tags are not supported here".into()),
            LoadError::MappingKeyMustBeScalar(m) => {
                (Some(*m), "a key must be a plain value".into())
            }
            other => (None, other.to_string()),
        };
        let mut d = Diagnostic::file(shown, format!("invalid YAML: {message}"));
        if let Some(m) = marker {
            d.line = m.line() + first_line - 1;
            d.col = m.column().max(1);
        }
        d.with_help("fix the file so that promptfoo itself would read it, then import again")
    })
}

/// The line a node starts on, counting from `first_line`.
pub(super) fn line_of(node: &Node, first_line: usize) -> usize {
    node.span()
        .start()
        .map_or(first_line, |m| m.line() + first_line - 1)
}

/// A string scalar.
pub(super) fn string(node: &Node) -> Option<&str> {
    node.as_scalar().map(|s| s.as_str())
}

/// A node as JSON: plain scalars typed as YAML 1.2's core schema types them, quoted
/// ones kept as strings.
pub(super) fn to_json(node: &Node) -> Result<Value, String> {
    to_json_at(node, 0)
}

fn to_json_at(node: &Node, depth: usize) -> Result<Value, String> {
    if depth > MAX_DEPTH {
        return Err(format!("nested more than {MAX_DEPTH} levels deep"));
    }
    Ok(match node {
        Node::Scalar(s) => {
            if !s.may_coerce() {
                return Ok(Value::String(s.as_str().to_string()));
            }
            let text = s.as_str();
            if matches!(text, "~" | "null" | "Null" | "NULL" | "") {
                Value::Null
            } else if let Some(b) = s.as_bool() {
                Value::Bool(b)
            } else if let Some(i) = s.as_i64() {
                Value::from(i)
            } else if let Some(f) = s.as_f64().and_then(Number::from_f64) {
                Value::Number(f)
            } else {
                Value::String(text.to_string())
            }
        }
        Node::Sequence(items) => Value::Array(
            items
                .iter()
                .map(|n| to_json_at(n, depth + 1))
                .collect::<Result<_, _>>()?,
        ),
        Node::Mapping(map) => {
            let mut out = Map::new();
            for (k, v) in map.iter() {
                out.insert(k.as_str().to_string(), to_json_at(v, depth + 1)?);
            }
            Value::Object(out)
        }
    })
}
