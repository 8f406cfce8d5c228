//! Drawing a diff document (a prompt diff, or one case's two outputs) side by side or
//! unified, long lines wrapped inside their column. The reader's place is a row of the
//! document plus the wrapped lines of that row already scrolled past (`skip`), so a row
//! taller than the screen (an output on one long line) can still be read to its end,
//! while `n`/`p` keep jumping by rows. Only the visible rows are wrapped and built.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};
use unicode_width::UnicodeWidthChar;

use crate::tui::theme;
use promptwright_core::diff::{Document, Row, RowKind, Sign, UnifiedLine, View};

const DEL_BG: Color = Color::Rgb(70, 20, 25);
const INS_BG: Color = Color::Rgb(20, 60, 30);

/// Cells before the text of a side-by-side side (`1234 `) and of a unified line
/// (`1234 + `).
const SIDE_GUTTER: usize = 5;
const UNIFIED_GUTTER: usize = 7;

#[cfg(test)]
thread_local! {
    /// Rows built for drawing on this thread so far: tests count what a frame built.
    pub static ROWS_BUILT: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// A position in a document: a row (of the view) and the wrapped lines of it scrolled past.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DocPos {
    pub row: usize,
    pub skip: usize,
}

/// One screen line of wrapped text: its pieces, each marked changed or not.
type Pieces = Vec<(String, bool)>;

/// Cuts a line's text into screen lines of at most `width` cells (at least one line),
/// after a space where there is one, else mid-word.
fn wrap(line: &promptwright_core::diff::Line, width: usize) -> Vec<Pieces> {
    let width = width.max(1);
    let chars: Vec<(char, bool, usize)> = line
        .segments()
        .flat_map(|(text, changed)| {
            text.chars()
                .filter(|c| !c.is_control())
                .map(move |c| (c, changed, c.width().unwrap_or(0)))
        })
        .collect();
    let mut out = Vec::new();
    let mut start = 0;
    while start < chars.len() || out.is_empty() {
        let mut end = start;
        let mut used = 0;
        while end < chars.len() && (used + chars[end].2 <= width || end == start) {
            used += chars[end].2;
            end += 1;
        }
        if end < chars.len() {
            if let Some(space) = chars[start..end].iter().rposition(|c| c.0 == ' ') {
                if space > 0 {
                    end = start + space + 1;
                }
            }
        }
        let mut pieces: Pieces = Vec::new();
        for &(c, changed, _) in &chars[start..end] {
            match pieces.last_mut() {
                Some((s, ch)) if *ch == changed => s.push(c),
                _ => pieces.push((c.to_string(), changed)),
            }
        }
        out.push(pieces);
        start = end;
    }
    out
}

/// The half width of each side-by-side column for a document area `width` cells wide.
fn half(width: usize) -> usize {
    width.saturating_sub(1) / 2
}

/// How many screen lines row `i` of the view takes at `width`.
pub fn height(doc: &Document, view: View, i: usize, width: usize) -> usize {
    match view {
        View::SideBySide => doc.rows.get(i).map_or(1, |r| {
            let text = half(width).saturating_sub(SIDE_GUTTER);
            let n = |l: &Option<promptwright_core::diff::Line>| {
                l.as_ref().map_or(1, |l| wrap(l, text).len())
            };
            n(&r.left).max(n(&r.right))
        }),
        View::Unified => doc.unified.get(i).map_or(1, |u| {
            wrap(&u.line, width.saturating_sub(UNIFIED_GUTTER)).len()
        }),
    }
}

/// Moves `pos` by `step` screen lines, row by row, staying inside the document.
pub fn scroll(doc: &Document, view: View, width: usize, pos: &mut DocPos, step: isize) {
    let rows = doc.len(view);
    if rows == 0 {
        *pos = DocPos::default();
        return;
    }
    for _ in 0..step.unsigned_abs() {
        if step > 0 {
            if pos.skip + 1 < height(doc, view, pos.row, width) {
                pos.skip += 1;
            } else if pos.row + 1 < rows {
                pos.row += 1;
                pos.skip = 0;
            } else {
                break;
            }
        } else if pos.skip > 0 {
            pos.skip -= 1;
        } else if pos.row > 0 {
            pos.row -= 1;
            pos.skip = height(doc, view, pos.row, width) - 1;
        } else {
            break;
        }
    }
}

