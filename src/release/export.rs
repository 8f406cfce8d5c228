//! Writing a release: `releases/NAME/vN.toml`, then `releases/NAME.toml`, then a line
//! in `releases/NAME/log.jsonl` — each through a temporary file and a rename. Only a
//! passing verdict on this very draft gets here; the checks are repeated at the last
//! moment, so no front end can export a blocked or stale proposal by mistake.

use std::path::Path;

use super::error::ReleaseError;
use super::gate::Verdict;
use super::log::{LogEntry, ReleaseEvent, append_log, log_rel};
use super::proposal::Proposal;
use super::{Ref, RefError, ReleaseFile, ReleaseInfo, current_rel, resolve, version_rel, versions};
use crate::fsutil::{write_atomic, write_atomic_new};

/// Who releases, why, when.
#[derive(Debug, Clone, PartialEq)]
pub struct ReleaseRequest {
    pub note: String,
    pub author: String,
    /// RFC 3339, UTC.
    pub released_at: String,
}

impl ReleaseRequest {
    /// A request stamped now.
    pub fn now(note: impl Into<String>, author: impl Into<String>) -> ReleaseRequest {
        ReleaseRequest {
            note: note.into(),
            author: author.into(),
            released_at: now(),
        }
    }
}

/// The current time as release files and logs write it.
pub fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// What a release wrote.
#[derive(Debug, Clone, PartialEq)]
pub struct Exported {
    pub release: ReleaseFile,
    /// Workspace-relative paths, in the order written.
    pub written: Vec<String>,
    pub entry: LogEntry,
}

/// Writes the release of `proposal.draft` as version `proposal.next_version`.
pub fn export(
    root: &Path,
    proposal: &Proposal,
    verdict: &Verdict,
    req: &ReleaseRequest,
) -> Result<Exported, ReleaseError> {
    let name = &proposal.name;
    if req.note.trim().is_empty() {
        return Err(ReleaseError::Empty { what: "note" });
    }
    if let Some(c) = &proposal.current {
        if proposal.is_unchanged() {
            return Err(ReleaseError::Unchanged {
                name: name.clone(),
                version: c.release.version,
            });
        }
    }
    if !verdict.passed {
        return Err(ReleaseError::Blocked {
            name: name.clone(),
            failing: verdict.failing().map(|c| c.name.clone()).collect(),
        });
    }
    // The verdict must be about this draft and this baseline, and the releases must not
    // have moved since the proposal was read.
    let on_disk = match resolve(root, name, &Ref::Current) {
        Ok(r) => r.version,
        Err(RefError::NoRelease { .. }) => None,
        Err(e) => return Err(e.into()),
    };
    let next_on_disk = versions(root, name).last().map_or(1, |v| v + 1);
    if verdict.draft.content_sha256 != proposal.draft.content_sha256
        || verdict.baseline_version != proposal.baseline_version()
        || on_disk != proposal.baseline_version()
        || next_on_disk != proposal.next_version
    {
        return Err(ReleaseError::Stale { name: name.clone() });
    }

    let release = ReleaseFile::assemble(
        proposal.draft.def.clone(),
        ReleaseInfo {
            version: proposal.next_version,
            parent_version: proposal.baseline_version(),
            released_at: req.released_at.clone(),
            author: req.author.clone(),
            note: req.note.trim().to_string(),
        },
        verdict.evidence(),
    );
    let text = release.to_toml().map_err(|e| ReleaseError::Io {
        path: version_rel(name, release.version),
        message: e.to_string(),
    })?;

    let version_path = version_rel(name, release.version);
    let io = |path: &str| {
        let path = path.to_string();
        move |e: std::io::Error| ReleaseError::Io {
            path,
            message: e.to_string(),
        }
    };
    std::fs::create_dir_all(root.join(super::RELEASES_DIR).join(name))
        .map_err(io(&format!("{}/{name}/", super::RELEASES_DIR)))?;
    // The version file first, and never over an existing one: if two releases race,
    // one of them fails here before touching anything else.
    write_atomic_new(&root.join(&version_path), text.as_bytes()).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            ReleaseError::VersionExists {
                path: version_path.clone(),
            }
        } else {
            io(&version_path)(e)
        }
    })?;
    let current_path = current_rel(name);
    write_atomic(&root.join(&current_path), text.as_bytes()).map_err(io(&current_path))?;
    let e = &release.evidence;
    let entry = LogEntry::Release(ReleaseEvent {
        prompt: name.clone(),
        version: release.version,
        parent_version: release.parent_version,
        at: release.released_at.clone(),
        author: release.author.clone(),
        note: release.note.clone(),
        content_sha256: release.content_sha256.clone(),
        run_id: e.run_id.clone(),
        cases: e.cases,
        passed: e.passed,
        pass_rate: e.pass_rate,
        regressions: e.regressions,
        fixes: e.fixes,
        baseline_version: e.baseline_version,
    });
    let log_path = log_rel(name);
    append_log(root, name, &entry).map_err(io(&log_path))?;
    Ok(Exported {
        release,
        written: vec![version_path, current_path, log_path],
        entry,
    })
}

/// Who is releasing: `git config user.name` in the workspace, else `$USER`
/// (`$USERNAME` on Windows), else "unknown".
pub fn default_author(root: &Path) -> String {
    let git = std::process::Command::new("git")
        .args(["config", "user.name"])
        .current_dir(root)
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .output()
        .ok()
        .filter(|o| o.status.success())
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty());
    git.or_else(|| {
        ["USER", "USERNAME"]
            .iter()
            .filter_map(|v| std::env::var(v).ok())
            .map(|s| s.trim().to_string())
            .find(|s| !s.is_empty())
    })
    .unwrap_or_else(|| "unknown".to_string())
}
