//! Drawing: a pure function of `&App`. Where things go comes from `layout`, which mouse
//! hit-testing in `update` reads too.

use ratatui::Frame;
use ratatui::layout::{Alignment, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::app::{App, Overlay};
use super::layout::{MIN_HEIGHT, MIN_WIDTH, Tab, areas, tab_labels};
use super::panes::{diff_view, evals_view, release_view};
use super::theme;
use super::widgets::{confirm, help, problems, status_bar};

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
            let draft = app.evals.detail_prompt().and_then(|p| app.prompts.draft(p));
            let ws = app.workspace.as_deref();
            let problems = app.ws.load_errors.len();
            evals_view::view(&app.evals, ws, draft, problems, f, a.body, app.now)
        }
        Tab::Diff => diff_view::view(&app.diff, f, a.body),
        Tab::Release => release_view::view(&app.release, f, a.body, app.now),
    }
    status_bar::view(f, a.status, &status(app));
    match app.overlay {
        Some(Overlay::Help { scroll }) => help::view(f, a.body, app.pane_context(), scroll),
        Some(Overlay::ConfirmQuit) => {
            let names: Vec<String> = app
                .prompts
                .all()
                .filter(|e| e.is_dirty())
                .map(|e| e.rel_path.clone())
                .collect();
            confirm::view(f, a.body, &names)
        }
        Some(Overlay::Problems { selected }) => {
            problems::view(f, a.body, &app.ws.load_errors, selected)
        }
        None => {}
    }
}

/// What the status bar shows: the workspace, the selected prompt and its model, the run,
/// unsaved edits, load errors, and the last note or the keys.
fn status(app: &App) -> status_bar::Status<'_> {
    let prompt = app.prompts.current().map(|e| {
        let provider = e
            .parsed
            .as_ref()
            .and_then(|p| p.def.provider.clone())
            .or_else(|| {
                app.ws
                    .config
                    .as_ref()
                    .and_then(|c| c.default_provider.clone())
            })
            .unwrap_or_else(|| "?".into());
        let model = e
            .parsed
            .as_ref()
            .and_then(|p| p.def.model.clone())
            .unwrap_or_else(|| "-".into());
        (e.name.as_str(), format!("{provider}/{model}"))
    });
    let run = app.evals.run().map(|run| {
        format!(
            "▶ {} {}/{} {}",
            run.prompt,
            run.counts.cases(),
            run.total,
            run.counts
        )
    });
    status_bar::Status {
        workspace: &app.ws.name,
        prompt,
        run,
        unsaved: app.prompts.dirty_count(),
        load_errors: app.ws.load_errors.len(),
        note: app.note.as_deref(),
        ctx: app.context(),
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
