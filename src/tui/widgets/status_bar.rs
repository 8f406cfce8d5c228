//! The bottom line: workspace, prompt, provider/model, unsaved marker, and the keys of
//! the focused context from the keymap table.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::tui::app::App;
use crate::tui::keymap::{self, Context};
use crate::tui::theme;

/// The hints for a context: its own keys marked for the bar, then the global ones.
/// Neighbours with one label share a hint, their keys written short: `Ctrl-N/P cases`.
pub fn hints(ctx: Context) -> Vec<(String, &'static str)> {
    let mut out: Vec<(String, &'static str)> = Vec::new();
    for b in keymap::bindings(ctx).filter(|b| b.in_bar) {
        let keys = keymap::keys_label(b);
        match out.last_mut() {
            Some((k, label)) if *label == b.label => {
                let short = match (k.split_once('-'), keys.split_once('-')) {
                    (Some((m1, _)), Some((m2, rest))) if m1 == m2 => rest.to_string(),
                    _ => keys,
                };
                k.push('/');
                k.push_str(&short);
            }
            _ => out.push((keys, b.label)),
        }
    }
    if matches!(
        ctx,
        Context::PromptList
            | Context::EvalsList
            | Context::EvalsDetail
            | Context::Diff
            | Context::Global
    ) {
        out.extend(
            keymap::bindings(Context::Global)
                .filter(|b| b.in_bar)
                .map(|b| (keymap::keys_label(b), b.label)),
        );
        out.push(("1-4".into(), "panes"));
    }
    out
}

pub fn view(app: &App, f: &mut Frame, area: Rect) {
    let sep = Span::styled(" │ ", theme::muted());
    let mut left = vec![Span::styled(format!(" {} ", app.ws.name), theme::title())];
    if let Some(e) = app.prompts.current() {
        left.push(sep.clone());
        left.push(Span::raw(e.name.clone()));
        let provider = e
            .parsed
            .as_ref()
            .and_then(|p| p.def.provider.clone())
            .or_else(|| {
                app.ws
                    .config
                    .as_ref()
                    .and_then(|c| c.default_provider.clone())
            })
            .unwrap_or_else(|| "?".into());
        let model = e
            .parsed
            .as_ref()
            .and_then(|p| p.def.model.clone())
            .unwrap_or_else(|| "-".into());
        left.push(sep.clone());
        left.push(Span::styled(format!("{provider}/{model}"), theme::muted()));
    }
    if let Some(run) = &app.evals.run {
        left.push(sep.clone());
        left.push(Span::styled(
            format!(
                "▶ {} {}/{} {}",
                run.prompt,
                run.counts.cases(),
                run.total,
                run.counts
            ),
            Style::new().fg(theme::ACCENT),
        ));
    }
    let dirty = app.prompts.dirty_count();
    if dirty > 0 {
        left.push(sep.clone());
        left.push(Span::styled(
            format!("● {dirty} unsaved"),
            Style::new().fg(theme::WARN),
        ));
    }
    if !app.ws.load_errors.is_empty() {
        left.push(sep.clone());
        left.push(Span::styled(
            format!(
                "✗ workspace: {} (! lists them)",
                promptwright_core::words::plural(app.ws.load_errors.len(), "error", "errors")
            ),
            theme::error(),
        ));
    }
    let mut tail = Vec::new();
    match &app.note {
        Some(note) => tail.push(Span::styled(note.clone(), Style::new().fg(theme::OK))),
        None => {
            for (i, (keys, label)) in hints(app.context()).into_iter().enumerate() {
                if i > 0 {
                    tail.push(Span::raw("  "));
                }
                tail.push(Span::styled(keys, theme::key()));
                tail.push(Span::raw(format!(" {label}")));
            }
        }
    }
    // In the editor every key but these types text: naming them all beats naming the
    // workspace and model again (the editor's title names the file and marks it unsaved).
    // Over the problems, their keys beat the error count the overlay shows anyway.
    let width = |spans: &[Span]| spans.iter().map(Span::width).sum::<usize>();
    if matches!(
        app.context(),
        Context::Editor | Context::EditorBar | Context::Problems
    ) && width(&left) + sep.width() + width(&tail) > area.width as usize
    {
        left.clear();
    }
    if !left.is_empty() {
        left.push(sep);
    } else {
        left.push(Span::raw(" "));
    }
    left.extend(tail);
    f.render_widget(Paragraph::new(Line::from(left)), area);
}
