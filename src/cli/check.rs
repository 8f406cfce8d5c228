//! `promptwright check`: validate everything, releases included; call no model.

use std::path::Path;
use std::process::ExitCode;

use anstyle::{AnsiColor, Style};

use super::{CliError, print_diagnostic, workspace_root};
use promptwright_core::vocab::LoadErrors;
use promptwright_core::words::plural;
use promptwright_core::workspace::Workspace;
use promptwright_core::{provider, release};

pub fn run(dir: Option<&Path>) -> Result<ExitCode, CliError> {
    let root = workspace_root(dir)?;
    let loaded = Workspace::load(&root);
    // Releases are verified even when the rest is broken: every problem at once.
    let shown_root = match &loaded {
        Ok(ws) => ws.shown(""),
        Err(_) => String::new(),
    };
    let shown = |rel: &str| {
        if shown_root.is_empty() {
            rel.to_string()
        } else {
            format!("{}/{rel}", shown_root.trim_end_matches('/'))
        }
    };
    let releases = release::verify(&root, &shown);
    let ws = match loaded {
        Ok(ws) => {
            let mut errors = provider::trust::check_workspace(&ws.config);
            if !promptwright_core::assert::command::allowed(super::allows_commands()) {
                errors.extend(promptwright_core::plan::commands_refused(
                    &ws,
                    ws.suites.values(),
                ));
            }
            errors.extend(releases.errors);
            if !errors.is_empty() {
                return Err(CliError::Load(LoadErrors(errors)));
            }
            ws
        }
        Err(mut e) => {
            e.0.extend(releases.errors);
            return Err(CliError::Load(e));
        }
    };
    let warn = Style::new().fg_color(Some(AnsiColor::Yellow.into())).bold();
    for w in ws.warnings.iter().chain(&releases.warnings) {
        print_diagnostic(w, "warning", warn);
    }
    let warnings = ws.warnings.len() + releases.warnings.len();
    let cases: usize = ws.suites.values().map(|s| s.cases.len()).sum();
    let ok = Style::new().fg_color(Some(AnsiColor::Green.into())).bold();
    anstream::println!(
        "{ok}ok{ok:#}: workspace `{}`: {}, {}, {}{}{}",
        ws.config.name,
        plural(ws.prompts.len(), "prompt", "prompts"),
        plural(ws.suites.len(), "suite", "suites"),
        plural(cases, "case", "cases"),
        match releases.versions {
            0 => String::new(),
            n => format!(
                ", {} verified",
                plural(n, "released version", "released versions")
            ),
        },
        match warnings {
            0 => String::new(),
            n => format!(", {}", plural(n, "warning", "warnings")),
        }
    );
    Ok(ExitCode::SUCCESS)
}
