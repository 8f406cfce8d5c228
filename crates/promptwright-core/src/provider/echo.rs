//! The offline provider: answers with the rendered messages' contents, in order, joined
//! by one blank line. No network, no cost — the demo and CI run on it.

use futures::future::BoxFuture;

use super::{Provider, ProviderError, Request, Response, Tokens};
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
            let output = req
                .messages
                .iter()
                .map(|m| m.content.as_str())
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
    use crate::provider::ChatMessage;
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
}
