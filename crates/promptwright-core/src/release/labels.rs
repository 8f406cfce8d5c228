//! Labels on disk: `releases/NAME@LABEL.toml`, a byte-for-byte copy of the version the
//! label points at (so an application loads it like any release file), and what the
//! log says each label held.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use super::log::LogEntry;
use super::{RELEASES_DIR, version_rel};
use crate::vocab::{Diagnostic, Source};
use crate::workspace::labels::is_label_name;

/// `releases/NAME@LABEL.toml`, relative to the workspace root.
pub fn label_rel(name: &str, label: &str) -> String {
    format!("{RELEASES_DIR}/{name}@{label}.toml")
}

/// The labels of `name` that have a file in `releases/`, sorted.
pub fn label_names_on_disk(root: &Path, name: &str) -> Vec<String> {
    let prefix = format!("{name}@");
    let mut out: Vec<String> = std::fs::read_dir(root.join(RELEASES_DIR))
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .filter_map(|e| {
            let file = e.file_name();
            let label = file
                .to_str()?
                .strip_prefix(&prefix)?
                .strip_suffix(".toml")?;
            is_label_name(label).then(|| label.to_string())
        })
        .collect();
    out.sort();
    out
}

/// What the log says of each label: the version it points at now, and every version
/// it has held.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LabelHistory {
    pub current: BTreeMap<String, u32>,
    pub held: BTreeMap<String, BTreeSet<u32>>,
    /// Per label, the versions it pointed at, oldest first (repeats removed only when
    /// adjacent): what a label rollback walks back through.
    pub path: BTreeMap<String, Vec<u32>>,
}

impl LabelHistory {
    pub fn of(entries: &[LogEntry]) -> LabelHistory {
        let mut out = LabelHistory::default();
        for e in entries {
            let (LogEntry::Promote(l) | LogEntry::LabelRollback(l)) = e else {
                continue;
            };
            out.current.insert(l.label.clone(), l.version);
            out.held
                .entry(l.label.clone())
                .or_default()
                .insert(l.version);
            let path = out.path.entry(l.label.clone()).or_default();
            if path.last() != Some(&l.version) {
                path.push(l.version);
            }
        }
        out
    }

    pub fn has_held(&self, label: &str, version: u32) -> bool {
        self.held.get(label).is_some_and(|h| h.contains(&version))
    }
}

/// Each label file of `name` that is an exact copy of its version: label → version.
/// A label file that is not is an error naming it (tampering: no kill leaves one, the
/// file is written whole through a rename).
pub fn label_files(
    root: &Path,
    name: &str,
    shown: &dyn Fn(&str) -> String,
) -> (BTreeMap<String, u32>, Vec<Diagnostic>) {
    let mut ok = BTreeMap::new();
    let mut errors = Vec::new();
    for label in label_names_on_disk(root, name) {
        let rel = label_rel(name, &label);
        match check_label_file(root, name, &label, shown) {
            Ok(v) => {
                ok.insert(label, v);
            }
            Err(d) => errors.push(d.with_help(format!(
                "a label file is a copy of the version it points at and is never edited: \
                 restore it from git, or move the label with `promptwright promote {name} --to {label}` \
                 or `promptwright rollback {name} --label {label}` (it was {rel})"
            ))),
        }
    }
    (ok, errors)
}

/// The version a label file is a copy of, or why it is none.
pub fn check_label_file(
    root: &Path,
    name: &str,
    label: &str,
    shown: &dyn Fn(&str) -> String,
) -> Result<u32, Diagnostic> {
    let rel = label_rel(name, label);
    let path = crate::workspace::confine::inside(root, Path::new(&rel))
        .map_err(|e| Diagnostic::file(shown(&rel), e.to_string()))?;
    let text = std::fs::read_to_string(path)
        .map_err(|e| Diagnostic::file(shown(&rel), format!("cannot read: {e}")))?;
    let Some(v) = claimed_version(&text) else {
        return Err(Diagnostic::file(
            shown(&rel),
            "tampered label file: it names no version",
        ));
    };
    let version_text = std::fs::read_to_string(root.join(version_rel(name, v))).ok();
    if version_text.as_deref() != Some(text.as_str()) {
        let why = match version_text {
            None => format!("{} does not exist", shown(&version_rel(name, v))),
            Some(_) => format!("it differs from {}", shown(&version_rel(name, v))),
        };
        let src = Source::new(shown(&rel), text);
        let message = format!("tampered label file: it says version = {v}, but {why}");
        return Err(match super::file::key_span(&src.text, "version") {
            Some(span) => src.at(span, message),
            None => Diagnostic::file(src.path.clone(), message),
        });
    }
    Ok(v)
}

/// The `version` a release file's text claims, read leniently (the file may be broken).
pub(crate) fn claimed_version(text: &str) -> Option<u32> {
    let table: toml::Table = toml::from_str(text).ok()?;
    u32::try_from(table.get("version")?.as_integer()?).ok()
}
