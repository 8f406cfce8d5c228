//! Drawing the Evals pane: the run gauge, the suites, the cases table (only the visible
//! rows are built, so 20,000 cases cost what one screen costs) and the case detail.

use std::time::Instant;

use ratatui::Frame;
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span, Text};
use ratatui::widgets::{
    Block, Gauge, List, ListItem, ListState, Paragraph, Row, Table, TableState, Wrap,
};

use super::evals::{EvalsFocus, EvalsPane, Show};
use crate::tui::{eta, layout, theme};
use promptwright_core::store::{CaseResult, Status};
use promptwright_core::words::fit;
use promptwright_core::workspace::{Prompt, Workspace};

fn status_span(s: Option<Status>) -> Span<'static> {
    match s {
        Some(Status::Pass) => Span::styled("PASS ", Style::new().fg(theme::OK)),
        Some(Status::Fail) => Span::styled(
            "FAIL ",
            Style::new().fg(theme::BAD).add_modifier(Modifier::BOLD),
        ),
        Some(Status::Error) => Span::styled(
            "ERROR",
            Style::new().fg(theme::WARN).add_modifier(Modifier::BOLD),
        ),
        None => Span::styled("  ·  ", theme::muted()),
    }
}

/// `draft` is the detail's prompt as the editor shows it (what renders the messages).
pub fn view(
    pane: &EvalsPane,
    ws: Option<&Workspace>,
    draft: Option<&Prompt>,
    problems: usize,
    f: &mut Frame,
    body: Rect,
    now: Instant,
) {
    if let Some(c) = &pane.compare {
        super::compare_view::view(c, f, body);
        return;
    }
    if let Some(d) = &pane.detail {
        view_detail(pane, ws, draft, f, body, d.scroll);
        return;
    }
    let a = layout::evals(body);
    view_gauge(pane, f, a.gauge, now);
    if let Some(s) = a.suites {
        view_suites(pane, f, s);
    }
    view_cases(pane, problems, f, a.cases);
}

fn view_gauge(pane: &EvalsPane, f: &mut Frame, area: Rect, now: Instant) {
    let block = Block::bordered()
        .title(Span::styled(" Run ", theme::title()))
        .border_style(theme::border());
    if let Some(run) = &pane.run {
        let done = run.counts.cases();
        let ratio = if run.total == 0 {
            0.0
        } else {
            done as f64 / run.total as f64
        };
        let eta = eta::show(run.eta.remaining(now, run.total.saturating_sub(done)));
        let label = format!(
            "{} · {done}/{} · {} · ${:.4} · ETA {eta}{}",
            run.prompt,
            run.total,
            run.counts,
            run.cost_usd,
            if run.cancelling {
                " · cancelling…"
            } else {
                ""
            }
        );
        let g = Gauge::default()
            .block(block)
            .gauge_style(Style::new().fg(theme::ACCENT))
            .ratio(ratio.clamp(0.0, 1.0))
            .label(label);
        f.render_widget(g, area);
        return;
    }
    let line = match &pane.last_run {
        Some(l) if l.complete => Line::from(vec![
            Span::styled(
                format!("last run {} · {}: ", l.run_id, l.prompt),
                theme::muted(),
            ),
            Span::styled(
                format!("{} passed", l.counts.passed),
                Style::new().fg(theme::OK),
            ),
            Span::raw(format!(
                ", {} failed, {} of {}",
                l.counts.failed,
                promptwright_core::words::plural(l.counts.errors, "error", "errors"),
                l.total
            )),
            Span::styled(metrics_note(&l.metrics), theme::muted()),
        ]),
        Some(l) => Line::from(vec![
            Span::styled(
                format!(
                    "run {} incomplete ({}/{})",
                    l.run_id,
                    l.counts.cases(),
                    l.total
                ),
                Style::new().fg(theme::WARN),
            ),
            Span::raw(" · u resumes it"),
            Span::styled(
                if pane.older.is_empty() {
                    ""
                } else {
                    " · rows marked * are from an older run"
                },
                theme::muted(),
            ),
        ]),
        None => Line::styled(
            "No run yet: r runs the selected suite, R every suite of its prompt.",
            theme::muted(),
        ),
    };
    f.render_widget(Paragraph::new(line).block(block), area);
}

/// ` · accuracy 0.75 · tone 0.92` after the last run's counts; empty without metrics.
fn metrics_note(metrics: &std::collections::BTreeMap<String, f64>) -> String {
    metrics
        .iter()
        .map(|(name, mean)| format!(" · {name} {mean:.2}"))
        .collect()
}

