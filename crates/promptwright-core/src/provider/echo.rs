//! The offline provider: answers with the rendered messages' contents, in order, joined
//! by one blank line. No network, no cost — the demo and CI run on it.

use futures::future::BoxFuture;

use super::{ChatMessage, Provider, ProviderError, Request, Response, Tokens};
use crate::workspace::ProviderKind;

pub struct Echo;

/// A rough token count (about four characters a token) so summaries have figures.
pub(crate) fn estimate_tokens(text: &str) -> u64 {
    (text.chars().count() as u64).div_ceil(4)
}

impl Provider for Echo {
    fn kind(&self) -> ProviderKind {
        ProviderKind::Echo
    }

    fn complete<'a>(&'a self, req: &'a Request) -> BoxFuture<'a, Result<Response, ProviderError>> {
        Box::pin(async move {
            // A conversation's tool calls and results, and images by reference, are
            // shown as a preview shows them; a plain message is its text.
            let output = req
                .messages
                .iter()
                .map(ChatMessage::shown)
                .collect::<Vec<_>>()
                .join("\n\n");
            let input: u64 = req
                .messages
                .iter()
                .map(|m| estimate_tokens(&m.content))
                .sum();
            Ok(Response {
                tokens: Some(Tokens {
                    input,
                    output: estimate_tokens(&output),
                }),
                output,
                tool_calls: Vec::new(),
                cost_override_usd: Some(0.0),
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vocab::Role;

    #[tokio::test]
    async fn joins_contents_with_one_blank_line() {
        let req = crate::provider::Request {
            model: "m".into(),
            messages: vec![
                ChatMessage::text(Role::System, "You are terse."),
                ChatMessage::text(Role::User, "Hi"),
            ],
            sample: 1,
            ..Default::default()
        };
        let r = Echo.complete(&req).await.unwrap();
        assert_eq!(r.output, "You are terse.\n\nHi");
        assert_eq!(r.cost_override_usd, Some(0.0));
        assert_eq!(r.tokens.unwrap().input, 4 + 1);
    }

    #[tokio::test]
    async fn a_conversation_and_a_response_format_are_echoed_as_text() {
        let history = crate::provider::history::parse(&serde_json::json!([
            {"role": "user", "content": "Where is 7?"},
            {"role": "assistant", "tool_calls": [{"name": "lookup", "arguments": {"id": 7}}]},
            {"role": "tool", "content": "late"},
        ]))
        .unwrap();
        let mut messages = history;
        messages.push(ChatMessage::text(Role::User, "And now?"));
        let req = crate::provider::Request {
            messages,
            response_format: Some(crate::vocab::ResponseFormat {
                kind: crate::vocab::FormatKind::JsonObject,
                name: None,
                schema: None,
                strict: None,
            }),
            ..Default::default()
        };
        let r = Echo.complete(&req).await.unwrap();
        assert_eq!(
            r.output,
            "Where is 7?\n\n→ lookup({\n  \"id\": 7\n})\n\n(the result of call_2_1)\nlate\n\nAnd now?"
        );
        assert!(r.tool_calls.is_empty());
    }
}
