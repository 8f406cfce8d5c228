//! Drawing the compare view: the picker, then a gauge per cell over the grid of cases ×
//! cells with each cell's figures under it, or one case's outputs side by side with the
//! words that differ from the first cell's marked.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span, Text};
use ratatui::widgets::{Block, Gauge, Paragraph, Row, Table, Wrap};

use super::compare::{ComparePane, Phase};
use crate::tui::theme;
use promptwright_core::diff::Document;
use promptwright_core::grid::column;
use promptwright_core::store::{CaseResult, Status};

fn mark(r: Option<&CaseResult>) -> Span<'static> {
    let Some(r) = r else {
        return Span::styled("·", theme::muted());
    };
    let (word, style) = match r.status {
        Status::Pass => ("PASS", Style::new().fg(theme::OK)),
        Status::Fail => ("FAIL", theme::error()),
        Status::Error => ("ERR ", Style::new().fg(theme::WARN)),
    };
    let detail = if r.samples.is_empty() {
        format!("{:.2}", r.score)
    } else {
        r.fraction_label()
    };
    Span::styled(format!("{word} {detail}"), style)
}

pub fn view(c: &ComparePane, f: &mut Frame, body: Rect) {
    match c.phase {
        Phase::Picking => view_picker(c, f, body),
        _ if c.open => view_case(c, f, body),
        _ => view_grid(c, f, body),
    }
}

fn view_picker(c: &ComparePane, f: &mut Frame, body: Rect) {
    let mut lines = vec![Line::styled(
        "Targets: the providers of workspace.toml",
        theme::title(),
    )];
    let item = |i: usize, picked: bool, text: String| {
        let line = Line::raw(format!("  [{}] {text}", if picked { "x" } else { " " }));
        if i == c.pick {
            line.style(theme::selected())
        } else {
            line
        }
    };
    for (i, (t, picked)) in c.targets.iter().enumerate() {
        lines.push(item(i, *picked, t.to_string()));
    }
    lines.push(Line::raw(""));
    lines.push(Line::styled("Versions of the prompt", theme::title()));
    for (i, (r, picked)) in c.refs.iter().enumerate() {
        lines.push(item(c.targets.len() + i, *picked, r.to_string()));
    }
    lines.push(Line::raw(""));
    lines.push(Line::styled(
        "Space picks · Enter runs every picked version on every picked target, each pair a cell · Esc closes",
        theme::muted(),
    ));
    let block = Block::bordered()
        .title(Span::styled(
            format!(" Compare · {} ", c.prompt),
            theme::title(),
        ))
        .border_style(theme::focused_border());
    f.render_widget(
        Paragraph::new(Text::from(lines))
            .wrap(Wrap { trim: false })
            .block(block),
        body,
    );
}

fn view_grid(c: &ComparePane, f: &mut Frame, body: Rect) {
    let gauges = c.cells.len() as u16 + 2;
    let [top, grid, figures] = Layout::vertical([
        Constraint::Length(gauges.min(body.height / 3).max(3)),
        Constraint::Min(4),
        Constraint::Length(8),
    ])
    .areas(body);
    let block = Block::bordered()
        .title(Span::styled(
            format!(" Compare · {} · cells ", c.prompt),
            theme::title(),
        ))
        .border_style(theme::border());
    let inner = block.inner(top);
    f.render_widget(block, top);
    if c.cells.is_empty() {
        f.render_widget(Paragraph::new("planning the grid…"), inner);
    }
    for (i, cell) in c.cells.iter().enumerate().take(inner.height as usize) {
        let row = Rect::new(inner.x, inner.y + i as u16, inner.width, 1);
        let ratio = if cell.total == 0 {
            0.0
        } else {
            cell.done() as f64 / cell.total as f64
        };
        let s = cell.summary.summary();
        let label = format!(
            "{} {} · {}/{} · {} · ${:.4}",
            column(i),
            cell.label,
            cell.done(),
            cell.total,
            s.tally(),
            s.cost_usd
        );
        f.render_widget(
            Gauge::default()
                .gauge_style(Style::new().fg(theme::ACCENT))
                .ratio(ratio.clamp(0.0, 1.0))
                .label(label),
            row,
        );
    }
    view_cases(c, f, grid);
    view_figures(c, f, figures);
}

