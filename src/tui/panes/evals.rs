//! The Evals pane's state: suites and their cases, the latest result of every case,
//! the run in progress, filters and the case under review. Updating it is cheap per
//! event (a result replaces one entry and adjusts one suite's counts), so a stream of
//! results never slows typing down.

use std::collections::{HashMap, HashSet};
use std::time::Instant;

use crate::tui::eta::Eta;
use promptwright_core::runner::RunEvent;
use promptwright_core::store::{CaseResult, Status, Tally};

pub struct SuiteRow {
    pub name: String,
    pub prompt: String,
    pub case_ids: Vec<String>,
}

/// Where `n`/`p` went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Jump {
    Moved,
    /// The cursor is on the only failure shown.
    OnlyOne,
    NoFailures,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EvalsFocus {
    Suites,
    Cases,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Detail {
    pub suite: String,
    pub id: String,
    pub scroll: u16,
    /// The draw shown, from 1, of a case drawn more than once; 0: the case as a whole
    /// (its first draw, and every draw's verdict in a line).
    pub sample: usize,
}

/// Which cases the list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Show {
    All,
    /// Failures and errors.
    Failures,
    /// Cases whose draws disagreed.
    Flaky,
}

/// The run in flight, as the gauge shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct RunProgress {
    pub run_id: String,
    pub prompt: String,
    pub suites: Vec<String>,
    pub total: usize,
    pub counts: Tally,
    pub cost_usd: f64,
    pub cancelling: bool,
    pub eta: Eta,
}

/// How the last run ended, for the gauge and the resume key.
#[derive(Debug, Clone, PartialEq)]
pub struct LastRun {
    pub run_id: String,
    pub prompt: String,
    pub suites: Vec<String>,
    pub complete: bool,
    pub counts: Tally,
    pub total: usize,
    /// Each named metric's mean score.
    pub metrics: std::collections::BTreeMap<String, f64>,
}

pub struct EvalsPane {
    pub(super) suites: Vec<SuiteRow>,
    /// Latest result per suite, per case id.
    pub(super) results: HashMap<String, HashMap<String, CaseResult>>,
    pub(super) counts: HashMap<String, Tally>,
    pub(super) selected_suite: usize,
    pub(super) focus: EvalsFocus,
    /// Indices into the selected suite's cases that pass the filters, in order.
    pub(super) rows: Vec<usize>,
    /// Position in `rows`.
    pub(super) cursor: usize,
    /// First visible row.
    pub(super) offset: usize,
    /// Which cases `f` leaves in view.
    pub(super) show: Show,
    pub(super) filter: String,
    pub(super) filter_editing: bool,
    pub(super) detail: Option<Detail>,
    pub(super) run: Option<RunProgress>,
    pub(super) last_run: Option<LastRun>,
    /// Set when results changed under an active filter; rows are rebuilt on the next tick.
    pub(super) rows_stale: bool,
    /// Cases a run started on whose shown result is still from an earlier run (the run
    /// was cancelled, or has not reached them yet): drawn dimmed and marked.
    pub(super) older: HashSet<(String, String)>,
    /// The cases the next run is limited to (a rerun of one case), set as it is asked for.
    pub(super) next_only: Option<Vec<(String, String)>>,
    /// The compare view (`C`), while it is open.
    pub(super) compare: Option<super::compare::ComparePane>,
}

impl EvalsPane {
    pub fn new(suites: Vec<SuiteRow>, known: Vec<CaseResult>) -> EvalsPane {
        let mut pane = EvalsPane {
            suites,
            results: HashMap::new(),
            counts: HashMap::new(),
            selected_suite: 0,
            focus: EvalsFocus::Cases,
            rows: Vec::new(),
            cursor: 0,
            offset: 0,
            show: Show::All,
            filter: String::new(),
            filter_editing: false,
            detail: None,
            run: None,
            last_run: None,
            rows_stale: false,
            compare: None,
            older: HashSet::new(),
            next_only: None,
        };
        for r in known {
            pane.record(r);
        }
        pane.rebuild_rows();
        pane
    }

