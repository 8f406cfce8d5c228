//! The quit confirmation when prompts or opened files have unsaved edits.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span, Text};
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};

use super::centered;
use crate::tui::keymap::{self, Context};
use crate::tui::theme;

/// `names`: the files with unsaved edits.
pub fn view(f: &mut Frame, body: Rect, names: &[String]) {
    let mut lines = vec![Line::raw(format!(
        "Unsaved edits in {}:",
        if names.len() == 1 {
            "one file"
        } else {
            "these files"
        }
    ))];
    lines.extend(
        names
            .iter()
            .map(|n| Line::styled(format!("  {n}"), theme::title())),
    );
    lines.push(Line::raw(""));
    // One key per line, so which key loses work cannot be misread.
    for b in keymap::bindings(Context::Confirm) {
        lines.push(Line::from(vec![
            Span::styled(format!("{:<9}", keymap::keys_label(b)), theme::key()),
            Span::raw(b.label),
        ]));
    }
    let text = Text::from(lines);
    let area = centered(body, 56, text.lines.len() as u16 + 2);
    f.render_widget(Clear, area);
    let p = Paragraph::new(text).wrap(Wrap { trim: false }).block(
        Block::bordered()
            .title(" Quit? ")
            .border_style(theme::focused_border()),
    );
    f.render_widget(p, area);
}
