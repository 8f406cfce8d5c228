//! Atomic file writes: a temporary file in the same folder, then a rename, so a reader
//! (or a crash) never sees half a file.
//!
//! Modes: a replaced file keeps its mode; a new file gets 0666 less the umask, as any
//! editor would give it (a temporary file alone would be 0600, and a release another
//! user's application loads would become unreadable to it).

use std::io::{self, Write};
use std::path::Path;

use tempfile::NamedTempFile;

pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    write(path, bytes, true)
}

/// Like [`write_atomic`], but never replaces an existing file: fails with
/// `ErrorKind::AlreadyExists` instead. The check and the rename are one step (a hard
/// link or `renameat2(RENAME_NOREPLACE)`), so two writers racing for one path cannot
/// both win: what immutable files (released versions) need.
pub fn write_atomic_new(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut tmp = temp_for(path, None)?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    crate::failpoint::kill_at(&format!("rename:{}", name_of(path)));
    tmp.persist_noclobber(path).map_err(|e| e.error)?;
    sync_dir(parent(path))
}

/// A temporary file beside `path`. For a new file (`existing` is `None`) it is created
/// 0666, less the umask the kernel applies at creation; a replacement starts private
/// (0600) and gets the old file's mode from [`keep_mode`] once written, so its content
/// is never exposed beyond what the old file allowed.
///
/// Named `.NAME.XXXXXX.tmp` beside `path`: never mistaken for the file itself, and
/// traceable to it when a kill leaves one behind.
fn temp_for(path: &Path, existing: Option<&std::fs::Permissions>) -> io::Result<NamedTempFile> {
    let prefix = format!(".{}.", name_of(path));
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix).suffix(".tmp");
    #[cfg(unix)]
    if existing.is_none() {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    #[cfg(not(unix))]
    let _ = existing;
    builder.tempfile_in(parent(path))
}

fn keep_mode(tmp: &NamedTempFile, existing: Option<std::fs::Permissions>) -> io::Result<()> {
    match existing {
        Some(p) => tmp.as_file().set_permissions(p),
        None => Ok(()),
    }
}

/// Flushes a folder's entries, so a rename made in it survives a power cut (the file's
/// own sync covers its content, not its name).
fn sync_dir(dir: &Path) -> io::Result<()> {
    std::fs::File::open(dir)?.sync_all()
}

fn name_of(path: &Path) -> String {
    path.file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned())
}

fn parent(path: &Path) -> &Path {
    match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    }
}

/// Atomic against a killed process but not flushed to the disk: for caches, where
/// losing the newest entries to a power cut costs only a repeat call.
pub fn write_atomic_unsynced(path: &Path, bytes: &[u8]) -> io::Result<()> {
    write(path, bytes, false)
}

/// Like [`write_atomic_unsynced`], for content written piece by piece by `fill` (a
/// report too large to hold twice). If `fill` fails, nothing is left behind.
pub fn write_atomic_unsynced_with(
    path: &Path,
    fill: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> io::Result<()> {
    write_with(path, false, fill)
}

fn write(path: &Path, bytes: &[u8], sync: bool) -> io::Result<()> {
    write_with(path, sync, |w| w.write_all(bytes))
}

fn write_with(
    path: &Path,
    sync: bool,
    fill: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> io::Result<()> {
    // A device or a pipe (`-o /dev/stdout`) cannot be replaced by a rename: write to it.
    if let Ok(meta) = std::fs::metadata(path) {
        if !meta.is_file() {
            let mut out = io::BufWriter::new(std::fs::OpenOptions::new().write(true).open(path)?);
            fill(&mut out)?;
            return out.flush();
        }
    }
    let existing = std::fs::metadata(path).ok().map(|m| m.permissions());
    let mut tmp = temp_for(path, existing.as_ref())?;
    {
        let mut out = io::BufWriter::with_capacity(1 << 16, tmp.as_file_mut());
        fill(&mut out)?;
        out.flush()?;
    }
    keep_mode(&tmp, existing)?;
    if sync {
        tmp.as_file().sync_all()?;
    }
    crate::failpoint::kill_at(&format!("rename:{}", name_of(path)));
    tmp.persist(path).map_err(|e| e.error)?;
    if sync {
        sync_dir(parent(path))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_content_and_leaves_no_temp_files() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("out.json");
        write_atomic(&p, b"one").unwrap();
        write_atomic(&p, b"two").unwrap();
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "two");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn a_new_file_is_never_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("v1.toml");
        write_atomic_new(&p, b"first").unwrap();
        let err = write_atomic_new(&p, b"second").unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::AlreadyExists);
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "first");
        // The refused write leaves no temporary file behind.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn a_failed_fill_leaves_the_old_file_and_no_temp_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("report.json");
        write_atomic(&p, b"old").unwrap();
        let err = write_atomic_unsynced_with(&p, |w| {
            w.write_all(b"half of a new")?;
            Err(io::Error::other("disk full"))
        })
        .unwrap_err();
        assert_eq!(err.to_string(), "disk full");
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "old");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
        write_atomic_unsynced_with(&p, |w| w.write_all(b"new")).unwrap();
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "new");
    }

    /// The process umask, from the kernel's own report (Linux): tests run in threads,
    /// so setting one here would race with every other test creating files.
    #[cfg(target_os = "linux")]
    fn umask() -> u32 {
        let status = std::fs::read_to_string("/proc/self/status").unwrap();
        let line = status.lines().find(|l| l.starts_with("Umask:")).unwrap();
        u32::from_str_radix(line["Umask:".len()..].trim(), 8).unwrap()
    }

    #[cfg(target_os = "linux")]
    fn mode(p: &Path) -> u32 {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(p).unwrap().permissions().mode() & 0o7777
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_new_file_gets_0666_less_the_umask() {
        let dir = tempfile::tempdir().unwrap();
        let want = 0o666 & !umask();
        let plain = dir.path().join("releases.toml");
        write_atomic(&plain, b"x").unwrap();
        assert_eq!(mode(&plain), want, "{:o}", mode(&plain));
        let version = dir.path().join("v1.toml");
        write_atomic_new(&version, b"x").unwrap();
        assert_eq!(mode(&version), want, "{:o}", mode(&version));
        let report = dir.path().join("report.json");
        write_atomic_unsynced_with(&report, |w| w.write_all(b"x")).unwrap();
        assert_eq!(mode(&report), want, "{:o}", mode(&report));
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_replaced_file_keeps_its_mode() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        for m in [0o640, 0o604, 0o600, 0o755] {
            let p = dir.path().join(format!("f{m:o}"));
            std::fs::write(&p, "old").unwrap();
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(m)).unwrap();
            write_atomic(&p, b"new").unwrap();
            assert_eq!(mode(&p), m, "{:o}", mode(&p));
            write_atomic_unsynced(&p, b"newer").unwrap();
            assert_eq!(mode(&p), m, "{:o}", mode(&p));
            assert_eq!(std::fs::read_to_string(&p).unwrap(), "newer");
        }
    }

    #[test]
    fn devices_are_written_in_place_not_replaced() {
        write_atomic(Path::new("/dev/null"), b"x").unwrap();
        assert!(!std::fs::metadata("/dev/null").unwrap().is_file());
    }
}
