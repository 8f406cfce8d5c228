//! The bottom line: workspace, prompt, provider/model, unsaved marker, and the keys of
//! the focused context from the keymap table.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::tui::keymap::{self, Context};
use crate::tui::theme;

/// The hints for a context: its own keys marked for the bar, then the global ones where
/// the context falls back to them.
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
    if keymap::falls_back_to_global(ctx) {
        out.extend(
            keymap::bindings(Context::Global)
                .filter(|b| b.in_bar)
                .map(|b| (keymap::keys_label(b), b.label)),
        );
        out.push(("1-4".into(), "panes"));
    }
    out
}

/// What the bar shows, gathered by the caller.
pub struct Status<'a> {
    pub workspace: &'a str,
    /// The selected prompt's name and its `provider/model`.
    pub prompt: Option<(&'a str, String)>,
    /// The run in progress: `prompt done/total counts`.
    pub run: Option<String>,
    pub unsaved: usize,
    pub load_errors: usize,
    pub note: Option<&'a str>,
    /// The context that sees keys first (its hints fill the bar).
    pub ctx: Context,
}

pub fn view(f: &mut Frame, area: Rect, s: &Status) {
    let sep = Span::styled(" │ ", theme::muted());
    let mut left = vec![Span::styled(format!(" {} ", s.workspace), theme::title())];
    if let Some((name, model)) = &s.prompt {
        left.push(sep.clone());
        left.push(Span::raw(name.to_string()));
        left.push(sep.clone());
        left.push(Span::styled(model.clone(), theme::muted()));
    }
    if let Some(run) = &s.run {
        left.push(sep.clone());
        left.push(Span::styled(run.clone(), Style::new().fg(theme::ACCENT)));
    }
    let dirty = s.unsaved;
    if dirty > 0 {
        left.push(sep.clone());
        left.push(Span::styled(
            format!("● {dirty} unsaved"),
            Style::new().fg(theme::WARN),
        ));
    }
    if s.load_errors > 0 {
        left.push(sep.clone());
        left.push(Span::styled(
            format!(
                "✗ workspace: {} (! lists them)",
                promptwright_core::words::plural(s.load_errors, "error", "errors")
            ),
            theme::error(),
        ));
    }
    let width = |spans: &[Span]| spans.iter().map(Span::width).sum::<usize>();
    let hints: Vec<[Span; 3]> = hints(s.ctx)
        .into_iter()
        .enumerate()
        .map(|(i, (keys, label))| {
            [
                Span::raw(if i > 0 { "  " } else { "" }),
                Span::styled(keys, theme::key()),
                Span::raw(format!(" {label}")),
            ]
        })
        .collect();
    let tail = match s.note {
        Some(note) => Span::raw(note).width(),
        None => hints.iter().map(|h| width(h)).sum(),
    };
    // In the editor every key but these types text: naming them all beats naming the
    // workspace and model again (the editor's title names the file and marks it unsaved).
    // Over the problems, their keys beat the error count the overlay shows anyway.
    if matches!(
        s.ctx,
        Context::Editor | Context::EditorBar | Context::Problems
    ) && width(&left) + sep.width() + tail > area.width as usize
    {
        left.clear();
    }
    if !left.is_empty() {
        left.push(sep);
    } else {
        left.push(Span::raw(" "));
    }
    match s.note {
        Some(note) => left.push(Span::styled(note.to_string(), Style::new().fg(theme::OK))),
        None => {
            // Whole hints only, in the table's order: a hint cut at the edge ("1-4 p")
            // names no key.
            let mut used = width(&left);
            for hint in hints {
                used += width(&hint);
                if used > area.width as usize {
                    break;
                }
                left.extend(hint);
            }
        }
    }
    f.render_widget(Paragraph::new(Line::from(left)), area);
}
