//! The Prompts pane: the list of prompts, an editor on the selected file with live
//! validation, and a preview of the rendered messages for an eval case.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span, Text};
use ratatui::widgets::{Block, Borders, List, ListItem, ListState, Paragraph, Wrap};

use super::editor::{self, Bar};
use super::files::{self, OpenFiles};
pub use super::prompt_entry::{Kind, PreviewCase, PromptEntry, ReleaseStatus, VALIDATE_AFTER};
use crate::tui::{layout, theme};
use promptwright_core::workspace::{Config, Prompt};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Focus {
    List,
    Editor,
}

pub struct PromptsPane {
    pub(super) entries: Vec<PromptEntry>,
    pub(super) selected: usize,
    pub(super) focus: Focus,
    pub(super) preview_scroll: u16,
    /// The editor's search or go-to-line bar, while it is open.
    pub(super) bar: Option<Bar>,
    /// The editor's last search, offered again by Ctrl-F.
    pub(super) last_search: String,
    /// Files other than prompts opened in the editor.
    pub(super) files: OpenFiles,
}

impl PromptsPane {
    /// The pane on the workspace's prompts, the first selected, the list focused.
    pub fn new(entries: Vec<PromptEntry>) -> PromptsPane {
        PromptsPane {
            entries,
            selected: 0,
            focus: Focus::List,
            preview_scroll: 0,
            bar: None,
            last_search: String::new(),
            files: OpenFiles::default(),
        }
    }

    /// The prompts, in the list's order.
    pub fn entries(&self) -> &[PromptEntry] {
        &self.entries
    }

    /// The prompt `name` (not an opened file).
    pub fn prompt(&self, name: &str) -> Option<&PromptEntry> {
        self.entries.iter().find(|e| e.name == name)
    }

    pub fn prompt_mut(&mut self, name: &str) -> Option<&mut PromptEntry> {
        self.entries.iter_mut().find(|e| e.name == name)
    }

    /// The position of the selected prompt in the list.
    pub fn selected(&self) -> usize {
        self.selected
    }

    /// Whether keys go to the list or the editor.
    pub fn focus(&self) -> Focus {
        self.focus
    }

    /// The editor's search or go-to-line bar, while it is open.
    pub fn bar(&self) -> Option<&Bar> {
        self.bar.as_ref()
    }

    /// How far the case preview is scrolled.
    pub fn preview_scroll(&self) -> u16 {
        self.preview_scroll
    }

    /// The editor shows a file opened from the problems list, not a prompt.
    pub fn shows_file(&self) -> bool {
        self.files.shown.is_some()
    }

    /// Checks every prompt again, against the workspace's providers.
    pub fn validate_all(&mut self, config: Option<&Config>) {
        for e in &mut self.entries {
            e.validate(config);
        }
    }

    /// The debounce after an edit of `prompt` ran out: it is checked, unless it was
    /// edited again since (`generation`).
    pub fn validate_due(&mut self, prompt: &str, generation: u64, config: Option<&Config>) {
        if let Some(e) = self.prompt_mut(prompt) {
            if e.generation == generation {
                e.validate(config);
            }
        }
    }

    /// The current release of `prompt` has this content hash (none: never released).
    pub fn on_release_read(&mut self, prompt: &str, sha: Option<String>) {
        if let Some(e) = self.prompt_mut(prompt) {
            e.release_sha = sha;
        }
    }

    /// "Edit this case": the prompt `prompt` in the editor, the case `suite/id` in its
    /// preview. The note for the status bar, or why not.
    pub fn edit_case(&mut self, prompt: &str, suite: &str, id: &str) -> Result<String, String> {
        let Some(i) = self.entries.iter().position(|e| e.name == prompt) else {
            return Err(format!("no file prompts/{prompt}.toml to edit"));
        };
        self.select(i);
        let e = &mut self.entries[i];
        if let Some(k) = e.cases.iter().position(|c| c.suite == suite && c.id == id) {
            e.case_index = k;
        }
        self.focus = Focus::Editor;
        Ok(format!(
            "editing {} · preview: {suite}/{id} · Esc leaves the editor",
            e.rel_path
        ))
    }

    pub fn current(&self) -> Option<&PromptEntry> {
        self.entries.get(self.selected)
    }

    pub fn current_mut(&mut self) -> Option<&mut PromptEntry> {
        self.entries.get_mut(self.selected)
    }

    /// What the editor shows: an opened file, else the selected prompt.
    pub fn editing(&self) -> Option<&PromptEntry> {
        self.files.shown().or_else(|| self.current())
    }

    pub fn editing_mut(&mut self) -> Option<&mut PromptEntry> {
        match self.files.shown {
            Some(i) => self.files.entries.get_mut(i),
            None => self.entries.get_mut(self.selected),
        }
    }

    /// A prompt or an opened file by its name (a file's name is its path in the
    /// workspace, which no prompt name can be: those have no `.` or `/`).
    pub fn entry_mut(&mut self, name: &str) -> Option<&mut PromptEntry> {
        self.entries
            .iter_mut()
            .chain(&mut self.files.entries)
            .find(|e| e.name == name)
    }

    /// Every prompt and opened file.
    pub fn all(&self) -> impl Iterator<Item = &PromptEntry> {
        self.entries.iter().chain(&self.files.entries)
    }

    /// The prompt `name` as the editor shows it, when that text is valid.
    pub fn draft(&self, name: &str) -> Option<&Prompt> {
        self.entries
            .iter()
            .find(|e| e.name == name && e.errors.is_empty())?
            .parsed
            .as_ref()
    }

    pub fn dirty_count(&self) -> usize {
        self.all().filter(|e| e.is_dirty()).count()
    }

