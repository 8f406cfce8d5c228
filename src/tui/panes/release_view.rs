//! Drawing the Release pane: the proposal and what the gate says, every check with
//! required against actual, the regressions to review, the history of releases and
//! rollbacks; a rollback's dry-run diff with its reason; a regression's two outputs.

use std::time::Instant;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span, Text};
use ratatui::widgets::{Block, Clear, Gauge, Paragraph, Sparkline, Wrap};

use super::doc_view::{DocPos, view_document};
use super::release::{Input, ReleasePane};
use super::release_labels_view::{labels_line, view_label_move};
use crate::tui::widgets::centered;
use crate::tui::{eta, layout, theme};
use promptwright_core::diff::View;
use promptwright_core::release::LogEntry;
use promptwright_core::release::log::release_pass_rates;

fn block(title: &str) -> Block<'static> {
    Block::bordered()
        .title(Span::styled(format!(" {title} "), theme::title()))
        .border_style(theme::border())
}

pub fn view(pane: &ReleasePane, f: &mut Frame, body: Rect, now: Instant) {
    if pane.case_open {
        if let Some(c) = pane
            .verdict
            .as_ref()
            .and_then(|v| v.regressions.get(pane.cursor))
        {
            let title = format!(" {}/{} · {} ", c.suite, c.id, c.change.as_str());
            view_document(
                f,
                body,
                &c.output_diff(),
                View::SideBySide,
                pane.case_pos,
                &title,
            );
            return;
        }
    }
    let message_lines = pane.message.as_ref().map_or(0, |m| {
        let width = body.width.saturating_sub(2).max(1) as usize;
        m.chars().count().div_ceil(width) as u16
    });
    // The pass-rate change takes a header line of its own.
    let change = pane
        .verdict
        .as_ref()
        .is_some_and(|v| v.pass_rate_change.is_some());
    let labels = u16::from(!pane.labels.is_empty());
    let a = layout::release(body, message_lines + u16::from(change) + labels);
    view_header(pane, f, a.header, now);
    view_checks(pane, f, a.checks);
    view_regressions(pane, f, a.regressions);
    view_history(pane, f, a.history);
    if let Some(m) = &pane.label_move {
        view_label_move(pane, m, f, body);
    }
    if let Some(plan) = &pane.rollback {
        let area = centered(
            body,
            body.width.saturating_sub(8).min(110),
            body.height.saturating_sub(2),
        );
        f.render_widget(Clear, area);
        // The overlay hides the header, so what Enter said (a reason is needed) shows here.
        let said = pane
            .message
            .as_ref()
            .filter(|_| pane.input == Some(Input::Reason));
        let [diff, reason] = Layout::vertical([
            Constraint::Min(3),
            Constraint::Length(3 + u16::from(said.is_some())),
        ])
        .areas(area);
        let title = format!(
            " Roll {} back: v{} → v{} (dry run) ",
            plan.name, plan.from.version, plan.to.version
        );
        let d = plan.diff();
        if d.is_identical() {
            f.render_widget(
                Paragraph::new("The two versions are identical.").block(block(&title)),
                diff,
            );
        } else {
            view_document(f, diff, &d.doc, View::Unified, DocPos::default(), &title);
        }
        let cursor = if pane.input == Some(Input::Reason) {
            "▏"
        } else {
            ""
        };
        let mut lines = vec![Line::from(vec![
            Span::styled("reason: ", theme::muted()),
            Span::raw(format!("{}{cursor}", pane.reason)),
        ])];
        if let Some(m) = said {
            lines.push(Line::styled(m.clone(), Style::new().fg(theme::WARN)));
        }
        let p = Paragraph::new(Text::from(lines)).block(
            Block::bordered()
                .title(Span::styled(
                    " Enter rolls back · Esc cancels ",
                    theme::title(),
                ))
                .border_style(theme::focused_border()),
        );
        f.render_widget(p, reason);
    }
}