fn side_styles(kind: RowKind, left: bool) -> (Style, Style) {
    match (kind, left) {
        (RowKind::Header, _) => (theme::key(), theme::key()),
        (RowKind::Equal, _) => (Style::new(), Style::new()),
        (_, true) => (
            Style::new().bg(DEL_BG),
            Style::new()
                .bg(theme::BAD)
                .fg(Color::Black)
                .add_modifier(Modifier::BOLD),
        ),
        (_, false) => (
            Style::new().bg(INS_BG),
            Style::new()
                .bg(theme::OK)
                .fg(Color::Black)
                .add_modifier(Modifier::BOLD),
        ),
    }
}

fn number(n: Option<usize>, first: bool) -> String {
    match n {
        Some(n) if first => format!("{n:>4}"),
        _ => "    ".into(),
    }
}

fn spans(pieces: Pieces, base: Style, word: Style) -> impl Iterator<Item = Span<'static>> {
    pieces
        .into_iter()
        .map(move |(t, changed)| Span::styled(t, if changed { word } else { base }))
}

/// The screen lines of one side of a row, each exactly `width` cells wide.
fn side_lines(
    line: Option<&promptwright_core::diff::Line>,
    kind: RowKind,
    left: bool,
    width: usize,
) -> Vec<Vec<Span<'static>>> {
    let Some(line) = line else {
        return vec![vec![Span::raw(" ".repeat(width))]];
    };
    let (base, word) = side_styles(kind, left);
    wrap(line, width.saturating_sub(SIDE_GUTTER))
        .into_iter()
        .enumerate()
        .map(|(k, pieces)| {
            let mut out = vec![Span::styled(
                format!("{} ", number(line.number, k == 0)),
                theme::muted(),
            )];
            out.extend(spans(pieces, base, word));
            let used: usize = out.iter().map(|s| s.width()).sum();
            out.push(Span::raw(" ".repeat(width.saturating_sub(used))));
            out
        })
        .collect()
}

fn row_lines(row: &Row, half: usize) -> Vec<Line<'static>> {
    let left = side_lines(row.left.as_ref(), row.kind, true, half);
    let right = side_lines(row.right.as_ref(), row.kind, false, half);
    let blank = || vec![Span::raw(" ".repeat(half))];
    (0..left.len().max(right.len()))
        .map(|k| {
            let mut spans = left.get(k).cloned().unwrap_or_else(blank);
            spans.push(Span::styled("│", theme::border()));
            spans.extend(right.get(k).cloned().unwrap_or_else(blank));
            Line::from(spans)
        })
        .collect()
}

fn unified_lines(u: &UnifiedLine, width: usize) -> Vec<Line<'static>> {
    let (sign_style, base, word) = match u.sign {
        Sign::Header => (theme::key(), theme::key(), theme::key()),
        Sign::Context => (theme::muted(), Style::new(), Style::new()),
        Sign::Delete => (
            Style::new().fg(theme::BAD),
            Style::new().bg(DEL_BG),
            Style::new().bg(theme::BAD).fg(Color::Black),
        ),
        Sign::Insert => (
            Style::new().fg(theme::OK),
            Style::new().bg(INS_BG),
            Style::new().bg(theme::OK).fg(Color::Black),
        ),
    };
    wrap(&u.line, width.saturating_sub(UNIFIED_GUTTER))
        .into_iter()
        .enumerate()
        .map(|(k, pieces)| {
            let sign = if k == 0 { u.sign.as_char() } else { ' ' };
            let mut out = vec![
                Span::styled(
                    format!("{} ", number(u.line.number, k == 0)),
                    theme::muted(),
                ),
                Span::styled(format!("{sign} "), sign_style),
            ];
            out.extend(spans(pieces, base, word));
            Line::from(out)
        })
        .collect()
}

pub fn view_document(
    f: &mut Frame,
    area: Rect,
    doc: &Document,
    view: View,
    pos: DocPos,
    title: &str,
) {
    let block = Block::bordered()
        .title(Span::styled(title.to_string(), theme::title()))
        .border_style(theme::focused_border());
    let inner = block.inner(area);
    f.render_widget(block, area);
    let height = inner.height as usize;
    let width = inner.width as usize;
    let mut lines: Vec<Line> = Vec::with_capacity(height);
    let mut row = pos.row;
    let mut skip = pos.skip;
    while lines.len() < height && row < doc.len(view) {
        #[cfg(test)]
        ROWS_BUILT.with(|n| n.set(n.get() + 1));
        let built = match view {
            View::SideBySide => row_lines(&doc.rows[row], half(width)),
            View::Unified => unified_lines(&doc.unified[row], width),
        };
        lines.extend(built.into_iter().skip(skip).take(height - lines.len()));
        skip = 0;
        row += 1;
    }
    f.render_widget(Paragraph::new(lines), inner);
}
