//! Drawing the Diff pane: a header naming both sides and the changes, then the prompt
//! diff side by side (aligned rows, changed words highlighted) or unified, or the list
//! of per-case output changes and one case's two outputs. Only visible rows are built.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span, Text};
use ratatui::widgets::{Block, Paragraph, Wrap};

use super::diff::{DiffMode, DiffPane};
use super::doc_view::{DocPos, view_document};
use crate::tui::{layout, theme};
use promptwright_core::diff::{CaseChange, CaseKind, View};
use promptwright_core::store::Status;

pub fn view(pane: &DiffPane, f: &mut Frame, body: Rect) {
    let a = layout::diff(body);
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
            Ok(d) => {
                let pos = DocPos {
                    row: pane.scroll,
                    skip: pane.skip,
                };
                view_document(f, a.body, &d.doc, pane.view, pos, " Prompt ")
            }
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
                        pane.case_pos,
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
    ];
    // What follows the sides is shown part by part, each whole or not at all: a part cut
    // at the border ("· var") says nothing.
    let mut parts = vec![Span::styled(
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
    )];
    if let Some(d) = pane.prompt_diff().filter(|_| pane.mode == DiffMode::Prompt) {
        let (del, ins) = d.doc.line_stats();
        let mut changes = vec![format!("-{del} +{ins} lines")];
        if !d.fields.is_empty() {
            changes.push(
                d.fields
                    .iter()
                    .map(|c| c.name.clone())
                    .collect::<Vec<_>>()
                    .join(", ")
                    + " changed",
            );
        }
        if !d.variables.added.is_empty() {
            changes.push(format!("variables +{}", d.variables.added.join(" +")));
        }
        if !d.variables.removed.is_empty() {
            changes.push(format!("variables -{}", d.variables.removed.join(" -")));
        }
        parts.extend(
            changes
                .into_iter()
                .map(|c| Span::styled(format!(" · {c}"), Style::new().fg(theme::WARN))),
        );
    }
    if let Some(o) = pane.outputs().filter(|_| pane.mode == DiffMode::Outputs) {
        let c = o.counts;
        parts.push(Span::styled(
            format!(" · {}", c.summary()),
            Style::new().fg(if c.regressions_total() > 0 {
                theme::BAD
            } else {
                theme::OK
            }),
        ));
    }
    if let Some(g) = &pane.running {
        parts.push(Span::styled(
            format!(
                " · running current: {}/{} {}",
                g.counts.cases(),
                g.total,
                g.counts
            ),
            Style::new().fg(theme::ACCENT),
        ));
    }
    let room = usize::from(area.width.saturating_sub(2));
    let mut used: usize = spans.iter().map(Span::width).sum();
    for part in parts {
        if used + part.width() <= room {
            used += part.width();
            spans.push(part);
        }
    }
    let p = Paragraph::new(Line::from(spans)).block(
        Block::bordered()
            .title(Span::styled(" Diff ", theme::title()))
            .border_style(theme::border()),
    );
    f.render_widget(p, area);
}

fn status_label(s: Option<Status>) -> &'static str {
    match s {
        Some(Status::Pass) => "pass",
        Some(Status::Fail) => "fail",
        Some(Status::Error) => "error",
        None => "–",
    }
}

fn view_cases(pane: &DiffPane, o: &promptwright_core::diff::OutputDiff, f: &mut Frame, area: Rect) {
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
            let mut delta = match c.score_delta() {
                Some(d) if d.abs() >= 0.005 => format!(" ({d:+.2})"),
                _ => String::new(),
            };
            if let Some(f) = c.fractions() {
                delta.push_str(&format!("  passed {f}"));
            }
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
