//! The Prompts pane: the list of prompts, an editor on the selected file with live
//! validation, and a preview of the rendered messages for an eval case.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::time::Duration;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span, Text};
use ratatui::widgets::{Block, Borders, List, ListItem, ListState, Paragraph, Wrap};
use ratatui_textarea::TextArea;
use serde_json::{Map, Value};

use super::editor::{self, Bar};
use crate::tui::msg::Cmd;
use crate::tui::theme;
use promptwright_core::vocab::{Diagnostic, Source};
use promptwright_core::workspace::prompt::parse_prompt;
use promptwright_core::workspace::{Config, Prompt};

/// How long typing must pause before the text is re-parsed.
pub const VALIDATE_AFTER: Duration = Duration::from_millis(150);

/// An eval case to preview the prompt with.
#[derive(Debug, Clone)]
pub struct PreviewCase {
    pub suite: String,
    pub id: String,
    pub vars: Map<String, Value>,
}

/// Where a prompt stands against its current release.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReleaseStatus {
    New,
    Changed,
    Released,
}

impl ReleaseStatus {
    pub fn label(self) -> &'static str {
        match self {
            ReleaseStatus::New => "new",
            ReleaseStatus::Changed => "changed",
            ReleaseStatus::Released => "released",
        }
    }
}

pub struct PromptEntry {
    pub name: String,
    pub rel_path: String,
    pub path: PathBuf,
    /// What the file on disk holds (as far as we know).
    pub saved_text: String,
    pub editor: TextArea<'static>,
    /// The latest text that parsed, for the preview and the variables.
    pub parsed: Option<Prompt>,
    /// Problems of the current text.
    pub errors: Vec<Diagnostic>,
    /// Bumped at every edit; validation answers only the latest.
    pub generation: u64,
    pub validated: u64,
    pub release_sha: Option<String>,
    pub cases: Vec<PreviewCase>,
    pub case_index: usize,
    /// New text from disk, waiting for `r` (offered only without unsaved edits).
    pub disk_text: Option<String>,
}

impl PromptEntry {
    pub fn new(
        name: String,
        rel_path: String,
        path: PathBuf,
        text: String,
        release_sha: Option<String>,
        cases: Vec<PreviewCase>,
    ) -> Self {
        PromptEntry {
            name,
            rel_path,
            path,
            editor: editor::editor_for(&text),
            saved_text: text,
            parsed: None,
            errors: Vec::new(),
            generation: 0,
            validated: u64::MAX,
            release_sha,
            cases,
            case_index: 0,
            disk_text: None,
        }
    }

    /// The editor's text as it would be saved (a file ends with a newline).
    pub fn text(&self) -> String {
        let mut t = self.editor.lines().join("\n");
        t.push('\n');
        t
    }

    pub fn is_dirty(&self) -> bool {
        normalize(&self.text()) != normalize(&self.saved_text)
    }

    pub fn status(&self) -> ReleaseStatus {
        match (&self.release_sha, &self.parsed) {
            (None, _) => ReleaseStatus::New,
            (Some(r), Some(p)) if *r == p.content_sha256 => ReleaseStatus::Released,
            _ => ReleaseStatus::Changed,
        }
    }

    /// Re-parses the editor's text: errors at line:col, variables, the preview's prompt.
    pub fn validate(&mut self, config: Option<&Config>) {
        let src = Source::new(self.rel_path.clone(), self.text());
        match parse_prompt(&self.name, &src, config) {
            Ok(p) => {
                self.parsed = Some(p);
                self.errors.clear();
            }
            Err(errors) => self.errors = errors,
        }
        self.validated = self.generation;
    }

    pub fn replace_text(&mut self, text: String, config: Option<&Config>) {
        self.editor = editor::editor_for(&text);
        self.saved_text = text;
        self.disk_text = None;
        self.generation += 1;
        self.validate(config);
    }

    /// Marks an edit and asks for a debounced validation.
    pub fn edited(&mut self) -> Cmd {
        self.generation += 1;
        Cmd::ScheduleValidate {
            prompt: self.name.clone(),
            generation: self.generation,
            after: VALIDATE_AFTER,
        }
    }

