//! One file in the editor: a prompt (parsed live, with variables and eval cases to
//! preview) or another workspace file opened from the problems list; its saved text,
//! edits and errors.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

use ratatui_textarea::TextArea;
use serde_json::{Map, Value};

use super::editor;
use crate::tui::msg::Cmd;
use promptwright_core::vocab::{Diagnostic, Source};
use promptwright_core::workspace::prompt::parse_prompt;
use promptwright_core::workspace::{Config, Prompt};

/// How long typing must pause before the text is re-parsed.
pub const VALIDATE_AFTER: Duration = Duration::from_millis(150);

/// An eval case to preview the prompt with.
#[derive(Debug, Clone)]
pub struct PreviewCase {
    pub suite: String,
    pub id: String,
    pub vars: Map<String, Value>,
}

/// Where a prompt stands against its current release.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReleaseStatus {
    New,
    Changed,
    Released,
}

impl ReleaseStatus {
    pub fn label(self) -> &'static str {
        match self {
            ReleaseStatus::New => "new",
            ReleaseStatus::Changed => "changed",
            ReleaseStatus::Released => "released",
        }
    }
}

/// What an editor entry holds: a prompt (parsed live, previewed) or another file of the
/// workspace opened from the problems list (checked when saved).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    Prompt,
    /// `shown` is how the workspace's problems name the file.
    File {
        shown: String,
    },
}

pub struct PromptEntry {
    pub kind: Kind,
    pub name: String,
    pub rel_path: String,
    pub path: PathBuf,
    /// What the file on disk holds (as far as we know).
    pub saved_text: String,
    pub editor: TextArea<'static>,
    /// The latest text that parsed, for the preview and the variables.
    pub parsed: Option<Prompt>,
    /// Problems of the current text.
    pub errors: Vec<Diagnostic>,
    /// Bumped at every edit; validation answers only the latest.
    pub generation: u64,
    pub validated: u64,
    pub release_sha: Option<String>,
    pub cases: Vec<PreviewCase>,
    pub case_index: usize,
    /// New text from disk, waiting for `r` (offered only without unsaved edits).
    pub disk_text: Option<String>,
}

impl PromptEntry {
    pub fn new(
        name: String,
        rel_path: String,
        path: PathBuf,
        text: String,
        release_sha: Option<String>,
        cases: Vec<PreviewCase>,
    ) -> Self {
        PromptEntry {
            kind: Kind::Prompt,
            name,
            rel_path,
            path,
            editor: editor::editor_for(&text),
            saved_text: text,
            parsed: None,
            errors: Vec::new(),
            generation: 0,
            validated: u64::MAX,
            release_sha,
            cases,
            case_index: 0,
            disk_text: None,
        }
    }

    /// The editor's text as it would be saved (a file ends with a newline).
    pub fn text(&self) -> String {
        let mut t = self.editor.lines().join("\n");
        t.push('\n');
        t
    }

    pub fn is_dirty(&self) -> bool {
        normalize(&self.text()) != normalize(&self.saved_text)
    }

    pub fn status(&self) -> ReleaseStatus {
        match (&self.release_sha, &self.parsed) {
            (None, _) => ReleaseStatus::New,
            (Some(r), Some(p)) if *r == p.content_sha256 => ReleaseStatus::Released,
            _ => ReleaseStatus::Changed,
        }
    }

    /// The workspace root, which the file's `rel_path` is relative to: where a schema
    /// or an image the prompt names is read.
    fn root(&self) -> PathBuf {
        let depth = Path::new(&self.rel_path).components().count();
        self.path
            .ancestors()
            .nth(depth)
            .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
    }

    /// Re-parses the editor's text: errors at line:col, variables, the preview's prompt.
    pub fn validate(&mut self, config: Option<&Config>) {
        if self.kind != Kind::Prompt {
            // Checked by reading the workspace when saved (see `files`).
            self.validated = self.generation;
            return;
        }
        let src = Source::new(self.rel_path.clone(), self.text());
        match parse_prompt(&self.name, &src, config, &self.root()) {
            Ok(p) => {
                self.parsed = Some(p);
                self.errors.clear();
            }
            Err(errors) => self.errors = errors,
        }
        self.validated = self.generation;
    }

    pub fn replace_text(&mut self, text: String, config: Option<&Config>) {
        self.editor = editor::editor_for(&text);
        self.saved_text = text;
        self.disk_text = None;
        self.generation += 1;
        self.validate(config);
    }

    /// Marks an edit and asks for a debounced validation.
    pub fn edited(&mut self) -> Cmd {
        self.generation += 1;
        Cmd::ScheduleValidate {
            prompt: self.name.clone(),
            generation: self.generation,
            after: VALIDATE_AFTER,
        }
    }

    pub fn cycle_case(&mut self, forward: bool) {
        let n = self.cases.len();
        if n > 0 {
            self.case_index = if forward {
                (self.case_index + 1) % n
            } else {
                (self.case_index + n - 1) % n
            };
        }
    }

    pub fn case(&self) -> Option<&PreviewCase> {
        self.cases.get(self.case_index)
    }

    pub fn variables(&self) -> BTreeSet<String> {
        self.parsed
            .as_ref()
            .map(|p| p.variables.clone())
            .unwrap_or_default()
    }
}

/// Line endings and a final newline do not make a file "edited".
fn normalize(s: &str) -> &str {
    s.trim_end_matches(['\n', '\r'])
}
