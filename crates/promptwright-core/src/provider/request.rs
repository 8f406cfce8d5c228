//! A prompt and one set of variables turned into what a provider is sent: the runner
//! asks with it and `render` prints it, so the two can never differ.

use serde::Serialize;
use serde_json::Value;

use super::{ChatMessage, Request, anthropic, openai};
use crate::template::RenderError;
use crate::workspace::{Prompt, ProviderKind};

/// The request for `prompt` rendered with `vars`, for `model`.
pub fn request_for<S: Serialize>(
    prompt: &Prompt,
    model: &str,
    vars: &S,
) -> Result<Request, RenderError> {
    let rendered = prompt.templates.render(vars)?;
    Ok(Request {
        model: model.to_string(),
        messages: prompt
            .def
            .messages
            .iter()
            .zip(rendered)
            .map(|(m, content)| ChatMessage {
                role: m.role,
                content,
            })
            .collect(),
        params: prompt.def.params.clone(),
        sample: 1,
    })
}

/// The JSON body a provider of `kind` is sent for `req`, in its vendor's wire format.
/// Offline kinds (echo, replay) are shown as the OpenAI format their requests mirror.
pub fn request_body(kind: ProviderKind, req: &Request) -> Value {
    match kind {
        ProviderKind::Anthropic => anthropic::Anthropic::body(req),
        ProviderKind::Openai | ProviderKind::Echo | ProviderKind::Replay => {
            openai::OpenAi::body(req)
        }
    }
}
