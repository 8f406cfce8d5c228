//! Tools, structured output, images and conversations in OpenAI's Chat Completions
//! format, and the tool calls of its answers.

use serde_json::{Map, Value, json};

use super::{ChatMessage, Request};
use crate::vocab::{FormatKind, Role, ToolCall, ToolChoice};

/// One message: plain text, text with image parts, an assistant turn with tool calls,
/// or a tool's result.
pub(crate) fn message(m: &ChatMessage) -> Value {
    let mut out = Map::new();
    out.insert("role".into(), m.role.as_str().into());
    if m.images.is_empty() {
        let content =
            if m.role == Role::Assistant && m.content.is_empty() && !m.tool_calls.is_empty() {
                Value::Null
            } else {
                Value::from(m.content.clone())
            };
        out.insert("content".into(), content);
    } else {
        let mut parts = Vec::new();
        if !m.content.is_empty() {
            parts.push(json!({"type": "text", "text": m.content}));
        }
        for image in &m.images {
            parts.push(json!({"type": "image_url", "image_url": {"url": image.data_url()}}));
        }
        out.insert("content".into(), Value::Array(parts));
    }
    if !m.tool_calls.is_empty() {
        let calls: Vec<Value> = m
            .tool_calls
            .iter()
            .map(|c| {
                json!({
                    "id": c.id.clone().unwrap_or_default(),
                    "type": "function",
                    "function": {"name": c.name, "arguments": arguments_text(c)},
                })
            })
            .collect();
        out.insert("tool_calls".into(), Value::Array(calls));
    }
    if let Some(id) = &m.tool_call_id {
        out.insert("tool_call_id".into(), id.clone().into());
    }
    Value::Object(out)
}

/// The arguments as the JSON text OpenAI carries them in (malformed ones as written).
fn arguments_text(c: &ToolCall) -> String {
    match (&c.arguments, c.malformed) {
        (Value::String(raw), true) => raw.clone(),
        (v, _) => v.to_string(),
    }
}

/// Adds `tools`, `tool_choice` and `response_format` to a body, when the prompt has them.
pub(crate) fn add_tools(body: &mut Map<String, Value>, req: &Request) {
    if !req.tools.is_empty() {
        let tools: Vec<Value> = req
            .tools
            .iter()
            .map(|t| {
                let mut f = Map::new();
                f.insert("name".into(), t.name.clone().into());
                if let Some(d) = &t.description {
                    f.insert("description".into(), d.clone().into());
                }
                f.insert("parameters".into(), t.parameters.clone());
                json!({"type": "function", "function": f})
            })
            .collect();
        body.insert("tools".into(), Value::Array(tools));
    }
    if let Some(choice) = &req.tool_choice {
        let v = match ToolChoice::parse(choice) {
            ToolChoice::Auto => json!("auto"),
            ToolChoice::None => json!("none"),
            ToolChoice::Required => json!("required"),
            ToolChoice::Tool(name) => json!({"type": "function", "function": {"name": name}}),
        };
        body.insert("tool_choice".into(), v);
    }
    if let Some(f) = &req.response_format {
        let v = match f.kind {
            FormatKind::JsonObject => json!({"type": "json_object"}),
            FormatKind::JsonSchema => {
                let mut s = Map::new();
                s.insert("name".into(), f.name_or_default().into());
                s.insert(
                    "schema".into(),
                    f.schema.clone().unwrap_or(json!({"type": "object"})),
                );
                if let Some(strict) = f.strict {
                    s.insert("strict".into(), strict.into());
                }
                json!({"type": "json_schema", "json_schema": s})
            }
        };
        body.insert("response_format".into(), v);
    }
}

/// The tool calls of an answer's `choices[0].message`, in order. A call with no
/// function name is skipped: there is nothing a reader or an assertion could match.
pub(crate) fn tool_calls(message: &Value) -> Vec<ToolCall> {
    message
        .get("tool_calls")
        .and_then(Value::as_array)
        .map(|calls| {
            calls
                .iter()
                .filter_map(|c| {
                    let f = c.get("function")?;
                    let name = f.get("name")?.as_str()?;
                    // Arguments of another shape are taken as none.
                    Some(
                        ToolCall::from_value(name, f.get("arguments"))
                            .unwrap_or_else(|| ToolCall::from_text(name, "")),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_named_tool_choice_is_a_function_object_and_modes_are_strings() {
        let body = |choice: &str| {
            let mut b = Map::new();
            add_tools(
                &mut b,
                &Request {
                    tool_choice: Some(choice.into()),
                    ..Request::default()
                },
            );
            b["tool_choice"].clone()
        };
        assert_eq!(body("required"), json!("required"));
        assert_eq!(body("none"), json!("none"));
        assert_eq!(
            body("lookup"),
            json!({"type": "function", "function": {"name": "lookup"}})
        );
    }

    #[test]
    fn tool_calls_without_a_name_are_skipped_and_object_arguments_kept() {
        let message = json!({"tool_calls": [
            {"type": "function", "function": {"arguments": "{}"}},
            {"type": "function", "function": {"name": "a", "arguments": {"x": 1}}},
        ]});
        let calls = tool_calls(&message);
        assert_eq!(calls.len(), 1);
        assert_eq!(calls[0].arguments, json!({"x": 1}));
    }
}
