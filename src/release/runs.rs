//! The runs that evaluated a version: run records carry the content hash of the prompt
//! they ran, and a release records the hash of its prompt, so a version's runs are found
//! by hash, whichever file (draft or release) the content was in at the time.

use std::path::Path;

use crate::store::{RunRecord, read_header, read_run, run_files_newest_first};

/// The latest run of prompt `name` with content `content_sha256`: the newest complete
/// one, else the newest interrupted one (its scored cases still tell). `None` when the
/// content was never evaluated.
pub fn latest_run(root: &Path, name: &str, content_sha256: &str) -> Option<RunRecord> {
    let mut newest_incomplete = None;
    for path in &run_files_newest_first(root) {
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