fn view_suites(pane: &EvalsPane, f: &mut Frame, area: Rect) {
    let items: Vec<ListItem> = pane
        .suites
        .iter()
        .map(|s| {
            let c = pane.counts.get(&s.name).copied().unwrap_or_default();
            let rate = if c.cases() == 0 {
                Span::styled("   –", theme::muted())
            } else {
                let pct = c.passed as f64 * 100.0 / s.case_ids.len().max(1) as f64;
                let style = if c.passed == s.case_ids.len() {
                    Style::new().fg(theme::OK)
                } else {
                    Style::new().fg(theme::WARN)
                };
                Span::styled(format!("{pct:>3.0}%"), style)
            };
            ListItem::new(Line::from(vec![rate, Span::raw(format!(" {}", s.name))]))
        })
        .collect();
    let focused = pane.focus == EvalsFocus::Suites;
    let list = List::new(items)
        .block(
            Block::bordered()
                .title(Span::styled(" Suites ", theme::title()))
                .border_style(theme::border_for(focused)),
        )
        .highlight_style(if focused {
            theme::selected()
        } else {
            Style::new().add_modifier(Modifier::BOLD)
        });
    let mut state = ListState::default().with_selected(Some(pane.selected_suite));
    f.render_stateful_widget(list, area, &mut state);
}

/// `4/5~`: draws passed of drawn, `~` when they disagree.
fn draws_cell(r: &CaseResult) -> Line<'static> {
    if r.samples.is_empty() {
        return Line::raw("");
    }
    let style = if r.flaky() {
        Style::new().fg(theme::WARN)
    } else {
        Style::new()
    };
    let mark = if r.flaky() { "~" } else { "" };
    Line::styled(format!("{}{mark}", r.fraction_label()), style)
}

