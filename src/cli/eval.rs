//! `promptwright eval`: run suites, one run per prompt, and print the results.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Args;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::format::{self, Format};
use super::{CliError, load_workspace};
use crate::fsutil::write_atomic;
use crate::provider;
use crate::runner::{self, RunPlan};
use crate::store::{RunRecord, Status};
use crate::workspace::Workspace;
use crate::workspace::error::did_you_mean;

#[derive(Debug, Args)]
#[command(long_about = "Run eval suites and score every case.\n\n\
With no SUITE, every suite runs. One run covers one prompt and all selected suites of it; each scored \
case is appended to .promptwright/runs/RUN_ID.jsonl as soon as it is scored.\n\n\
Exit 0 when every case passes, 1 when a case failed or errored, 2 on bad input.")]
pub struct EvalArgs {
    /// Suites to run (file names in evals/ without .toml); default: all
    #[arg(value_name = "SUITE")]
    pub suites: Vec<String>,

    /// Only suites of this prompt (repeatable)
    #[arg(long = "prompt", value_name = "NAME")]
    pub prompts: Vec<String>,

    /// Use this provider from workspace.toml instead of the prompt's
    #[arg(long, value_name = "P")]
    pub provider: Option<String>,

    /// Use this model instead of the prompt's
    #[arg(long, value_name = "M")]
    pub model: Option<String>,

    /// Cases in flight at once (default: the provider's `concurrency`, 8 if unset)
    #[arg(short = 'j', long = "jobs", value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub jobs: Option<u32>,

    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,

    /// Write the results to FILE (atomically) instead of stdout
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// The suites to run, grouped by prompt, validated against the workspace.
fn select(ws: &Workspace, args: &EvalArgs) -> Result<BTreeMap<String, Vec<String>>, CliError> {
    for p in &args.prompts {
        if !ws.prompts.contains_key(p) {
            return Err(unknown("prompt", p, ws.prompts.keys()));
        }
    }
    for s in &args.suites {
        if !ws.suites.contains_key(s) {
            return Err(unknown("suite", s, ws.suites.keys()));
        }
    }
    let mut by_prompt: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for suite in ws.suites.values() {
        let named = args.suites.is_empty() || args.suites.contains(&suite.name);
        let of_prompt = args.prompts.is_empty() || args.prompts.contains(&suite.prompt);
        if named && of_prompt {
            by_prompt
                .entry(suite.prompt.clone())
                .or_default()
                .push(suite.name.clone());
        }
    }
    if by_prompt.is_empty() {
        let help = if ws.suites.is_empty() {
            "add a suite file under evals/ (see `promptwright init` for an example)".to_string()
        } else {
            "the suites named and --prompt must agree; `promptwright check` lists what exists"
                .to_string()
        };
        return Err(CliError::usage("no suite matches the selection", help));
    }
    Ok(by_prompt)
}

fn unknown<'a>(
    what: &str,
    name: &str,
    known: impl Iterator<Item = &'a String> + Clone,
) -> CliError {
    let help = match did_you_mean(name, known.clone().map(String::as_str)) {
        Some(s) => format!("did you mean `{s}`?"),
        None => format!(
            "known {what}s: {}",
            known.map(String::as_str).collect::<Vec<_>>().join(", ")
        ),
    };
    CliError::usage(format!("no {what} named `{name}`"), help)
}

/// One plan per prompt, with provider and model resolved.
fn plans(ws: &Workspace, args: &EvalArgs) -> Result<Vec<RunPlan>, CliError> {
    let selection = select(ws, args)?;
    let mut plans = Vec::new();
    for (prompt_name, suite_names) in selection {
        let prompt = &ws.prompts[&prompt_name];
        let provider_cfg = match &args.provider {
            Some(p) => ws
                .config
                .providers
                .get(p)
                .ok_or_else(|| unknown("provider", p, ws.config.providers.keys()))?,
            None => ws.provider_for(prompt).ok_or_else(|| {
                CliError::usage(
                    format!("prompt `{prompt_name}` has no provider"),
                    "set provider in the prompt or default_provider in workspace.toml",
                )
            })?,
        };
        let provider = provider::build(provider_cfg)
            .map_err(|e| CliError::usage(e.to_string(), "see workspace.toml's [providers]"))?;
        let model = args
            .model
            .clone()
            .or_else(|| prompt.def.model.clone())
            .unwrap_or_else(|| provider_cfg.kind.as_str().to_string());
        plans.push(RunPlan {
            root: ws.root.clone(),
            prompt: prompt.clone(),
            suites: suite_names.iter().map(|s| ws.suites[s].clone()).collect(),
            provider_name: provider_cfg.name.clone(),
            provider,
            price: ws.config.pricing.get(&model).copied(),
            model,
            concurrency: args.jobs.unwrap_or(provider_cfg.concurrency) as usize,
        });
    }
    Ok(plans)
}

