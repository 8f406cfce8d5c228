//! The compare view's messages and keys, routed: `C` reads what versions the prompt
//! has, Enter in the picker starts the grid on the workspace as the editor shows it,
//! and the grid's events reach the view cell by cell.

use super::app::App;
use super::keymap::Action;
use super::msg::{Cmd, Msg};
use super::panes::compare::{ComparePane, Phase};
use promptwright_core::runner::RunEvent;

impl App {
    /// `C` on a suite: opens the compare view of its prompt (once its versions are read).
    pub(super) fn open_compare(&mut self) -> Vec<Cmd> {
        match self.evals.suite() {
            Some(s) => vec![Cmd::OpenCompare {
                prompt: s.prompt.clone(),
            }],
            None => Vec::new(),
        }
    }

    /// An action pressed in the compare view.
    pub(super) fn compare_action(&mut self, action: Action) -> Vec<Cmd> {
        let busy = self.busy();
        let Some(view) = self.evals.compare_mut() else {
            return Vec::new();
        };
        match action {
            Action::Close => {
                if view.phase() == Phase::Running {
                    self.note = Some("the grid is running: c cancels it first".into());
                } else if view.close() {
                    self.evals.close_compare();
                }
                Vec::new()
            }
            Action::Open if view.phase() == Phase::Picking => {
                if busy {
                    self.note = Some("a run is in progress: wait for it or cancel it".into());
                    return Vec::new();
                }
                let prompt = view.request().prompts.concat();
                let ws = match self.draft_workspace(&prompt) {
                    Ok(ws) => ws,
                    Err(why) => {
                        self.note = Some(why);
                        return Vec::new();
                    }
                };
                let Some(view) = self.evals.compare_mut() else {
                    return Vec::new();
                };
                match view.start() {
                    Ok((targets, refs)) => vec![Cmd::StartGrid {
                        ws,
                        request: view.request(),
                        targets,
                        refs,
                    }],
                    Err(why) => {
                        self.note = Some(why);
                        Vec::new()
                    }
                }
            }
            _ => {
                let reply = view.on_action(action);
                self.answer(reply)
            }
        }
    }

    /// The grid's messages.
    pub(super) fn on_grid(&mut self, msg: Msg) -> Vec<Cmd> {
        if let Msg::CompareReady {
            prompt,
            versions,
            current,
        } = &msg
        {
            if let Some(ws) = &self.workspace {
                let view = ComparePane::new(ws, prompt, versions, *current);
                self.evals.open_compare(view);
            }
            return Vec::new();
        }
        let Some(view) = self.evals.compare_mut() else {
            return Vec::new();
        };
        match msg {
            Msg::GridPlanned(labels) => view.on_planned(labels),
            Msg::GridEvent((cell, RunEvent::CaseScored(c))) => view.on_scored(cell, *c),
            Msg::GridEvent(_) => {}
            Msg::GridDone(Ok(())) => {
                view.on_done();
                self.note = Some("the grid is done: ←→↑↓ move, Enter opens a case".into());
            }
            Msg::GridDone(Err(why)) => {
                view.on_failed();
                self.note = Some(format!("the grid could not run: {why}"));
            }
            _ => {}
        }
        Vec::new()
    }
}