fn headline(r: &CaseResult) -> String {
    r.headline()
        .map(|h| h.split_whitespace().collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

const COLUMN_SPACING: u16 = 1;

fn view_cases(pane: &EvalsPane, problems: usize, f: &mut Frame, area: Rect) {
    let mut title = vec![Span::styled(" Cases ", theme::title())];
    if let Some(s) = pane.suite() {
        title.push(Span::styled(
            format!("{} · {} ", s.name, s.prompt),
            theme::muted(),
        ));
    }
    match pane.show {
        Show::All => {}
        Show::Failures => title.push(Span::styled(
            "· failures only ",
            Style::new().fg(theme::WARN),
        )),
        Show::Flaky => title.push(Span::styled("· flaky only ", Style::new().fg(theme::WARN))),
    }
    if pane.filter_editing || !pane.filter.is_empty() {
        let cursor = if pane.filter_editing { "▏" } else { "" };
        title.push(Span::styled(
            format!("· /{}{cursor} ", pane.filter),
            Style::new().fg(theme::ACCENT),
        ));
    }
    title.push(Span::styled(
        format!("· {} shown ", pane.rows.len()),
        theme::muted(),
    ));
    if let Some(s) = pane.suite() {
        let older = s
            .case_ids
            .iter()
            .filter(|id| pane.is_older(&s.name, id))
            .count();
        if older > 0 {
            title.push(Span::styled(
                format!("· {older} from an older run (dim, *) "),
                Style::new().fg(theme::WARN),
            ));
        }
    }
    let focused = pane.focus == EvalsFocus::Cases;
    let block = Block::bordered()
        .title(Line::from(title))
        .border_style(theme::border_for(focused));
    let Some(suite) = pane.suite() else {
        let say = match problems {
            0 => "No suites: add evals/SUITE.toml.".to_string(),
            n => format!(
                "The workspace did not load: ! lists its {} (file:line:col); Enter on one opens it in the editor.",
                promptwright_core::words::plural(n, "problem", "problems")
            ),
        };
        let style = if problems == 0 {
            Style::new()
        } else {
            theme::error()
        };
        f.render_widget(
            Paragraph::new(Line::styled(say, style))
                .wrap(Wrap { trim: true })
                .block(block),
            area,
        );
        return;
    };
    let height = area.height.saturating_sub(3) as usize;
    let end = (pane.offset + height).min(pane.rows.len());
    let visible = &pane.rows[pane.offset.min(end)..end];
    // A column of draws (`4/5~`) only when some visible case was drawn more than once.
    let drawn = visible.iter().any(|&i| {
        pane.result(&suite.name, &suite.case_ids[i])
            .is_some_and(|r| !r.samples.is_empty())
    });
    // The id column fits the visible ids, so the reason gets the rest of the width.
    let id_width = visible
        .iter()
        .map(|&i| suite.case_ids[i].chars().count())
        .max()
        .unwrap_or(4)
        .clamp(4, 28) as u16;
    let mut widths = vec![Constraint::Length(5)];
    let mut header = vec![""];
    if drawn {
        widths.push(Constraint::Length(6));
        header.push("draws");
    }
    widths.extend([
        Constraint::Length(id_width),
        Constraint::Length(5),
        Constraint::Length(7),
        Constraint::Length(7),
        Constraint::Min(10),
    ]);
    header.extend([
        "case",
        "score",
        "latency",
        "cost",
        "first failing assertion",
    ]);
    // The reason is cut where the table ends, marked `…` so a cut word never reads as
    // a whole one; the detail (Enter) shows it whole. The columns as the table lays
    // them out (no selection column: the table has no highlight symbol).
    let reason_width = Layout::horizontal(widths.clone())
        .flex(Flex::Start)
        .spacing(COLUMN_SPACING)
        .split(block.inner(area))[widths.len() - 1]
        .width;
    let rows: Vec<Row> = visible
        .iter()
        .map(|&i| {
            let id = &suite.case_ids[i];
            let r = pane.result(&suite.name, id);
            let older = pane.is_older(&suite.name, id);
            let mut status = status_span(r.map(|r| r.status));
            if older {
                // Not what the latest run said: dimmed, and marked for those who cannot
                // see dim text.
                let word = match status.content.trim_end() {
                    "ERROR" => "ERR",
                    w => w,
                };
                status = Span::styled(
                    format!("{word}*"),
                    theme::muted().add_modifier(Modifier::DIM),
                );
            }
            let mut cells = vec![Line::from(status)];
            if drawn {
                cells.push(r.map_or(Line::raw(""), draws_cell));
            }
            cells.extend([
                Line::raw(id.clone()),
                Line::raw(r.map_or(String::new(), |r| format!("{:.2}", r.score))),
                Line::raw(
                    r.and_then(|r| r.latency_ms)
                        .map_or(String::new(), |l| format!("{l} ms")),
                ),
                Line::raw(r.map_or(String::new(), |r| format!("${:.4}", r.cost_usd))),
                Line::styled(
                    fit(&r.map(headline).unwrap_or_default(), reason_width.into()).into_owned(),
                    theme::muted(),
                ),
            ]);
            let row = Row::new(cells);
            if older {
                row.style(theme::muted().add_modifier(Modifier::DIM))
            } else {
                row
            }
        })
        .collect();
    let table = Table::new(rows, widths)
        .header(Row::new(header).style(theme::muted()))
        .block(block)
        .column_spacing(COLUMN_SPACING)
        .row_highlight_style(if focused {
            theme::selected()
        } else {
            Style::new().add_modifier(Modifier::BOLD)
        });
    let mut state = TableState::default()
        .with_selected((!visible.is_empty()).then(|| pane.cursor.saturating_sub(pane.offset)));
    f.render_stateful_widget(table, area, &mut state);
}

fn view_detail(
    pane: &EvalsPane,
    ws: Option<&Workspace>,
    draft: Option<&Prompt>,
    f: &mut Frame,
    body: Rect,
    scroll: u16,
) {
    let Some(d) = &pane.detail else { return };
    let whole = pane.result(&d.suite, &d.id);
    // One draw of a repeated case, shown as a case of its own.
    let drawn = whole.and_then(|r| r.draw(d.sample));
    let r = drawn.as_ref().or(whole);
    let mut title = vec![Span::styled(
        format!(" {}/{} ", d.suite, d.id),
        theme::title(),
    )];
    if let Some(r) = r {
        title.push(status_span(Some(r.status)));
        title.push(Span::raw(format!(" score {:.2} ", r.score)));
    }
    let mut hint = " Esc back · n/p next/previous failure · ↑↓ PgUp/PgDn scroll · e edit prompt ";
    let mut lines = Vec::new();
    if let Some(w) = whole.filter(|w| !w.samples.is_empty()) {
        let which = match d.sample {
            0 => "all draws".to_string(),
            k => format!("draw {k} of {}", w.samples.len()),
        };
        title.push(Span::styled(format!("· {which} "), theme::muted()));
        lines.push(draws_line(w, d.sample));
        lines.push(Line::raw(""));
        hint = " Esc back · ]/[ next/previous draw · n/p next/previous failure · ↑↓ scroll ";
    }
    let mut text = detail_text(r, ws, draft, &d.suite, &d.id);
    lines.append(&mut text.lines);
    let p = Paragraph::new(Text::from(lines))
        .wrap(Wrap { trim: false })
        .scroll((scroll, 0))
        .block(
            Block::bordered()
                .title(Line::from(title))
                .title_bottom(Line::styled(hint, theme::muted()))
                .border_style(theme::focused_border()),
        );
    f.render_widget(p, body);
}

/// Every draw's verdict in a row, the one shown bracketed: `draws  ✓ [✗] ✓ ✓ ✗  3/5
/// passed · flaky`.
fn draws_line(r: &CaseResult, shown: usize) -> Line<'static> {
    let mut spans = vec![Span::styled("draws ", theme::muted())];
    for (i, s) in r.samples.iter().enumerate() {
        let (mark, style) = match s.status {
            Status::Pass => ("✓", Style::new().fg(theme::OK)),
            Status::Fail => ("✗", theme::error()),
            Status::Error => ("!", Style::new().fg(theme::WARN)),
        };
        let text = if i + 1 == shown {
            format!("[{mark}]")
        } else {
            format!(" {mark} ")
        };
        spans.push(Span::styled(text, style));
    }
    let flaky = if r.flaky() { " · flaky" } else { "" };
    spans.push(Span::styled(
        format!("  {} passed{flaky}", r.fraction_label()),
        theme::muted(),
    ));
    Line::from(spans)
}

fn heading(s: &str) -> Line<'static> {
    Line::styled(format!("── {s} ──"), theme::key())
}