    /// Results read from earlier runs' records, which arrive after the pane is first
    /// shown: a case given a result meanwhile (by a run started at once) keeps it.
    pub fn add_recorded(&mut self, recorded: Vec<CaseResult>) {
        for r in recorded {
            if self.result(&r.suite, &r.id).is_none() {
                self.record(r);
            }
        }
        self.rebuild_rows();
    }

    /// A clock tick: rows left stale by results under a filter are rebuilt.
    pub fn on_tick(&mut self) {
        if self.rows_stale {
            self.rebuild_rows();
        }
    }

    /// The run could not start: nothing is in flight.
    pub fn run_failed(&mut self) {
        self.run = None;
        self.next_only = None;
    }

    /// The next run is limited to these cases (a rerun of one case), or not.
    pub fn limit_next_run(&mut self, only: Option<Vec<(String, String)>>) {
        self.next_only = only;
    }

    /// New suites after the workspace was read again; results and selection are kept.
    pub fn set_suites(&mut self, suites: Vec<SuiteRow>) {
        let selected = self.suite().map(|s| s.name.clone());
        self.suites = suites;
        self.selected_suite = selected
            .and_then(|n| self.suites.iter().position(|s| s.name == n))
            .unwrap_or(0);
        self.rebuild_rows();
    }

    pub fn suite(&self) -> Option<&SuiteRow> {
        self.suites.get(self.selected_suite)
    }

    /// How many suites the workspace has.
    pub fn suite_count(&self) -> usize {
        self.suites.len()
    }

    /// The suite's passed / failed / errors over its latest results.
    pub fn tally(&self, suite: &str) -> Tally {
        self.counts.get(suite).copied().unwrap_or_default()
    }

    /// Which list the cursor keys move.
    pub fn focus(&self) -> EvalsFocus {
        self.focus
    }

    /// The case under review, when its detail is open.
    pub fn detail(&self) -> Option<&Detail> {
        self.detail.as_ref()
    }

    /// The prompt of the case under review (its rendered messages are shown).
    pub fn detail_prompt(&self) -> Option<&str> {
        let d = self.detail.as_ref()?;
        let s = self.suites.iter().find(|s| s.name == d.suite)?;
        Some(s.prompt.as_str())
    }

    /// The run in flight.
    pub fn run(&self) -> Option<&RunProgress> {
        self.run.as_ref()
    }

    pub fn is_running(&self) -> bool {
        self.run.is_some()
    }

    /// How the last run ended.
    pub fn last_run(&self) -> Option<&LastRun> {
        self.last_run.as_ref()
    }

    /// The filter is being typed (keys are text).
    pub fn is_filtering(&self) -> bool {
        self.filter_editing
    }

    /// The text filter in force.
    pub fn filter(&self) -> &str {
        &self.filter
    }

    pub fn compare(&self) -> Option<&super::compare::ComparePane> {
        self.compare.as_ref()
    }

    pub fn compare_mut(&mut self) -> Option<&mut super::compare::ComparePane> {
        self.compare.as_mut()
    }

    pub fn open_compare(&mut self, view: super::compare::ComparePane) {
        self.compare = Some(view);
    }

    pub fn close_compare(&mut self) {
        self.compare = None;
    }

    pub fn failures_only(&self) -> bool {
        self.show == Show::Failures
    }

    pub fn show(&self) -> Show {
        self.show
    }

    /// `f`: all cases, then failures, then (when some case was drawn more than once
    /// and disagreed) flaky ones, then all again.
    pub(super) fn next_show(&self) -> Show {
        match self.show {
            Show::All => Show::Failures,
            Show::Failures if self.any_flaky() => Show::Flaky,
            Show::Failures | Show::Flaky => Show::All,
        }
    }

