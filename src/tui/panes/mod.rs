//! The panes. Each owns its state, its keys (`on_action`), scrolling and mouse
//! hit-testing (`*_input.rs`) and its view (`*_view.rs`); the app routes messages to them.

pub mod compare;
pub mod compare_view;
pub mod diff;
mod diff_input;
pub mod diff_view;
pub mod doc_view;
pub mod editor;
mod editor_actions;
pub mod evals;
mod evals_input;
pub mod evals_view;
pub mod files;
pub mod prompt_entry;
mod prompt_preview;
pub mod prompts;
mod prompts_files;
mod prompts_input;
pub mod release;
mod release_input;
mod release_labels_view;
pub mod release_view;

use super::msg::Cmd;

/// What a pane's action asks of the app: commands to perform, a note for the status bar.
#[derive(Debug, Default)]
pub struct Reply {
    pub cmds: Vec<Cmd>,
    pub note: Option<String>,
    /// The pane's input changed: the app asks for its content again.
    pub reload: bool,
}

impl Reply {
    pub fn cmds(cmds: Vec<Cmd>) -> Reply {
        Reply {
            cmds,
            ..Reply::default()
        }
    }

    pub fn note(note: impl Into<String>) -> Reply {
        Reply {
            note: Some(note.into()),
            ..Reply::default()
        }
    }

    pub fn reload() -> Reply {
        Reply {
            reload: true,
            ..Reply::default()
        }
    }
}
