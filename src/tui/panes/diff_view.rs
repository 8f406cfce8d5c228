//! Drawing the Diff pane: a header naming both sides and the changes, then the prompt
//! diff side by side (aligned rows, changed words highlighted) or unified, or the list
//! of per-case output changes and one case's two outputs. Only visible rows are built.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span, Text};
use ratatui::widgets::{Block, Paragraph, Wrap};

use super::diff::{DiffMode, DiffPane};
use crate::diff::{CaseChange, CaseKind, Document, Row, RowKind, Sign, View};
use crate::store::Status;
use crate::tui::theme;

const DEL_BG: Color = Color::Rgb(70, 20, 25);
const INS_BG: Color = Color::Rgb(20, 60, 30);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Areas {
    pub header: Rect,
    pub body: Rect,
}

pub fn areas(body: Rect) -> Areas {
    let [header, body] = Layout::vertical([Constraint::Length(3), Constraint::Min(0)]).areas(body);
    Areas { header, body }
}

/// Rows of diff visible in the body (inside its border).
pub fn body_height(body: Rect) -> usize {
    areas(body).body.height.saturating_sub(2) as usize
}

pub fn view(pane: &DiffPane, f: &mut Frame, body: Rect) {
    let a = areas(body);
    view_header(pane, f, a.header);
    let Some(loaded) = &pane.loaded else {
        let msg = if pane.prompt.is_none() {
            "No prompt selected."
        } else {
            "Loading…"
        };
        f.render_widget(
            Paragraph::new(msg).block(Block::bordered().border_style(theme::border())),
            a.body,
        );
        return;
    };
    match pane.mode {
        DiffMode::Prompt => match &loaded.prompt_diff {
            Ok(d) if d.is_identical() => {
                message(f, a.body, "The two sides are identical.", theme::muted())
            }
            Ok(d) => view_document(f, a.body, &d.doc, pane.view, pane.scroll, " Prompt "),
            Err(e) => message(f, a.body, e, Style::new().fg(theme::WARN)),
        },
        DiffMode::Outputs => match &loaded.outputs {
            Err(e) => message(f, a.body, e, Style::new().fg(theme::WARN)),
            Ok(o) if pane.case_open => match o.cases.get(pane.cursor) {
                Some(c) => {
                    let title = format!(" {}/{} · {} ", c.suite, c.id, c.change.as_str());
                    view_document(
                        f,
                        a.body,
                        &c.output_diff(),
                        View::SideBySide,
                        pane.case_scroll,
                        &title,
                    );
                }
                None => message(f, a.body, "No case.", theme::muted()),
            },
            Ok(o) => view_cases(pane, o, f, a.body),
        },
    }
}

fn message(f: &mut Frame, area: Rect, text: &str, style: Style) {
    let p = Paragraph::new(Text::styled(text.to_string(), style))
        .wrap(Wrap { trim: true })
        .block(Block::bordered().border_style(theme::border()));
    f.render_widget(p, area);
}

fn view_header(pane: &DiffPane, f: &mut Frame, area: Rect) {
    let (from, to) = match &pane.loaded {
        Some(l) => (l.labels.0.clone(), l.labels.1.clone()),
        None => (pane.from.to_string(), pane.to.to_string()),
    };
    let mut spans = vec![
        Span::styled(pane.prompt.clone().unwrap_or_default(), theme::title()),
        Span::raw(": "),
        Span::styled(from, Style::new().fg(theme::BAD)),
        Span::raw(" → "),
        Span::styled(to, Style::new().fg(theme::OK)),
        Span::styled(
            format!(
                "  · {} · {}",
                if pane.mode == DiffMode::Prompt {
                    "prompt"
                } else {
                    "outputs"
                },
                if pane.view == View::SideBySide {
                    "side by side"
                } else {
                    "unified"
                }
            ),
            theme::muted(),
        ),
    ];
    if let Some(d) = pane.prompt_diff().filter(|_| pane.mode == DiffMode::Prompt) {
        let (del, ins) = d.doc.line_stats();
        let mut parts = vec![format!("-{del} +{ins} lines")];
        if !d.fields.is_empty() {
            parts.push(
                d.fields
                    .iter()
                    .map(|c| c.name.clone())
                    .collect::<Vec<_>>()
                    .join(", ")
                    + " changed",
            );
        }
        if !d.variables.added.is_empty() {
            parts.push(format!("variables +{}", d.variables.added.join(" +")));
        }
        if !d.variables.removed.is_empty() {
            parts.push(format!("variables -{}", d.variables.removed.join(" -")));
        }
        spans.push(Span::styled(
            format!(" · {}", parts.join(" · ")),
            Style::new().fg(theme::WARN),
        ));
    }
    if let Some(o) = pane.outputs().filter(|_| pane.mode == DiffMode::Outputs) {
        let c = o.counts;
        spans.push(Span::styled(
            format!(" · {}", c.summary()),
            Style::new().fg(if c.regressions_total() > 0 {
                theme::BAD
            } else {
                theme::OK
            }),
        ));
    }
    let p = Paragraph::new(Line::from(spans)).block(
        Block::bordered()
            .title(Span::styled(" Diff ", theme::title()))
            .border_style(theme::border()),
    );
    f.render_widget(p, area);
}

