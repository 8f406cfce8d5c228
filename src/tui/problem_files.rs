//! Fixing a broken workspace here: Enter on a problem (`!`) opens the file it names in
//! the editor at its line and column; Ctrl-S saves it, the workspace is read again, and
//! the problems list and the status line say what is left. The app routes; the Prompts
//! pane places the file and keeps its edits (`panes/prompts_files.rs`).

use std::sync::Arc;

use super::app::{App, Overlay, Tab};
use super::msg::Cmd;
use super::panes::files::Opened;
use promptwright_core::vocab::LoadErrors;
use promptwright_core::workspace::{Config, Workspace};

impl App {
    /// Enter in the problems list: read the selected problem's file to edit it.
    pub(super) fn open_problem(&mut self) -> Vec<Cmd> {
        let Some(Overlay::Problems { selected }) = self.overlay else {
            return Vec::new();
        };
        match self.ws.load_errors.get(selected) {
            Some(d) => vec![Cmd::OpenFile {
                shown: d.path.clone(),
                line: d.line,
                col: d.col,
            }],
            None => Vec::new(),
        }
    }

    pub(super) fn on_file_opened(
        &mut self,
        result: Result<Opened, String>,
        line: usize,
        col: usize,
    ) -> Vec<Cmd> {
        let opened = match result {
            Ok(o) => o,
            Err(why) => {
                self.note = Some(why);
                return Vec::new();
            }
        };
        self.overlay = None;
        self.tab = Tab::Prompts;
        let reply = self
            .prompts
            .open_file(opened, line, col, &self.ws.load_errors);
        self.answer(reply)
    }

    pub(super) fn on_saved(&mut self, name: &str, result: Result<String, String>) -> Vec<Cmd> {
        let reply = self.prompts.on_saved(name, result);
        self.answer(reply);
        if self.quitting && self.prompts.dirty_count() == 0 {
            return vec![Cmd::Quit];
        }
        // Runs use what was saved.
        vec![Cmd::ReloadWorkspace]
    }

    pub(super) fn on_workspace_loaded(
        &mut self,
        result: &Result<Arc<Workspace>, LoadErrors>,
        config: Option<Config>,
    ) {
        let config = match result {
            Ok(ws) => {
                self.evals.set_suites(super::suite_rows(ws));
                self.ws.load_errors.clear();
                self.workspace = Some(ws.clone());
                Some(ws.config.clone())
            }
            Err(errors) => {
                self.ws.load_errors = errors.0.clone();
                config
            }
        };
        if let Some(config) = config {
            let fixed = self.ws.config.is_none();
            self.ws.name = config.name.clone();
            self.ws.config = Some(config);
            if fixed {
                // Prompts were checked without the workspace's providers.
                self.prompts.validate_all(self.ws.config.as_ref());
            }
        }
        if let Some(Overlay::Problems { selected }) = &mut self.overlay {
            *selected = (*selected).min(self.ws.load_errors.len().saturating_sub(1));
        }
        let reply = self.prompts.on_workspace_read(
            result.as_deref().ok(),
            &self.ws.load_errors,
            self.evals.suite_count(),
        );
        self.answer(reply);
    }
}
