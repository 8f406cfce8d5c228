//! REFs: `draft`, `current`, `vN` — which version of a prompt a command means — and
//! loading the prompt definition a REF names, with errors a person can act on.

use std::fmt;
use std::path::Path;
use std::str::FromStr;

use super::file::ReleaseFile;
use super::{current_rel, version_rel};
use crate::vocab::Explain;
use crate::vocab::{Diagnostic, Source};
use crate::workspace::{PromptDef, prompt::parse_prompt};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Ref {
    /// `prompts/NAME.toml`, the working draft.
    Draft,
    /// `releases/NAME.toml`, what applications load.
    Current,
    /// `releases/NAME/vN.toml`.
    Version(u32),
}

impl fmt::Display for Ref {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Ref::Draft => f.write_str("draft"),
            Ref::Current => f.write_str("current"),
            Ref::Version(n) => write!(f, "v{n}"),
        }
    }
}

/// A REF that is none of the three forms.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("bad REF `{given}`: use draft, current or vN (a version, e.g. v3){hint}")]
pub struct RefParseError {
    pub given: String,
    hint: String,
}

impl FromStr for Ref {
    type Err = RefParseError;

    fn from_str(s: &str) -> Result<Ref, RefParseError> {
        let bad = |hint: String| RefParseError {
            given: s.to_string(),
            hint,
        };
        match s {
            "draft" => return Ok(Ref::Draft),
            "current" => return Ok(Ref::Current),
            _ => {}
        }
        let digits = s.strip_prefix('v').or_else(|| s.strip_prefix('V'));
        if let Some(d) = digits {
            return match d.parse::<u32>() {
                Ok(n) if n >= 1 && !d.starts_with('+') => Ok(Ref::Version(n)),
                Ok(_) => Err(bad("; versions count from v1".into())),
                Err(_) => Err(bad(String::new())),
            };
        }
        if s.parse::<u32>().is_ok_and(|n| n >= 1) {
            return Err(bad(format!("; did you mean `v{s}`?")));
        }
        let lower = s.to_ascii_lowercase();
        if lower == "draft" || lower == "current" {
            return Err(bad(format!("; did you mean `{lower}`?")));
        }
        Err(bad(String::new()))
    }
}

/// Why a REF cannot be loaded. Each says what to do about it ([`RefError::help`]).
#[derive(Debug, Clone, PartialEq)]
pub enum RefError {
    /// No draft and no release of that name. `suggestion` is a close known name.
    UnknownPrompt {
        name: String,
        suggestion: Option<String>,
        known: Vec<String>,
    },
    /// The name cannot be a prompt (it must match `[a-z0-9][a-z0-9_-]*`).
    BadName { name: String },
    /// `draft` of a prompt that only exists as releases.
    NoDraft { name: String },
    /// `current` of a prompt never released.
    NoRelease { name: String, versions: Vec<u32> },
    /// `vN` that was never released.
    NoVersion {
        name: String,
        version: u32,
        versions: Vec<u32>,
    },
    /// A label with no file `releases/NAME@LABEL.toml`.
    UnknownLabel {
        name: String,
        label: String,
        suggestion: Option<String>,
        known: Vec<String>,
    },
    /// The file exists and is wrong: `path:line:col` diagnostics.
    Invalid(Vec<Diagnostic>),
}

impl fmt::Display for RefError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RefError::UnknownPrompt { name, .. } => write!(
                f,
                "no prompt named `{name}`: neither prompts/{name}.toml nor releases/{name}.toml exists"
            ),
            RefError::BadName { name } => write!(f, "`{name}` is not a prompt name"),
            RefError::NoDraft { name } => {
                write!(
                    f,
                    "prompt `{name}` has no draft: `draft` needs prompts/{name}.toml"
                )
            }
            RefError::NoRelease { name, .. } => write!(
                f,
                "prompt `{name}` has no release yet: `current` needs releases/{name}.toml"
            ),
            RefError::NoVersion { name, version, .. } => write!(
                f,
                "prompt `{name}` has no version v{version}: releases/{name}/v{version}.toml does not exist"
            ),
            RefError::UnknownLabel { name, label, .. } => write!(
                f,
                "prompt `{name}` has no label `{label}`: releases/{name}@{label}.toml does not exist"
            ),
            RefError::Invalid(diags) => {
                let first = diags
                    .first()
                    .map(|d| d.message.as_str())
                    .unwrap_or("invalid file");
                write!(f, "{first}")
            }
        }
    }
}

impl std::error::Error for RefError {}

fn list(versions: &[u32]) -> String {
    versions
        .iter()
        .map(|v| format!("v{v}"))
        .collect::<Vec<_>>()
        .join(", ")
}

