//! What the TUI's tests share: writing workspace files and making key messages.

use std::path::Path;

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::msg::Msg;

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

pub fn key(code: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

pub fn ch(c: char) -> Msg {
    key(KeyCode::Char(c))
}

pub fn ctrl(c: char) -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL))
}
