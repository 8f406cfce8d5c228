//! `render`: the exact body a provider would be sent for a prompt at a REF and one set of
//! variables. Applications that load a release file and fill it in themselves can check
//! their bytes against it. The release file's content hash is checked first (as
//! resolving a REF always does), and nothing is produced for a tampered file or a
//! missing variable.

use std::fmt;
use std::path::Path;

use serde_json::Value;

use super::refs::{RefError, ReleaseRef, resolve_release};
use crate::provider::{ChatMessage, ImageReader, request_body, request_for};
use crate::template::RenderError;
use crate::vocab::Explain;
use crate::workspace::lenient::read_config;
use crate::workspace::{Prompt, ProviderKind};

/// Why there is no body to show.
#[derive(Debug)]
pub enum RenderProblem {
    /// A REF that is no REF and no label name.
    BadRef(String),
    Ref(RefError),
    NotAnObject,
    Template(String),
    Render(RenderError),
    NoModel {
        name: String,
        rel_path: String,
    },
    /// An image the messages name cannot be sent (missing, too large, not an image).
    Image(String),
}

impl std::error::Error for RenderProblem {}

impl fmt::Display for RenderProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RenderProblem::BadRef(e) => f.write_str(e),
            RenderProblem::Ref(e) => e.fmt(f),
            RenderProblem::NotAnObject => f.write_str("the variables are not a JSON object"),
            RenderProblem::Template(e) => write!(f, "the template does not compile: {e}"),
            RenderProblem::Render(RenderError::MissingVariable { name }) => {
                write!(f, "missing variable `{name}` in --vars")
            }
            RenderProblem::Render(e) => e.fmt(f),
            RenderProblem::NoModel { name, .. } => write!(f, "prompt `{name}` names no model"),
            RenderProblem::Image(e) => f.write_str(e),
        }
    }
}

impl Explain for RenderProblem {
    fn help(&self) -> String {
        match self {
            RenderProblem::BadRef(_) => {
                "name a version as current, vN or draft, or a label of [labels] in workspace.toml".into()
            }
            RenderProblem::Ref(e) => e.help(),
            RenderProblem::NotAnObject => {
                "pass an object of template variables, e.g. --vars '{\"ticket\": \"...\"}'".into()
            }
            RenderProblem::Template(_) => "`promptwright check` shows where".into(),
            RenderProblem::Render(RenderError::Conversation { name, .. }) => format!(
                "pass `{name}` as a list of messages, e.g. [{{\"role\": \"user\", \"content\": \"...\"}}] (roles user, assistant and tool)"
            ),
            RenderProblem::Render(RenderError::Image { .. }) => {
                "an image is a workspace path or an https URL".into()
            }
            RenderProblem::Render(_) => {
                "give every variable the template uses in --vars (`promptwright check` lists a prompt's variables)".into()
            }
            RenderProblem::NoModel { rel_path, .. } => {
                format!("add model = \"...\" to {rel_path}")
            }
            RenderProblem::Image(_) => {
                "an image is a PNG, JPEG, GIF or WebP file inside the workspace, at most 20 MB, or an https URL".into()
            }
        }
    }
}

/// A prompt at a REF or label, verified and compiled: what an application renders.
///
/// ```
/// use promptwright_core::release::render::ReleasedPrompt;
/// use promptwright_core::workspace::ProviderKind;
/// use serde_json::json;
///
/// // The demo workspace at the repository's root.
/// let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
/// let prompt = ReleasedPrompt::load(&root, "support-reply", "current")?;
/// println!("v{} {}", prompt.version.unwrap_or(0), prompt.content_sha256);
/// let vars = json!({"company": "Acme", "customer_name": "Ada", "refund_window_days": 30,
///                   "policies": ["Be kind."], "ticket": "Where is my order?"});
/// let messages = prompt.messages(&vars)?;
/// assert_eq!(messages[0].role.as_str(), "system");
/// let body = prompt.body(&vars, Some(ProviderKind::Anthropic))?;
/// assert!(body["messages"].is_array());
/// # Ok::<(), promptwright_core::release::render::RenderProblem>(())
/// ```
#[derive(Debug, Clone)]
pub struct ReleasedPrompt {
    pub name: String,
    /// The version the REF or label names; `None` for the draft.
    pub version: Option<u32>,
    /// Checked against the definition when the file was read.
    pub content_sha256: String,
    /// The file read, relative to the workspace root.
    pub rel_path: String,
    prompt: Prompt,
    /// The kind of the prompt's provider in workspace.toml, if it names one.
    provider_kind: Option<ProviderKind>,
    /// The workspace root: where the images the messages name are read.
    root: std::path::PathBuf,
}

