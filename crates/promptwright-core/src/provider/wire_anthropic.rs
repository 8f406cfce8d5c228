//! Tools, structured output, images and conversations in Anthropic's Messages format,
//! and the tool calls of its answers. Structured output goes through a forced tool
//! whose input is the answer: every Messages server takes it.

use serde_json::{Map, Value, json};

use super::{ChatMessage, Image, Request};
use crate::vocab::{FormatKind, Role, ToolCall, ToolChoice};

/// The `messages` array: system messages are left out (they go to `system`), and a
/// run of tool results becomes one user turn of `tool_result` blocks.
pub(crate) fn messages(req: &Request) -> Vec<Value> {
    let mut out: Vec<Value> = Vec::new();
    for m in req.messages.iter().filter(|m| m.role != Role::System) {
        if m.role == Role::Tool {
            let block = json!({
                "type": "tool_result",
                "tool_use_id": m.tool_call_id.clone().unwrap_or_default(),
                "content": m.content,
            });
            let merged = out
                .last_mut()
                .filter(|last| last["role"] == "user")
                .and_then(|last| {
                    let blocks = last.get_mut("content")?.as_array_mut()?;
                    blocks
                        .iter()
                        .all(|b| b["type"] == "tool_result")
                        .then_some(blocks)
                });
            match merged {
                Some(blocks) => blocks.push(block),
                None => out.push(json!({"role": "user", "content": [block]})),
            }
            continue;
        }
        out.push(message(m));
    }
    out
}

fn message(m: &ChatMessage) -> Value {
    if m.images.is_empty() && m.tool_calls.is_empty() {
        return json!({"role": m.role.as_str(), "content": m.content});
    }
    let mut blocks = Vec::new();
    for image in &m.images {
        blocks.push(image_block(image));
    }
    if !m.content.is_empty() {
        blocks.push(json!({"type": "text", "text": m.content}));
    }
    for c in &m.tool_calls {
        let input = if c.malformed {
            json!({})
        } else {
            c.arguments.clone()
        };
        blocks.push(json!({
            "type": "tool_use",
            "id": c.id.clone().unwrap_or_default(),
            "name": c.name,
            "input": input,
        }));
    }
    json!({"role": m.role.as_str(), "content": blocks})
}

fn image_block(image: &Image) -> Value {
    match image {
        Image::Bytes {
            media_type, data, ..
        } => json!({"type": "image", "source": {
            "type": "base64",
            "media_type": media_type,
            "data": super::image::base64_of(data),
        }}),
        Image::Url(u) | Image::Path(u) => {
            json!({"type": "image", "source": {"type": "url", "url": u}})
        }
    }
}

/// The tool that carries a structured answer, when the prompt asks for one.
pub(crate) fn format_tool(req: &Request) -> Option<&str> {
    req.response_format.as_ref().map(|f| f.name_or_default())
}

/// Adds `tools` and `tool_choice` (with the structured-output tool, if any).
pub(crate) fn add_tools(body: &mut Map<String, Value>, req: &Request) {
    let mut tools: Vec<Value> = req
        .tools
        .iter()
        .map(|t| {
            let mut v = Map::new();
            v.insert("name".into(), t.name.clone().into());
            if let Some(d) = &t.description {
                v.insert("description".into(), d.clone().into());
            }
            v.insert("input_schema".into(), t.parameters.clone());
            Value::Object(v)
        })
        .collect();
    let mut choice = req
        .tool_choice
        .as_deref()
        .map(|c| match ToolChoice::parse(c) {
            ToolChoice::Auto => json!({"type": "auto"}),
            ToolChoice::None => json!({"type": "none"}),
            ToolChoice::Required => json!({"type": "any"}),
            ToolChoice::Tool(name) => json!({"type": "tool", "name": name}),
        });
    if let (Some(f), Some(name)) = (&req.response_format, format_tool(req)) {
        let schema = match f.kind {
            FormatKind::JsonSchema => f.schema.clone().unwrap_or(json!({"type": "object"})),
            FormatKind::JsonObject => json!({"type": "object"}),
        };
        tools.push(json!({
            "name": name,
            "description": "Give your answer by calling this tool: its input is the answer.",
            "input_schema": schema,
        }));
        // Alone, the answer must come through the tool; beside the prompt's own tools,
        // the model must call one of them or give the answer (unless told otherwise).
        let auto = matches!(req.tool_choice.as_deref(), None | Some("auto"));
        if req.tools.is_empty() {
            choice = Some(json!({"type": "tool", "name": name}));
        } else if auto {
            choice = Some(json!({"type": "any"}));
        }
    }
    if !tools.is_empty() {
        body.insert("tools".into(), Value::Array(tools));
    }
    if let Some(c) = choice {
        body.insert("tool_choice".into(), c);
    }
}