impl Explain for RefError {
    fn help(&self) -> String {
        match self {
            RefError::UnknownPrompt {
                suggestion: Some(s),
                ..
            } => format!("did you mean `{s}`?"),
            RefError::UnknownPrompt { known, .. } if known.is_empty() => {
                "the workspace has no prompts yet: add prompts/NAME.toml".into()
            }
            RefError::UnknownPrompt { known, .. } => format!("known prompts: {}", known.join(", ")),
            RefError::BadName { .. } => {
                "prompt names use lowercase letters, digits, `-` and `_`, starting with a letter or digit".into()
            }
            RefError::NoDraft { name } => format!(
                "compare released versions with --from vN --to vM, or restore prompts/{name}.toml"
            ),
            RefError::NoRelease { name, versions } if versions.is_empty() => format!(
                "compare with --from draft --to vN or release it first: `promptwright release {name} --note TEXT`"
            ),
            RefError::NoRelease { versions, .. } => format!(
                "versions exist ({}) but none is current; compare with --from vN",
                list(versions)
            ),
            RefError::NoVersion { name, versions, .. } if versions.is_empty() => format!(
                "`{name}` has no released versions yet; compare with --from draft, or release it first"
            ),
            RefError::NoVersion { versions, .. } => format!("released versions: {}", list(versions)),
            RefError::UnknownLabel {
                suggestion: Some(s),
                ..
            } => format!("did you mean `{s}`?"),
            RefError::UnknownLabel { name, label, known, .. } if known.is_empty() => format!(
                "`{name}` has no labels yet: `promptwright promote {name} --to {label} --reason TEXT` moves one there"
            ),
            RefError::UnknownLabel { name, label, known, .. } => format!(
                "labels of `{name}`: {}; `promptwright promote {name} --to {label} --reason TEXT` moves one there",
                known.join(", ")
            ),
            RefError::Invalid(diags) => diags
                .first()
                .and_then(|d| d.help.clone())
                .unwrap_or_else(|| "fix the file".into()),
        }
    }
}

/// A REF resolved to a prompt definition.
#[derive(Debug, Clone, PartialEq)]
pub struct Resolved {
    pub reference: Ref,
    pub def: PromptDef,
    /// The version it is: `Some(N)` for `vN` and for `current` (the current version's
    /// number); `None` for the draft.
    pub version: Option<u32>,
    /// The release file, for `current` and `vN`.
    pub release: Option<ReleaseFile>,
    /// The file read, relative to the workspace root.
    pub rel_path: String,
}

impl Resolved {
    /// How to name this side to a person: `draft`, `current (v3)`, `v2`.
    pub fn label(&self) -> String {
        match (self.reference, self.version) {
            (Ref::Current, Some(v)) => format!("current (v{v})"),
            (r, _) => r.to_string(),
        }
    }

    /// The content hash of the definition (for a release, the one it records, which
    /// parsing checked against the definition).
    pub fn content_sha256(&self) -> String {
        match &self.release {
            Some(r) => r.content_sha256.clone(),
            None => self.def.content_sha256(),
        }
    }
}

/// The prompt definition that `reference` names for prompt `name`.
pub fn load_ref(root: &Path, name: &str, reference: &Ref) -> Result<PromptDef, RefError> {
    resolve(root, name, reference).map(|r| r.def)
}

/// Like [`load_ref`], with what a caller needs to present and find runs of the side.
pub fn resolve(root: &Path, name: &str, reference: &Ref) -> Result<Resolved, RefError> {
    known_prompt(root, name)?;
    let draft_rel = format!("prompts/{name}.toml");
    match reference {
        Ref::Draft => {
            let Some(text) = read(root, &draft_rel)? else {
                return Err(RefError::NoDraft {
                    name: name.to_string(),
                });
            };
            let prompt = parse_prompt(name, &Source::new(draft_rel.clone(), text), None, root)
                .map_err(RefError::Invalid)?;
            Ok(Resolved {
                reference: Ref::Draft,
                def: prompt.def,
                version: None,
                release: None,
                rel_path: draft_rel,
            })
        }
        Ref::Current => {
            let rel = current_rel(name);
            let Some(text) = read(root, &rel)? else {
                return Err(RefError::NoRelease {
                    name: name.to_string(),
                    versions: versions(root, name),
                });
            };
            release(reference, rel, text)
        }
        Ref::Version(v) => {
            let rel = version_rel(name, *v);
            let Some(text) = read(root, &rel)? else {
                return Err(RefError::NoVersion {
                    name: name.to_string(),
                    version: *v,
                    versions: versions(root, name),
                });
            };
            let resolved = release(reference, rel.clone(), text)?;
            if resolved.version != Some(*v) {
                return Err(RefError::Invalid(vec![
                    Diagnostic::file(
                        rel,
                        format!(
                            "the file says version = {}, but its name says v{v}",
                            resolved.version.unwrap_or(0)
                        ),
                    )
                    .with_help(
                        "version files are named after their version: restore the file from git",
                    ),
                ]));
            }
            Ok(resolved)
        }
    }
}