fn runtime() -> Result<tokio::runtime::Runtime, CliError> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| {
            CliError::usage(
                format!("cannot start the async runtime: {e}"),
                "check the system's thread limits",
            )
        })
}

/// Runs the plans one after another; Ctrl-C cancels cleanly (records marked incomplete).
fn execute(plans: Vec<RunPlan>) -> Result<Vec<RunRecord>, CliError> {
    let rt = runtime()?;
    rt.block_on(async {
        let cancel = CancellationToken::new();
        let on_interrupt = cancel.clone();
        tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                on_interrupt.cancel();
            }
        });
        let mut records = Vec::new();
        for plan in plans {
            // Events are for live front ends; the CLI prints the finished record.
            let (tx, _rx) = mpsc::unbounded_channel();
            let record = runner::run(plan, tx, cancel.clone()).await.map_err(|e| {
                CliError::usage(e.to_string(), "check that the workspace folder is writable")
            })?;
            records.push(record);
            if cancel.is_cancelled() {
                break;
            }
        }
        Ok(records)
    })
}

pub fn run(dir: Option<&Path>, args: &EvalArgs) -> Result<ExitCode, CliError> {
    let ws = load_workspace(dir)?;
    let plans = plans(&ws, args)?;
    if let Some(out) = &args.output {
        check_writable(out)?;
    }
    let records = execute(plans)?;
    emit(&records, args.format, args.output.as_deref())?;
    let all_passed = records
        .iter()
        .all(|r| r.complete && r.cases.iter().all(|c| c.status == Status::Pass));
    Ok(if all_passed {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// The bare command (until the TUI exists): every suite, as a table, exit 0 unless the
/// workspace is broken — failures on display are the point, not an error.
pub fn run_overview(dir: Option<&Path>) -> Result<ExitCode, CliError> {
    let ws = load_workspace(dir)?;
    let args = EvalArgs {
        suites: Vec::new(),
        prompts: Vec::new(),
        provider: None,
        model: None,
        jobs: None,
        format: Format::Table,
        output: None,
    };
    let records = execute(plans(&ws, &args)?)?;
    emit(&records, Format::Table, None)?;
    Ok(ExitCode::SUCCESS)
}

/// Fails early, before any model call, when `-o` cannot be written.
fn check_writable(out: &Path) -> Result<(), CliError> {
    let parent = out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    if !parent.is_dir() {
        return Err(CliError::usage(
            format!(
                "cannot write `{}`: folder `{}` does not exist",
                out.display(),
                parent.display()
            ),
            "create the folder first or choose another path for -o",
        ));
    }
    if out.is_dir() {
        return Err(CliError::usage(
            format!("`{}` is a folder", out.display()),
            "give -o a file path",
        ));
    }
    Ok(())
}

fn emit(records: &[RunRecord], fmt: Format, output: Option<&Path>) -> Result<(), CliError> {
    match output {
        Some(path) => {
            let text = format::render(records, fmt, false);
            write_atomic(path, text.as_bytes()).map_err(|e| {
                CliError::usage(
                    format!("cannot write `{}`: {e}", path.display()),
                    "check the path and permissions",
                )
            })?;
            anstream::eprintln!("wrote {} ({})", path.display(), fmt.name());
        }
        None => {
            let text = format::render(records, fmt, true);
            anstream::print!("{text}");
        }
    }
    Ok(())
}
