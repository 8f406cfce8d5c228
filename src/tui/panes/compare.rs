//! The Evals pane's compare view (`C`): pick targets and versions of the selected
//! suite's prompt, run them as a grid of cells (one gauge each), move through cases and
//! cells, and open one case to read every cell's output side by side.

use std::collections::HashMap;

use super::Reply;
use crate::tui::keymap::Action;
use crate::tui::msg::Cmd;
use promptwright_core::grid::{Standing, Target, best};
use promptwright_core::plan::PlanRequest;
use promptwright_core::release::Ref;
use promptwright_core::store::{CaseResult, RunningSummary, Summary};
use promptwright_core::workspace::{Price, Workspace};

/// Where the view is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Choosing targets and versions.
    Picking,
    /// The grid is planned and running (or was cancelled).
    Running,
    /// Every cell ended.
    Done,
}

/// One cell as the view shows it: its label, its results so far, its figures.
pub struct CellView {
    pub label: String,
    pub total: usize,
    pub results: HashMap<(String, String), CaseResult>,
    pub summary: RunningSummary,
    /// What its answers cost at the pricing table, cached or not.
    pub list_cost: f64,
    pub price: Option<Price>,
}

impl CellView {
    pub fn done(&self) -> usize {
        self.results.len()
    }
}

pub struct ComparePane {
    pub(super) prompt: String,
    /// Every provider of the workspace, the prompt's own first and picked.
    pub(super) targets: Vec<(Target, bool)>,
    /// draft, current (when there is one) and every version, draft picked.
    pub(super) refs: Vec<(Ref, bool)>,
    /// Position in the picker: the targets, then the refs.
    pub(super) pick: usize,
    pub(super) phase: Phase,
    pub(super) cells: Vec<CellView>,
    /// The prompt's cases, in plan order: the grid's rows.
    pub(super) rows: Vec<(String, String)>,
    pub(super) row: usize,
    pub(super) col: usize,
    /// The selected case's outputs, one column per cell.
    pub(super) open: bool,
    pub(super) bar: Option<f64>,
    pricing: std::collections::BTreeMap<String, Price>,
}

impl ComparePane {
    /// The view for `prompt` of `ws`, before anything runs. `versions`: the prompt's
    /// released versions, ascending; `current`: whether one is current.
    pub fn new(ws: &Workspace, prompt: &str, versions: &[u32], current: bool) -> ComparePane {
        let own = ws
            .prompts
            .get(prompt)
            .and_then(|p| ws.provider_for(p))
            .map(|c| c.name.clone());
        let mut targets: Vec<(Target, bool)> = ws
            .config
            .providers
            .keys()
            .map(|name| {
                let picked = Some(name) == own.as_ref();
                (
                    Target {
                        provider: name.clone(),
                        model: None,
                    },
                    picked,
                )
            })
            .collect();
        targets.sort_by_key(|(_, picked)| !picked);
        let mut refs = vec![(Ref::Draft, true)];
        if current {
            refs.push((Ref::Current, false));
        }
        refs.extend(versions.iter().rev().map(|v| (Ref::Version(*v), false)));
        let rows = ws
            .suites_of(prompt)
            .flat_map(|s| s.cases.iter().map(|c| (s.name.clone(), c.id.clone())))
            .collect();
        ComparePane {
            prompt: prompt.to_string(),
            targets,
            refs,
            pick: 0,
            phase: Phase::Picking,
            cells: Vec::new(),
            rows,
            row: 0,
            col: 0,
            open: false,
            bar: ws.config.gate.min_pass_rate,
            pricing: ws.config.pricing.clone(),
        }
    }

    /// Where the view stands, in a line (tests compare it before and after a key).
    pub fn describe(&self) -> String {
        let picked: Vec<String> = self
            .targets
            .iter()
            .map(|(t, p)| format!("{t}={p}"))
            .chain(self.refs.iter().map(|(r, p)| format!("{r}={p}")))
            .collect();
        format!(
            "{:?} pick {} row {} col {} open {} cells {} [{}]",
            self.phase,
            self.pick,
            self.row,
            self.col,
            self.open,
            self.cells.len(),
            picked.join(" ")
        )
    }

    pub fn phase(&self) -> Phase {
        self.phase
    }

    pub fn is_open(&self) -> bool {
        self.open
    }

