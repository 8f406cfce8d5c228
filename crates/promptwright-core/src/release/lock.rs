//! One release, rollback or repair of a prompt at a time: an advisory lock on
//! `.promptwright/locks/release-NAME.lock`, held while its files are checked and
//! written. A second process waits its turn, then finds the state the first left (and
//! refuses as stale if its plan no longer holds). The kernel releases the lock however
//! the holder ends.

use std::fs::{File, OpenOptions};
use std::path::Path;

use super::error::ReleaseError;
use super::log::log_rel;
use super::{RELEASES_DIR, current_rel};
use crate::store::{STATE_DIR, check_state_dir, lock};

/// Held until dropped.
pub struct FolderLock(#[allow(dead_code)] File);

/// Waits for and takes the lock of prompt `name`'s releases. Refuses a release folder,
/// current file or log that a link sends out of the workspace: nothing is written
/// through one.
pub fn lock_folder(root: &Path, name: &str) -> Result<FolderLock, ReleaseError> {
    confine_release_paths(root, name)?;
    let io = |path: String| {
        move |e: std::io::Error| ReleaseError::Io {
            path,
            message: e.to_string(),
        }
    };
    check_state_dir(root).map_err(io(format!("{STATE_DIR}/locks")))?;
    let dir = root.join(STATE_DIR).join("locks");
    std::fs::create_dir_all(&dir).map_err(io(format!("{STATE_DIR}/locks")))?;
    crate::store::ensure_gitignore(&root.join(STATE_DIR))
        .map_err(io(format!("{STATE_DIR}/.gitignore")))?;
    let rel = format!("{STATE_DIR}/locks/release-{name}.lock");
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(root.join(&rel))
        .map_err(io(rel.clone()))?;
    lock::lock(&file).map_err(io(rel))?;
    Ok(FolderLock(file))
}

/// `releases/`, `releases/NAME/`, `releases/NAME.toml` and the log, each resolved:
/// all inside the workspace, or the error naming the first that is not.
pub fn confine_release_paths(root: &Path, name: &str) -> Result<(), ReleaseError> {
    for rel in [
        RELEASES_DIR.to_string(),
        format!("{RELEASES_DIR}/{name}"),
        current_rel(name),
        log_rel(name),
    ] {
        crate::workspace::confine::inside(root, Path::new(&rel)).map_err(|e| {
            ReleaseError::Outside {
                path: rel.clone(),
                message: e.to_string(),
            }
        })?;
    }
    Ok(())
}
