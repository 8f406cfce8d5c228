//! Panes not built yet say what will be there, so the shape of the product is visible.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Text};
use ratatui::widgets::{Block, Paragraph, Wrap};

use crate::tui::app::Tab;
use crate::tui::theme;

fn what(tab: Tab) -> &'static [&'static str] {
    match tab {
        Tab::Release => &[
            "The release proposal: version, note, every gate check with required vs actual,",
            "the regressions to review; export only when all checks hold; history and rollback.",
        ],
        Tab::Prompts | Tab::Evals | Tab::Diff => &[],
    }
}

pub fn view(f: &mut Frame, area: Rect, tab: Tab) {
    let mut lines = vec![Line::styled("Coming next", theme::title()), Line::raw("")];
    lines.extend(what(tab).iter().map(|l| Line::raw(*l)));
    let p = Paragraph::new(Text::from(lines))
        .wrap(Wrap { trim: true })
        .block(
            Block::bordered()
                .title(format!(" {} ", tab.title()))
                .border_style(theme::border()),
        );
    f.render_widget(p, area);
}