fn view_header(pane: &ReleasePane, f: &mut Frame, area: Rect, now: Instant) {
    let mut lines = Vec::new();
    match &pane.proposal {
        None => lines.push(Line::styled("Loading…", theme::muted())),
        Some(Err(e)) => lines.push(Line::styled(e.clone(), Style::new().fg(theme::WARN))),
        Some(Ok(p)) => {
            let baseline = match p.baseline_version() {
                Some(v) => format!("against current v{v}"),
                None => "first release: no baseline".into(),
            };
            let status = match (&pane.verdict, p.is_unchanged()) {
                (_, true) => Line::styled(
                    "the draft equals the current release: nothing to release",
                    theme::muted(),
                ),
                (None, _) => Line::styled(
                    "gate not run yet: g runs it (draft and current on every suite)",
                    theme::muted(),
                ),
                (Some(v), _) if v.passed => Line::from(vec![
                    Span::styled(
                        "✓ PASS",
                        Style::new().fg(theme::OK).add_modifier(Modifier::BOLD),
                    ),
                    Span::raw(format!(
                        " · every check holds · x exports v{}",
                        p.next_version
                    )),
                ]),
                (Some(v), _) => Line::from(vec![
                    Span::styled(
                        "✗ BLOCKED",
                        Style::new().fg(theme::BAD).add_modifier(Modifier::BOLD),
                    ),
                    Span::raw(format!(
                        " · {} of {} checks fail",
                        v.failing().count(),
                        v.checks.len()
                    )),
                ]),
            };
            // The verdict first: on a short terminal it is what must stay in view.
            lines.push(status);
            lines.push(Line::from(vec![
                Span::styled(format!("{} → v{}", p.name, p.next_version), theme::title()),
                Span::styled(
                    format!("  · {baseline} · suites: {}", p.suites.join(", ")),
                    theme::muted(),
                ),
            ]));
            if let Some(d) = pane.verdict.as_ref().and_then(|v| v.pass_rate_change) {
                lines.push(Line::from(vec![
                    Span::styled("pass rate change: ", theme::muted()),
                    Span::raw(d.describe()),
                ]));
            }
            let cursor = if pane.input == Some(Input::Note) {
                "▏"
            } else {
                ""
            };
            let note = if pane.note.is_empty() && pane.input != Some(Input::Note) {
                Span::styled("(none yet: m writes one)", theme::muted())
            } else {
                Span::raw(format!("{}{cursor}", pane.note))
            };
            lines.push(Line::from(vec![
                Span::styled("note: ", theme::muted()),
                note,
            ]));
        }
    }
    if !pane.labels.is_empty() {
        lines.push(labels_line(pane));
    }
    if let Some(m) = &pane.message {
        lines.push(Line::styled(m.clone(), Style::new().fg(theme::ACCENT)));
    }
    let b = block("Release");
    let inner = b.inner(area);
    f.render_widget(
        Paragraph::new(Text::from(lines))
            .wrap(Wrap { trim: true })
            .block(b),
        area,
    );
    if let Some(g) = &pane.gating {
        let done = g.counts.cases();
        let ratio = if g.total == 0 {
            0.0
        } else {
            done as f64 / g.total as f64
        };
        let eta = eta::show(g.eta.remaining(now, g.total.saturating_sub(done)));
        let label = format!(
            "gate: run {} of 2 · {done}/{} · {} · ETA {eta}",
            g.runs_started.max(1),
            g.total,
            g.counts
        );
        let row = Rect::new(
            inner.x,
            inner.y + inner.height.saturating_sub(1),
            inner.width,
            1.min(inner.height),
        );
        f.render_widget(
            Gauge::default()
                .gauge_style(Style::new().fg(theme::ACCENT))
                .ratio(ratio.min(1.0))
                .label(label),
            row,
        );
    }
}

/// Every check on one line (mark, name, required, actual), its detail wrapped under it,
/// so nothing is cut at any width.
fn view_checks(pane: &ReleasePane, f: &mut Frame, area: Rect) {
    let Some(v) = &pane.verdict else {
        f.render_widget(Paragraph::new("").block(block("Checks")), area);
        return;
    };
    let name_width = v.checks.iter().map(|c| c.name.len()).max().unwrap_or(0);
    let detail_width = area.width.saturating_sub(2 + 4).max(10) as usize;
    let mut lines = Vec::new();
    for c in &v.checks {
        let (mark, style) = if c.passed {
            ("✓", Style::new().fg(theme::OK))
        } else {
            ("✗", theme::error())
        };
        lines.push(Line::from(vec![
            Span::styled(format!("{mark} "), style),
            Span::styled(
                format!("{:<name_width$}", c.name),
                if c.passed { Style::new() } else { style },
            ),
            Span::styled("  required ", theme::muted()),
            Span::raw(c.required_text()),
            Span::styled("  actual ", theme::muted()),
            Span::raw(c.actual_text()),
        ]));
        lines.extend(
            textwrap::wrap(&c.detail, theme::wrap_options(detail_width))
                .into_iter()
                .map(|l| Line::styled(format!("    {l}"), theme::muted())),
        );
    }
    f.render_widget(Paragraph::new(lines).block(block("Checks")), area);
}

