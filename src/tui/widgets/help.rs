//! The `?` overlay: every key of the focused context and, where it falls back to them,
//! the global ones, generated from the keymap table the handlers use.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span, Text};
use ratatui::widgets::{Block, Clear, Paragraph};

use super::centered;
use crate::tui::keymap::{self, Context};
use crate::tui::theme;

fn title(ctx: Context) -> &'static str {
    match ctx {
        Context::Global => "Everywhere",
        Context::PromptList => "Prompts: list",
        Context::Editor => "Prompts: editor",
        Context::EditorBar => "Prompts: search or go-to-line bar (type the text or number)",
        Context::EvalsList => "Evals: suites and cases",
        Context::EvalsDetail => "Evals: case detail",
        Context::FilterInput => "Evals: filter (type to filter)",
        Context::Compare => "Evals: compare targets and versions",
        Context::Diff => "Diff",
        Context::Release => "Release",
        Context::ReleaseInput => "Release: typing a note or a reason",
        Context::Help => "This help",
        Context::Confirm => "Quit confirmation",
        Context::Problems => "Problems",
    }
}

/// Width of the keys column.
const KEYS: usize = 18;

/// The help's lines for the context under the overlay, wrapped to `width` cells (the
/// sentences continue under themselves, right of the keys).
pub fn lines(under: Context, width: usize) -> Vec<Line<'static>> {
    let mut contexts = vec![under];
    if keymap::falls_back_to_global(under) {
        contexts.push(Context::Global);
    }
    contexts.push(Context::Help);
    let text_width = width.saturating_sub(KEYS).max(12);
    let mut out = Vec::new();
    for ctx in contexts {
        out.push(Line::styled(title(ctx), theme::title()));
        for b in keymap::bindings(ctx) {
            let keys = format!("  {}", keymap::keys_label(b));
            let wrapped = textwrap::wrap(b.help, crate::tui::theme::wrap_options(text_width));
            let mut first = true;
            if keys.chars().count() >= KEYS {
                out.push(Line::styled(keys.clone(), theme::key()));
                first = false;
            }
            for piece in wrapped {
                let left = if first {
                    format!("{keys:<KEYS$}")
                } else {
                    " ".repeat(KEYS)
                };
                out.push(Line::from(vec![
                    Span::styled(left, theme::key()),
                    Span::raw(piece.into_owned()),
                ]));
                first = false;
            }
        }
        out.push(Line::raw(""));
    }
    if under == Context::Editor {
        let note =
            "In the editor every other key edits the text (arrows, Home/End, Backspace, Delete).";
        out.extend(
            textwrap::wrap(note, crate::tui::theme::wrap_options(width.max(12)))
                .into_iter()
                .map(|l| Line::styled(l.into_owned(), theme::muted())),
        );
    }
    out
}

/// The overlay takes the terminal's width, less a margin, so nothing is cut.
pub fn area(body: Rect, lines: usize) -> Rect {
    centered(body, body.width.saturating_sub(4), lines as u16 + 2)
}

/// `under`: the context of the focused pane, overlays aside.
pub fn view(f: &mut Frame, body: Rect, under: Context, scroll: u16) {
    let width = body.width.saturating_sub(6) as usize;
    let text = Text::from(lines(under, width));
    let area = area(body, text.lines.len());
    f.render_widget(Clear, area);
    let p = Paragraph::new(text).scroll((scroll, 0)).block(
        Block::bordered()
            .title(" Keys · ? or Esc to close ")
            .border_style(theme::focused_border()),
    );
    f.render_widget(p, area);
}
