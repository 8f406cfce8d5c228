//! The runs that evaluated a version: run records carry the content hash of the prompt
//! they ran, and a release records the hash of its prompt, so a version's runs are found
//! by hash, whichever file (draft or release) the content was in at the time.

use std::path::Path;

use crate::store::{CaseResult, RunRecord, Summary, read_header, read_run, run_files_newest_first};

/// The latest run of prompt `name` with content `content_sha256`: the newest complete
/// one, else the newest interrupted one (its scored cases still tell). `None` when the
/// content was never evaluated. A shard's run is a part, not a run: only its merge is.
pub fn latest_run(root: &Path, name: &str, content_sha256: &str) -> Option<RunRecord> {
    let mut newest_incomplete = None;
    for path in &run_files_newest_first(root) {
        let Ok(h) = read_header(path) else { continue };
        if h.prompt != name || h.content_sha256 != content_sha256 || h.shard.is_some() {
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

/// One side of an output comparison: per case, its latest result for one prompt
/// content on one provider and model, across every run. A run of one case or one suite
/// thus updates those cases and leaves the others at their last result.
#[derive(Debug, Clone, PartialEq)]
pub struct SideResults {
    pub provider: String,
    pub model: String,
    /// The runs that hold a latest result, newest first.
    pub run_ids: Vec<String>,
    /// By suite and id.
    pub cases: Vec<CaseResult>,
    pub summary: Summary,
}

/// The latest results of prompt `name` with content `content_sha256`. The provider and
/// model are those of [`latest_run`] (a prompt run with `--model` elsewhere is another
/// side, not a newer result). `None` when the content was never evaluated.
pub fn side_results(root: &Path, name: &str, content_sha256: &str) -> Option<SideResults> {
    let anchor = latest_run(root, name, content_sha256)?;
    // Newest first by start time: run ids tell time only to the second, and a rerun
    // of one case can start within the second of the run before it.
    let mut matching: Vec<(String, std::path::PathBuf)> = run_files_newest_first(root)
        .into_iter()
        .filter_map(|path| {
            let h = read_header(&path).ok()?;
            let same = h.prompt == name
                && h.shard.is_none()
                && h.content_sha256 == content_sha256
                && h.provider == anchor.provider
                && h.model == anchor.model;
            same.then_some((h.started_at, path))
        })
        .collect();
    matching.sort_by(|a, b| b.cmp(a));
    let mut seen = std::collections::HashSet::new();
    let mut cases = Vec::new();
    let mut run_ids = Vec::new();
    for (_, path) in &matching {
        let Ok(record) = read_run(path) else { continue };
        let before = cases.len();
        for c in record.cases {
            if seen.insert((c.suite.clone(), c.id.clone())) {
                cases.push(c);
            }
        }
        if cases.len() > before {
            run_ids.push(record.run_id);
        }
    }
    cases.sort_by(|a, b| (&a.suite, &a.id).cmp(&(&b.suite, &b.id)));
    Some(SideResults {
        provider: anchor.provider,
        model: anchor.model,
        run_ids,
        summary: Summary::of(&cases),
        cases,
    })
}
