//! What the TUI's tests share: writing workspace files and making key messages.

use std::path::Path;

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::app::App;
use super::msg::{Cmd, Msg};

/// A temporary workspace named `demo` whose only provider, `local`, is the offline echo;
/// `more` is appended to its workspace.toml (a `[gate]`, say).
pub fn echo_workspace(more: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "workspace.toml",
        &format!(
            "[workspace]\nname = \"demo\"\ndefault_provider = \"local\"\n[providers.local]\nkind = \"echo\"\n{more}"
        ),
    );
    dir
}

pub fn write(root: &Path, rel: &str, text: &str) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

/// The frame at `w`×`h` with the temporary folder's path replaced, so it reads the same
/// anywhere.
pub fn masked_screen(app: &App, root: &Path, w: u16, h: u16) -> String {
    let mut t = ratatui::Terminal::new(ratatui::backend::TestBackend::new(w, h)).unwrap();
    super::render(&mut t, app).unwrap();
    let mut text = t.backend().to_string();
    // The folder's path, and its name (the workspace's name while workspace.toml is
    // broken), are random.
    let shown = root.display().to_string();
    let name = root.file_name().unwrap().to_string_lossy().into_owned();
    for s in [shown, name] {
        let masked = format!("{:<width$}", "WS", width = s.chars().count());
        text = text.replace(&s, &masked);
    }
    text
}

pub fn key(code: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

pub fn ch(c: char) -> Msg {
    key(KeyCode::Char(c))
}

pub fn ctrl(c: char) -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL))
}

/// The plan requests among commands (the workspace they carry aside).
pub fn requests(cmds: &[Cmd]) -> Vec<promptwright_core::plan::PlanRequest> {
    cmds.iter()
        .filter_map(|c| match c {
            Cmd::StartRun { request, .. } => Some(request.clone()),
            _ => None,
        })
        .collect()
}

/// Performs commands as the workbench does (see `drive::settle`): runs through the
/// runner, files written, timers waited for, every result fed back to the app.
pub fn perform(app: &mut App, root: &Path, cmds: Vec<Cmd>) {
    super::drive::settle(app, root, cmds, |app, m| app.update(m)).unwrap();
}