impl ReleasedPrompt {
    /// Loads prompt `name` at `reference` (`current`, `vN`, `draft` or a label) from the
    /// workspace at `root`, verifying the release file's content hash.
    pub fn load(root: &Path, name: &str, reference: &str) -> Result<ReleasedPrompt, RenderProblem> {
        let r: ReleaseRef = reference.parse().map_err(RenderProblem::BadRef)?;
        ReleasedPrompt::open(root, name, &r)
    }

    /// Like [`ReleasedPrompt::load`], with the REF parsed.
    pub fn open(
        root: &Path,
        name: &str,
        reference: &ReleaseRef,
    ) -> Result<ReleasedPrompt, RenderProblem> {
        let side = resolve_release(root, name, reference).map_err(RenderProblem::Ref)?;
        let content_sha256 = side.content_sha256();
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
        let provider_kind = config.as_ref().and_then(|c| {
            let named = prompt
                .def
                .provider
                .as_ref()
                .or(c.default_provider.as_ref())?;
            c.providers.get(named).map(|p| p.kind)
        });
        Ok(ReleasedPrompt {
            name: name.to_string(),
            version: side.version,
            content_sha256,
            rel_path: side.rel_path,
            prompt,
            provider_kind,
            root: root.to_path_buf(),
        })
    }

    /// The template variables the messages read.
    pub fn variables(&self) -> &std::collections::BTreeSet<String> {
        &self.prompt.variables
    }

    /// The messages rendered with `vars` (a JSON object), a conversation slot filled
    /// with the case's messages; a missing variable is an error.
    pub fn messages(&self, vars: &Value) -> Result<Vec<ChatMessage>, RenderProblem> {
        if !vars.is_object() {
            return Err(RenderProblem::NotAnObject);
        }
        let model = self.prompt.def.model.clone().unwrap_or_default();
        let request = request_for(&self.prompt, &model, vars).map_err(RenderProblem::Render)?;
        Ok(request.messages)
    }

    /// The request body, in the wire format of `format` or else of the prompt's
    /// provider (OpenAI's when the workspace names none): what `render` prints.
    pub fn body(&self, vars: &Value, format: Option<ProviderKind>) -> Result<Value, RenderProblem> {
        if !vars.is_object() {
            return Err(RenderProblem::NotAnObject);
        }
        let kind = format
            .or(self.provider_kind)
            .unwrap_or(ProviderKind::Openai);
        let model = match (&self.prompt.def.model, self.provider_kind) {
            (Some(m), _) => m.clone(),
            // What a run sends for an offline provider with no model.
            (None, Some(k @ (ProviderKind::Echo | ProviderKind::Replay))) => k.as_str().to_string(),
            (None, _) => {
                return Err(RenderProblem::NoModel {
                    name: self.name.clone(),
                    rel_path: self.rel_path.clone(),
                });
            }
        };
        let mut request = request_for(&self.prompt, &model, vars).map_err(RenderProblem::Render)?;
        ImageReader::new(&self.root, &self.prompt)
            .load(&mut request)
            .map_err(RenderProblem::Image)?;
        Ok(request_body(kind, &request))
    }
}

/// The body for prompt `name` at `reference` with `vars`, in the wire format of `format`
/// or else of the prompt's provider (OpenAI's when the workspace names none).
pub fn render(
    root: &Path,
    name: &str,
    reference: &ReleaseRef,
    vars: &Value,
    format: Option<ProviderKind>,
) -> Result<Value, RenderProblem> {
    let prompt = ReleasedPrompt::open(root, name, reference)?;
    if !vars.is_object() {
        return Err(RenderProblem::NotAnObject);
    }
    prompt.body(vars, format)
}
