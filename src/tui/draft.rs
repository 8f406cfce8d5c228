//! The draft is what the editor shows. Runs, the proposal, the gate and export all read
//! the workspace through `App::draft_workspace`, built from the files loaded from disk
//! with every prompt replaced by the editor's text, at the moment it is asked for. No
//! copy of a prompt is kept anywhere else, so a reload (`r`) or an edit cannot leave a
//! run, a gate or a release acting on text the editor no longer shows.

use std::sync::Arc;

use super::app::App;
use super::msg::Cmd;
use super::panes::release::{Gating, Shared};
use promptwright_core::workspace::{Prompt, Workspace};

impl App {
    /// The prompt `name` as the editor shows it, validated now if an edit is still
    /// waiting for the debounce; why not when it has errors.
    pub fn draft_prompt(&mut self, name: &str) -> Result<Prompt, String> {
        let config = self.ws.config.clone();
        let Some(e) = self.prompts.prompt_mut(name) else {
            return Err(format!("no prompt named `{name}` in prompts/"));
        };
        if e.validated != e.generation {
            e.validate(config.as_ref());
        }
        match (e.errors.first(), &e.parsed) {
            (None, Some(p)) => Ok(p.clone()),
            (Some(d), _) => Err(format!(
                "{} has errors ({}:{} {}): fix them in the editor first",
                e.rel_path, d.line, d.col, d.message
            )),
            (None, None) => Err(format!("{} has not been read", e.rel_path)),
        }
    }

    /// The workspace with `prompt` (and every other valid prompt) as the editor shows
    /// it. Fails when the workspace itself has errors or `prompt` does not parse.
    pub fn draft_workspace(&mut self, prompt: &str) -> Result<Shared<Workspace>, String> {
        let Some(loaded) = self.workspace.clone() else {
            return Err(
                "the workspace has errors: ! lists them; fix them to run or release".into(),
            );
        };
        self.draft_prompt(prompt)?;
        let mut ws = Workspace::clone(&loaded);
        for e in self.prompts.entries() {
            // A prompt with errors is not used by this request (checked above); its
            // file's version stays so the suites that name it still resolve.
            if let Some(p) = self.prompts.draft(&e.name) {
                ws.prompts.insert(e.name.clone(), p.clone());
            }
        }
        Ok(Shared(Arc::new(ws)))
    }
}

impl App {
    /// Gates the proposal just read, when it still is the editor's text.
    pub(crate) fn start_gate(&mut self) -> Vec<Cmd> {
        let Some(Ok(p)) = self.release.proposal.clone() else {
            self.note = Some("no proposal to gate: see the message above".into());
            return Vec::new();
        };
        let ws = match self.draft_workspace(&p.name) {
            Ok(ws) => ws,
            Err(why) => {
                self.release.message = Some(why);
                return Vec::new();
            }
        };
        if let Some(why) = self.proposal_outdated() {
            self.release.message = Some(why);
            return Vec::new();
        }
        self.release.gating = Some(Gating::new(self.now));
        self.release.verdict = None;
        self.release.message = None;
        vec![Cmd::RunGate { ws, proposal: p }]
    }

    /// `p` in the Release pane: run the current release afresh against the selected
    /// label's thresholds; the verdict comes back as `Msg::PromoteGated`.
    pub(crate) fn start_promote(&mut self) -> Vec<Cmd> {
        if self.busy() {
            self.note = Some("a run is in progress: c cancels it".into());
            return Vec::new();
        }
        let (Some(prompt), Some(label)) = (
            self.release.prompt.clone(),
            self.release.selected_label().map(|l| l.name.clone()),
        ) else {
            self.note = Some("no label to promote to: add [labels.NAME] to workspace.toml".into());
            return Vec::new();
        };
        let ws = match self.draft_workspace(&prompt) {
            Ok(ws) => ws,
            Err(why) => {
                self.release.message = Some(why);
                return Vec::new();
            }
        };
        self.release.gating = Some(Gating::new(self.now));
        self.release.label_move = None;
        self.release.message = Some(format!(
            "promote to {label}: running the current release afresh…"
        ));
        vec![Cmd::PromoteGate { ws, prompt, label }]
    }

    /// Why the proposal's draft is not the text the editor shows, if it is not.
    fn proposal_outdated(&mut self) -> Option<String> {
        let (name, sha) = {
            let p = self.release.proposal()?;
            (p.name.clone(), p.draft.content_sha256.clone())
        };
        match self.draft_prompt(&name) {
            Ok(now) if now.content_sha256 == sha => None,
            Ok(_) => Some(format!(
                "{name} changed since the proposal was read: g reads and gates it again"
            )),
            Err(why) => Some(why),
        }
    }

    /// Why `x` must not export now: the proposal or verdict is about other text than the
    /// editor shows, the gate did not pass, or the text is not saved (a release must be
    /// the file under review, not text only this session has).
    pub(crate) fn export_refusal(&mut self) -> Option<String> {
        if let Some(why) = self.proposal_outdated() {
            self.release.verdict = None;
            return Some(why);
        }
        if let Some(why) = self.release.export_blocker() {
            return Some(why);
        }
        let name = self.release.proposal()?.name.clone();
        let entry = self.prompts.prompt(&name)?;
        entry.is_dirty().then(|| {
            format!(
                "{} has unsaved edits: save them (Ctrl-S in the Prompts pane), then x",
                entry.rel_path
            )
        })
    }
}
