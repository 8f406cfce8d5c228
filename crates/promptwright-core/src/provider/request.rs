//! A prompt and one set of variables turned into what a provider is sent: the runner
//! asks with it and `render` prints it, so the two can never differ.

use serde::Serialize;
use serde_json::Value;

use super::{ChatMessage, Image, Request, anthropic, history, openai};
use crate::template::RenderError;
use crate::workspace::{Prompt, ProviderKind};

/// The request for `prompt` rendered with `vars`, for `model`. Conversation slots take
/// the case's messages; images stay references until [`load_images`] reads them.
pub fn request_for<S: Serialize>(
    prompt: &Prompt,
    model: &str,
    vars: &S,
) -> Result<Request, RenderError> {
    let def = &prompt.def;
    let rendered = prompt.templates.render(vars).map_err(|e| match e {
        RenderError::Other {
            message_index,
            detail,
        } => RenderError::Other {
            message_index: def.message_of_template(message_index),
            detail,
        },
        RenderError::TooLarge { message_index } => RenderError::TooLarge {
            message_index: def.message_of_template(message_index),
        },
        other => other,
    })?;
    let (contents, image_refs) = rendered.split_at(def.messages.len().min(rendered.len()));
    let mut image_refs = image_refs.iter();
    let values = if def.inserted_variables().next().is_some() {
        serde_json::to_value(vars).unwrap_or_default()
    } else {
        Value::Null
    };
    let mut messages = Vec::with_capacity(def.messages.len());
    for (i, (m, content)) in def.messages.iter().zip(contents).enumerate() {
        if let Some(var) = &m.insert {
            let Some(list) = values.get(var) else {
                return Err(RenderError::MissingVariable { name: var.clone() });
            };
            let inserted = history::parse(list).map_err(|detail| RenderError::Conversation {
                name: var.clone(),
                detail,
            })?;
            messages.extend(inserted);
            continue;
        }
        let mut message = ChatMessage::text(m.role, content.clone());
        for _ in &m.images {
            let written = image_refs.next().map(String::as_str).unwrap_or_default();
            let image = Image::reference(written).map_err(|detail| RenderError::Image {
                message_index: i,
                detail,
            })?;
            message.images.push(image);
        }
        messages.push(message);
    }
    Ok(Request {
        model: model.to_string(),
        messages,
        params: def.params.clone(),
        tools: def.tools.clone(),
        tool_choice: def.tool_choice.clone(),
        response_format: def.response_format.clone(),
        sample: 1,
    })
}

/// Reads the request's workspace images under `root` (never outside it); an image that
/// cannot be read, is too large or is not an image is an error naming it.
pub fn load_images(req: &mut Request, root: &std::path::Path) -> Result<(), String> {
    for m in &mut req.messages {
        for image in &mut m.images {
            if matches!(image, Image::Path(_)) {
                *image = std::mem::replace(image, Image::Url(String::new())).load(root)?;
            }
        }
    }
    Ok(())
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
