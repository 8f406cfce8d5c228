//! Files other than prompts in the editor: workspace.toml, a suite, a dataset, opened
//! from the problems list (`!`, Enter) at the error's line and column. They are plain
//! text here: no preview; a file is checked when it is saved, by reading the workspace
//! again, and its problems from that read are its validation.

use std::path::PathBuf;

use ratatui::Frame;
use ratatui::style::Style;
use ratatui::text::{Line, Span, Text};
use ratatui::widgets::{Block, Paragraph, Wrap};

use super::editor::{self, Bar};
use super::prompts::{Kind, PromptEntry};
use crate::tui::layout::PromptsAreas as Areas;
use crate::tui::theme;
use promptwright_core::vocab::Diagnostic;

/// The files opened from the problems list. Each keeps its edits while another is
/// shown, as prompts do, so switching files never loses work; quitting asks.
#[derive(Default)]
pub struct OpenFiles {
    pub entries: Vec<PromptEntry>,
    /// The file the editor shows instead of the selected prompt.
    pub shown: Option<usize>,
    /// A file just saved: the next read of the workspace reports on it.
    pub saved: Option<String>,
}

impl OpenFiles {
    pub fn shown(&self) -> Option<&PromptEntry> {
        self.entries.get(self.shown?)
    }

    pub fn shown_mut(&mut self) -> Option<&mut PromptEntry> {
        self.entries.get_mut(self.shown?)
    }

    /// Takes the problems of the last read of the workspace as each file's errors.
    pub fn set_errors(&mut self, load_errors: &[Diagnostic]) {
        for e in &mut self.entries {
            if let Kind::File { shown } = &e.kind {
                e.errors = errors_of(load_errors, shown);
            }
        }
    }
}

/// The problems of the file shown as `shown`.
pub fn errors_of(load_errors: &[Diagnostic], shown: &str) -> Vec<Diagnostic> {
    load_errors
        .iter()
        .filter(|d| d.path == shown)
        .cloned()
        .collect()
}

/// A file read to be edited.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Opened {
    /// Relative to the workspace root: the title, and how prompts are recognised.
    pub rel: String,
    /// Where it really is (symlinks resolved, inside the workspace): where it is saved.
    pub path: PathBuf,
    /// How problems name it.
    pub shown: String,
    pub text: String,
}

/// The editor on a file, its problems from the last read of the workspace under it,
/// and what saving does beside it.
pub fn view(f: &mut Frame, a: &Areas, entry: &PromptEntry, focused: bool, bar: Option<&Bar>) {
    editor::view(f, a.editor, entry, focused, bar);
    let mut lines = Vec::new();
    if entry.disk_text.is_some() {
        lines.push(Line::styled(
            "changed on disk by another program; saving will overwrite it",
            Style::new().fg(theme::WARN),
        ));
    }
    if entry.errors.is_empty() {
        lines.push(Line::styled(
            "✓ no problems when the workspace was last read",
            Style::new().fg(theme::OK),
        ));
    }
    for e in &entry.errors {
        lines.push(Line::from(vec![
            Span::styled(format!("✗ {}:{} ", e.line, e.col), theme::error()),
            Span::raw(e.message.clone()),
        ]));
        if let Some(h) = &e.help {
            lines.push(Line::styled(format!("  help: {h}"), theme::muted()));
        }
    }
    let problems = Paragraph::new(Text::from(lines))
        .wrap(Wrap { trim: false })
        .block(
            Block::bordered()
                .title(Span::styled(" Problems in this file ", theme::title()))
                .border_style(theme::border()),
        );
    let about = Paragraph::new(
        "Checked when saved: Ctrl-S writes it and reads the workspace again. \
         Esc closes it (its edits are kept).",
    )
    .style(theme::muted())
    .wrap(Wrap { trim: true })
    .block(Block::bordered().border_style(theme::border()));
    match a.preview {
        Some(p) => {
            if a.info.height > 0 {
                f.render_widget(about, a.info);
            }
            f.render_widget(problems, p);
        }
        None if a.info.height > 0 => f.render_widget(problems, a.info),
        None => {}
    }
}
