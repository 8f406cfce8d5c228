//! The Evals pane's keys, scrolling and mouse: actions in, the pane's state changed,
//! commands and a status note out. Runs and "edit this case" need the other panes and
//! stay with the app; everything else the pane decides alone.

use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::{Position, Rect};

use super::Reply;
use super::evals::{Detail, EvalsFocus, EvalsPane, Jump};
use crate::tui::keymap::Action;
use crate::tui::layout;
use crate::tui::msg::Cmd;
use promptwright_core::plan::PlanRequest;

impl EvalsPane {
    /// Performs one of the pane's own actions; `body` is the pane's rectangle (for the
    /// page size).
    pub fn on_action(&mut self, action: Action, body: Rect) -> Reply {
        let height = layout::evals_table_height(body);
        match action {
            Action::Up => self.scroll(-1, body),
            Action::Down => self.scroll(1, body),
            Action::PageUp => self.scroll(-10, body),
            Action::PageDown => self.scroll(10, body),
            Action::FocusLeft => self.focus = EvalsFocus::Suites,
            Action::FocusRight => self.focus = EvalsFocus::Cases,
            Action::Open => {
                if let Some((suite, id)) = self.current_case() {
                    self.detail = Some(Detail {
                        suite: suite.to_string(),
                        id: id.to_string(),
                        scroll: 0,
                        sample: 0,
                    });
                }
            }
            Action::Close => self.detail = None,
            Action::CancelRun => {
                return match &mut self.run {
                    Some(run) => {
                        run.cancelling = true;
                        Reply::cmds(vec![Cmd::CancelRun])
                    }
                    None => Reply::note("no run in progress"),
                };
            }
            Action::FailuresOnly => {
                self.show = self.next_show();
                self.rebuild_rows();
                self.scroll_into_view(height);
            }
            Action::NextSample | Action::PrevSample => {
                return self.step_sample(action == Action::NextSample);
            }
            Action::NextFailure | Action::PrevFailure => {
                return match self.jump_failure(action == Action::NextFailure, height) {
                    Jump::Moved => Reply::default(),
                    Jump::OnlyOne => Reply::note("only one failure here: this is it"),
                    Jump::NoFailures => Reply::note("no failures here"),
                };
            }
            Action::StartFilter => self.filter_editing = true,
            Action::ApplyFilter => self.filter_editing = false,
            Action::ClearFilter => {
                self.filter_editing = false;
                self.filter.clear();
                self.rebuild_rows();
            }
            _ => {}
        }
        Reply::default()
    }

    /// `]`/`[` in the detail of a case drawn more than once: the next or previous draw,
    /// through the whole case (0) at either end.
    fn step_sample(&mut self, forward: bool) -> Reply {
        let Some(d) = &self.detail else {
            return Reply::default();
        };
        let drawn = self.result(&d.suite, &d.id).map_or(0, |r| r.samples.len());
        if drawn == 0 {
            return Reply::note("this case was drawn once: there are no other samples");
        }
        let Some(d) = &mut self.detail else {
            return Reply::default();
        };
        let places = drawn + 1;
        d.sample = if forward {
            (d.sample + 1) % places
        } else {
            (d.sample + places - 1) % places
        };
        d.scroll = 0;
        Reply::default()
    }

    /// The prompt a run key runs: the selected suite's, or for `u` the last run's.
    pub fn run_prompt(&self, action: Action) -> Option<String> {
        let suite = self.suite()?;
        let resumed = match action {
            Action::ResumeRun => self.last_run.as_ref().map(|l| l.prompt.clone()),
            _ => None,
        };
        Some(resumed.unwrap_or_else(|| suite.prompt.clone()))
    }

    /// The plan a run key asks for (suite, prompt, resume, one case without the cache);
    /// `Err` with a note when there is nothing to run.
    pub fn run_request(&mut self, action: Action) -> Result<PlanRequest, Option<String>> {
        let suite = self.suite().ok_or(None)?;
        let request = match action {
            Action::RunSuite => PlanRequest {
                suites: vec![suite.name.clone()],
                ..PlanRequest::default()
            },
            Action::RunPrompt => PlanRequest {
                prompts: vec![suite.prompt.clone()],
                ..PlanRequest::default()
            },
            Action::ResumeRun => match &self.last_run {
                Some(last) if !last.complete => PlanRequest {
                    prompts: vec![last.prompt.clone()],
                    suites: last.suites.clone(),
                    resume: true,
                    ..PlanRequest::default()
                },
                _ => return Err(Some("nothing to resume: the last run is complete".into())),
            },
            _ => {
                let (suite, id) = self.current_case().ok_or(None)?;
                PlanRequest {
                    suites: vec![suite.to_string()],
                    only_cases: Some(vec![(suite.to_string(), id.to_string())]),
                    no_cache: true,
                    ..PlanRequest::default()
                }
            }
        };
        self.limit_next_run(request.only_cases.clone());
        Ok(request)
    }

    /// A key typed into the filter.
    pub fn type_in_filter(&mut self, key: KeyEvent) {
        match key.code {
            KeyCode::Char(c) => self.filter.push(c),
            KeyCode::Backspace => {
                self.filter.pop();
            }
            _ => return,
        }
        self.cursor = 0;
        self.offset = 0;
        self.rebuild_rows();
    }

    /// Moves what is focused by `step` rows: the detail, the suites or the cases.
    pub fn scroll(&mut self, step: isize, body: Rect) {
        if let Some(d) = &mut self.detail {
            d.scroll = d.scroll.saturating_add_signed(step as i16);
        } else if self.focus == EvalsFocus::Suites && step.abs() == 1 {
            let i = self.selected_suite.saturating_add_signed(step);
            self.select_suite(i.min(self.suites.len().saturating_sub(1)));
        } else {
            self.move_cursor(step, layout::evals_table_height(body));
        }
    }

    /// A left click at `at`: selects the suite or the case under it.
    pub fn on_click(&mut self, body: Rect, at: Position) {
        if self.detail.is_some() {
            return;
        }
        let a = layout::evals(body);
        if let Some(list) = a.suites.filter(|l| l.contains(at)) {
            if let Some(row) = layout::list_row(list, at) {
                if row < self.suites.len() {
                    self.select_suite(row);
                    self.focus = EvalsFocus::Suites;
                }
            }
        } else if let Some(row) = layout::evals_case_row(body, at) {
            let pos = self.offset + row;
            if pos < self.rows.len() {
                self.cursor = pos;
                self.focus = EvalsFocus::Cases;
            }
        }
    }
}
