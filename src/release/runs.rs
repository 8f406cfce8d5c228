//! The runs that evaluated a version: run records carry the content hash of the prompt
//! they ran, and a release records the hash of its prompt, so a version's runs are found
//! by hash, whichever file (draft or release) the content was in at the time.

use std::path::{Path, PathBuf};

use crate::store::{RunRecord, read_header, read_run, runs_dir};

/// The latest run of prompt `name` with content `content_sha256`: the newest complete
/// one, else the newest interrupted one (its scored cases still tell). `None` when the
/// content was never evaluated.
pub fn latest_run(root: &Path, name: &str, content_sha256: &str) -> Option<RunRecord> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(runs_dir(root))
        .ok()?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "jsonl"))
        .collect();
    // Run ids start with a UTC timestamp: the name orders them.
    files.sort();
    let mut newest_incomplete = None;
    for path in files.iter().rev() {
        let Ok(h) = read_header(path) else { continue };
        if h.prompt != name || h.content_sha256 != content_sha256 {
            continue;
        }
        let Ok(record) = read_run(path) else { continue };
        if record.complete {
            return Some(record);
        }
        if newest_incomplete.is_none() {
            newest_incomplete = Some(record);
        }
    }
    newest_incomplete
}
