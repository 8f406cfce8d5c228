//! Drawing: a pure function of `&App`. The layout functions here are shared with mouse
//! hit-testing in `update`, so a click lands where the eye sees the thing.

use ratatui::Frame;
use ratatui::layout::{Alignment, Constraint, Layout, Position, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::app::{App, Overlay, Tab};
use super::panes::{diff_view, evals_view, release_view};
use super::theme;
use super::widgets::{confirm, help, problems, status_bar};

/// Below this the app shows only a "terminal too small" note.
pub const MIN_WIDTH: u16 = 40;
pub const MIN_HEIGHT: u16 = 10;

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

/// The tab titles as drawn: ` 1 Prompts ` etc., each with its x range.
fn tab_labels() -> Vec<(usize, String)> {
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

pub fn draw(app: &App, f: &mut Frame) {
    let size = f.area();
    if size.width < MIN_WIDTH || size.height < MIN_HEIGHT {
        let msg = format!(
            "terminal too small: {}×{}, needs {MIN_WIDTH}×{MIN_HEIGHT}",
            size.width, size.height
        );
        f.render_widget(
            Paragraph::new(msg).wrap(ratatui::widgets::Wrap { trim: true }),
            size,
        );
        return;
    }
    let a = areas(size);
    draw_tabs(app, f, a.tabs);
    match app.tab {
        Tab::Prompts => app.prompts.view(f, a.body),
        Tab::Evals => {
            let draft = app
                .evals
                .detail
                .as_ref()
                .and_then(|d| app.evals.suites.iter().find(|s| s.name == d.suite))
                .and_then(|s| app.prompts.draft(&s.prompt));
            let ws = app.workspace.as_deref();
            let problems = app.ws.load_errors.len();
            evals_view::view(&app.evals, ws, draft, problems, f, a.body, app.now)
        }
        Tab::Diff => diff_view::view(&app.diff, f, a.body),
        Tab::Release => release_view::view(&app.release, f, a.body, app.now),
    }
    status_bar::view(app, f, a.status);
    match app.overlay {
        Some(Overlay::Help { scroll }) => help::view(app, f, a.body, scroll),
        Some(Overlay::ConfirmQuit) => confirm::view(app, f, a.body),
        Some(Overlay::Problems { selected }) => problems::view(app, f, a.body, selected),
        None => {}
    }
}

fn draw_tabs(app: &App, f: &mut Frame, area: Rect) {
    let mut spans = vec![Span::raw(" ")];
    for (i, label) in tab_labels() {
        let style = if Tab::ALL[i] == app.tab {
            Style::new()
                .fg(theme::ACCENT)
                .add_modifier(Modifier::BOLD | Modifier::REVERSED)
        } else {
            theme::muted()
        };
        spans.push(Span::styled(label, style));
        spans.push(Span::raw(" "));
    }
    f.render_widget(Paragraph::new(Line::from(spans)), area);
    let brand =
        Paragraph::new(Span::styled("promptwright ", theme::title())).alignment(Alignment::Right);
    let used: u16 = tab_labels()
        .iter()
        .map(|(_, l)| l.chars().count() as u16 + 1)
        .sum::<u16>()
        + 1;
    if area.width > used + 13 {
        f.render_widget(brand, area);
    }
}
