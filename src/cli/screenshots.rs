//! `promptwright screenshots [DIR]`: each pane of the TUI rendered from the real app on
//! the workspace, as text and SVG, at a fixed size so the pictures are reproducible.

use std::path::Path;
use std::process::ExitCode;

use super::{CliError, workspace_root};
use crate::tui::shots;

pub fn run(dir: Option<&Path>, out: &Path) -> Result<ExitCode, CliError> {
    let root = workspace_root(dir)?;
    let io = |e: std::io::Error| {
        CliError::usage(
            format!("cannot write screenshots in {}: {e}", out.display()),
            "check the folder",
        )
    };
    std::fs::create_dir_all(out).map_err(io)?;
    let shots = shots::all(&root).map_err(|e| {
        CliError::usage(
            format!("cannot take the screenshots: {e}"),
            "`promptwright check` shows what is wrong with the workspace",
        )
    })?;
    for shot in shots {
        for (ext, content) in [("txt", &shot.text), ("svg", &shot.svg)] {
            promptwright_core::fsutil::write_atomic(
                &out.join(format!("{}.{ext}", shot.name)),
                content.as_bytes(),
            )
            .map_err(io)?;
        }
        anstream::println!("wrote {}/{}.{{txt,svg}}", out.display(), shot.name);
    }
    Ok(ExitCode::SUCCESS)
}
