//! The `!` overlay: every error that kept the workspace from loading, each at its
//! file:line:col with its help, so a broken workspace.toml or suite is never hidden
//! behind an empty pane. One is selected; Enter opens its file in the editor there.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span, Text};
use ratatui::widgets::{Block, Clear, Paragraph};

use super::centered;
use crate::tui::theme;
use promptwright_core::vocab::Diagnostic;

/// The overlay's lines wrapped to `width` cells (a problem's continuation lines
/// indented under it), and the line each problem starts at.
pub fn lines(
    errors: &[Diagnostic],
    selected: usize,
    width: usize,
) -> (Vec<Line<'static>>, Vec<usize>) {
    if errors.is_empty() {
        let none = Line::styled("No problems: the workspace loads.", theme::muted());
        return (vec![none], Vec::new());
    }
    let width = width.max(20);
    let hanging = |text: &str| -> Vec<String> {
        let options = theme::wrap_options(width).subsequent_indent("    ");
        textwrap::wrap(text, options)
            .into_iter()
            .map(|l| l.into_owned())
            .collect()
    };
    let mut out = Vec::new();
    let mut starts = Vec::new();
    for (i, d) in errors.iter().enumerate() {
        starts.push(out.len());
        let mark = if i == selected { "▶ " } else { "  " };
        let at = format!("{mark}✗ {} ", d.location());
        for (k, piece) in hanging(&format!("{at}{}", d.message))
            .into_iter()
            .enumerate()
        {
            let mut line = match piece.strip_prefix(&at) {
                Some(rest) if k == 0 => Line::from(vec![
                    Span::styled(at.clone(), theme::error()),
                    Span::raw(rest.to_string()),
                ]),
                _ if k == 0 => Line::styled(piece, theme::error()),
                _ => Line::raw(piece),
            };
            if i == selected {
                line = line.style(theme::selected());
            }
            out.push(line);
        }
        if let Some(h) = &d.help {
            let options = theme::wrap_options(width)
                .initial_indent("    help: ")
                .subsequent_indent("          ");
            out.extend(
                textwrap::wrap(h, options)
                    .into_iter()
                    .map(|l| Line::styled(l.into_owned(), theme::muted())),
            );
        }
    }
    out.push(Line::raw(""));
    out.extend(
        textwrap::wrap(
            "Enter opens the selected problem's file in the editor at its line; Ctrl-S there \
             saves it and reads the workspace again. A fix made in another editor is read too.",
            theme::wrap_options(width),
        )
        .into_iter()
        .map(|l| Line::styled(l.into_owned(), theme::muted())),
    );
    (out, starts)
}

pub fn view(f: &mut Frame, body: Rect, errors: &[Diagnostic], selected: usize) {
    let width = body.width.saturating_sub(4);
    let (lines, starts) = lines(errors, selected, width.saturating_sub(2) as usize);
    let total = lines.len();
    let area = centered(body, width, total as u16 + 2);
    let visible = area.height.saturating_sub(2) as usize;
    // The selected problem at the top when they do not all fit.
    let scroll = match starts.get(selected) {
        Some(&start) if total > visible => start,
        _ => 0,
    };
    f.render_widget(Clear, area);
    let n = errors.len();
    let p = Paragraph::new(Text::from(lines))
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
