//! Writing a release: `releases/NAME/vN.toml`, then a line in `releases/NAME/log.jsonl`,
//! then `releases/NAME.toml` — each through a temporary file and a rename, under the
//! prompt's release lock. Only a
//! passing verdict on this very draft gets here; the checks are repeated at the last
//! moment, so no front end can export a blocked or stale proposal by mistake.

use std::path::Path;

use super::consistency::{HalfState, release_event};
use super::error::ReleaseError;
use super::gate::Verdict;
use super::log::{LogEntry, append_log, log_rel};
use super::proposal::Proposal;
use super::{Ref, RefError, ReleaseFile, ReleaseInfo, current_rel, resolve, version_rel, versions};
use crate::fsutil::{write_atomic, write_atomic_new};

/// Refuses to write on top of a half-written or tampered release folder.
pub(crate) fn refuse_half_written(root: &Path, name: &str) -> Result<(), ReleaseError> {
    let plain = |rel: &str| rel.to_string();
    let state = super::repair::inspect(root, name, &plain).map_err(ReleaseError::Invalid)?;
    if !state.errors.is_empty() {
        return Err(ReleaseError::Invalid(state.errors));
    }
    match state.half.first() {
        Some(h) => Err(ReleaseError::Interrupted {
            name: name.to_string(),
            what: HalfState::describe(h, name),
        }),
        None => Ok(()),
    }
}

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
    // One release, rollback or repair of this prompt at a time; a release folder half
    // written by a killed process is finished by `--repair` before anything else.
    let _lock = super::lock::lock_folder(root, name)?;
    refuse_half_written(root, name)?;
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
    crate::failpoint::kill_at("release:after-version");
    // The log next, the current file last: a kill in between leaves a state `check`
    // names and `release --repair` finishes (see `consistency`).
    let entry = LogEntry::Release(release_event(name, &release));
    let log_path = log_rel(name);
    append_log(root, name, &entry).map_err(io(&log_path))?;
    crate::failpoint::kill_at("release:after-log");
    let current_path = current_rel(name);
    write_atomic(&root.join(&current_path), text.as_bytes()).map_err(io(&current_path))?;
    Ok(Exported {
        release,
        written: vec![version_path, log_path, current_path],
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
