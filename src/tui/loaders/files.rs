//! Reading a file to open it in the editor, confined to the workspace.

use std::io::Read;
use std::path::Path;

use crate::tui::panes::files::Opened;
use promptwright_core::workspace::confine;

/// Larger files (a big dataset) are better edited elsewhere (`$EDITOR`): the built-in
/// editor keeps every line in memory and redraws them as it scrolls.
pub const MAX_EDIT_BYTES: u64 = 2 * 1024 * 1024;

/// Reads the file a problem names (`shown`, as messages show it: relative to the
/// current folder, or absolute) to edit it. Refused when it is outside the workspace,
/// not a regular file, too large, or not UTF-8 text.
pub fn read_for_edit(root: &Path, shown: &str) -> Result<Opened, String> {
    if shown.is_empty() {
        return Err("this problem names no file".into());
    }
    let named = Path::new(shown);
    let abs = if named.is_absolute() {
        named.to_path_buf()
    } else {
        std::env::current_dir()
            .map_err(|e| format!("cannot resolve {shown}: {e}"))?
            .join(named)
    };
    let real = confine::inside(root, &abs).map_err(|e| format!("cannot open {shown}: {e}"))?;
    let root_real =
        std::fs::canonicalize(root).map_err(|e| format!("cannot resolve the workspace: {e}"))?;
    let rel = real
        .strip_prefix(&root_real)
        .map_err(|_| format!("cannot open {shown}: it is outside the workspace"))?
        .to_string_lossy()
        .into_owned();
    let meta = std::fs::metadata(&real).map_err(|e| format!("cannot open {shown}: {e}"))?;
    if !meta.is_file() {
        return Err(format!("cannot open {shown}: it is not a regular file"));
    }
    if meta.len() > MAX_EDIT_BYTES {
        return Err(format!(
            "{shown} is too large to edit here ({} KiB, at most {} KiB): fix it in another editor",
            meta.len() / 1024,
            MAX_EDIT_BYTES / 1024
        ));
    }
    let mut bytes = Vec::new();
    std::fs::File::open(&real)
        .and_then(|f| f.take(MAX_EDIT_BYTES + 1).read_to_end(&mut bytes))
        .map_err(|e| format!("cannot open {shown}: {e}"))?;
    if bytes.contains(&0) {
        return Err(format!("{shown} is not text: fix it in another editor"));
    }
    let text = String::from_utf8(bytes)
        .map_err(|_| format!("{shown} is not UTF-8 text: fix it in another editor"))?;
    Ok(Opened {
        rel,
        path: real,
        shown: shown.to_string(),
        text,
    })
}