    pub fn select(&mut self, index: usize) {
        if index < self.entries.len() {
            self.files.shown = None;
            self.selected = index;
            self.preview_scroll = 0;
        }
    }

    pub fn view(&self, f: &mut Frame, body: Rect) {
        let a = layout::prompts(body);
        if let Some(list) = a.list {
            self.view_list(f, list);
        }
        if let Some(file) = self.files.shown() {
            let focused = self.focus == Focus::Editor;
            files::view(f, &a, file, focused, self.bar.as_ref());
            return;
        }
        let Some(entry) = self.current() else {
            let msg = Paragraph::new(
                "No prompts yet: add a file prompts/NAME.toml (see `promptwright init`).",
            )
            .wrap(Wrap { trim: true })
            .block(Block::bordered().border_style(theme::border()));
            f.render_widget(msg, a.editor);
            return;
        };
        editor::view(
            f,
            a.editor,
            entry,
            self.focus == Focus::Editor,
            self.bar.as_ref(),
        );
        if a.info.height > 0 {
            view_info(f, a.info, entry);
        }
        if let Some(p) = a.preview {
            view_preview(f, p, entry, self.preview_scroll);
        }
    }

    fn view_list(&self, f: &mut Frame, area: Rect) {
        let items: Vec<ListItem> = self
            .entries
            .iter()
            .map(|e| {
                let status = e.status();
                let status_style = match status {
                    ReleaseStatus::Released => Style::new().fg(theme::OK),
                    ReleaseStatus::Changed => Style::new().fg(theme::WARN),
                    ReleaseStatus::New => theme::muted(),
                };
                let marker = if e.is_dirty() { "● " } else { "  " };
                let errs = if e.errors.is_empty() { "" } else { " ✗" };
                ListItem::new(Line::from(vec![
                    Span::styled(marker, Style::new().fg(theme::WARN)),
                    Span::raw(e.name.clone()),
                    Span::styled(errs, theme::error()),
                    Span::raw(" "),
                    Span::styled(status.label(), status_style),
                ]))
            })
            .collect();
        let focused = self.focus == Focus::List;
        let block = Block::bordered()
            .title(Span::styled(" Prompts ", theme::title()))
            .border_style(theme::border_for(focused));
        let inner_height = area.height.saturating_sub(2);
        let desc = self
            .current()
            .and_then(|e| e.parsed.as_ref())
            .and_then(|p| p.def.description.clone())
            .unwrap_or_default();
        // The selected prompt's description under the list, when there is room.
        let desc_height = if inner_height >= 10 && !desc.is_empty() {
            5
        } else {
            0
        };
        let inner = block.inner(area);
        f.render_widget(block, area);
        let [list_area, desc_area] =
            Layout::vertical([Constraint::Min(0), Constraint::Length(desc_height)]).areas(inner);
        let mut state = ListState::default().with_selected(Some(self.selected));
        let list = List::new(items).highlight_style(if focused {
            theme::selected()
        } else {
            Style::new().add_modifier(Modifier::BOLD)
        });
        f.render_stateful_widget(list, list_area, &mut state);
        if desc_height > 0 {
            let p = Paragraph::new(desc)
                .style(theme::muted())
                .wrap(Wrap { trim: true })
                .block(
                    Block::new()
                        .borders(Borders::TOP)
                        .border_style(theme::border()),
                );
            f.render_widget(p, desc_area);
        }
    }
}

fn view_info(f: &mut Frame, area: Rect, entry: &PromptEntry) {
    let mut lines = Vec::new();
    if let Some(_disk) = &entry.disk_text {
        let msg = if entry.is_dirty() {
            "changed on disk by another program; saving will overwrite it"
        } else {
            "changed on disk by another program: press r to reload"
        };
        lines.push(Line::styled(msg, Style::new().fg(theme::WARN)));
    }
    if entry.errors.is_empty() {
        let vars: Vec<String> = entry.variables().into_iter().collect();
        lines.push(Line::from(vec![
            Span::styled("✓ valid", Style::new().fg(theme::OK)),
            Span::styled("  variables: ", theme::muted()),
            Span::raw(if vars.is_empty() {
                "none".to_string()
            } else {
                vars.join(", ")
            }),
        ]));
    } else {
        for e in &entry.errors {
            let at = if e.line == 0 {
                String::new()
            } else {
                format!("{}:{} ", e.line, e.col)
            };
            lines.push(Line::from(vec![
                Span::styled(format!("✗ {at}"), theme::error()),
                Span::raw(e.message.clone()),
            ]));
            if let Some(h) = &e.help {
                lines.push(Line::styled(format!("  help: {h}"), theme::muted()));
            }
        }
    }
    let p = Paragraph::new(Text::from(lines))
        .wrap(Wrap { trim: false })
        .block(
            Block::bordered()
                .title(Span::styled(" Validation ", theme::title()))
                .border_style(theme::border()),
        );
    f.render_widget(p, area);
}

fn view_preview(f: &mut Frame, area: Rect, entry: &PromptEntry, scroll: u16) {
    let title = match entry.case() {
        Some(c) => format!(
            " Preview · {}/{} ({}/{}) ",
            c.suite,
            c.id,
            entry.case_index + 1,
            entry.cases.len()
        ),
        None => " Preview ".to_string(),
    };
    let block = Block::bordered()
        .title(Span::styled(title, theme::title()))
        .border_style(theme::border());
    let text = super::prompt_preview::preview_text(entry);
    let p = Paragraph::new(text)
        .wrap(Wrap { trim: false })
        .scroll((scroll, 0))
        .block(block);
    f.render_widget(p, area);
}
