//! Editing a prompt in the user's own editor, as lazygit does: the TUI gives the terminal
//! back, `$VISUAL` (else `$EDITOR`) runs on the file, and the TUI takes the terminal
//! again and reads the file. Only the program named by those variables runs: it is the
//! user's choice, read from their environment, never from the workspace.

use std::ffi::OsString;
use std::io;
use std::path::Path;
use std::process::Command;

use ratatui::DefaultTerminal;
use ratatui::crossterm::event::{
    DisableBracketedPaste, DisableMouseCapture, EnableBracketedPaste, EnableMouseCapture,
};
use ratatui::crossterm::execute;
use ratatui::crossterm::terminal::{
    Clear, ClearType, EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};

/// The editor command line the user chose, if any.
fn editor() -> Option<OsString> {
    ["VISUAL", "EDITOR"]
        .into_iter()
        .filter_map(std::env::var_os)
        .find(|v| !v.is_empty())
}

/// Writes `unsaved` to `path` if given, runs the editor on it with the terminal handed
/// over, and returns the file's text afterwards. `wrote` hears of every text written
/// here or read back, so the file watch does not report them as someone else's change.
pub fn edit(
    terminal: &mut DefaultTerminal,
    path: &Path,
    unsaved: Option<&str>,
    mut wrote: impl FnMut(&Path, &str),
) -> Result<String, String> {
    let Some(editor) = editor() else {
        return Err("no editor: set $VISUAL or $EDITOR (e.g. export EDITOR=vim)".into());
    };
    if let Some(text) = unsaved {
        promptwright_core::fsutil::write_atomic(path, text.as_bytes())
            .map_err(|e| format!("could not save {} first: {e}", path.display()))?;
        wrote(path, text);
    }
    let status = suspended(terminal, || {
        // Through the shell, as git does, so `EDITOR="code --wait"` works.
        let mut script = editor.clone();
        script.push(" \"$1\"");
        Command::new("sh")
            .arg("-c")
            .arg(script)
            .arg("sh")
            .arg(path)
            .status()
    })
    .map_err(|e| format!("could not run {}: {e}", editor.to_string_lossy()))?;
    if !status.success() {
        // Like git after a failed editor: take nothing. A change it made still shows up
        // as a change on disk, for `r`.
        return Err(format!(
            "{} exited with {status}: the file was not reloaded",
            editor.to_string_lossy()
        ));
    }
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("could not read {} back: {e}", path.display()))?;
    wrote(path, &text);
    Ok(text)
}

/// Runs `f` with the terminal as the shell had it, then takes it back and redraws.
fn suspended<T>(
    terminal: &mut DefaultTerminal,
    f: impl FnOnce() -> io::Result<T>,
) -> io::Result<T> {
    let mut out = io::stdout();
    let _ = execute!(
        out,
        DisableMouseCapture,
        DisableBracketedPaste,
        LeaveAlternateScreen
    );
    let _ = disable_raw_mode();
    let _ = terminal.show_cursor();
    let result = f();
    let _ = enable_raw_mode();
    let _ = execute!(
        out,
        EnterAlternateScreen,
        Clear(ClearType::All),
        EnableMouseCapture,
        EnableBracketedPaste
    );
    // A new terminal believes the screen blank, so the next frame is drawn whole.
    // (`Terminal::clear` asks the terminal where its cursor is, and times out here.)
    *terminal = ratatui::Terminal::new(ratatui::backend::CrosstermBackend::new(io::stdout()))?;
    result
}
