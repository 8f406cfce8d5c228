//! Requests that span panes, routed by the app: the Diff and Release panes load for the
//! prompt selected in the Prompts pane, runs take the editor's draft, and "edit this
//! case" goes from the Evals pane to the editor.

use super::app::{App, Tab};
use super::keymap::Action;
use super::layout;
use super::msg::Cmd;
use super::panes::Reply;
use super::panes::release::{Gating, Shared};

impl App {
    /// A pane's reply: its note goes to the status bar, its commands to the caller.
    pub(super) fn answer(&mut self, reply: Reply) -> Vec<Cmd> {
        if reply.note.is_some() {
            self.note = reply.note;
        }
        reply.cmds
    }

    /// Asks for the Release pane's proposal and history of the selected prompt.
    pub(super) fn load_release(&mut self) -> Vec<Cmd> {
        let name = self.prompts.current().map(|e| e.name.clone());
        self.release.show_prompt(name.clone());
        let Some(name) = name else {
            return Vec::new();
        };
        vec![Cmd::LoadRelease {
            ws: self.draft_workspace(&name),
            prompt: name,
        }]
    }

    /// Asks for the diff of the selected prompt between the chosen sides.
    pub(super) fn load_diff(&mut self) -> Vec<Cmd> {
        let entry = self.prompts.current();
        let Some((from, to)) = self.diff.start_loading(entry.map(|e| e.name.as_str())) else {
            return Vec::new();
        };
        let Some(entry) = entry else {
            return Vec::new();
        };
        vec![Cmd::LoadDiff {
            prompt: entry.name.clone(),
            from,
            to,
            draft: entry.parsed.as_ref().map(|p| p.def.clone()),
        }]
    }

    /// One of the Release pane's own actions; it asks for the proposal again on `r`.
    pub(super) fn release_action(&mut self, action: Action) -> Vec<Cmd> {
        let mut reply = self
            .release
            .on_action(action, layout::areas(self.size).body);
        if reply.note.is_some() {
            self.note = reply.note;
        }
        if reply.reload {
            reply.cmds.extend(self.load_release());
        }
        reply.cmds
    }

    /// One of the Diff pane's own actions; it asks for the diff again when its sides
    /// changed.
    pub(super) fn diff_action(&mut self, action: Action) -> Vec<Cmd> {
        let reply = self.diff.on_action(action, layout::areas(self.size).body);
        let reload = reply.reload;
        let mut cmds = self.answer(reply);
        if reload {
            cmds.extend(self.load_diff());
        }
        cmds
    }

    /// `R` in the Diff pane: the current release of the selected prompt on its suites.
    pub(super) fn run_current(&mut self) -> Vec<Cmd> {
        if self.busy() {
            self.note = Some("a run is in progress: c cancels it".into());
            return Vec::new();
        }
        let Some(prompt) = self.prompts.current().map(|e| e.name.clone()) else {
            return Vec::new();
        };
        let Some(ws) = self.workspace.clone() else {
            self.note =
                Some("the workspace has errors: ! lists them; fix them to run or release".into());
            return Vec::new();
        };
        self.diff.running = Some(Gating::new(self.now));
        self.note = Some(format!("running the current release of {prompt}…"));
        vec![Cmd::RunCurrent {
            ws: Shared(ws),
            prompt,
        }]
    }

    /// The run a key asks for, with the editor's text, for the event loop.
    pub(super) fn start_run(&mut self, action: Action) -> Vec<Cmd> {
        if self.busy() {
            self.note = Some("a run is in progress: c cancels it".into());
            return Vec::new();
        }
        let Some(prompt) = self.evals.run_prompt(action) else {
            return Vec::new();
        };
        let ws = match self.draft_workspace(&prompt) {
            Ok(ws) => ws,
            Err(why) => {
                self.note = Some(why);
                return Vec::new();
            }
        };
        match self.evals.run_request(action) {
            Ok(request) => vec![Cmd::StartRun { ws, request }],
            Err(why) => {
                if why.is_some() {
                    self.note = why;
                }
                Vec::new()
            }
        }
    }

    /// Opens the case's prompt in the editor (typing edits it), the case in the preview.
    pub(super) fn edit_case(&mut self) {
        let Some((suite, id)) = self
            .evals
            .current_case()
            .map(|(s, i)| (s.to_string(), i.to_string()))
        else {
            self.note = Some("no case selected".into());
            return;
        };
        let Some(prompt) = self.evals.suite().map(|s| s.prompt.clone()) else {
            return;
        };
        match self.prompts.edit_case(&prompt, &suite, &id) {
            Ok(note) => {
                self.note = Some(note);
                self.tab = Tab::Prompts;
            }
            Err(why) => self.note = Some(why),
        }
    }
}
