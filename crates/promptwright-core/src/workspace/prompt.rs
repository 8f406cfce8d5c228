//! prompts/NAME.toml: the definition, its canonical form and content hash, and its
//! compiled templates.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};
use toml::Spanned;

use super::toml_message::unknown_field;
use crate::template::Templates;
use crate::vocab::{Diagnostic, Message, ResponseFormat, Source, ToolDef};

/// A prompt definition: what a prompt file says, and what a release file carries.
/// Its JSON serialisation (fields in this order, params sorted) is the canonical form.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct PromptDef {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub params: BTreeMap<String, Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_choice: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tools: Vec<ToolDef>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response_format: Option<ResponseFormat>,
    /// SHA-256 of each image the messages name by a literal workspace path: the
    /// image's bytes are part of the prompt's content (and hash).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub image_sha256: BTreeMap<String, String>,
    pub messages: Vec<Message>,
}

impl PromptDef {
    /// SHA-256 of the canonical form, so reformatting a file does not change it.
    pub fn content_sha256(&self) -> String {
        let canonical = serde_json::to_string(self).unwrap_or_default();
        let digest = Sha256::digest(canonical.as_bytes());
        digest.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// Every template of the prompt: each message's content, in order, then each
    /// message's image references, in order.
    pub fn template_sources(&self) -> Vec<String> {
        let mut sources: Vec<String> = self.messages.iter().map(|m| m.content.clone()).collect();
        sources.extend(self.messages.iter().flat_map(|m| m.images.iter().cloned()));
        sources
    }

    /// The message a template of [`Self::template_sources`] belongs to.
    pub fn message_of_template(&self, index: usize) -> usize {
        let mut at = self.messages.len();
        if index < at {
            return index;
        }
        for (i, m) in self.messages.iter().enumerate() {
            at += m.images.len();
            if index < at {
                return i;
            }
        }
        self.messages.len().saturating_sub(1)
    }

    /// The case variables conversation slots read (`insert = "history"`).
    pub fn inserted_variables(&self) -> impl Iterator<Item = &str> {
        self.messages.iter().filter_map(|m| m.insert.as_deref())
    }
}

/// A loaded prompt: definition, hash, compiled templates, variables.
#[derive(Debug, Clone)]
pub struct Prompt {
    pub name: String,
    /// Path relative to the workspace root, e.g. `prompts/support-reply.toml`.
    pub rel_path: String,
    pub def: PromptDef,
    pub content_sha256: String,
    pub templates: Arc<Templates>,
    pub variables: BTreeSet<String>,
}

impl Prompt {
    /// A prompt from a definition that is not the file in prompts/, e.g. a release's:
    /// what `release` evaluates as the baseline. `rel_path` names where the definition
    /// lives (`releases/NAME/vN.toml`) in messages. Fails on a template syntax error.
    pub fn from_def(
        name: &str,
        rel_path: &str,
        def: PromptDef,
    ) -> Result<Prompt, Vec<crate::template::SyntaxError>> {
        let templates = Templates::compile(&def.template_sources())?;
        Ok(Prompt {
            name: name.to_string(),
            rel_path: rel_path.to_string(),
            content_sha256: def.content_sha256(),
            variables: variables_of(&def, &templates),
            templates: Arc::new(templates),
            def,
        })
    }
}

/// What a render reads: the templates' variables and the conversation slots'.
fn variables_of(def: &PromptDef, templates: &Templates) -> BTreeSet<String> {
    let mut vars = templates.variables();
    vars.extend(def.inserted_variables().map(str::to_string));
    vars
}

/// The file as written, with spans for messages that need a position.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PromptFile {
    description: Option<String>,
    provider: Option<Spanned<String>>,
    model: Option<String>,
    #[serde(default)]
    params: BTreeMap<String, Value>,
    tool_choice: Option<Spanned<String>>,
    #[serde(default)]
    tools: Vec<super::prompt_tools::ToolFile>,
    response_format: Option<super::prompt_tools::FormatFile>,
    #[serde(default)]
    messages: Vec<super::prompt_messages::MessageFile>,
}

/// Where names were written, to check them against workspace.toml: the provider, and
/// each key of `[params]`.
struct Positions {
    provider: Option<std::ops::Range<usize>>,
    params: BTreeMap<String, std::ops::Range<usize>>,
}

/// File line where line 1 of a string literal's content sits: a multi-line string
/// that opens with a newline starts on the next line.
fn content_first_line(src: &Source, span: &std::ops::Range<usize>) -> (usize, usize) {
    let literal = src.text.get(span.clone()).unwrap_or("");
    let (line, col) = src.line_col(span.start);
    for quote in ["\"\"\"", "'''"] {
        if let Some(rest) = literal.strip_prefix(quote) {
            if rest.starts_with('\n') || rest.starts_with("\r\n") {
                return (line + 1, 1);
            }
            return (line, col + 3);
        }
    }
    (line, col + 1)
}

