//! A prompt file's `[[tools]]`, `tool_choice` and `[response_format]`: read, schemas
//! resolved (inline or from a file beside the prompt), and checked at their lines.

use std::ops::Range;
use std::path::Path;

use serde::Deserialize;
use serde_json::Value;
use toml::Spanned;

use crate::vocab::{Diagnostic, FormatKind, ResponseFormat, Source, ToolChoice, ToolDef};

/// The most tools one request may declare (OpenAI's documented limit; Anthropic's is
/// not lower in practice, and a prompt past it is a prompt no vendor takes).
pub const MAX_TOOLS: usize = 128;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ToolFile {
    name: Spanned<String>,
    description: Option<String>,
    parameters: Spanned<Value>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct FormatFile {
    #[serde(rename = "type")]
    kind: Spanned<FormatKind>,
    name: Option<Spanned<String>>,
    schema: Option<Spanned<Value>>,
    strict: Option<bool>,
}

/// What the tool keys resolve to, for the definition.
pub(crate) struct Resolved {
    pub tools: Vec<ToolDef>,
    pub tool_choice: Option<String>,
    pub response_format: Option<ResponseFormat>,
}

/// Where schema files are read from: the prompt's folder, inside the workspace.
pub(crate) struct Files<'a> {
    pub root: &'a Path,
    pub prompt_dir: &'a Path,
}

/// Vendors' rule for tool and schema names.
fn valid_tool_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

pub(crate) fn resolve(
    src: &Source,
    files: &Files<'_>,
    tools: Vec<ToolFile>,
    tool_choice: Option<Spanned<String>>,
    format: Option<FormatFile>,
    errors: &mut Vec<Diagnostic>,
) -> Resolved {
    let mut defs: Vec<ToolDef> = Vec::new();
    for (i, t) in tools.into_iter().enumerate() {
        let name_span = t.name.span();
        let name = t.name.into_inner();
        if i == MAX_TOOLS {
            errors.push(
                src.at(name_span.clone(), format!("more than {MAX_TOOLS} tools"))
                    .with_help(format!(
                        "the providers take at most {MAX_TOOLS} tools in one request: split the prompt or drop tools it does not need"
                    )),
            );
        }
        if !valid_tool_name(&name) {
            errors.push(
                src.at(name_span.clone(), format!("invalid tool name {name:?}"))
                    .with_help(
                        "a tool name is 1 to 64 letters, digits, `_` or `-`, e.g. lookup_order",
                    ),
            );
        } else if defs.iter().any(|d| d.name == name) {
            errors.push(
                src.at(name_span, format!("tool `{name}` is declared twice"))
                    .with_help("give each [[tools]] entry its own name"),
            );
        }
        let span = t.parameters.span();
        let parameters = match schema(src, files, span, t.parameters.into_inner(), "parameters") {
            Ok(v) => v,
            Err(d) => {
                errors.push(d);
                Value::Null
            }
        };
        defs.push(ToolDef {
            name,
            description: t.description,
            parameters,
        });
    }
    let tool_choice = tool_choice.map(|c| {
        let span = c.span();
        let written = c.into_inner();
        match ToolChoice::parse(&written) {
            ToolChoice::Tool(name) if !defs.iter().any(|d| d.name == name) => {
                let help = match crate::vocab::did_you_mean(
                    name,
                    defs.iter().map(|d| d.name.as_str()),
                ) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None => {
                        "use auto, none, required, or the name of a tool declared under [[tools]]"
                            .into()
                    }
                };
                errors.push(
                    src.at(
                        span,
                        format!("tool_choice names `{name}`, which is not a declared tool"),
                    )
                    .with_help(help),
                );
            }
            ToolChoice::Required if defs.is_empty() => errors.push(
                src.at(
                    span,
                    "tool_choice = \"required\" but the prompt declares no tools",
                )
                .with_help("declare the tools under [[tools]], or remove tool_choice"),
            ),
            _ => {}
        }
        written
    });
    let response_format = format.map(|f| {
        let kind_span = f.kind.span();
        let kind = f.kind.into_inner();
        if let Some(n) = &f.name {
            if !valid_tool_name(n.get_ref()) {
                errors.push(
                    src.at(n.span(), format!("invalid response_format name {:?}", n.get_ref()))
                        .with_help("a schema name is 1 to 64 letters, digits, `_` or `-`, e.g. triage"),
                );
            }
        }
        let schema = match (kind, f.schema) {
            (FormatKind::JsonSchema, None) => {
                errors.push(
                    src.at(kind_span, "response_format of type json_schema has no `schema`")
                        .with_help("add schema = \"path/to/schema.json\" (relative to this prompt) or an inline table"),
                );
                None
            }
            (FormatKind::JsonObject, Some(s)) => {
                errors.push(
                    src.at(s.span(), "a json_object response_format takes no `schema`")
                        .with_help("use type = \"json_schema\" to hold the answer to a schema, or remove `schema`"),
                );
                None
            }
            (_, Some(s)) => {
                let span = s.span();
                match schema(src, files, span, s.into_inner(), "schema") {
                    Ok(v) => Some(v),
                    Err(d) => {
                        errors.push(d);
                        None
                    }
                }
            }
            (FormatKind::JsonObject, None) => None,
        };
        ResponseFormat {
            kind,
            name: f.name.map(Spanned::into_inner),
            schema,
            strict: f.strict,
        }
    });
    Resolved {
        tools: defs,
        tool_choice,
        response_format,
    }
}

/// A schema written inline or named by a path relative to the prompt: read (inside the
/// workspace only), parsed, and checked to be a JSON Schema an object validates against.
fn schema(
    src: &Source,
    files: &Files<'_>,
    span: Range<usize>,
    written: Value,
    key: &str,
) -> Result<Value, Diagnostic> {
    let value = match written {
        Value::Object(_) => written,
        Value::String(path) => {
            let full = crate::workspace::confine::inside(files.root, &files.prompt_dir.join(&path))
                .map_err(|e| {
                    src.at(span.clone(), format!("schema file `{path}` {e}"))
                        .with_help(e.help("a schema file"))
                })?;
            let text = std::fs::read_to_string(&full).map_err(|e| {
                src.at(
                    span.clone(),
                    format!("cannot read schema file `{path}`: {e}"),
                )
                .with_help("the path is relative to the prompt file's folder (prompts/)")
            })?;
            serde_json::from_str(&text).map_err(|e| {
                src.at(
                    span.clone(),
                    format!("schema file `{path}` is not valid JSON: {e}"),
                )
                .with_help("fix the JSON in the schema file")
            })?
        }
        _ => {
            return Err(src
                .at(span, format!("`{key}` must be an inline table (a JSON Schema) or a path to a .json file"))
                .with_help(format!("for example: {key} = {{ type = \"object\", properties = {{ id = {{ type = \"string\" }} }} }}")));
        }
    };
    if let Err(e) = jsonschema::draft202012::new(&value) {
        let msg: String = e
            .to_string()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        return Err(src
            .at(span, format!("`{key}` is not a valid JSON Schema: {msg}"))
            .with_help("the schema must be valid JSON Schema (draft 2020-12)"));
    }
    if value.get("type").is_some_and(|t| t != "object") {
        return Err(src
            .at(span, format!("`{key}` must describe an object (type = \"object\"), found type {}", value["type"]))
            .with_help("tool arguments and structured answers are JSON objects: put the fields under properties"));
    }
    Ok(value)
}
