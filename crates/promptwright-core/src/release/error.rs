//! Why a gate, release or rollback cannot go ahead: each a message and a `help` saying
//! what to do. None of them is a failed gate — that is a [`Verdict`](super::Verdict).

use std::fmt;

use super::RefError;
use crate::vocab::Diagnostic;
use crate::vocab::Explain;

#[derive(Debug, Clone, PartialEq)]
pub enum ReleaseError {
    /// The prompt or a release file cannot be found or read.
    Ref(RefError),
    /// A file exists and is wrong: `path:line:col` diagnostics.
    Invalid(Vec<Diagnostic>),
    /// No suite evaluates the prompt: a gate would have no evidence.
    NoSuites { name: String },
    /// The draft is the current release: nothing to release.
    Unchanged { name: String, version: u32 },
    /// Export asked for on a verdict that did not pass.
    Blocked { name: String, failing: Vec<String> },
    /// A note or reason that is empty: the log would not say why.
    Empty { what: &'static str },
    /// The releases changed since the proposal was made (another release or rollback).
    Stale { name: String },
    /// The version file to write exists already; released versions are immutable.
    VersionExists { path: String },
    /// `rollback` from the first version (nothing before it) or to a version not released.
    NoTarget { name: String, reason: String },
    /// `rollback --to` the version that is current already.
    AlreadyCurrent { name: String, version: u32 },
    /// A file could not be written.
    Io { path: String, message: String },
    /// A release path that a link sends out of the workspace.
    Outside { path: String, message: String },
    /// A release or rollback killed between two writes: `release --repair` finishes it.
    Interrupted { name: String, what: String },
    /// A label move that cannot go ahead: an unknown label, a version that never held
    /// the label `after` names, nothing to roll back to. Message and help as said.
    Label { message: String, help: String },
}

impl fmt::Display for ReleaseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReleaseError::Ref(e) => write!(f, "{e}"),
            ReleaseError::Invalid(d) => write!(
                f,
                "{}",
                d.first()
                    .map_or("invalid release file", |d| d.message.as_str())
            ),
            ReleaseError::NoSuites { name } => {
                write!(
                    f,
                    "no eval suite evaluates prompt `{name}`: a gate needs evidence"
                )
            }
            ReleaseError::Unchanged { name, version } => write!(
                f,
                "the draft of `{name}` is the current release (v{version}): same content hash, nothing to release"
            ),
            ReleaseError::Blocked { name, failing } => write!(
                f,
                "release of `{name}` blocked by the gate: {} failed",
                failing.join(", ")
            ),
            ReleaseError::Empty { what } => write!(f, "the {what} is empty"),
            ReleaseError::Stale { name } => write!(
                f,
                "the releases of `{name}` changed while the gate ran (another release or rollback)"
            ),
            ReleaseError::VersionExists { path } => {
                write!(
                    f,
                    "{path} exists already; released versions are never overwritten"
                )
            }
            ReleaseError::NoTarget { reason, .. } => write!(f, "{reason}"),
            ReleaseError::AlreadyCurrent { name, version } => {
                write!(f, "v{version} is the current release of `{name}` already")
            }
            ReleaseError::Io { path, message } => write!(f, "cannot write {path}: {message}"),
            ReleaseError::Outside { path, message } => {
                write!(f, "{path} {message}; nothing is written through it")
            }
            ReleaseError::Interrupted { name, what } => {
                write!(f, "the releases of `{name}` are half-written: {what}")
            }
            ReleaseError::Label { message, .. } => f.write_str(message),
        }
    }
}

impl std::error::Error for ReleaseError {}

impl From<RefError> for ReleaseError {
    fn from(e: RefError) -> Self {
        match e {
            RefError::Invalid(d) => ReleaseError::Invalid(d),
            other => ReleaseError::Ref(other),
        }
    }
}

impl Explain for ReleaseError {
    fn help(&self) -> String {
        match self {
            ReleaseError::Ref(e) => e.help(),
            ReleaseError::Invalid(d) => d
                .first()
                .and_then(|d| d.help.clone())
                .unwrap_or_else(|| "fix the file".into()),
            ReleaseError::NoSuites { name } => format!(
                "add a suite with prompt = \"{name}\" under evals/ (see evals/*.toml for examples)"
            ),
            ReleaseError::Unchanged { name, .. } => format!(
                "edit prompts/{name}.toml first; `promptwright diff {name}` shows what would change"
            ),
            ReleaseError::Blocked { name, .. } => format!(
                "`promptwright gate {name}` shows every check; fix the draft, or change [gate] in workspace.toml if the bar is wrong"
            ),
            ReleaseError::Empty { what } => format!(
                "say why in a few words: it goes into the release log (`--{}`)",
                if *what == "note" { "note" } else { "reason" }
            ),
            ReleaseError::Stale { name } => {
                format!("run the command again: `promptwright history {name}` shows what changed")
            }
            ReleaseError::VersionExists { .. } => {
                "another release was written at the same time; run the command again".into()
            }
            ReleaseError::NoTarget { name, .. } => {
                format!("`promptwright history {name}` lists the versions; pick one with --to N")
            }
            ReleaseError::AlreadyCurrent { name, .. } => format!(
                "`promptwright history {name}` lists the versions; pick another with --to N"
            ),
            ReleaseError::Io { .. } => "check that the workspace folder is writable".into(),
            ReleaseError::Outside { .. } => {
                "release folders and files live inside the workspace: replace the link with the real folder or file".into()
            }
            ReleaseError::Interrupted { name, .. } => format!(
                "finish it with `{}`, then run the command again",
                super::consistency::repair_command(name)
            ),
            ReleaseError::Label { help, .. } => help.clone(),
        }
    }
}