    /// The picked targets and refs.
    fn picked(&self) -> (Vec<Target>, Vec<Ref>) {
        let targets = self
            .targets
            .iter()
            .filter(|(_, p)| *p)
            .map(|(t, _)| t.clone())
            .collect();
        let refs = self
            .refs
            .iter()
            .filter(|(_, p)| *p)
            .map(|(r, _)| *r)
            .collect();
        (targets, refs)
    }

    /// A key of the compare view (Enter in the picker and Esc are the app's: they start
    /// a run and close the view).
    pub fn on_action(&mut self, action: Action) -> Reply {
        let items = self.targets.len() + self.refs.len();
        match (self.phase, action) {
            (Phase::Picking, Action::Up) => self.pick = self.pick.saturating_sub(1),
            (Phase::Picking, Action::Down) => {
                self.pick = (self.pick + 1).min(items.saturating_sub(1));
            }
            (Phase::Picking, Action::ToggleItem) => {
                let t = self.targets.len();
                if let Some((_, p)) = self.targets.get_mut(self.pick) {
                    *p = !*p;
                } else if let Some((_, p)) = self.refs.get_mut(self.pick - t) {
                    *p = !*p;
                }
            }
            (_, Action::Up) => self.row = self.row.saturating_sub(1),
            (_, Action::Down) => self.row = (self.row + 1).min(self.rows.len().saturating_sub(1)),
            (_, Action::FocusLeft) => self.col = self.col.saturating_sub(1),
            (_, Action::FocusRight) => {
                self.col = (self.col + 1).min(self.cells.len().saturating_sub(1));
            }
            (_, Action::Open) => self.open = !self.open,
            (Phase::Running, Action::CancelRun) => return Reply::cmds(vec![Cmd::CancelRun]),
            _ => {}
        }
        Reply::default()
    }

    /// Esc: the open case closes first; `true` when the view itself should close.
    pub fn close(&mut self) -> bool {
        if self.open {
            self.open = false;
            return false;
        }
        true
    }

    /// Enter in the picker: what to run, the view then waiting for it; or why nothing.
    pub fn start(&mut self) -> Result<(Vec<Target>, Vec<Ref>), String> {
        let (targets, refs) = self.picked();
        if targets.is_empty() || refs.is_empty() {
            return Err("pick at least one target and one version (Space)".into());
        }
        self.phase = Phase::Running;
        self.cells.clear();
        Ok((targets, refs))
    }

    /// The grid's run failed to start or to finish.
    pub fn on_failed(&mut self) {
        if self.cells.is_empty() {
            self.phase = Phase::Picking;
        } else {
            self.phase = Phase::Done;
        }
    }

    /// The plan request a run of the grid makes.
    pub fn request(&self) -> PlanRequest {
        PlanRequest {
            prompts: vec![self.prompt.clone()],
            ..PlanRequest::default()
        }
    }

    /// The grid was planned: each cell's label and the model that prices it.
    pub fn on_planned(&mut self, cells: Vec<(String, String)>) {
        self.cells = cells
            .into_iter()
            .map(|(label, model)| CellView {
                price: self.pricing.get(&model).copied(),
                label,
                total: self.rows.len(),
                results: HashMap::new(),
                summary: RunningSummary::default(),
                list_cost: 0.0,
            })
            .collect();
        self.col = 0;
    }

    pub fn on_scored(&mut self, cell: usize, c: CaseResult) {
        let Some(view) = self.cells.get_mut(cell) else {
            return;
        };
        view.summary.add(&c);
        view.list_cost += promptwright_core::grid::list_cost(&c, view.price);
        view.results.insert((c.suite.clone(), c.id.clone()), c);
    }

    pub fn on_done(&mut self) {
        self.phase = Phase::Done;
    }

    /// The result of the selected case in each cell.
    pub fn selected_results(&self) -> Vec<Option<&CaseResult>> {
        let key = self.rows.get(self.row);
        self.cells
            .iter()
            .map(|c| key.and_then(|k| c.results.get(k)))
            .collect()
    }

    pub fn summaries(&self) -> Vec<Summary> {
        self.cells.iter().map(|c| c.summary.summary()).collect()
    }

    /// The cell to look at first (see [`best`]), once cells have results.
    pub fn best(&self) -> Option<usize> {
        let standings: Vec<Standing> = self
            .cells
            .iter()
            .map(|c| Standing::of(&c.summary.summary(), c.list_cost))
            .collect();
        best(&standings, self.bar)
    }
}