    pub fn cycle_case(&mut self, forward: bool) {
        let n = self.cases.len();
        if n > 0 {
            self.case_index = if forward {
                (self.case_index + 1) % n
            } else {
                (self.case_index + n - 1) % n
            };
        }
    }

    pub fn case(&self) -> Option<&PreviewCase> {
        self.cases.get(self.case_index)
    }

    pub fn variables(&self) -> BTreeSet<String> {
        self.parsed
            .as_ref()
            .map(|p| p.variables.clone())
            .unwrap_or_default()
    }
}

/// Line endings and a final newline do not make a file "edited".
fn normalize(s: &str) -> &str {
    s.trim_end_matches(['\n', '\r'])
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Focus {
    List,
    Editor,
}

pub struct PromptsPane {
    pub entries: Vec<PromptEntry>,
    pub selected: usize,
    pub focus: Focus,
    pub preview_scroll: u16,
    /// The editor's search or go-to-line bar, while it is open.
    pub bar: Option<Bar>,
}

/// The pane's areas for a body rectangle, shared by drawing and mouse hit-testing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Areas {
    pub list: Option<Rect>,
    pub editor: Rect,
    pub info: Rect,
    pub preview: Option<Rect>,
}

pub fn areas(body: Rect) -> Areas {
    let list_width = if body.width >= 70 { 30 } else { 0 };
    let [list, rest] =
        Layout::horizontal([Constraint::Length(list_width), Constraint::Min(0)]).areas(body);
    let (main, preview) = if rest.width >= 90 {
        let [m, p] = Layout::horizontal([Constraint::Percentage(55), Constraint::Percentage(45)])
            .areas(rest);
        (m, Some(p))
    } else if rest.height >= 24 {
        let [m, p] =
            Layout::vertical([Constraint::Percentage(60), Constraint::Percentage(40)]).areas(rest);
        (m, Some(p))
    } else {
        (rest, None)
    };
    let info_height = if main.height >= 14 { 5 } else { 0 };
    let [editor, info] =
        Layout::vertical([Constraint::Min(0), Constraint::Length(info_height)]).areas(main);
    Areas {
        list: (list_width > 0).then_some(list),
        editor,
        info,
        preview,
    }
}

impl PromptsPane {
    pub fn current(&self) -> Option<&PromptEntry> {
        self.entries.get(self.selected)
    }

    pub fn current_mut(&mut self) -> Option<&mut PromptEntry> {
        self.entries.get_mut(self.selected)
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
        self.entries.iter().filter(|e| e.is_dirty()).count()
    }

    pub fn select(&mut self, index: usize) {
        if index < self.entries.len() {
            self.selected = index;
            self.preview_scroll = 0;
        }
    }

    pub fn view(&self, f: &mut Frame, body: Rect) {
        let a = areas(body);
        if let Some(list) = a.list {
            self.view_list(f, list);
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
    let text = preview_text(entry);
    let p = Paragraph::new(text)
        .wrap(Wrap { trim: false })
        .scroll((scroll, 0))
        .block(block);
    f.render_widget(p, area);
}

/// The rendered messages of the selected case, or why they cannot be shown.
fn preview_text(entry: &PromptEntry) -> Text<'static> {
    let Some(prompt) = &entry.parsed else {
        return Text::styled("Fix the errors to see the preview.", theme::muted());
    };
    let Some(case) = entry.case() else {
        return Text::styled(
            "No eval case uses this prompt yet: add a suite in evals/ with prompt = \"".to_string()
                + &entry.name
                + "\".",
            theme::muted(),
        );
    };
    let mut lines = Vec::new();
    if !entry.errors.is_empty() {
        lines.push(Line::styled(
            "(the last version that parsed)",
            Style::new().fg(theme::WARN),
        ));
    }
    match prompt.templates.render(&case.vars) {
        Ok(messages) => {
            for (m, content) in prompt.def.messages.iter().zip(messages) {
                lines.push(Line::styled(
                    format!("── {} ──", m.role.as_str()),
                    theme::key(),
                ));
                lines.extend(content.lines().map(|l| Line::raw(l.to_string())));
                lines.push(Line::raw(""));
            }
        }
        Err(e) => lines.push(Line::styled(format!("✗ {e}"), theme::error())),
    }
    Text::from(lines)
}