fn view_cases(c: &ComparePane, f: &mut Frame, area: Rect) {
    let height = area.height.saturating_sub(3) as usize;
    let top = c.row.saturating_sub(height.saturating_sub(1));
    let rows: Vec<Row> = c
        .rows
        .iter()
        .enumerate()
        .skip(top)
        .take(height)
        .map(|(i, key)| {
            let results: Vec<Option<&CaseResult>> =
                c.cells.iter().map(|cell| cell.results.get(key)).collect();
            let first = results.first().copied().flatten().map(|r| r.status);
            let differ = results.iter().any(|r| r.map(|r| r.status) != first);
            let mut cells = vec![Line::raw(format!(
                "{}{}/{}",
                if differ { "≠ " } else { "  " },
                key.0,
                key.1
            ))];
            cells.extend(results.into_iter().enumerate().map(|(j, r)| {
                let line = Line::from(mark(r));
                if i == c.row && j == c.col {
                    line.style(theme::selected())
                } else {
                    line
                }
            }));
            let row = Row::new(cells);
            if i == c.row {
                row.style(Style::new().add_modifier(Modifier::BOLD))
            } else {
                row
            }
        })
        .collect();
    let mut widths = vec![Constraint::Min(16)];
    widths.extend(c.cells.iter().map(|_| Constraint::Length(10)));
    let mut header = vec![Line::raw("  case")];
    header.extend(c.cells.iter().enumerate().map(|(j, _)| {
        let l = Line::raw(column(j));
        if j == c.col {
            l.style(theme::title())
        } else {
            l
        }
    }));
    let table = Table::new(rows, widths)
        .header(Row::new(header).style(theme::muted()))
        .column_spacing(1)
        .block(
            Block::bordered()
                .title(Span::styled(" Cases × cells ", theme::title()))
                .title_bottom(Line::styled(
                    " ↑↓ case · ←→ cell · Enter every cell's output · Esc back ",
                    theme::muted(),
                ))
                .border_style(theme::focused_border()),
        );
    f.render_widget(table, area);
}

fn view_figures(c: &ComparePane, f: &mut Frame, area: Rect) {
    let summaries = c.summaries();
    let best = c.best();
    let line = |title: &str, value: &dyn Fn(usize) -> String| {
        let mut spans = vec![Span::styled(format!("{title:<14}"), theme::muted())];
        for i in 0..c.cells.len() {
            spans.push(Span::raw(format!("{:<12}", value(i))));
        }
        Line::from(spans)
    };
    let lines = vec![
        line("", &|i| column(i)),
        line("pass rate", &|i| {
            format!("{:.1}%", summaries[i].pass_rate * 100.0)
        }),
        line("cost", &|i| format!("${:.4}", summaries[i].cost_usd)),
        line("at list price", &|i| {
            format!("${:.4}", c.cells[i].list_cost)
        }),
        line("p95 latency", &|i| {
            summaries[i]
                .p95_latency_ms
                .map_or("–".into(), |v| format!("{v} ms"))
        }),
        line("", &|i| {
            if Some(i) == best {
                "▲ best".into()
            } else {
                String::new()
            }
        }),
    ];
    f.render_widget(
        Paragraph::new(Text::from(lines)).block(
            Block::bordered()
                .title(Span::styled(" Each cell ", theme::title()))
                .border_style(theme::border()),
        ),
        area,
    );
}

/// The text of a result, for reading: its output, else its error.
fn said(r: Option<&CaseResult>) -> String {
    match r {
        None => String::new(),
        Some(r) => match (r.shown_output(), &r.error) {
            (Some(o), _) => o,
            (None, Some(e)) => format!("error: {e}"),
            (None, None) => String::new(),
        },
    }
}

/// Every cell's output of the selected case, side by side; in each cell after the
/// first, the words that differ from the first cell's are marked.
fn view_case(c: &ComparePane, f: &mut Frame, body: Rect) {
    let results = c.selected_results();
    let Some(key) = c.rows.get(c.row) else {
        return;
    };
    let outer = Block::bordered()
        .title(Span::styled(
            format!(" {}/{} · every cell's output ", key.0, key.1),
            theme::title(),
        ))
        .title_bottom(Line::styled(
            " changed words are marked against cell A · Enter or Esc back ",
            theme::muted(),
        ))
        .border_style(theme::focused_border());
    let inner = outer.inner(body);
    f.render_widget(outer, body);
    if results.is_empty() {
        return;
    }
    let columns = Layout::horizontal(
        results
            .iter()
            .map(|_| Constraint::Ratio(1, results.len() as u32)),
    )
    .split(inner);
    let base = said(results[0]);
    for (i, r) in results.iter().enumerate() {
        let text = said(*r);
        // The cell's label first: the column is too narrow for it in the title.
        let mut lines = vec![Line::styled(c.cells[i].label.clone(), theme::muted())];
        lines.extend(if i == 0 {
            text.lines()
                .map(|l| Line::raw(l.to_string()))
                .collect::<Vec<_>>()
        } else {
            Document::of_text(&base, &text)
                .rows
                .iter()
                .filter_map(|row| row.right.as_ref())
                .map(|l| {
                    Line::from(
                        l.segments()
                            .map(|(piece, changed)| {
                                if changed {
                                    Span::styled(piece.to_string(), theme::changed_word())
                                } else {
                                    Span::raw(piece.to_string())
                                }
                            })
                            .collect::<Vec<_>>(),
                    )
                })
                .collect()
        });
        let mut title = vec![Span::styled(format!(" {} ", column(i)), theme::title())];
        title.push(mark(*r));
        f.render_widget(
            Paragraph::new(Text::from(lines))
                .wrap(Wrap { trim: false })
                .block(
                    Block::bordered()
                        .title(Line::from(title))
                        .border_style(if i == c.col {
                            theme::focused_border()
                        } else {
                            theme::border()
                        }),
                ),
            columns[i],
        );
    }
}
