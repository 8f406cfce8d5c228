//! Colours and styles in one place, so panes agree and a theme change is one edit.

use ratatui::style::{Color, Modifier, Style};

pub const ACCENT: Color = Color::Cyan;
pub const OK: Color = Color::Green;
pub const BAD: Color = Color::Red;
pub const WARN: Color = Color::Yellow;
pub const MUTED: Color = Color::DarkGray;

pub fn title() -> Style {
    Style::new().fg(ACCENT).add_modifier(Modifier::BOLD)
}

pub fn muted() -> Style {
    Style::new().fg(MUTED)
}

pub fn selected() -> Style {
    Style::new().add_modifier(Modifier::REVERSED)
}

pub fn key() -> Style {
    Style::new().fg(ACCENT).add_modifier(Modifier::BOLD)
}

pub fn error() -> Style {
    Style::new().fg(BAD)
}

pub fn error_line() -> Style {
    Style::new().bg(Color::Rgb(80, 20, 20))
}

pub fn focused_border() -> Style {
    Style::new().fg(ACCENT)
}

pub fn border() -> Style {
    Style::new().fg(MUTED)
}

/// A pane's border: the accent marks the pane that has the keys.
pub fn border_for(focused: bool) -> Style {
    if focused { focused_border() } else { border() }
}

/// How overlays and details wrap text: at spaces only, so `per-case` or a path stays
/// whole.
pub fn wrap_options(width: usize) -> textwrap::Options<'static> {
    textwrap::Options::new(width).word_splitter(textwrap::WordSplitter::NoHyphenation)
}

/// A word that differs from the text it is compared with.
pub fn changed_word() -> Style {
    Style::new()
        .bg(OK)
        .fg(Color::Black)
        .add_modifier(Modifier::BOLD)
}
