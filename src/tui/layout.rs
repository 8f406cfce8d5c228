//! Where things are on screen: the screen's bands, the tabs, each pane's rectangles.
//! A leaf that both `update` (mouse hit-testing, page sizes) and the views import, so a
//! click lands where the eye sees the thing and neither side imports the other.

use ratatui::layout::{Constraint, Layout, Position, Rect};

/// Below this the app shows only a "terminal too small" note.
pub const MIN_WIDTH: u16 = 40;
pub const MIN_HEIGHT: u16 = 10;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tab {
    Prompts,
    Evals,
    Diff,
    Release,
}

impl Tab {
    pub const ALL: [Tab; 4] = [Tab::Prompts, Tab::Evals, Tab::Diff, Tab::Release];

    pub fn title(self) -> &'static str {
        match self {
            Tab::Prompts => "Prompts",
            Tab::Evals => "Evals",
            Tab::Diff => "Diff",
            Tab::Release => "Release",
        }
    }

    pub fn index(self) -> usize {
        Tab::ALL.iter().position(|t| *t == self).unwrap_or(0)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Areas {
    pub tabs: Rect,
    pub body: Rect,
    pub status: Rect,
}

pub fn areas(size: Rect) -> Areas {
    let [tabs, body, status] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(0),
        Constraint::Length(1),
    ])
    .areas(size);
    Areas { tabs, body, status }
}

/// The tab titles as drawn: ` 1 Prompts ` etc.
pub fn tab_labels() -> Vec<(usize, String)> {
    Tab::ALL
        .iter()
        .enumerate()
        .map(|(i, t)| (i, format!(" {} {} ", i + 1, t.title())))
        .collect()
}

/// Which tab is under `at`, if any.
pub fn tab_at(tabs: Rect, at: Position) -> Option<usize> {
    if at.y != tabs.y {
        return None;
    }
    let mut x = tabs.x + 1;
    for (i, label) in tab_labels() {
        let w = label.chars().count() as u16;
        if at.x >= x && at.x < x + w {
            return Some(i);
        }
        x += w + 1;
    }
    None
}

/// The row of a bordered list under `at` (inside the border, one row per item).
pub fn list_row(list: Rect, at: Position) -> Option<usize> {
    (list.contains(at) && at.y > list.y).then(|| (at.y - list.y - 1) as usize)
}

/// The width of the text inside a bordered box drawn in `area`.
pub fn inner_width(area: Rect) -> usize {
    area.width.saturating_sub(2) as usize
}

/// The Prompts pane: list, editor, info under it, case preview.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PromptsAreas {
    pub list: Option<Rect>,
    pub editor: Rect,
    pub info: Rect,
    pub preview: Option<Rect>,
}

pub fn prompts(body: Rect) -> PromptsAreas {
    let list_width = if body.width >= 70 { 30 } else { 0 };
    let [list, rest] =
        Layout::horizontal([Constraint::Length(list_width), Constraint::Min(0)]).areas(body);
    let (main, preview) = if rest.width >= 90 {
        let [m, p] = Layout::horizontal([Constraint::Percentage(55), Constraint::Percentage(45)])
            .areas(rest);
        (m, Some(p))
    } else if rest.height >= 24 {
        let [m, p] =
            Layout::vertical([Constraint::Percentage(60), Constraint::Percentage(40)]).areas(rest);
        (m, Some(p))
    } else {
        (rest, None)
    };
    let info_height = if main.height >= 14 { 5 } else { 0 };
    let [editor, info] =
        Layout::vertical([Constraint::Min(0), Constraint::Length(info_height)]).areas(main);
    PromptsAreas {
        list: (list_width > 0).then_some(list),
        editor,
        info,
        preview,
    }
}

/// The Evals pane: run gauge, suites (when wide enough), cases table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EvalsAreas {
    pub gauge: Rect,
    pub suites: Option<Rect>,
    pub cases: Rect,
}

pub fn evals(body: Rect) -> EvalsAreas {
    let [gauge, rest] = Layout::vertical([Constraint::Length(3), Constraint::Min(0)]).areas(body);
    let suites_width = if rest.width >= 70 { 30 } else { 0 };
    let [suites, cases] =
        Layout::horizontal([Constraint::Length(suites_width), Constraint::Min(0)]).areas(rest);
    EvalsAreas {
        gauge,
        suites: (suites_width > 0).then_some(suites),
        cases,
    }
}

/// Case rows that fit in the Evals table (inside the border, under the header).
pub fn evals_table_height(body: Rect) -> usize {
    evals(body).cases.height.saturating_sub(3) as usize
}

/// The case row of the Evals table under `at`, counted from the first visible row.
pub fn evals_case_row(body: Rect, at: Position) -> Option<usize> {
    let cases = evals(body).cases;
    // Border and header above the first row.
    (cases.contains(at) && at.y >= cases.y + 2).then(|| (at.y - cases.y - 2) as usize)
}

/// The Diff pane: the sides and mode on top, the diff under them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DiffAreas {
    pub header: Rect,
    pub body: Rect,
}

pub fn diff(body: Rect) -> DiffAreas {
    let [header, body] = Layout::vertical([Constraint::Length(3), Constraint::Min(0)]).areas(body);
    DiffAreas { header, body }
}

/// The Release pane: verdict header, checks, regressions, history.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReleaseAreas {
    pub header: Rect,
    pub checks: Rect,
    pub regressions: Rect,
    pub history: Rect,
}

/// `extra_lines`: header lines past the three every proposal has (a message, the
/// pass-rate change), at most three of them.
pub fn release(body: Rect, extra_lines: u16) -> ReleaseAreas {
    // A short terminal gives the history less room, never the header: the verdict stays.
    let history = if body.height >= 24 { 8 } else { 0 };
    let [header, middle, history] = Layout::vertical([
        Constraint::Length(5 + extra_lines.min(3)),
        Constraint::Min(3),
        Constraint::Length(history),
    ])
    .areas(body);
    let [checks, regressions] = if middle.width >= 90 {
        Layout::horizontal([Constraint::Percentage(62), Constraint::Percentage(38)]).areas(middle)
    } else {
        Layout::vertical([Constraint::Percentage(60), Constraint::Percentage(40)]).areas(middle)
    };
    ReleaseAreas {
        header,
        checks,
        regressions,
        history,
    }
}
