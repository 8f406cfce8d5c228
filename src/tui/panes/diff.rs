//! The Diff pane's state: which prompt, which two sides (draft / current / vN), the
//! computed prompt diff and output comparison, the view (side-by-side or unified) and
//! where the reader is. Computing reads files, so it happens in the event loop
//! (`Cmd::LoadDiff`, `loaders::diff`); the pane only holds the result.

use super::doc_view::DocPos;
use super::release::Gating;
use promptwright_core::diff::{OutputDiff, PromptDiff, View};
use promptwright_core::release::Ref;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DiffMode {
    /// The two prompt definitions.
    Prompt,
    /// The per-case outputs: each side's latest result per case.
    Outputs,
}

/// What `Cmd::LoadDiff` produced.
#[derive(Debug, Clone)]
pub struct DiffLoaded {
    pub prompt: String,
    pub from: Ref,
    pub to: Ref,
    /// Released versions of the prompt, for picking sides.
    pub versions: Vec<u32>,
    pub has_current: bool,
    pub labels: (String, String),
    pub prompt_diff: Result<PromptDiff, String>,
    pub outputs: Result<OutputDiff, String>,
}

pub struct DiffPane {
    pub(super) prompt: Option<String>,
    pub from: Ref,
    pub to: Ref,
    pub view: View,
    pub mode: DiffMode,
    /// First visible row of the prompt diff, and its wrapped lines scrolled past.
    pub scroll: usize,
    pub skip: usize,
    /// Selected case in the outputs view.
    pub cursor: usize,
    /// The selected case's two outputs, side by side.
    pub case_open: bool,
    pub(super) case_pos: DocPos,
    pub(super) loaded: Option<DiffLoaded>,
    pub(super) loading: bool,
    /// The current release's run started with `R`, in progress.
    pub running: Option<Gating>,
}

impl Default for DiffPane {
    fn default() -> Self {
        DiffPane {
            prompt: None,
            from: Ref::Current,
            to: Ref::Draft,
            view: View::SideBySide,
            mode: DiffMode::Prompt,
            scroll: 0,
            skip: 0,
            cursor: 0,
            case_open: false,
            case_pos: DocPos::default(),
            loaded: None,
            loading: false,
            running: None,
        }
    }
}

impl DiffPane {
    /// The sides a picker cycles through, in order: draft, current, then every version.
    pub fn choices(&self) -> Vec<Ref> {
        let mut out = vec![Ref::Draft];
        let (versions, has_current) = match &self.loaded {
            Some(l) => (l.versions.clone(), l.has_current),
            None => (Vec::new(), true),
        };
        if has_current {
            out.push(Ref::Current);
        }
        out.extend(versions.into_iter().map(Ref::Version));
        out
    }

    /// The next side after `r` among the choices.
    pub fn cycle(&self, r: Ref) -> Ref {
        let choices = self.choices();
        let i = choices
            .iter()
            .position(|c| *c == r)
            .map_or(0, |i| (i + 1) % choices.len());
        choices[i]
    }

    pub fn prompt_diff(&self) -> Option<&PromptDiff> {
        self.loaded.as_ref()?.prompt_diff.as_ref().ok()
    }

    pub fn outputs(&self) -> Option<&OutputDiff> {
        self.loaded.as_ref()?.outputs.as_ref().ok()
    }

    pub fn apply(&mut self, loaded: DiffLoaded) {
        // A result for another question than the current one is stale.
        if Some(&loaded.prompt) != self.prompt.as_ref()
            || loaded.from != self.from
            || loaded.to != self.to
        {
            return;
        }
        self.loading = false;
        let fresh = self.loaded.as_ref().is_none_or(|old| {
            (&old.prompt, old.from, old.to) != (&loaded.prompt, loaded.from, loaded.to)
        });
        let n = loaded
            .prompt_diff
            .as_ref()
            .map_or(0, |d| d.doc.len(self.view));
        // A new pair of sides opens at the top, where the changed settings and variables
        // are listed; `n` goes to the first change. A refresh keeps the reader's place.
        if fresh {
            self.scroll = 0;
            self.skip = 0;
        } else if self.scroll >= n {
            self.scroll = n.saturating_sub(1);
            self.skip = 0;
        }
        let cases = loaded.outputs.as_ref().map_or(0, |o| o.cases.len());
        self.cursor = self.cursor.min(cases.saturating_sub(1));
        self.loaded = Some(loaded);
    }

    /// Rows of the prompt diff in the current view.
    pub fn rows(&self) -> usize {
        self.prompt_diff().map_or(0, |d| d.doc.len(self.view))
    }

    /// Moves to the next (or previous) hunk, or notable case in the outputs view.
    pub fn jump(&mut self, forward: bool) -> bool {
        match self.mode {
            DiffMode::Prompt => {
                let Some(d) = self.prompt_diff() else {
                    return false;
                };
                let next = if forward {
                    d.doc.next_hunk(self.view, self.scroll)
                } else {
                    d.doc.prev_hunk(self.view, self.scroll)
                };
                match next {
                    Some(n) => {
                        self.scroll = n;
                        self.skip = 0;
                        true
                    }
                    None => false,
                }
            }
            DiffMode::Outputs => {
                let Some(o) = self.outputs() else {
                    return false;
                };
                let next = if forward {
                    o.next_notable(self.cursor)
                } else {
                    o.prev_notable(self.cursor)
                };
                match next {
                    Some(n) => {
                        self.cursor = n;
                        self.case_pos = DocPos::default();
                        true
                    }
                    None => false,
                }
            }
        }
    }
}
