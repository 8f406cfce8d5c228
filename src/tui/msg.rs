//! Messages in, commands out. Key presses, mouse, paste, timers and the results of
//! background work all become a `Msg`; `App::update` answers with `Cmd`s the event loop
//! performs (I/O, timers), so update itself never blocks or touches a file.

use std::path::PathBuf;
use std::time::Duration;

use ratatui::crossterm::event::{KeyEvent, MouseEvent};

#[derive(Debug, Clone, PartialEq)]
pub enum Msg {
    Key(KeyEvent),
    Mouse(MouseEvent),
    Paste(String),
    Resize(u16, u16),
    /// The debounce timer of an edit fired; stale when `generation` moved on.
    ValidateDue {
        prompt: String,
        generation: u64,
    },
    /// A save finished: the text written, or why it failed.
    Saved {
        prompt: String,
        result: Result<String, String>,
    },
    /// Another program changed a prompt file; its new text.
    FileChanged {
        prompt: String,
        text: String,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub enum Cmd {
    Quit,
    /// Write `text` to `path` atomically, then report `Msg::Saved`.
    Save {
        prompt: String,
        path: PathBuf,
        text: String,
    },
    /// Send `Msg::ValidateDue` after `after` (debounce of live validation).
    ScheduleValidate {
        prompt: String,
        generation: u64,
        after: Duration,
    },
}
