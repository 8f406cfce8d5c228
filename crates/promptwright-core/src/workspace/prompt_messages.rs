//! A prompt file's `[[messages]]`: a templated message (`role`, `content`, `images`) or
//! a conversation slot (`insert`), each checked at its line.

use std::ops::Range;
use std::path::Path;

use serde::Deserialize;
use toml::Spanned;

use crate::provider::Image;
use crate::vocab::{Diagnostic, Message, Role, Source};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct MessageFile {
    role: Option<Spanned<Role>>,
    content: Option<Spanned<String>>,
    images: Option<Spanned<Vec<String>>>,
    insert: Option<Spanned<String>>,
}

/// Where a message's templates were written, for template errors.
pub(crate) struct Spans {
    pub content: Option<Range<usize>>,
    pub images: Option<Range<usize>>,
}

/// The most images one message may carry (both vendors' per-request limits are higher,
/// but a prompt with more is almost surely a mistake that would send megabytes a case).
pub const MAX_IMAGES: usize = 20;

fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn is_template(text: &str) -> bool {
    text.contains("{{") || text.contains("{%")
}

/// The messages as a definition holds them, plus the digest of every image the prompt
/// names literally (a workspace path, no template): its bytes are part of the prompt.
pub(crate) fn convert(
    src: &Source,
    root: &Path,
    files: Vec<MessageFile>,
    errors: &mut Vec<Diagnostic>,
) -> (
    Vec<Message>,
    Vec<Spans>,
    std::collections::BTreeMap<String, String>,
) {
    let mut messages = Vec::new();
    let mut spans = Vec::new();
    let mut digests = std::collections::BTreeMap::new();
    for (i, m) in files.into_iter().enumerate() {
        let n = i + 1;
        if let Some(insert) = m.insert {
            let span = insert.span();
            let var = insert.into_inner();
            if m.role.is_some() || m.content.is_some() || m.images.is_some() {
                errors.push(
                    src.at(span.clone(), format!("message {n} has `insert` and other keys"))
                        .with_help("a conversation slot is only `insert = \"VAR\"`: the messages come from the case variable; put role and content in a message of their own"),
                );
            }
            if !is_identifier(&var) {
                errors.push(
                    src.at(
                        span,
                        format!("`insert` must name a case variable, found {var:?}"),
                    )
                    .with_help("for example: insert = \"history\" (letters, digits and `_`)"),
                );
            }
            messages.push(Message::insert(var));
            spans.push(Spans {
                content: None,
                images: None,
            });
            continue;
        }
        // Pointed at whichever key the table has.
        let written = m
            .role
            .as_ref()
            .map(Spanned::span)
            .or_else(|| m.content.as_ref().map(Spanned::span))
            .or_else(|| m.images.as_ref().map(Spanned::span));
        let (Some(role), Some(content)) = (m.role, m.content) else {
            let what = format!("message {n} needs `role` and `content`");
            let d = match written {
                Some(at) => src.at(at, what),
                None => Diagnostic::file(src.path.clone(), what),
            };
            errors.push(d.with_help(
                "write role = \"system\" | \"user\" | \"assistant\" and content = \"...\", or insert = \"VAR\" for a conversation slot",
            ));
            continue;
        };
        let role_span = role.span();
        let role = role.into_inner();
        let mut images = Vec::new();
        let mut images_span = None;
        if let Some(list) = m.images {
            let span = list.span();
            let list = list.into_inner();
            if role != Role::User && !list.is_empty() {
                errors.push(
                    src.at(role_span, format!("images on a {} message", role.as_str()))
                        .with_help("images go on user messages: the providers take images only from the user"),
                );
            }
            if list.len() > MAX_IMAGES {
                errors.push(
                    src.at(
                        span.clone(),
                        format!("{} images on one message, over {MAX_IMAGES}", list.len()),
                    )
                    .with_help("send fewer images, or split the prompt"),
                );
            }
            for written in &list {
                if is_template(written) {
                    continue;
                }
                match Image::reference(written).and_then(|r| r.load(root)) {
                    Ok(Image::Bytes { sha256, .. }) => {
                        digests.insert(written.trim().to_string(), sha256);
                    }
                    Ok(_) => {}
                    Err(e) => errors.push(src.at(span.clone(), e).with_help(
                        "an image is a path relative to the workspace root (e.g. images/receipt.png) or an https URL",
                    )),
                }
            }
            images = list;
            images_span = Some(span);
        }
        spans.push(Spans {
            content: Some(content.span()),
            images: images_span,
        });
        messages.push(Message {
            images,
            ..Message::new(role, content.into_inner())
        });
    }
    (messages, spans, digests)
}
