//! A conversation's history from a case variable: the messages a prompt's `insert` slot
//! takes. Written in either of two shapes, the plain one
//! (`{"role": "assistant", "tool_calls": [{"name": ..., "arguments": {...}}]}`) or
//! OpenAI's (`{"function": {"name": ..., "arguments": "<json>"}}`), so a log pasted
//! from a real conversation works as it is.

use serde_json::Value;

use super::ChatMessage;
use crate::vocab::{Role, ToolCall};

/// The most messages one history may hold: a conversation longer than this is not a
/// test case a person can read.
pub const MAX_MESSAGES: usize = 1000;

/// The messages of `list`, or what is wrong with it (which message, what, how to fix).
pub fn parse(list: &Value) -> Result<Vec<ChatMessage>, String> {
    let Value::Array(items) = list else {
        return Err(format!(
            "expected a list of messages, found {}",
            kind_of(list)
        ));
    };
    if items.len() > MAX_MESSAGES {
        return Err(format!(
            "{} messages, over the {MAX_MESSAGES} a history may hold",
            items.len()
        ));
    }
    let mut out: Vec<ChatMessage> = Vec::with_capacity(items.len());
    // Calls of the latest assistant turn still waiting for their result.
    let mut waiting: Vec<String> = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let n = i + 1;
        let at = |what: String| format!("message {n}: {what}");
        let Value::Object(fields) = item else {
            return Err(at(format!(
                "expected an object with `role` and `content`, found {}",
                kind_of(item)
            )));
        };
        for key in fields.keys() {
            if !["role", "content", "tool_calls", "tool_call_id", "name"].contains(&key.as_str()) {
                return Err(at(format!(
                    "unknown key `{key}` (a message has role, content, tool_calls and tool_call_id)"
                )));
            }
        }
        let role = match fields.get("role").and_then(Value::as_str) {
            Some("user") => Role::User,
            Some("assistant") => Role::Assistant,
            Some("tool") => Role::Tool,
            Some(other) => {
                return Err(at(format!(
                    "unknown role `{other}`: a history message's role is user, assistant or tool (the prompt's own messages hold the system text)"
                )));
            }
            None => return Err(at("missing `role` (user, assistant or tool)".into())),
        };
        let content = match fields.get("content") {
            Some(Value::String(s)) => s.clone(),
            None | Some(Value::Null) => String::new(),
            Some(other) => {
                return Err(at(format!(
                    "`content` must be text, found {}",
                    kind_of(other)
                )));
            }
        };
        let mut message = ChatMessage::text(role, content);
        match (role, fields.get("tool_calls")) {
            (Role::Assistant, Some(Value::Array(calls))) => {
                waiting.clear();
                for (k, call) in calls.iter().enumerate() {
                    let mut call =
                        tool_call(call).map_err(|e| at(format!("tool call {}: {e}", k + 1)))?;
                    let id = call
                        .id
                        .clone()
                        .unwrap_or_else(|| format!("call_{n}_{}", k + 1));
                    call.id = Some(id.clone());
                    waiting.push(id);
                    message.tool_calls.push(call);
                }
            }
            (_, None) => {}
            (Role::Assistant, Some(other)) => {
                return Err(at(format!(
                    "`tool_calls` must be a list, found {}",
                    kind_of(other)
                )));
            }
            (_, Some(_)) => return Err(at("only an assistant message has `tool_calls`".into())),
        }
        if role == Role::Tool {
            let id = match fields.get("tool_call_id") {
                Some(Value::String(id)) => id.clone(),
                Some(other) => {
                    return Err(at(format!(
                        "`tool_call_id` must be text, found {}",
                        kind_of(other)
                    )));
                }
                // The next call of the last assistant turn not answered yet.
                None if !waiting.is_empty() => waiting.remove(0),
                None => {
                    return Err(at(
                        "a tool result with no assistant tool call before it to answer".into(),
                    ));
                }
            };
            waiting.retain(|w| *w != id);
            message.tool_call_id = Some(id);
        } else if fields.contains_key("tool_call_id") {
            return Err(at("only a tool message has `tool_call_id`".into()));
        }
        if role != Role::Assistant && message.content.is_empty() && role != Role::Tool {
            return Err(at("missing `content`".into()));
        }
        out.push(message);
    }
    Ok(out)
}

fn tool_call(v: &Value) -> Result<ToolCall, String> {
    let id = v.get("id").and_then(Value::as_str).map(str::to_string);
    let f = v.get("function").unwrap_or(v);
    let name = f
        .get("name")
        .and_then(Value::as_str)
        .ok_or("missing `name`")?;
    let arguments = f.get("arguments");
    let mut call = ToolCall::from_value(name, arguments).ok_or_else(|| {
        format!(
            "`arguments` must be an object, found {}",
            kind_of(arguments.unwrap_or(&Value::Null))
        )
    })?;
    call.id = id;
    Ok(call)
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "text",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_conversation_with_a_tool_call_and_its_result() {
        let msgs = parse(&json!([
            {"role": "user", "content": "Where is order 7?"},
            {"role": "assistant", "content": null, "tool_calls": [
                {"name": "lookup_order", "arguments": {"id": 7}},
                {"id": "c2", "type": "function", "function": {"name": "eta", "arguments": "{\"id\": 7}"}}
            ]},
            {"role": "tool", "content": "{\"status\": \"shipped\"}"},
            {"role": "tool", "tool_call_id": "c2", "content": "tomorrow"},
        ]))
        .unwrap();
        assert_eq!(msgs.len(), 4);
        assert_eq!(msgs[1].tool_calls[0].id.as_deref(), Some("call_2_1"));
        assert_eq!(msgs[1].tool_calls[1].arguments, json!({"id": 7}));
        assert_eq!(msgs[2].tool_call_id.as_deref(), Some("call_2_1"));
        assert_eq!(msgs[3].tool_call_id.as_deref(), Some("c2"));
    }

    #[test]
    fn what_is_wrong_is_named_with_the_message() {
        let e = parse(&json!("hi")).unwrap_err();
        assert_eq!(e, "expected a list of messages, found text");
        let e = parse(&json!([{"role": "user", "content": "a"}, {"role": "bot", "content": "b"}]))
            .unwrap_err();
        assert!(e.starts_with("message 2: unknown role `bot`"), "{e}");
        let e = parse(&json!([{"role": "tool", "content": "x"}])).unwrap_err();
        assert!(e.contains("no assistant tool call before it"), "{e}");
        let e = parse(&json!([{"role": "user", "content": "a", "images": []}])).unwrap_err();
        assert!(e.contains("unknown key `images`"), "{e}");
        let e = parse(&json!([{"role": "user", "content": "a", "tool_calls": []}])).unwrap_err();
        assert!(e.contains("only an assistant message"), "{e}");
        let e =
            parse(&json!([{"role": "assistant", "tool_calls": [{"name": "x", "arguments": [1]}]}]))
                .unwrap_err();
        assert_eq!(
            e,
            "message 1: tool call 1: `arguments` must be an object, found a list"
        );
        let long: Vec<Value> = (0..=MAX_MESSAGES)
            .map(|_| json!({"role": "user", "content": "a"}))
            .collect();
        assert!(
            parse(&Value::Array(long))
                .unwrap_err()
                .contains("over the 1000")
        );
    }
}
