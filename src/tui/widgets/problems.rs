//! The `!` overlay: every error that kept the workspace from loading, each at its
//! file:line:col with its help, so a broken workspace.toml or suite is never hidden
//! behind an empty pane.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span, Text};
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};

use super::centered;
use crate::tui::app::App;
use crate::tui::theme;

pub fn lines(app: &App) -> Vec<Line<'static>> {
    let errors = &app.ws.load_errors;
    if errors.is_empty() {
        return vec![Line::styled(
            "No problems: the workspace loads.",
            theme::muted(),
        )];
    }
    let mut out = Vec::new();
    for d in errors {
        out.push(Line::from(vec![
            Span::styled(format!("✗ {} ", d.location()), theme::error()),
            Span::raw(d.message.clone()),
        ]));
        if let Some(h) = &d.help {
            out.push(Line::styled(format!("  help: {h}"), theme::muted()));
        }
    }
    out.push(Line::raw(""));
    out.push(Line::styled(
        "Fix the files in any editor: the workbench reads the workspace again when they change.",
        theme::muted(),
    ));
    out
}

pub fn view(app: &App, f: &mut Frame, body: Rect, scroll: u16) {
    let text = Text::from(lines(app));
    let width = body.width.saturating_sub(4);
    let area = centered(body, width, text.lines.len() as u16 + 4);
    f.render_widget(Clear, area);
    let n = app.ws.load_errors.len();
    let p = Paragraph::new(text)
        .wrap(Wrap { trim: false })
        .scroll((scroll, 0))
        .block(
            Block::bordered()
                .title(format!(" Problems ({n}) · Esc or ! to close · ↑↓ scroll "))
                .border_style(theme::focused_border()),
        );
    f.render_widget(p, area);
}