/// `name` is a prompt of the workspace: it has a draft, a current release or versions.
fn known_prompt(root: &Path, name: &str) -> Result<(), RefError> {
    if !crate::workspace::config::is_valid_name(name) {
        return Err(RefError::BadName {
            name: name.to_string(),
        });
    }
    let exists = root.join(format!("prompts/{name}.toml")).is_file()
        || root.join(current_rel(name)).is_file()
        || !versions(root, name).is_empty();
    if exists {
        return Ok(());
    }
    let known = super::prompt_names(root);
    let suggestion =
        crate::vocab::did_you_mean(name, known.iter().map(String::as_str)).map(str::to_string);
    Err(RefError::UnknownPrompt {
        name: name.to_string(),
        suggestion,
        known,
    })
}

/// What an application loads a release by: a REF, or a label (`production`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ReleaseRef {
    Ref(Ref),
    Label(String),
}

impl From<Ref> for ReleaseRef {
    fn from(r: Ref) -> ReleaseRef {
        ReleaseRef::Ref(r)
    }
}

impl fmt::Display for ReleaseRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReleaseRef::Ref(r) => r.fmt(f),
            ReleaseRef::Label(l) => f.write_str(l),
        }
    }
}

impl FromStr for ReleaseRef {
    type Err = String;

    fn from_str(s: &str) -> Result<ReleaseRef, String> {
        match s.parse::<Ref>() {
            Ok(r) => Ok(ReleaseRef::Ref(r)),
            Err(_) if crate::workspace::labels::is_label_name(s) => {
                Ok(ReleaseRef::Label(s.to_string()))
            }
            Err(e) => Err(format!("{e}, or a label such as `production`")),
        }
    }
}

/// Like [`resolve`], for a REF or a label. A label file is checked against the version
/// it says it is (byte for byte) as well as against its content hash.
pub fn resolve_release(
    root: &Path,
    name: &str,
    reference: &ReleaseRef,
) -> Result<Resolved, RefError> {
    let label = match reference {
        ReleaseRef::Ref(r) => return resolve(root, name, r),
        ReleaseRef::Label(l) => l,
    };
    known_prompt(root, name)?;
    let rel = super::labels::label_rel(name, label);
    if read(root, &rel)?.is_none() {
        let mut known = super::labels::label_names_on_disk(root, name);
        if let Some(c) = crate::workspace::lenient::read_config(root) {
            known.extend(c.labels.keys().cloned());
        }
        known.sort();
        known.dedup();
        let suggestion =
            crate::vocab::did_you_mean(label, known.iter().map(String::as_str)).map(str::to_string);
        return Err(RefError::UnknownLabel {
            name: name.to_string(),
            label: label.clone(),
            suggestion,
            known,
        });
    }
    let plain = |r: &str| r.to_string();
    let v = super::labels::check_label_file(root, name, label, &plain).map_err(|d| {
        RefError::Invalid(vec![d.with_help(format!(
            "a label file is a copy of its version: restore it from git, or move the label with `promptwright promote {name} --to {label}`"
        ))])
    })?;
    let text = read(root, &rel)?.unwrap_or_default();
    let resolved = release(&Ref::Version(v), rel, text)?;
    Ok(resolved)
}

fn release(reference: &Ref, rel: String, text: String) -> Result<Resolved, RefError> {
    let file = ReleaseFile::parse(&Source::new(rel.clone(), text)).map_err(RefError::Invalid)?;
    Ok(Resolved {
        reference: *reference,
        def: file.prompt_def(),
        version: Some(file.version),
        release: Some(file),
        rel_path: rel,
    })
}

/// A workspace file's text; `None` when it does not exist.
fn read(root: &Path, rel: &str) -> Result<Option<String>, RefError> {
    // A link out of the workspace is never read: its content would be quoted in errors.
    let path = crate::workspace::confine::inside(root, Path::new(rel)).map_err(|e| {
        RefError::Invalid(vec![
            Diagnostic::file(rel.to_string(), e.to_string()).with_help(e.help("a release file")),
        ])
    })?;
    match std::fs::read_to_string(path) {
        Ok(t) => Ok(Some(t)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(RefError::Invalid(vec![
            Diagnostic::file(rel.to_string(), format!("cannot read: {e}"))
                .with_help("check the file's permissions and that it is UTF-8 text"),
        ])),
    }
}

/// The released version numbers of `name` (files `releases/NAME/vN.toml`), ascending.
pub fn versions(root: &Path, name: &str) -> Vec<u32> {
    let Ok(entries) = std::fs::read_dir(root.join("releases").join(name)) else {
        return Vec::new();
    };
    let mut out: Vec<u32> = entries
        .filter_map(Result::ok)
        .filter_map(|e| {
            let file = e.file_name();
            let stem = file.to_str()?.strip_suffix(".toml")?;
            let digits = stem.strip_prefix('v')?;
            // `v03.toml` is not how versions are written; ignore rather than alias v3.
            if digits.starts_with('0') || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            digits.parse().ok()
        })
        .collect();
    out.sort_unstable();
    out
}
