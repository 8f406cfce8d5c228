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

/// Reads requests' workspace images under a root (never outside it). The images a
/// prompt names literally are read once, when it is made, not once a request: a run of
/// 10,000 cases with a logo reads the logo once.
pub struct ImageReader {
    root: std::path::PathBuf,
    literal: std::collections::HashMap<String, Image>,
}

impl ImageReader {
    /// A reader for `prompt`'s requests; a literal image that cannot be read is left to
    /// each request to report.
    pub fn new(root: &std::path::Path, prompt: &Prompt) -> ImageReader {
        let literal = prompt
            .def
            .image_sha256
            .keys()
            .filter_map(|path| {
                let image = Image::Path(path.clone()).load(root).ok()?;
                Some((path.clone(), image))
            })
            .collect();
        ImageReader {
            root: root.to_path_buf(),
            literal,
        }
    }

    /// Reads `req`'s images; one that cannot be read, is too large or is not an image
    /// is an error naming it.
    pub fn load(&self, req: &mut Request) -> Result<(), String> {
        for m in &mut req.messages {
            for image in &mut m.images {
                if let Image::Path(path) = image {
                    *image = match self.literal.get(path.as_str()) {
                        Some(read) => read.clone(),
                        None => Image::Path(std::mem::take(path)).load(&self.root)?,
                    };
                }
            }
        }
        Ok(())
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vocab::Source;

    #[test]
    fn a_literal_image_is_read_once_for_every_request_and_a_case_image_each_time() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::write(root.join("logo.png"), b"\x89PNG\r\n\x1a\nlogo").unwrap();
        std::fs::write(root.join("case.png"), b"\x89PNG\r\n\x1a\ncase").unwrap();
        let text = "model = \"m\"\n[[messages]]\nrole = \"user\"\ncontent = \"x\"\nimages = [\"logo.png\", \"{{ photo }}\"]\n";
        let prompt = crate::workspace::prompt::parse_prompt(
            "p",
            &Source::new("prompts/p.toml", text),
            None,
            root,
        )
        .unwrap();
        let reader = ImageReader::new(root, &prompt);
        // Gone from disk after the reader was made: the prompt's own image was read once.
        std::fs::remove_file(root.join("logo.png")).unwrap();
        let mut req = request_for(&prompt, "m", &serde_json::json!({"photo": "case.png"})).unwrap();
        reader.load(&mut req).unwrap();
        let sha = |i: &Image| match i {
            Image::Bytes { sha256, .. } => sha256.clone(),
            other => panic!("not read: {other:?}"),
        };
        assert_eq!(
            sha(&req.messages[0].images[0]),
            prompt.def.image_sha256["logo.png"]
        );
        // A case's image is read with its request: a missing one is that request's error.
        std::fs::remove_file(root.join("case.png")).unwrap();
        let mut req = request_for(&prompt, "m", &serde_json::json!({"photo": "case.png"})).unwrap();
        let e = reader.load(&mut req).unwrap_err();
        assert!(e.contains("cannot read image `case.png`"), "{e}");
    }
}
