//! Making an earlier version current again. No gate: the version passed one when it
//! was released. `releases/NAME.toml` becomes a byte-for-byte copy of `vN.toml` (so
//! `check` sees it equal to a version), and the log says who, when and why.

use std::path::Path;

use super::error::ReleaseError;
use super::export::now;
use super::log::{LogEntry, RollbackEvent, append_log, log_rel};
use super::{Ref, ReleaseFile, current_rel, resolve, version_rel, versions};
use crate::diff::PromptDiff;
use crate::fsutil::write_atomic;

/// A rollback, checked and ready to write; what `--dry-run` shows.
#[derive(Debug, Clone, PartialEq)]
pub struct RollbackPlan {
    pub name: String,
    /// The current release, which the rollback replaces.
    pub from: ReleaseFile,
    /// The version made current.
    pub to: ReleaseFile,
    /// The text of `vN.toml`, copied as is.
    pub to_text: String,
}

impl RollbackPlan {
    /// What the rollback changes in what applications load: current → target.
    pub fn diff(&self) -> PromptDiff {
        PromptDiff::new(&self.from.prompt_def(), &self.to.prompt_def())
    }
}

/// Plans a rollback of `name` to version `to`, or by default to the highest version
/// below the current one. Reads and verifies both files; writes nothing.
pub fn plan_rollback(
    root: &Path,
    name: &str,
    to: Option<u32>,
) -> Result<RollbackPlan, ReleaseError> {
    let current = resolve(root, name, &Ref::Current)?;
    let from = current
        .release
        .expect("a resolved `current` carries its release file");
    let all = versions(root, name);
    let target = match to {
        Some(n) => n,
        None => all
            .iter()
            .copied()
            .filter(|v| *v < from.version)
            .max()
            .ok_or_else(|| ReleaseError::NoTarget {
                name: name.to_string(),
                reason: format!(
                    "v{} is the first version of `{name}`: there is no earlier one to roll back to",
                    from.version
                ),
            })?,
    };
    if target == from.version {
        return Err(ReleaseError::AlreadyCurrent {
            name: name.to_string(),
            version: target,
        });
    }
    let resolved = resolve(root, name, &Ref::Version(target))?;
    let to = resolved
        .release
        .expect("a resolved `vN` carries its release file");
    let to_text = std::fs::read_to_string(root.join(version_rel(name, target))).map_err(|e| {
        ReleaseError::Io {
            path: version_rel(name, target),
            message: e.to_string(),
        }
    })?;
    Ok(RollbackPlan {
        name: name.to_string(),
        from,
        to,
        to_text,
    })
}

/// Makes `plan.to` current and logs it. Fails without writing when the current release
/// changed since the plan was made.
pub fn rollback(
    root: &Path,
    plan: &RollbackPlan,
    reason: &str,
    author: &str,
) -> Result<LogEntry, ReleaseError> {
    let name = &plan.name;
    if reason.trim().is_empty() {
        return Err(ReleaseError::Empty { what: "reason" });
    }
    let _lock = super::lock::lock_folder(root, name)?;
    super::export::refuse_half_written(root, name)?;
    let now_current = resolve(root, name, &Ref::Current)?.version;
    if now_current != Some(plan.from.version) {
        return Err(ReleaseError::Stale { name: name.clone() });
    }
    // The log first, the current file last, as a release does.
    let entry = LogEntry::Rollback(RollbackEvent {
        prompt: name.clone(),
        version: plan.to.version,
        from_version: plan.from.version,
        at: now(),
        author: author.to_string(),
        reason: reason.trim().to_string(),
        content_sha256: plan.to.content_sha256.clone(),
    });
    append_log(root, name, &entry).map_err(|e| ReleaseError::Io {
        path: log_rel(name),
        message: e.to_string(),
    })?;
    crate::failpoint::kill_at("rollback:after-log");
    let current_path = current_rel(name);
    write_atomic(&root.join(&current_path), plan.to_text.as_bytes()).map_err(|e| {
        ReleaseError::Io {
            path: current_path.clone(),
            message: e.to_string(),
        }
    })?;
    Ok(entry)
}
