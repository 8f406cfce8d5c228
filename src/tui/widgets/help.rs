//! The `?` overlay: every key of the focused context and the global ones, generated from
//! the keymap table the handlers use.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span, Text};
use ratatui::widgets::{Block, Clear, Paragraph};

use super::centered;
use crate::tui::app::App;
use crate::tui::keymap::{self, Context};
use crate::tui::theme;

fn title(ctx: Context) -> &'static str {
    match ctx {
        Context::Global => "Everywhere",
        Context::PromptList => "Prompts: list",
        Context::Editor => "Prompts: editor",
        Context::EvalsList => "Evals: suites and cases",
        Context::EvalsDetail => "Evals: case detail",
        Context::FilterInput => "Evals: filter (type to filter)",
        Context::Diff => "Diff",
        Context::Release => "Release",
        Context::ReleaseInput => "Release: typing a note or a reason",
        Context::Help => "This help",
        Context::Confirm => "Quit confirmation",
        Context::Problems => "Problems",
    }
}

/// The help's lines for the context under the overlay.
pub fn lines(under: Context) -> Vec<Line<'static>> {
    let mut contexts = vec![under];
    if under != Context::Global {
        contexts.push(Context::Global);
    }
    contexts.push(Context::Help);
    let mut out = Vec::new();
    for ctx in contexts {
        out.push(Line::styled(title(ctx), theme::title()));
        for b in keymap::bindings(ctx) {
            out.push(Line::from(vec![
                Span::styled(format!("  {:<16}", keymap::keys_label(b)), theme::key()),
                Span::raw(b.help),
            ]));
        }
        out.push(Line::raw(""));
    }
    if under == Context::Editor {
        out.push(Line::styled(
            "In the editor every other key edits the text (arrows, Home/End, Ctrl-Z undo, Ctrl-Y redo).",
            theme::muted(),
        ));
    }
    out
}

pub fn view(app: &App, f: &mut Frame, body: Rect, scroll: u16) {
    let text = Text::from(lines(app.pane_context()));
    let area = centered(body, 76, text.lines.len() as u16 + 2);
    f.render_widget(Clear, area);
    let p = Paragraph::new(text).scroll((scroll, 0)).block(
        Block::bordered()
            .title(" Keys · ? or Esc to close ")
            .border_style(theme::focused_border()),
    );
    f.render_widget(p, area);
}
