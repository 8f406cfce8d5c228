//! `promptwright history [NAME]`: releases and rollbacks, newest first, with their
//! notes and reasons, from releases/*/log.jsonl.

use std::path::Path;
use std::process::ExitCode;

use anstyle::{AnsiColor, Style};
use clap::{Args, ValueEnum};

use super::{CliError, workspace_root};
use promptwright_core::release::{self, LogEntry, Ref};
use promptwright_core::vocab::LoadErrors;
use promptwright_core::words::plural;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    /// Aligned text for a terminal
    Table,
    /// One JSON object, for scripts
    Json,
}

#[derive(Debug, Args)]
pub struct HistoryArgs {
    /// Only this prompt (default: every prompt)
    #[arg(value_name = "NAME")]
    pub name: Option<String>,

    /// Output format
    #[arg(long, value_enum, default_value_t = ListFormat::Table)]
    pub format: ListFormat,
}

/// Checks that `name` is a prompt of the workspace (a draft or a release), with the
/// usual suggestions when it is not.
pub(super) fn known_prompt(root: &Path, name: &str) -> Result<(), CliError> {
    if release::prompt_names(root).iter().any(|n| n == name) {
        return Ok(());
    }
    match release::resolve(root, name, &Ref::Draft) {
        Err(e) => Err(super::gate::release_error(e.into())),
        Ok(_) => Ok(()),
    }
}

/// `2026-11-26 10:02` from an RFC 3339 time, in UTC.
pub(super) fn when(at: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(at)
        .map(|t| {
            t.with_timezone(&chrono::Utc)
                .format("%Y-%m-%d %H:%M")
                .to_string()
        })
        .unwrap_or_else(|_| at.to_string())
}

pub fn run(dir: Option<&Path>, args: &HistoryArgs) -> Result<ExitCode, CliError> {
    let root = workspace_root(dir)?;
    if let Some(n) = &args.name {
        known_prompt(&root, n)?;
    }
    let shown = |rel: &str| rel.to_string();
    let entries = release::history(&root, args.name.as_deref(), &shown)
        .map_err(|d| CliError::Load(LoadErrors(d)))?;
    match args.format {
        ListFormat::Json => {
            let text = serde_json::to_string_pretty(&serde_json::json!({ "events": entries }))
                .unwrap_or_default();
            anstream::println!("{text}");
        }
        ListFormat::Table => anstream::print!("{}", table(&entries, args.name.as_deref())),
    }
    Ok(ExitCode::SUCCESS)
}

fn table(entries: &[LogEntry], name: Option<&str>) -> String {
    if entries.is_empty() {
        return match name {
            Some(n) => format!(
                "no releases of `{n}` yet: `promptwright release {n} --note TEXT` makes the first\n"
            ),
            None => {
                "no releases yet: `promptwright release NAME --note TEXT` makes the first\n".into()
            }
        };
    }
    let dim = Style::new().fg_color(Some(AnsiColor::BrightBlack.into()));
    let bold = Style::new().bold();
    let red = Style::new().fg_color(Some(AnsiColor::Yellow.into())).bold();
    let name_w = entries.iter().map(|e| e.prompt().len()).max().unwrap_or(0);
    let mut out = String::new();
    for e in entries {
        let (kind, style) = match e {
            LogEntry::Release(_) => ("release ", bold),
            LogEntry::Rollback(_) => ("rollback", red),
            LogEntry::Promote(_) => ("promote ", bold),
            LogEntry::LabelRollback(_) => ("rollback", red),
        };
        let (author, text, detail) = match e {
            LogEntry::Release(r) => (
                &r.author,
                &r.note,
                format!(
                    "{} · {} of {} cases passed ({:.1}%) · {} regression{}, {} fix{} · run {}",
                    match r.parent_version {
                        Some(p) => format!("replaced v{p}"),
                        None => "first release".into(),
                    },
                    r.passed,
                    r.cases,
                    r.pass_rate * 100.0,
                    r.regressions,
                    if r.regressions == 1 { "" } else { "s" },
                    r.fixes,
                    if r.fixes == 1 { "" } else { "es" },
                    r.run_id
                ),
            ),
            LogEntry::Rollback(r) => (
                &r.author,
                &r.reason,
                format!("from v{} back to v{}", r.from_version, r.version),
            ),
            LogEntry::Promote(l) => (
                &l.author,
                &l.reason,
                format!(
                    "`{}` {}{}",
                    l.label,
                    match l.from_version {
                        Some(f) => format!("moved from v{f}"),
                        None => "first set".into(),
                    },
                    match &l.run {
                        Some(r) => format!(
                            " · fresh run: {} of {} cases passed ({:.1}%), {} · run {}",
                            r.passed,
                            r.cases,
                            r.pass_rate * 100.0,
                            plural(r.errors, "error", "errors"),
                            r.run_id
                        ),
                        None => String::new(),
                    }
                ),
            ),
            LogEntry::LabelRollback(l) => (
                &l.author,
                &l.reason,
                format!(
                    "`{}` from v{} back to v{}",
                    l.label,
                    l.from_version.unwrap_or(0),
                    l.version
                ),
            ),
        };
        out.push_str(&format!(
            "{}  {:name_w$}  {:>4}  {style}{kind}{style:#}  {author}: {}\n",
            when(e.at()),
            e.prompt(),
            format!("v{}", e.version()),
            super::format::one_line(text),
        ));
        out.push_str(&format!(
            "{:>w$}{dim}{detail}{dim:#}\n",
            "",
            w = 16 + 2 + name_w + 2 + 4 + 2
        ));
    }
    out
}