    fn any_flaky(&self) -> bool {
        self.results
            .values()
            .any(|by_id| by_id.values().any(CaseResult::flaky))
    }

    /// How many cases of the selected suite pass the filters.
    pub fn visible_rows(&self) -> usize {
        self.rows.len()
    }

    /// Whether any shown result is from a run before the latest one on its case.
    pub fn shows_older(&self) -> bool {
        !self.older.is_empty()
    }

    pub fn result(&self, suite: &str, id: &str) -> Option<&CaseResult> {
        self.results.get(suite)?.get(id)
    }

    /// The case under the cursor: (suite, id).
    pub fn current_case(&self) -> Option<(&str, &str)> {
        let s = self.suite()?;
        let i = *self.rows.get(self.cursor)?;
        Some((s.name.as_str(), s.case_ids[i].as_str()))
    }

    /// The shown result of this case is from a run before the latest one on it.
    pub fn is_older(&self, suite: &str, id: &str) -> bool {
        !self.older.is_empty() && self.older.contains(&(suite.to_string(), id.to_string()))
    }

    /// A run started on `suites`: every result it covers is from an earlier run until
    /// the run scores that case again.
    fn mark_older(&mut self, suites: &[String]) {
        match self.next_only.take() {
            Some(only) => {
                let shown: Vec<_> = only
                    .into_iter()
                    .filter(|(s, i)| self.result(s, i).is_some())
                    .collect();
                self.older.extend(shown);
            }
            None => {
                for s in suites {
                    if let Some(by_id) = self.results.get(s) {
                        self.older
                            .extend(by_id.keys().map(|id| (s.clone(), id.clone())));
                    }
                }
            }
        }
    }

    /// Stores a result, keeping the suite's counts right when it replaces an older one.
    fn record(&mut self, r: CaseResult) {
        if !self.older.is_empty() {
            self.older.remove(&(r.suite.clone(), r.id.clone()));
        }
        let counts = self.counts.entry(r.suite.clone()).or_default();
        counts.add(r.status);
        let by_id = self.results.entry(r.suite.clone()).or_default();
        if let Some(old) = by_id.insert(r.id.clone(), r) {
            counts.remove(old.status);
        }
        if self.show != Show::All || !self.filter.is_empty() {
            self.rows_stale = true;
        }
    }

    fn matches(&self, suite: &str, id: &str) -> bool {
        let r = self.result(suite, id);
        let shown = match self.show {
            Show::All => true,
            Show::Failures => r.is_some_and(|r| r.status != Status::Pass),
            Show::Flaky => r.is_some_and(CaseResult::flaky),
        };
        if !shown {
            return false;
        }
        if self.filter.is_empty() {
            return true;
        }
        let needle = self.filter.to_lowercase();
        id.to_lowercase().contains(&needle)
            || r.is_some_and(|r| {
                r.shown_output()
                    .is_some_and(|o| o.to_lowercase().contains(&needle))
                    || r.error
                        .as_deref()
                        .is_some_and(|e| e.to_lowercase().contains(&needle))
                    || serde_json::to_string(&r.vars)
                        .is_ok_and(|v| v.to_lowercase().contains(&needle))
            })
    }

    /// Recomputes the visible rows, keeping the cursor on the same case when it stays.
    pub fn rebuild_rows(&mut self) {
        let keep = self.rows.get(self.cursor).copied();
        self.rows = match self.suite() {
            Some(s) => (0..s.case_ids.len())
                .filter(|&i| self.matches(&s.name, &s.case_ids[i]))
                .collect(),
            None => Vec::new(),
        };
        self.cursor = keep
            .and_then(|k| self.rows.iter().position(|&r| r == k))
            .unwrap_or(self.cursor.min(self.rows.len().saturating_sub(1)));
        self.rows_stale = false;
    }

    pub fn select_suite(&mut self, i: usize) {
        if i < self.suites.len() && i != self.selected_suite {
            self.selected_suite = i;
            self.cursor = 0;
            self.offset = 0;
            self.rows.clear();
            self.rebuild_rows();
        }
    }