/// For each byte of a TOML string's value, the byte offset in the file of the text that
/// wrote it, plus one entry for the end: escapes (`\"`, `\t`, `\u00e9`) and line-ending
/// backslashes make the value differ from the file. `None` when the literal at `span`
/// does not decode to `value` (then callers fall back to an approximation).
fn value_offsets(src: &Source, span: &std::ops::Range<usize>, value: &str) -> Option<Vec<usize>> {
    let raw = src.text.get(span.clone())?;
    let delim = ["\"\"\"", "'''", "\"", "'"]
        .into_iter()
        .find(|d| raw.starts_with(d) && raw.len() >= 2 * d.len())?;
    let basic = delim.starts_with('"');
    let multi = delim.len() == 3;
    let end = raw.len() - delim.len();
    let mut i = delim.len();
    if multi {
        // A newline right after the opening delimiter is not part of the value.
        if raw[i..].starts_with("\r\n") {
            i += 2;
        } else if raw[i..].starts_with('\n') {
            i += 1;
        }
    }
    let mut decoded = String::with_capacity(value.len());
    let mut map = Vec::with_capacity(value.len() + 1);
    while i < end {
        let c = raw[i..].chars().next()?;
        if basic && c == '\\' {
            let escape_start = span.start + i;
            let next = raw[i + 1..].chars().next()?;
            let ch = match next {
                'u' | 'U' | 'x' => {
                    let digits = match next {
                        'u' => 4,
                        'U' => 8,
                        _ => 2,
                    };
                    let hex = raw.get(i + 2..i + 2 + digits)?;
                    i += 2 + digits;
                    char::from_u32(u32::from_str_radix(hex, 16).ok()?)?
                }
                ' ' | '\t' | '\r' | '\n' if multi => {
                    // A line-ending backslash: it and the whitespace after it vanish.
                    i += 1;
                    while i < end && matches!(raw.as_bytes()[i], b' ' | b'\t' | b'\r' | b'\n') {
                        i += 1;
                    }
                    continue;
                }
                simple => {
                    i += 1 + simple.len_utf8();
                    match simple {
                        'b' => '\u{8}',
                        't' => '\t',
                        'n' => '\n',
                        'f' => '\u{c}',
                        'r' => '\r',
                        'e' => '\u{1b}',
                        '"' => '"',
                        '\\' => '\\',
                        _ => return None,
                    }
                }
            };
            decoded.push(ch);
            map.extend(std::iter::repeat_n(escape_start, ch.len_utf8()));
        } else {
            decoded.push(c);
            map.extend((0..c.len_utf8()).map(|k| span.start + i + k));
            i += c.len_utf8();
        }
    }
    map.push(span.start + end);
    (decoded == value).then_some(map)
}

