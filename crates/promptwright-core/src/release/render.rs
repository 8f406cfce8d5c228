//! `render`: the exact body a provider would be sent for a prompt at a REF and one set of
//! variables. Applications that load a release file and fill it in themselves can check
//! their bytes against it. The release file's content hash is checked first (as
//! resolving a REF always does), and nothing is produced for a tampered file or a
//! missing variable.

use std::fmt;
use std::path::Path;

use serde_json::Value;

use super::refs::{Ref, RefError, resolve};
use crate::provider::{request_body, request_for};
use crate::template::RenderError;
use crate::vocab::Explain;
use crate::workspace::lenient::read_config;
use crate::workspace::{Prompt, ProviderKind};

/// Why there is no body to show.
#[derive(Debug)]
pub enum RenderProblem {
    Ref(RefError),
    NotAnObject,
    Template(String),
    Render(RenderError),
    NoModel { name: String, rel_path: String },
}

impl fmt::Display for RenderProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RenderProblem::Ref(e) => e.fmt(f),
            RenderProblem::NotAnObject => f.write_str("the variables are not a JSON object"),
            RenderProblem::Template(e) => write!(f, "the template does not compile: {e}"),
            RenderProblem::Render(RenderError::MissingVariable { name }) => {
                write!(f, "missing variable `{name}` in --vars")
            }
            RenderProblem::Render(e) => e.fmt(f),
            RenderProblem::NoModel { name, .. } => write!(f, "prompt `{name}` names no model"),
        }
    }
}

impl Explain for RenderProblem {
    fn help(&self) -> String {
        match self {
            RenderProblem::Ref(e) => e.help(),
            RenderProblem::NotAnObject => {
                "pass an object of template variables, e.g. --vars '{\"ticket\": \"...\"}'".into()
            }
            RenderProblem::Template(_) => "`promptwright check` shows where".into(),
            RenderProblem::Render(_) => {
                "give every variable the template uses in --vars (`promptwright check` lists a prompt's variables)".into()
            }
            RenderProblem::NoModel { rel_path, .. } => {
                format!("add model = \"...\" to {rel_path}")
            }
        }
    }
}

/// The body for prompt `name` at `reference` with `vars`, in the wire format of `format`
/// or else of the prompt's provider (OpenAI's when the workspace names none).
pub fn render(
    root: &Path,
    name: &str,
    reference: &Ref,
    vars: &Value,
    format: Option<ProviderKind>,
) -> Result<Value, RenderProblem> {
    let side = resolve(root, name, reference).map_err(RenderProblem::Ref)?;
    if !vars.is_object() {
        return Err(RenderProblem::NotAnObject);
    }
    let prompt = Prompt::from_def(name, &side.rel_path, side.def).map_err(|errors| {
        let first = errors.first();
        RenderProblem::Template(first.map_or_else(String::new, |e| {
            format!(
                "message {}, line {}: {}",
                e.message_index + 1,
                e.line,
                e.message
            )
        }))
    })?;
    let config = read_config(root);
    let provider = config.as_ref().and_then(|c| {
        let named = prompt
            .def
            .provider
            .as_ref()
            .or(c.default_provider.as_ref())?;
        c.providers.get(named)
    });
    let kind = format
        .or(provider.map(|p| p.kind))
        .unwrap_or(ProviderKind::Openai);
    let model = match (&prompt.def.model, provider.map(|p| p.kind)) {
        (Some(m), _) => m.clone(),
        // What a run sends for an offline provider with no model.
        (None, Some(k @ (ProviderKind::Echo | ProviderKind::Replay))) => k.as_str().to_string(),
        (None, _) => {
            return Err(RenderProblem::NoModel {
                name: name.to_string(),
                rel_path: side.rel_path,
            });
        }
    };
    let request = request_for(&prompt, &model, vars).map_err(RenderProblem::Render)?;
    Ok(request_body(kind, &request))
}