/// Assertions first (what to act on), then the output, the vars and the rendered prompt.
pub fn detail_text(
    r: Option<&CaseResult>,
    ws: Option<&Workspace>,
    draft: Option<&Prompt>,
    suite: &str,
    id: &str,
) -> Text<'static> {
    let mut lines = Vec::new();
    let case = ws
        .and_then(|w| w.suites.get(suite))
        .and_then(|s| s.cases.iter().find(|c| c.id == id).map(|c| (s, c)));
    match r {
        None => lines.push(Line::styled(
            "Not run yet: r runs the suite, . runs this case.",
            theme::muted(),
        )),
        Some(r) => {
            if let Some(e) = &r.error {
                lines.push(heading("error"));
                lines.push(Line::styled(e.clone(), theme::error()));
                lines.push(Line::raw(""));
            }
            lines.push(heading("assertions"));
            for a in &r.assertions {
                let (mark, style) = if a.passed {
                    ("✓", Style::new().fg(theme::OK))
                } else {
                    ("✗", theme::error())
                };
                lines.push(Line::from(vec![
                    Span::styled(format!("{mark} {} ", a.type_name), style),
                    Span::styled(format!("{:.2} ", a.score), theme::muted()),
                    Span::raw(a.reason.clone()),
                ]));
            }
            let meta = format!(
                "latency {} · cost ${:.6}{}",
                r.latency_ms.map_or("–".into(), |l| format!("{l} ms")),
                r.cost_usd,
                if r.cached { " · cached" } else { "" }
            );
            lines.push(Line::styled(meta, theme::muted()));
            lines.push(Line::raw(""));
            lines.push(heading("output"));
            match r.shown_output() {
                Some(o) => lines.extend(o.lines().map(|l| Line::raw(l.to_string()))),
                None => lines.push(Line::styled("(no output)", theme::muted())),
            }
            lines.push(Line::raw(""));
        }
    }
    lines.push(heading("vars"));
    let vars = r
        .map(|r| r.vars.clone())
        .or_else(|| case.map(|(_, c)| c.vars.to_map()))
        .unwrap_or_default();
    let pretty = serde_json::to_string_pretty(&vars).unwrap_or_default();
    lines.extend(pretty.lines().map(|l| Line::raw(l.to_string())));
    lines.push(Line::raw(""));
    if let Some((_, c)) = case {
        if let Some(prompt) = draft {
            lines.push(heading(&format!("rendered prompt ({})", prompt.name)));
            let model = prompt.def.model.as_deref().unwrap_or_default();
            match promptwright_core::provider::request_for(prompt, model, &c.vars) {
                Ok(request) => {
                    for m in &request.messages {
                        lines.push(Line::styled(
                            format!("[{}]", m.role.as_str()),
                            theme::muted(),
                        ));
                        lines.extend(m.shown().lines().map(|l| Line::raw(l.to_string())));
                    }
                }
                Err(e) => lines.push(Line::styled(format!("✗ {e}"), theme::error())),
            }
        }
    }
    Text::from(lines)
}
