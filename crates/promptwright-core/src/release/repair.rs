//! `promptwright release NAME --repair`: finishes what a release or rollback killed
//! between two writes left behind (see [`super::consistency`]), under the folder lock:
//! logs a version written but never logged, makes current the version the log's last
//! entry names, and removes temporary files. Tampering is refused, not "repaired".

use std::collections::BTreeMap;
use std::path::Path;

use super::consistency::{Consistency, HalfState, cross_check, release_event, stray_temp_files};
use super::error::ReleaseError;
use super::file::ReleaseFile;
use super::lock::lock_folder;
use super::log::{LogEntry, append_log, log_rel, parse_log_lines};
use super::{current_rel, version_rel, versions};
use crate::fsutil::write_atomic;
use crate::vocab::{Diagnostic, Source};

/// Reads the release folder of `name` and cross-checks it. Files that do not parse are
/// left out (`check` reports them on their own); a log that does not parse is the
/// error.
pub fn inspect(
    root: &Path,
    name: &str,
    shown: &dyn Fn(&str) -> String,
) -> Result<Consistency, Vec<Diagnostic>> {
    let on_disk = versions(root, name);
    let mut intact = BTreeMap::new();
    for v in &on_disk {
        let rel = version_rel(name, *v);
        if let Ok(text) = std::fs::read_to_string(root.join(&rel)) {
            if let Ok(file) = ReleaseFile::parse(&Source::new(shown(&rel), text)) {
                if file.version == *v {
                    intact.insert(*v, file);
                }
            }
        }
    }
    let current = std::fs::read_to_string(root.join(current_rel(name)))
        .ok()
        .and_then(|text| ReleaseFile::parse(&Source::new(shown(&current_rel(name)), text)).ok())
        .map(|f| f.version);
    let log_text = match std::fs::read_to_string(root.join(log_rel(name))) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => {
            return Err(vec![Diagnostic::file(
                shown(&log_rel(name)),
                format!("cannot read: {e}"),
            )]);
        }
    };
    let log = Source::new(shown(&log_rel(name)), log_text);
    let entries = parse_log_lines(&log)?;
    let (labels, label_errors) = super::labels::label_files(root, name, shown);
    let mut state = cross_check(
        name, &log, &entries, &on_disk, &intact, current, &labels, shown,
    );
    if !label_errors.is_empty() {
        state.errors.extend(label_errors);
        state.half.clear();
    }
    Ok(state)
}

/// Finishes an interrupted release or rollback of `name`; returns what it did, one
/// line per action (empty when there was nothing to repair).
pub fn repair(root: &Path, name: &str) -> Result<Vec<String>, ReleaseError> {
    let _lock = lock_folder(root, name)?;
    let mut done = Vec::new();
    for (temp, rel) in stray_temp_files(root, name) {
        std::fs::remove_file(&temp).map_err(|e| ReleaseError::Io {
            path: rel.clone(),
            message: e.to_string(),
        })?;
        done.push(format!("removed the temporary file {rel}"));
    }
    let plain = |rel: &str| rel.to_string();
    let state = inspect(root, name, &plain).map_err(ReleaseError::Invalid)?;
    if !state.errors.is_empty() {
        return Err(ReleaseError::Invalid(state.errors));
    }
    let io = |path: String| {
        move |e: std::io::Error| ReleaseError::Io {
            path,
            message: e.to_string(),
        }
    };
    for half in state.half {
        match half {
            HalfState::Unlogged { version } => {
                let rel = version_rel(name, version);
                let text = std::fs::read_to_string(root.join(&rel)).map_err(io(rel.clone()))?;
                let file = ReleaseFile::parse(&Source::new(rel.clone(), text))
                    .map_err(ReleaseError::Invalid)?;
                let entry = LogEntry::Release(release_event(name, &file));
                append_log(root, name, &entry).map_err(io(log_rel(name)))?;
                done.push(format!(
                    "logged the release of v{version} in {}",
                    log_rel(name)
                ));
            }
            HalfState::CurrentBehind { version, .. } => {
                let rel = version_rel(name, version);
                let text = std::fs::read(root.join(&rel)).map_err(io(rel.clone()))?;
                write_atomic(&root.join(current_rel(name)), &text)
                    .map_err(io(current_rel(name)))?;
                done.push(format!(
                    "made v{version} current: copied {rel} to {}",
                    current_rel(name)
                ));
            }
            HalfState::LabelBehind { label, version, .. } => {
                let rel = version_rel(name, version);
                let text = std::fs::read(root.join(&rel)).map_err(io(rel.clone()))?;
                let target = super::labels::label_rel(name, &label);
                write_atomic(&root.join(&target), &text).map_err(io(target.clone()))?;
                done.push(format!(
                    "moved `{label}` to v{version}: copied {rel} to {target}"
                ));
            }
        }
    }
    Ok(done)
}
