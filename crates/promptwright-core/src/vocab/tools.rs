//! Tools, structured output and tool calls: what a prompt declares, what providers are
//! sent and what an answer holds beside its text.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A tool a prompt offers the model. `parameters` is the JSON Schema of its arguments,
/// inline even when the prompt file named a schema file, so a release carries it whole.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ToolDef {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub parameters: Value,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FormatKind {
    JsonObject,
    JsonSchema,
}

/// Structured output: any JSON object, or JSON valid against a named schema.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResponseFormat {
    #[serde(rename = "type")]
    pub kind: FormatKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub strict: Option<bool>,
}

impl ResponseFormat {
    /// The name the schema goes by on the wire (both vendors require one).
    pub fn name_or_default(&self) -> &str {
        self.name.as_deref().unwrap_or("response")
    }
}

/// Which tools the model may or must call: `auto`, `none`, `required`, or one tool's
/// name (that tool must be called).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ToolChoice<'a> {
    Auto,
    None,
    Required,
    Tool(&'a str),
}

impl<'a> ToolChoice<'a> {
    pub fn parse(written: &'a str) -> ToolChoice<'a> {
        match written {
            "auto" => ToolChoice::Auto,
            "none" => ToolChoice::None,
            "required" => ToolChoice::Required,
            name => ToolChoice::Tool(name),
        }
    }
}

/// One call of a tool in an answer (or in a conversation's history).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ToolCall {
    /// The vendor's id for the call: kept for a history's tool results to answer, never
    /// recorded from an answer (it differs on every call and means nothing to a reader).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub name: String,
    /// The parsed arguments; when the model wrote arguments that are not JSON, the text
    /// it wrote, as a string, with `malformed` set.
    pub arguments: Value,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub malformed: bool,
}

impl ToolCall {
    /// A call whose arguments came parsed (Anthropic's `input`).
    pub fn new(name: &str, arguments: Value) -> ToolCall {
        ToolCall {
            id: None,
            name: name.to_string(),
            arguments,
            malformed: false,
        }
    }

    /// A call whose `arguments` came as JSON text (OpenAI's wire format), as an object,
    /// or not at all (no arguments); `None` when they are something else.
    pub fn from_value(name: &str, arguments: Option<&Value>) -> Option<ToolCall> {
        match arguments {
            Some(Value::String(text)) => Some(ToolCall::from_text(name, text)),
            Some(args @ Value::Object(_)) => Some(ToolCall::new(name, args.clone())),
            None => Some(ToolCall::from_text(name, "")),
            Some(_) => None,
        }
    }

    /// A call whose arguments came as JSON text (OpenAI's wire format).
    pub fn from_text(name: &str, arguments: &str) -> ToolCall {
        let parsed = if arguments.trim().is_empty() {
            Ok(Value::Object(Default::default()))
        } else {
            serde_json::from_str::<Value>(arguments)
        };
        match parsed {
            Ok(v) => ToolCall::new(name, v),
            Err(_) => ToolCall {
                id: None,
                name: name.to_string(),
                arguments: Value::String(arguments.to_string()),
                malformed: true,
            },
        }
    }

    /// `name({"id": 7})` on one line, as reasons quote a call.
    pub fn short(&self) -> String {
        let args = match (&self.arguments, self.malformed) {
            (Value::String(raw), true) => raw.clone(),
            (v, _) => v.to_string(),
        };
        format!("{}({})", self.name, args)
    }

    /// The arguments pretty-printed, as a reader sees them in a report.
    pub fn pretty_arguments(&self) -> String {
        match (&self.arguments, self.malformed) {
            (Value::String(raw), true) => format!("{raw}  (not valid JSON)"),
            (v, _) => serde_json::to_string_pretty(v).unwrap_or_default(),
        }
    }
}

/// What a reader is shown as an answer: its text, then each tool call with its
/// arguments pretty-printed. Two answers differ when this differs.
pub fn shown_output(output: &str, calls: &[ToolCall]) -> String {
    if calls.is_empty() {
        return output.to_string();
    }
    let mut out = output.to_string();
    for call in calls {
        if !out.is_empty() {
            out.push('\n');
        }
        out.push_str(&format!("→ {}({})", call.name, call.pretty_arguments()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn arguments_that_are_not_json_are_kept_and_flagged() {
        let ok = ToolCall::from_text("lookup", r#"{"id": 7}"#);
        assert_eq!(ok.arguments, json!({"id": 7}));
        assert!(!ok.malformed);
        let bad = ToolCall::from_text("lookup", "{id: 7");
        assert_eq!(bad.arguments, json!("{id: 7"));
        assert!(bad.malformed);
        assert_eq!(bad.short(), "lookup({id: 7)");
        let empty = ToolCall::from_text("now", "");
        assert_eq!(empty.arguments, json!({}));
        // A recorded call has no id and no flag unless malformed.
        assert_eq!(
            serde_json::to_value(&ok).unwrap(),
            json!({"name": "lookup", "arguments": {"id": 7}})
        );
        assert_eq!(serde_json::to_value(&bad).unwrap()["malformed"], true);
    }

    #[test]
    fn shown_output_lists_calls_after_the_text() {
        let calls = [ToolCall::from_text("lookup", r#"{"id": 7}"#)];
        assert_eq!(
            shown_output("Let me check.", &calls),
            "Let me check.\n→ lookup({\n  \"id\": 7\n})"
        );
        assert_eq!(shown_output("", &calls), "→ lookup({\n  \"id\": 7\n})");
        assert_eq!(shown_output("plain", &[]), "plain");
    }

    #[test]
    fn tool_choice_names_a_tool_or_a_mode() {
        assert_eq!(ToolChoice::parse("auto"), ToolChoice::Auto);
        assert_eq!(ToolChoice::parse("required"), ToolChoice::Required);
        assert_eq!(ToolChoice::parse("lookup"), ToolChoice::Tool("lookup"));
    }
}