    /// Moves the cursor by `delta` rows and keeps it visible in `height` rows.
    pub fn move_cursor(&mut self, delta: isize, height: usize) {
        if self.rows.is_empty() {
            return;
        }
        let last = self.rows.len() - 1;
        self.cursor = self.cursor.saturating_add_signed(delta).min(last);
        self.scroll_into_view(height);
    }

    pub fn scroll_into_view(&mut self, height: usize) {
        let height = height.max(1);
        if self.cursor < self.offset {
            self.offset = self.cursor;
        } else if self.cursor >= self.offset + height {
            self.offset = self.cursor + 1 - height;
        }
    }

    fn is_failure(&self, row: usize) -> bool {
        let Some(s) = self.suite() else { return false };
        self.result(&s.name, &s.case_ids[row])
            .is_some_and(|r| r.status != Status::Pass)
    }

    /// Moves to the next (or previous) failing case, and says how that went.
    pub fn jump_failure(&mut self, forward: bool, height: usize) -> Jump {
        let n = self.rows.len();
        let found = (1..=n)
            .map(|step| {
                if forward {
                    (self.cursor + step) % n
                } else {
                    (self.cursor + n * 2 - step) % n
                }
            })
            .find(|&pos| self.is_failure(self.rows[pos]));
        match found {
            // The search came back round to where it started: nowhere else to go.
            Some(pos) if pos == self.cursor => Jump::OnlyOne,
            Some(pos) => {
                self.cursor = pos;
                self.scroll_into_view(height);
                if self.detail.is_some() {
                    self.detail = self.current_case().map(|(suite, id)| Detail {
                        suite: suite.to_string(),
                        id: id.to_string(),
                        scroll: 0,
                        sample: 0,
                    });
                }
                Jump::Moved
            }
            None => Jump::NoFailures,
        }
    }

    /// Applies a runner event. Returns a note for the status bar when the run ends.
    pub fn on_run_event(&mut self, ev: RunEvent, now: Instant) -> Option<String> {
        match ev {
            RunEvent::Started(h) => {
                self.mark_older(&h.suites);
                self.run = Some(RunProgress {
                    run_id: h.run_id,
                    prompt: h.prompt,
                    suites: h.suites,
                    total: h.total,
                    counts: Tally::default(),
                    cost_usd: 0.0,
                    cancelling: false,
                    eta: Eta::new(now),
                });
                None
            }
            // The workbench runs no batches (`eval --batch` is a command-line run).
            RunEvent::CaseStarted { .. } | RunEvent::Batch(_) => None,
            RunEvent::CaseScored(r) => {
                if let Some(run) = &mut self.run {
                    run.counts.add(r.status);
                    run.cost_usd += r.cost_usd;
                    run.eta.record(now, r.cached);
                }
                self.record(*r);
                None
            }
            RunEvent::Finished(record) => {
                let run = self.run.take();
                let mut counts = Tally::default();
                for c in &record.cases {
                    counts.add(c.status);
                }
                let (suites, total) =
                    run.map_or_else(|| (Vec::new(), record.cases.len()), |r| (r.suites, r.total));
                self.last_run = Some(LastRun {
                    run_id: record.run_id.clone(),
                    prompt: record.prompt.clone(),
                    suites,
                    complete: record.complete,
                    counts,
                    total,
                    metrics: record.summary.metrics.clone(),
                });
                self.rebuild_rows();
                Some(if record.complete {
                    format!(
                        "run {} done: {} passed, {} failed, {}",
                        record.run_id,
                        counts.passed,
                        counts.failed,
                        promptwright_core::words::plural(counts.errors, "error", "errors")
                    )
                } else {
                    format!(
                        "run {} cancelled after {} cases: u resumes it",
                        record.run_id,
                        record.cases.len()
                    )
                })
            }
        }
    }
}
