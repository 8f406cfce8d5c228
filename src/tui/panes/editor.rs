//! The prompt editor: a textarea with a line-number gutter of its own (the textarea's
//! numbers scroll away with the text when a long line scrolls sideways), the lines with
//! errors highlighted, and a one-line bar for search (Ctrl-F) and go-to-line (Ctrl-G).

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};
use ratatui_textarea::{CursorMove, TextArea};

use super::prompts::PromptEntry;
use crate::tui::theme;

/// The bar under the editor, with what has been typed into it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Bar {
    Search(String),
    GoTo(String),
}

pub fn editor_for(text: &str) -> TextArea<'static> {
    let mut ta = TextArea::new(text.lines().map(str::to_string).collect());
    ta.set_cursor_line_style(Style::new());
    ta.set_tab_length(2);
    ta.set_search_style(Style::new().bg(Color::Yellow).fg(Color::Black));
    ta
}

/// Searches for `query` as plain text, ignoring case; an empty query clears the
/// highlighting. Moves to the first match from the cursor on (`from_cursor`) or after it.
/// Returns whether there is a match.
pub fn search(ta: &mut TextArea<'static>, query: &str, from_cursor: bool) -> bool {
    let pattern = if query.is_empty() {
        String::new()
    } else {
        format!("(?i){}", regex::escape(query))
    };
    // An escaped literal is always a valid pattern.
    let _ = ta.set_search_pattern(pattern);
    !query.is_empty() && ta.search_forward(from_cursor)
}

/// Moves to the previous match of the current search.
pub fn search_back(ta: &mut TextArea<'static>) -> bool {
    ta.search_back(false)
}

/// Moves the cursor to the start of 1-based `line`, clamped to the text. Returns the
/// line it landed on.
pub fn go_to(ta: &mut TextArea<'static>, line: usize) -> usize {
    let last = ta.lines().len().max(1);
    let line = line.clamp(1, last);
    let row = u16::try_from(line - 1).unwrap_or(u16::MAX);
    ta.move_cursor(CursorMove::Jump(row, 0));
    line
}

/// Cells of the line-number gutter for a text of `lines` lines: ` 12 `.
fn gutter_width(lines: usize) -> u16 {
    lines.max(1).to_string().len() as u16 + 2
}

pub fn view(f: &mut Frame, area: Rect, entry: &PromptEntry, focused: bool, bar: Option<&Bar>) {
    let mut title = vec![Span::styled(
        format!(" {} ", entry.rel_path),
        theme::title(),
    )];
    if entry.is_dirty() {
        title.push(Span::styled("● unsaved ", Style::new().fg(theme::WARN)));
    }
    let block = Block::bordered()
        .title(Line::from(title))
        .border_style(theme::border_for(focused));
    let inner = block.inner(area);
    f.render_widget(block, area);
    let bar = bar.filter(|_| focused);
    let [body, bar_area] = Layout::vertical([
        Constraint::Min(0),
        Constraint::Length(u16::from(bar.is_some())),
    ])
    .areas(inner);
    let lines = entry.editor.lines().len();
    let [gutter, text] =
        Layout::horizontal([Constraint::Length(gutter_width(lines)), Constraint::Min(0)])
            .areas(body);
    let mut ta = entry.editor.clone();
    ta.set_cursor_style(if focused {
        Style::new().add_modifier(Modifier::REVERSED)
    } else {
        Style::new()
    });
    f.render_widget(&ta, text);
    // Where the text scrolled to is known once it is drawn.
    let (top, _) = ta.scroll_offset();
    let top = top as usize;
    let digits = gutter.width.saturating_sub(2) as usize;
    let numbers: Vec<Line> = (0..gutter.height as usize)
        .map(|i| top + i + 1)
        .take_while(|n| *n <= lines)
        .map(|n| Line::styled(format!(" {n:>digits$} "), theme::muted()))
        .collect();
    f.render_widget(Paragraph::new(numbers), gutter);
    // Highlight the lines with errors (the textarea has no per-line style of its own).
    for e in &entry.errors {
        let Some(row) = e.line.checked_sub(1 + top) else {
            continue;
        };
        if e.line > 0 && row < text.height as usize {
            let line = Rect::new(text.x, text.y + row as u16, text.width, 1);
            f.buffer_mut().set_style(line, theme::error_line());
        }
    }
    if let Some(bar) = bar {
        // The bar's keys are in the status bar.
        let (label, typed) = match bar {
            Bar::Search(q) => ("search: ", q),
            Bar::GoTo(n) => ("go to line: ", n),
        };
        let line = Line::from(vec![
            Span::styled(label, theme::key()),
            Span::raw(format!("{typed}▏")),
        ]);
        f.render_widget(Paragraph::new(line), bar_area);
    }
}
