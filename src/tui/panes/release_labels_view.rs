//! Drawing labels in the Release pane: the line of labels and the version each points
//! at, and a label move shown before it is written (a promotion's fresh verdict, or a
//! rollback's two versions) with its reason.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span, Text};
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};

use super::release::{Input, LabelMove, ReleasePane};
use crate::tui::theme;
use crate::tui::widgets::centered;

/// `labels: ▸staging v2 · production v1 · qa —`, the selected one marked.
pub(super) fn labels_line(pane: &ReleasePane) -> Line<'static> {
    let mut spans = vec![Span::styled("labels: ", theme::muted())];
    for (i, l) in pane.labels.iter().enumerate() {
        if i > 0 {
            spans.push(Span::styled(" · ", theme::muted()));
        }
        let at = l.version.map_or("—".to_string(), |v| format!("v{v}"));
        let text = format!(
            "{}{} {at}",
            if i == pane.label_cursor { "▸" } else { "" },
            l.name
        );
        spans.push(if i == pane.label_cursor {
            Span::styled(text, theme::title())
        } else {
            Span::raw(text)
        });
    }
    spans.push(Span::styled(
        "  (l selects · p promotes · B moves back)",
        theme::muted(),
    ));
    Line::from(spans)
}

/// A label move before it is written: the promotion's fresh-run verdict with its checks,
/// or the rollback's two versions; then the reason.
pub(super) fn view_label_move(pane: &ReleasePane, m: &LabelMove, f: &mut Frame, body: Rect) {
    let mut lines = Vec::new();
    let (title, can_move) = match m {
        LabelMove::Promote { plan, verdict } => {
            let d = &verdict.draft;
            lines.push(if verdict.passed {
                Line::from(vec![
                    Span::styled(
                        "✓ PASS",
                        Style::new().fg(theme::OK).add_modifier(Modifier::BOLD),
                    ),
                    Span::raw(format!(
                        " · fresh run: {} of {} cases passed, {} errors",
                        d.passed, d.cases, d.errors
                    )),
                ])
            } else {
                Line::from(vec![
                    Span::styled(
                        "✗ BLOCKED",
                        Style::new().fg(theme::BAD).add_modifier(Modifier::BOLD),
                    ),
                    Span::raw(format!(
                        " · fresh run: {} of {} cases passed: the label stays where it is",
                        d.passed, d.cases
                    )),
                ])
            });
            for c in &verdict.checks {
                lines.push(Line::from(vec![
                    if c.passed {
                        Span::styled("  ✓ ", Style::new().fg(theme::OK))
                    } else {
                        Span::styled("  ✗ ", Style::new().fg(theme::BAD))
                    },
                    Span::raw(format!(
                        "{}  {}  {}",
                        c.name,
                        c.required_text(),
                        c.actual_text()
                    )),
                ]));
            }
            let from = plan.from.map_or("—".into(), |v| format!("v{v}"));
            (
                format!(
                    " Promote {} v{} to {} (was {from}; dry run: nothing written yet) ",
                    plan.name, plan.target.version, plan.label.name
                ),
                verdict.passed,
            )
        }
        LabelMove::Rollback(plan) => {
            lines.push(Line::raw(format!(
                "no gate: v{} held {} before, so it passed this label's thresholds then",
                plan.to.version, plan.label
            )));
            (
                format!(
                    " Move {} of {} back: v{} → v{} (dry run: nothing written yet) ",
                    plan.label, plan.name, plan.from.version, plan.to.version
                ),
                true,
            )
        }
    };
    lines.push(Line::raw(""));
    if can_move {
        let cursor = if pane.input == Some(Input::LabelReason) {
            "▏"
        } else {
            ""
        };
        lines.push(Line::from(vec![
            Span::styled("reason: ", theme::muted()),
            Span::raw(format!("{}{cursor}", pane.reason)),
        ]));
    }
    if let Some(msg) = &pane.message {
        lines.push(Line::styled(msg.clone(), Style::new().fg(theme::WARN)));
    }
    let footer = if can_move {
        " Enter moves the label · Esc cancels "
    } else {
        " Esc closes: nothing written "
    };
    let height = (lines.len() as u16 + 2).min(body.height);
    let area = centered(body, body.width.saturating_sub(8).min(110), height);
    f.render_widget(Clear, area);
    let p = Paragraph::new(Text::from(lines))
        .wrap(Wrap { trim: false })
        .block(
            Block::bordered()
                .title(Span::styled(title, theme::title()))
                .title_bottom(Span::styled(footer, theme::muted()))
                .border_style(theme::focused_border()),
        );
    f.render_widget(p, area);
}
