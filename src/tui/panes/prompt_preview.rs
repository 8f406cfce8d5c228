//! The Prompts pane's preview: the selected case's request as the model gets it, a
//! conversation slot filled from the case, and what the prompt offers besides its
//! messages (tools, tool choice, structured output).

use ratatui::style::Style;
use ratatui::text::{Line, Text};

use super::prompt_entry::PromptEntry;
use crate::tui::theme;
use promptwright_core::provider::request_for;
use promptwright_core::workspace::Prompt;

/// The rendered messages of the selected case, or why they cannot be shown.
pub(super) fn preview_text(entry: &PromptEntry) -> Text<'static> {
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
    let model = prompt.def.model.as_deref().unwrap_or_default();
    match request_for(prompt, model, &case.vars) {
        Ok(request) => {
            for m in &request.messages {
                lines.push(Line::styled(
                    format!("── {} ──", m.role.as_str()),
                    theme::key(),
                ));
                lines.extend(m.shown().lines().map(|l| Line::raw(l.to_string())));
                lines.push(Line::raw(""));
            }
            let offered = offered(prompt);
            if !offered.is_empty() {
                lines.push(Line::styled("── tools ──", theme::key()));
                lines.extend(offered.into_iter().map(Line::raw));
            }
        }
        Err(e) => lines.push(Line::styled(format!("✗ {e}"), theme::error())),
    }
    Text::from(lines)
}

/// What the prompt offers the model besides its messages: each tool with its
/// parameters' names, the tool choice, and the structured output asked for.
fn offered(prompt: &Prompt) -> Vec<String> {
    let def = &prompt.def;
    let mut out: Vec<String> = def
        .tools
        .iter()
        .map(|t| {
            let params: Vec<&str> = t.parameters["properties"]
                .as_object()
                .map(|p| p.keys().map(String::as_str).collect())
                .unwrap_or_default();
            format!("{}({})", t.name, params.join(", "))
        })
        .collect();
    if let Some(choice) = &def.tool_choice {
        out.push(format!("tool_choice: {choice}"));
    }
    if let Some(f) = &def.response_format {
        let kind = match f.kind {
            promptwright_core::vocab::FormatKind::JsonObject => "a JSON object".to_string(),
            promptwright_core::vocab::FormatKind::JsonSchema => {
                format!("JSON of schema {}", f.name_or_default())
            }
        };
        out.push(format!("answer: {kind}"));
    }
    out
}