/// A line's spans with changed words highlighted on the side's colour.
fn styled(line: &crate::diff::Line, base: Style, word: Style, width: usize) -> Vec<Span<'static>> {
    let mut out = Vec::new();
    let mut used = 0;
    for (text, changed) in line.segments() {
        if used >= width {
            break;
        }
        let piece: String = text
            .chars()
            .filter(|c| !c.is_control())
            .take(width - used)
            .collect();
        used += piece.chars().count();
        out.push(Span::styled(piece, if changed { word } else { base }));
    }
    out
}

fn number(n: Option<usize>) -> String {
    n.map_or("    ".into(), |n| format!("{n:>4}"))
}

fn side(
    line: Option<&crate::diff::Line>,
    kind: RowKind,
    left: bool,
    width: usize,
) -> Vec<Span<'static>> {
    let Some(line) = line else {
        return vec![Span::styled(" ".repeat(width), theme::muted())];
    };
    let (base, word) = match (kind, left) {
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
    };
    let mut spans = vec![Span::styled(
        format!("{} ", number(line.number)),
        theme::muted(),
    )];
    let text_width = width.saturating_sub(5);
    spans.extend(styled(line, base, word, text_width));
    spans
}

fn row_line(row: &Row, half: usize) -> Line<'static> {
    let mut spans = side(row.left.as_ref(), row.kind, true, half);
    let used: usize = spans.iter().map(|s| s.content.chars().count()).sum();
    spans.push(Span::raw(" ".repeat(half.saturating_sub(used))));
    spans.push(Span::styled("│", theme::border()));
    spans.extend(side(row.right.as_ref(), row.kind, false, half));
    Line::from(spans)
}

fn unified_line(u: &crate::diff::UnifiedLine, width: usize) -> Line<'static> {
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
    let mut spans = vec![
        Span::styled(format!("{} ", number(u.line.number)), theme::muted()),
        Span::styled(format!("{} ", u.sign.as_char()), sign_style),
    ];
    spans.extend(styled(&u.line, base, word, width.saturating_sub(7)));
    Line::from(spans)
}

pub fn view_document(
    f: &mut Frame,
    area: Rect,
    doc: &Document,
    view: View,
    scroll: usize,
    title: &str,
) {
    let block = Block::bordered()
        .title(Span::styled(title.to_string(), theme::title()))
        .border_style(theme::focused_border());
    let inner = block.inner(area);
    f.render_widget(block, area);
    let height = inner.height as usize;
    let width = inner.width as usize;
    let lines: Vec<Line> = match view {
        View::SideBySide => {
            let half = width.saturating_sub(1) / 2;
            doc.rows
                .iter()
                .skip(scroll)
                .take(height)
                .map(|r| row_line(r, half))
                .collect()
        }
        View::Unified => doc
            .unified
            .iter()
            .skip(scroll)
            .take(height)
            .map(|u| unified_line(u, width))
            .collect(),
    };
    f.render_widget(Paragraph::new(lines), inner);
}

fn status_label(s: Option<Status>) -> &'static str {
    match s {
        Some(Status::Pass) => "pass",
        Some(Status::Fail) => "fail",
        Some(Status::Error) => "error",
        None => "–",
    }
}

fn view_cases(pane: &DiffPane, o: &crate::diff::OutputDiff, f: &mut Frame, area: Rect) {
    let block = Block::bordered()
        .title(Span::styled(" Cases · regressions first ", theme::title()))
        .border_style(theme::focused_border());
    let inner = block.inner(area);
    f.render_widget(block, area);
    let height = inner.height as usize;
    let top = pane.cursor.saturating_sub(height.saturating_sub(1));
    let lines: Vec<Line> = o
        .cases
        .iter()
        .enumerate()
        .skip(top)
        .take(height)
        .map(|(i, c)| {
            let style = match (c.change, c.kind()) {
                (CaseChange::Regression | CaseChange::Missing, _) => {
                    Style::new().fg(theme::BAD).add_modifier(Modifier::BOLD)
                }
                (CaseChange::Fix, _) => Style::new().fg(theme::OK).add_modifier(Modifier::BOLD),
                (_, CaseKind::StatusChanged) => {
                    Style::new().fg(theme::WARN).add_modifier(Modifier::BOLD)
                }
                (_, CaseKind::OutputChanged) => Style::new().fg(theme::WARN),
                (CaseChange::New, _) => Style::new().fg(theme::ACCENT),
                _ => theme::muted(),
            };
            let delta = match c.score_delta() {
                Some(d) if d.abs() >= 0.005 => format!(" ({d:+.2})"),
                _ => String::new(),
            };
            let mut line = Line::from(vec![
                Span::styled(format!("{:<15}", c.label().to_uppercase()), style),
                Span::raw(format!("{}/{}", c.suite, c.id)),
                Span::styled(
                    format!(
                        "  {} → {}{delta}",
                        status_label(c.old_status()),
                        status_label(c.new_status())
                    ),
                    theme::muted(),
                ),
            ]);
            if i == pane.cursor {
                line = line.style(theme::selected());
            }
            line
        })
        .collect();
    f.render_widget(Paragraph::new(lines), inner);
}
