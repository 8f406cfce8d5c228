//! Prompt templates: minijinja with strict undefined, so a case that lacks a variable
//! is an error naming it, never a silently empty string.

use std::collections::BTreeSet;

use minijinja::{Environment, UndefinedBehavior};
use serde::Serialize;

mod bounded;
mod diagnose;

use diagnose::{classify, syntax_error, unknown_names};

/// The compiled templates of one prompt's messages (template `i` is message `i`).
#[derive(Debug)]
pub struct Templates {
    env: Environment<'static>,
    count: usize,
}

/// A template syntax error: which message, where in its text, what is wrong.
#[derive(Debug, Clone, PartialEq)]
pub struct SyntaxError {
    pub message_index: usize,
    /// 1-based line inside the message content.
    pub line: usize,
    /// 1-based column (in characters) inside that line, when known.
    pub col: Option<usize>,
    pub message: String,
    /// How to fix it, when there is more to say than Jinja's syntax in general.
    pub help: Option<String>,
}

/// Why a render failed, phrased for the person who has to fix the case or the prompt.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RenderError {
    #[error("missing variable `{name}`: add it to the case's vars")]
    MissingVariable { name: String },
    #[error(
        "template output over {} MiB in message {} (all messages of a prompt share one budget): render less",
        MAX_RENDER_BYTES >> 20,
        message_index + 1
    )]
    TooLarge { message_index: usize },
    /// A conversation slot's variable is not a list of messages.
    #[error("`{name}` is not a conversation: {detail}")]
    Conversation { name: String, detail: String },
    /// An image reference that names no image a request may carry.
    #[error("message {}: {detail}", message_index + 1)]
    Image {
        message_index: usize,
        detail: String,
    },
    #[error("template error in message {}: {detail}", message_index + 1)]
    Other {
        message_index: usize,
        detail: String,
    },
}

/// Work units one render may spend, all messages of the prompt together: ample for any
/// real prompt (a loop over 10,000 items costs about 100,000), small enough to stop
/// `range(100000)` nested twice. A unit also pays for 64 bytes of data made.
pub const FUEL: u64 = 5_000_000;

fn environment() -> Environment<'static> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    // Prompts are plain text, not HTML: never escape.
    env.set_auto_escape_callback(|_| minijinja::AutoEscape::None);
    // A runaway loop must end as a case error, not hang a run: bound each render's
    // work (and with it its memory, about 64 bytes a unit).
    env.set_fuel(Some(FUEL));
    env.add_filter("indent", bounded::indent);
    env.add_filter("tojson", bounded::tojson);
    env.add_filter("format", bounded::format);
    env.add_filter("slice", bounded::slice);
    env
}

impl Templates {
    /// Compiles every message content; reports every syntax error, not just the first,
    /// and every filter or test the environment does not have (minijinja itself finds
    /// those only when a render reaches them: per case, at run time).
    pub fn compile(contents: &[String]) -> Result<Templates, Vec<SyntaxError>> {
        let mut env = environment();
        let mut errors = Vec::new();
        for (i, content) in contents.iter().enumerate() {
            match env.add_template_owned(i.to_string(), content.clone()) {
                Err(e) => errors.push(syntax_error(i, content, &e)),
                Ok(()) => errors.extend(unknown_names(&env, i, content)),
            }
        }
        if errors.is_empty() {
            Ok(Templates {
                env,
                count: contents.len(),
            })
        } else {
            Err(errors)
        }
    }

    /// Top-level variables the templates read (loop variables and `set` excluded).
    pub fn variables(&self) -> BTreeSet<String> {
        let mut vars = BTreeSet::new();
        for i in 0..self.count {
            if let Ok(t) = self.env.get_template(&i.to_string()) {
                vars.extend(
                    t.undeclared_variables(false)
                        .into_iter()
                        .filter(|v| self.env.globals().all(|(g, _)| g != v)),
                );
            }
        }
        vars
    }

    /// Renders every message with `vars`. All the messages of one render share one fuel
    /// budget ([`FUEL`]) and one output budget ([`MAX_RENDER_BYTES`]): four messages of
    /// `"x" * 100000000` cost one budget, not four.
    pub fn render<S: Serialize>(&self, vars: &S) -> Result<Vec<String>, RenderError> {
        let ctx = minijinja::Value::from(minijinja::value::Serde(vars));
        // A copy whose fuel can be set to what the earlier messages left.
        let mut env = self.env.clone();
        let mut fuel_left = FUEL;
        let mut out = Capped {
            buf: Vec::new(),
            left: MAX_RENDER_BYTES,
        };
        let mut messages = Vec::with_capacity(self.count);
        for i in 0..self.count {
            env.set_fuel(Some(fuel_left));
            let t = env
                .get_template(&i.to_string())
                .map_err(|e| RenderError::Other {
                    message_index: i,
                    detail: e.to_string(),
                })?;
            let rendered = t.render_captured_to(ctx.clone(), &mut out);
            let captured = rendered.map_err(|e| {
                if out.left == 0 {
                    RenderError::TooLarge { message_index: i }
                } else {
                    classify(i, t.source(), &e)
                }
            })?;
            let used = captured.state().fuel_levels().map_or(0, |(used, _)| used);
            fuel_left = fuel_left.saturating_sub(used).max(1);
            let text = String::from_utf8(std::mem::take(&mut out.buf))
                .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
            messages.push(text);
        }
        Ok(messages)
    }
}

/// Everything one render may write, all messages together: far above any real prompt
/// (a long-context model's whole window is a few MiB of text).
pub const MAX_RENDER_BYTES: usize = 16 << 20;

/// A writer that refuses to grow past its budget.
struct Capped {
    buf: Vec<u8>,
    left: usize,
}

impl std::io::Write for Capped {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        if data.len() > self.left {
            self.left = 0;
            return Err(std::io::Error::other(
                "the render is over its output budget",
            ));
        }
        self.left -= data.len();
        self.buf.extend_from_slice(data);
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests;