fn view_regressions(pane: &ReleasePane, f: &mut Frame, area: Rect) {
    let Some(v) = &pane.verdict else {
        f.render_widget(Paragraph::new("").block(block("Regressions")), area);
        return;
    };
    let title = format!(
        "Regressions ({}) · fixes ({})",
        v.regressions.len(),
        v.fixes.len()
    );
    let lines: Vec<Line> = if v.regressions.is_empty() {
        vec![Line::styled(
            if v.first_release {
                "first release: nothing can regress"
            } else {
                "none"
            },
            theme::muted(),
        )]
    } else {
        let height = area.height.saturating_sub(2) as usize;
        let top = pane.cursor.saturating_sub(height.saturating_sub(1));
        v.regressions
            .iter()
            .enumerate()
            .skip(top)
            .take(height)
            .map(|(i, c)| {
                let mut spans = vec![
                    Span::styled(format!("{:<10} ", c.change.as_str()), theme::error()),
                    Span::raw(format!("{}/{}", c.suite, c.id)),
                ];
                if let Some(f) = c.fractions() {
                    spans.push(Span::styled(format!("  passed {f}"), theme::muted()));
                }
                let line = Line::from(spans);
                if i == pane.cursor {
                    line.style(theme::selected())
                } else {
                    line
                }
            })
            .collect()
    };
    f.render_widget(Paragraph::new(lines).block(block(&title)), area);
}

/// The released versions' pass rates as a sparkline, the newest on the right (as many
/// as fit).
fn view_trend(rates: &[(u32, f64)], f: &mut Frame, area: Rect) {
    let fit = area.width.saturating_sub(2) as usize;
    let shown = &rates[rates.len().saturating_sub(fit)..];
    let data: Vec<u64> = shown
        .iter()
        .map(|(_, r)| (r.clamp(0.0, 1.0) * 1000.0).round() as u64)
        .collect();
    let (first, last) = (shown[0], shown[shown.len() - 1]);
    let title = format!("Pass rate v{}–v{}", first.0, last.0);
    let latest = Line::styled(
        format!(" v{} {:.1}% ", last.0, last.1 * 100.0),
        theme::muted(),
    );
    f.render_widget(
        Sparkline::default()
            .block(block(&title).title_bottom(latest))
            .data(&data)
            .max(1000)
            .style(Style::new().fg(theme::OK)),
        area,
    );
}

/// One entry of the history in `width` cells: the note or reason is cut to fit, marked
/// `…`, so a cut word never reads as a whole one.
fn history_line(e: &LogEntry, width: usize) -> Line<'static> {
    let mut line = history_spans(e);
    if let Some(text) = line.spans.pop() {
        let room = width.saturating_sub(line.width());
        let cut = promptwright_core::words::fit(&text.content, room).into_owned();
        line.spans.push(Span::styled(cut, text.style));
    }
    line
}

fn history_spans(e: &LogEntry) -> Line<'static> {
    match e {
        LogEntry::Release(r) => Line::from(vec![
            Span::styled(format!("v{:<3} ", r.version), theme::title()),
            Span::styled(
                format!("{}  {}  ", &r.at[..r.at.len().min(19)], r.author),
                theme::muted(),
            ),
            Span::styled("release  ", Style::new().fg(theme::OK)),
            Span::raw(format!("{}/{} passed  ", r.passed, r.cases)),
            Span::raw(r.note.clone()),
        ]),
        LogEntry::Rollback(r) => Line::from(vec![
            Span::styled(format!("v{:<3} ", r.version), theme::title()),
            Span::styled(
                format!("{}  {}  ", &r.at[..r.at.len().min(19)], r.author),
                theme::muted(),
            ),
            Span::styled(
                format!("rollback from v{}  ", r.from_version),
                Style::new().fg(theme::WARN),
            ),
            Span::raw(r.reason.clone()),
        ]),
        LogEntry::Promote(l) | LogEntry::LabelRollback(l) => Line::from(vec![
            Span::styled(format!("v{:<3} ", l.version), theme::title()),
            Span::styled(
                format!("{}  {}  ", &l.at[..l.at.len().min(19)], l.author),
                theme::muted(),
            ),
            Span::styled(
                match (e, l.from_version) {
                    (LogEntry::Promote(_), _) => format!("promote → {}  ", l.label),
                    (_, Some(f)) => format!("{} back from v{f}  ", l.label),
                    (_, None) => format!("{} back  ", l.label),
                },
                Style::new().fg(if matches!(e, LogEntry::Promote(_)) {
                    theme::OK
                } else {
                    theme::WARN
                }),
            ),
            Span::raw(l.reason.clone()),
        ]),
    }
}

fn view_history(pane: &ReleasePane, f: &mut Frame, area: Rect) {
    // The pass rate of each released version beside the list, once there is a trend.
    let rates = release_pass_rates(&pane.history);
    let area = if rates.len() > 1 && area.width >= 60 {
        let [list, trend] =
            Layout::horizontal([Constraint::Min(30), Constraint::Length(26)]).areas(area);
        view_trend(&rates, f, trend);
        list
    } else {
        area
    };
    let lines: Vec<Line> = if pane.history.is_empty() {
        vec![Line::styled("No release yet.", theme::muted())]
    } else {
        pane.history
            .iter()
            .take(area.height.saturating_sub(2) as usize)
            .map(|e| history_line(e, usize::from(area.width.saturating_sub(2))))
            .collect()
    };
    f.render_widget(
        Paragraph::new(lines).block(block("History · newest first · b rolls back")),
        area,
    );
}
