//! The `!` overlay: every error that kept the workspace from loading, each at its
//! file:line:col with its help, so a broken workspace.toml or suite is never hidden
//! behind an empty pane. One is selected; Enter opens its file in the editor there.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span, Text};
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};

use super::centered;
use crate::tui::app::App;
use crate::tui::theme;

/// The overlay's lines, and the line each problem starts at.
pub fn lines(app: &App, selected: usize) -> (Vec<Line<'static>>, Vec<usize>) {
    let errors = &app.ws.load_errors;
    if errors.is_empty() {
        let none = Line::styled("No problems: the workspace loads.", theme::muted());
        return (vec![none], Vec::new());
    }
    let mut out = Vec::new();
    let mut starts = Vec::new();
    for (i, d) in errors.iter().enumerate() {
        starts.push(out.len());
        let mark = if i == selected { "▶ " } else { "  " };
        let mut first = Line::from(vec![
            Span::styled(format!("{mark}✗ {} ", d.location()), theme::error()),
            Span::raw(d.message.clone()),
        ]);
        if i == selected {
            first = first.style(theme::selected());
        }
        out.push(first);
        if let Some(h) = &d.help {
            out.push(Line::styled(format!("    help: {h}"), theme::muted()));
        }
    }
    out.push(Line::raw(""));
    out.push(Line::styled(
        "Enter opens the selected problem's file in the editor at its line; Ctrl-S there saves \
         it and reads the workspace again. A fix made in another editor is read too.",
        theme::muted(),
    ));
    (out, starts)
}

pub fn view(app: &App, f: &mut Frame, body: Rect, selected: usize) {
    let (lines, starts) = lines(app, selected);
    let width = body.width.saturating_sub(4);
    let inner = width.saturating_sub(2).max(1) as usize;
    // Rows each line takes once wrapped (an estimate: words may wrap a little sooner).
    let rows: Vec<usize> = lines
        .iter()
        .map(|l| l.width().div_ceil(inner).max(1))
        .collect();
    let total: usize = rows.iter().sum();
    let area = centered(body, width, total as u16 + 2);
    let visible = area.height.saturating_sub(2) as usize;
    // The selected problem at the top when they do not all fit.
    let scroll = match starts.get(selected) {
        Some(&start) if total > visible => rows[..start].iter().sum::<usize>(),
        _ => 0,
    };
    f.render_widget(Clear, area);
    let n = app.ws.load_errors.len();
    let p = Paragraph::new(Text::from(lines))
        .wrap(Wrap { trim: false })
        .scroll((u16::try_from(scroll).unwrap_or(u16::MAX), 0))
        .block(
            Block::bordered()
                .title(format!(
                    " Problems ({n}) · ↑↓ select · Enter opens in the editor · Esc closes "
                ))
                .border_style(theme::focused_border()),
        );
    f.render_widget(p, area);
}
