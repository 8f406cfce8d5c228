//! `promptwright check`: validate everything, call no model.

use std::path::Path;
use std::process::ExitCode;

use anstyle::{AnsiColor, Style};

use super::{CliError, load_workspace, print_diagnostic};

pub fn run(dir: Option<&Path>) -> Result<ExitCode, CliError> {
    let ws = load_workspace(dir)?;
    let warn = Style::new().fg_color(Some(AnsiColor::Yellow.into())).bold();
    for w in &ws.warnings {
        print_diagnostic(w, "warning", warn);
    }
    let cases: usize = ws.suites.values().map(|s| s.cases.len()).sum();
    let ok = Style::new().fg_color(Some(AnsiColor::Green.into())).bold();
    anstream::println!(
        "{ok}ok{ok:#}: workspace `{}`: {} prompt{}, {} suite{}, {} case{}{}",
        ws.config.name,
        ws.prompts.len(),
        plural(ws.prompts.len()),
        ws.suites.len(),
        plural(ws.suites.len()),
        cases,
        plural(cases),
        match ws.warnings.len() {
            0 => String::new(),
            n => format!(", {n} warning{}", plural(n)),
        }
    );
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}