/// The answer's text and tool calls from its content blocks. The structured-output
/// tool's input is the answer's text (as JSON), not a call.
pub(crate) fn answer(blocks: &[Value], format_tool: Option<&str>) -> (String, Vec<ToolCall>) {
    let mut text = String::new();
    let mut calls = Vec::new();
    for b in blocks {
        match b.get("type").and_then(Value::as_str) {
            Some("text") => {
                text.push_str(b.get("text").and_then(Value::as_str).unwrap_or_default())
            }
            Some("tool_use") => {
                let name = b.get("name").and_then(Value::as_str).unwrap_or_default();
                let input = b.get("input").cloned().unwrap_or(json!({}));
                if Some(name) == format_tool {
                    text = input.to_string();
                } else {
                    calls.push(ToolCall::new(name, input));
                }
            }
            _ => {}
        }
    }
    (text, calls)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vocab::{ResponseFormat, ToolDef};

    fn request(choice: Option<&str>, format: bool) -> Request {
        Request {
            tools: vec![ToolDef {
                name: "lookup".into(),
                description: None,
                parameters: json!({"type": "object"}),
            }],
            tool_choice: choice.map(str::to_string),
            response_format: format.then_some(ResponseFormat {
                kind: FormatKind::JsonObject,
                name: None,
                schema: None,
                strict: None,
            }),
            ..Request::default()
        }
    }

    fn choice_of(req: &Request) -> Value {
        let mut body = Map::new();
        add_tools(&mut body, req);
        body.get("tool_choice").cloned().unwrap_or(Value::Null)
    }

    #[test]
    fn each_tool_choice_has_its_anthropic_form() {
        assert_eq!(choice_of(&request(None, false)), Value::Null);
        assert_eq!(
            choice_of(&request(Some("auto"), false)),
            json!({"type": "auto"})
        );
        assert_eq!(
            choice_of(&request(Some("none"), false)),
            json!({"type": "none"})
        );
        assert_eq!(
            choice_of(&request(Some("required"), false)),
            json!({"type": "any"})
        );
        assert_eq!(
            choice_of(&request(Some("lookup"), false)),
            json!({"type": "tool", "name": "lookup"})
        );
        // Beside the prompt's tools, a structured answer makes the model call one of
        // them or the format's tool, unless the prompt chose otherwise.
        assert_eq!(choice_of(&request(None, true)), json!({"type": "any"}));
        assert_eq!(
            choice_of(&request(Some("none"), true)),
            json!({"type": "none"})
        );
    }

    #[test]
    fn the_format_tools_input_is_the_answer_and_not_a_call() {
        let blocks = [
            json!({"type": "text", "text": "Here you go."}),
            json!({"type": "tool_use", "id": "t1", "name": "response", "input": {"a": 1}}),
            json!({"type": "tool_use", "id": "t2", "name": "lookup", "input": {"id": 7}}),
        ];
        let (text, calls) = answer(&blocks, Some("response"));
        assert_eq!(text, r#"{"a":1}"#);
        assert_eq!(calls.len(), 1);
        assert_eq!(calls[0].name, "lookup");
    }
}