/// Where each key of `[params]` is written. A second, lenient read of a file that
/// already parsed: the file's own struct keeps plain keys (its shape is what the
/// reference documents).
fn param_spans(src: &Source) -> BTreeMap<String, std::ops::Range<usize>> {
    #[derive(Deserialize)]
    struct Keys {
        #[serde(default)]
        params: BTreeMap<Spanned<String>, serde::de::IgnoredAny>,
    }
    toml::from_str::<Keys>(&src.text)
        .map(|k| {
            k.params
                .into_keys()
                .map(|k| {
                    let span = k.span();
                    (k.into_inner(), span)
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Byte offset in `text` of a 1-based line and character column.
fn offset_of(text: &str, line: usize, col: usize) -> usize {
    let mut seen = 0;
    for (i, l) in text.split_inclusive('\n').enumerate() {
        if i + 1 == line {
            let in_line: usize = l
                .trim_end_matches('\n')
                .chars()
                .take(col.saturating_sub(1))
                .map(char::len_utf8)
                .sum();
            return seen + in_line;
        }
        seen += l.len();
    }
    text.len()
}

fn parse(name: &str, src: &Source, root: &Path) -> Result<(Prompt, Positions), Vec<Diagnostic>> {
    let file: PromptFile = toml::from_str(&src.text).map_err(|e| {
        let mut d = src.toml_error(&e);
        // `temperature = 0.2` at the top of the file is the usual slip: say where it goes.
        if let Some(field) = unknown_field(&d.message) {
            let suggested = d.help.as_deref().is_some_and(|h| h.starts_with("did you mean"));
            if d.message.contains("`params`") && !suggested {
                d.help = Some(format!(
                    "model parameters go in the [params] table: move `{field} = ...` below a [params] line; \
                     the other top-level keys are description, provider, model, tool_choice, tools, response_format and messages"
                ));
            }
        }
        vec![d]
    })?;
    if file.messages.is_empty() {
        return Err(vec![Diagnostic::file(src.path.clone(), "the prompt has no messages").with_help(
            "add at least one message:\n\n[[messages]]\nrole = \"user\"\ncontent = \"{{ question }}\"",
        )]);
    }
    let mut errors = Vec::new();
    let (messages, spans, image_sha256) =
        super::prompt_messages::convert(src, root, file.messages, &mut errors);
    let prompt_dir = root.join("prompts");
    let files = super::prompt_tools::Files {
        root,
        prompt_dir: &prompt_dir,
    };
    let tools = super::prompt_tools::resolve(
        src,
        &files,
        file.tools,
        file.tool_choice,
        file.response_format,
        &mut errors,
    );
    if !errors.is_empty() {
        return Err(errors);
    }
    let def = PromptDef {
        description: file.description,
        provider: file.provider.as_ref().map(|p| p.get_ref().clone()),
        model: file.model,
        params: file.params,
        tool_choice: tools.tool_choice,
        tools: tools.tools,
        response_format: tools.response_format,
        image_sha256,
        messages,
    };
    let templates = Templates::compile(&def.template_sources()).map_err(|errs| {
        errs.into_iter()
            .map(|e| {
                let owner = def.message_of_template(e.message_index);
                let Some(content_span) = spans[owner].content.clone() else {
                    return Diagnostic::file(src.path.clone(), e.message.clone());
                };
                if e.message_index >= def.messages.len() {
                    let at = spans[owner].images.clone().unwrap_or(content_span);
                    return src
                        .at(at, format!("template syntax error in an image of message {}: {}", owner + 1, e.message))
                        .with_help(e.help.clone().unwrap_or_else(|| "an image reference is a path or URL, with {{ variable }} where a case fills it in".into()));
                }
                let content = &def.messages[owner].content;
                let span = content_span;
                let col_in_line = e.col.unwrap_or(1);
                let exact = value_offsets(src, &span, content).and_then(|map| {
                    map.get(offset_of(content, e.line, col_in_line)).copied()
                });
                let (line, col) = match exact {
                    Some(offset) => src.line_col(offset),
                    None => {
                        let (first_line, first_col) = content_first_line(src, &span);
                        let line = first_line + e.line.saturating_sub(1);
                        let col = if e.line <= 1 { first_col + col_in_line - 1 } else { col_in_line };
                        (line, col)
                    }
                };
                src.at_line_col(line, col, format!("template syntax error in message {}: {}", e.message_index + 1, e.message))
                    .with_help(e.help.clone().unwrap_or_else(|| "templates use Jinja syntax: {{ variable }}, {% if x %}...{% endif %}, {% for x in xs %}...{% endfor %}".into()))
            })
            .collect::<Vec<_>>()
    })?;
    let positions = Positions {
        provider: file.provider.as_ref().map(Spanned::span),
        params: param_spans(src),
    };
    let variables = variables_of(&def, &templates);
    Ok((
        Prompt {
            name: name.to_string(),
            rel_path: format!("prompts/{name}.toml"),
            content_sha256: def.content_sha256(),
            def,
            templates: Arc::new(templates),
            variables,
        },
        positions,
    ))
}

/// Parses a prompt file on its own (the TUI's editor), checking its provider and its
/// `[params]` against `config` when there is one (without, params are checked against
/// every API's names).
pub fn parse_prompt(
    name: &str,
    src: &Source,
    config: Option<&super::Config>,
    root: &Path,
) -> Result<Prompt, Vec<Diagnostic>> {
    let (prompt, positions) = parse(name, src, root)?;
    let mut errors = Vec::new();
    let provider = prompt
        .def
        .provider
        .as_deref()
        .or(config.and_then(|c| c.default_provider.as_deref()));
    let kind = config
        .zip(provider)
        .and_then(|(c, p)| c.providers.get(p))
        .map(|p| p.kind);
    // Ranges by the kind of provider the prompt will be sent to; offline providers take
    // the parameters of either vendor.
    let range_kind = kind.filter(|k| {
        matches!(
            k,
            super::ProviderKind::Openai | super::ProviderKind::Anthropic
        )
    });
    super::ranges::check_params(src, range_kind, &mut errors);
    if !errors.is_empty() {
        return Err(errors);
    }
    if let (Some(cfg), Some(span), Some(provider)) =
        (config, positions.provider.clone(), &prompt.def.provider)
    {
        if !cfg.providers.contains_key(provider) {
            let help = match crate::vocab::did_you_mean(
                provider,
                cfg.providers.keys().map(String::as_str),
            ) {
                Some(s) => format!("did you mean `{s}`?"),
                None => format!("define [providers.{provider}] in workspace.toml"),
            };
            errors.push(
                src.at(
                    span,
                    format!("provider `{provider}` is not defined in workspace.toml"),
                )
                .with_help(help),
            );
        }
    }
    for e in super::params::check(&prompt.def.params, kind, provider) {
        // A key inside [params.extra] is reported at `extra`: its entries keep no span.
        let key = if e.in_extra {
            super::params::EXTRA
        } else {
            &e.key
        };
        let at = positions.params.get(key).cloned().unwrap_or(0..0);
        let message = if e.in_extra {
            format!("[params.extra]: {}", e.message)
        } else {
            e.message
        };
        errors.push(src.at(at, message).with_help(e.help));
    }
    if errors.is_empty() {
        Ok(prompt)
    } else {
        Err(errors)
    }
}

#[cfg(test)]
#[path = "prompt_tests.rs"]
mod tests;
