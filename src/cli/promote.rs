//! `promptwright promote NAME --to LABEL [--version N] --reason TEXT [--dry-run]`: run the
//! version afresh, hold it to the label's thresholds, and only when every check holds
//! point `releases/NAME@LABEL.toml` at it and log the move.

use std::path::Path;
use std::process::ExitCode;

use anstyle::{AnsiColor, Style};
use clap::Args;

use super::gate::{exit_code, release_error};
use super::{CliError, exec, load_workspace};
use promptwright_core::plan::PlanRequest;
use promptwright_core::release::{self, ReleaseError, Verdict};

pub const LONG_ABOUT: &str = "Move label LABEL of prompt NAME (one of [labels] in workspace.toml) to version N \
(default: the current release), after a fresh run of that version on every suite of the prompt passes the \
label's thresholds: min_pass_rate, max_errors and their per-suite forms, each falling back to [gate]'s, with \
the label's `repeats` samples per case. A label with `after = \"OTHER\"` takes only a version that has held \
OTHER before.\n\n\
Then releases/NAME@LABEL.toml becomes a byte-for-byte copy of releases/NAME/vN.toml (what applications load \
for that label), after the move is appended to releases/NAME/log.jsonl, under the release lock. The run uses \
the same providers and cache as `gate`.\n\n\
With --dry-run, run and show the verdict and write nothing.\n\n\
Exit 0 when moved (or, with --dry-run, when it would be), 1 when a check failed (nothing written), 2 on bad \
input: an unknown label, no such version, `after` not satisfied, a missing reason (nothing written).";

#[derive(Debug, Args)]
pub struct PromoteArgs {
    /// The prompt (a file name in releases/ without .toml)
    #[arg(value_name = "NAME")]
    pub name: String,

    /// The label to move (a [labels.LABEL] of workspace.toml)
    #[arg(long = "to", value_name = "LABEL")]
    pub label: String,

    /// The version to move it to (default: the current release)
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub version: Option<u32>,

    /// Why: it goes into the release log (not needed with --dry-run)
    #[arg(long, value_name = "TEXT", required_unless_present = "dry_run")]
    pub reason: Option<String>,

    /// Run the gate and show the verdict; write nothing
    #[arg(long)]
    pub dry_run: bool,

    /// Cases in flight at once (default: the provider's `concurrency`)
    #[arg(short = 'j', long = "jobs", value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub jobs: Option<u32>,
}

pub fn run(dir: Option<&Path>, args: &PromoteArgs) -> Result<ExitCode, CliError> {
    let reason = args.reason.as_deref().unwrap_or_default();
    if !args.dry_run && reason.trim().is_empty() {
        return Err(release_error(ReleaseError::Empty { what: "reason" }));
    }
    let ws = load_workspace(dir)?;
    let plan =
        release::plan_promote(&ws, &args.name, &args.label, args.version).map_err(release_error)?;
    let request = PlanRequest {
        jobs: args.jobs.map(|j| j as usize),
        ..PlanRequest::default()
    };
    let run_plan = plan.plans(&ws, &request).map_err(CliError::from)?;
    let v = plan.target.version;
    anstream::eprintln!(
        "promote `{}` v{v} → {}: running it ({} / {}) on {} ({})",
        plan.name,
        plan.label.name,
        run_plan.provider.name,
        run_plan.model,
        promptwright_core::words::plural(plan.suites.len(), "suite", "suites"),
        plan.suites.join(", ")
    );
    let record = exec::with_progress(|events, cancel| async move {
        let record = promptwright_core::runner::run(run_plan, events, cancel.clone())
            .await
            .map_err(exec::store_error)?;
        if cancel.is_cancelled() {
            anstream::eprintln!("interrupted: the run is incomplete, so the label cannot move");
        }
        Ok(std::sync::Arc::unwrap_or_clone(record))
    })?;
    let verdict = plan.verdict(&record);
    anstream::print!("{}", table(&plan, &verdict));
    if !verdict.passed {
        let red = Style::new().fg_color(Some(AnsiColor::Red.into())).bold();
        let failing: Vec<&str> = verdict.failing().map(|c| c.name.as_str()).collect();
        anstream::eprintln!(
            "{red}error{red:#}: promotion of `{}` v{v} to `{}` blocked: {} failed; nothing was written",
            plan.name,
            plan.label.name,
            failing.join(", ")
        );
        anstream::eprintln!(
            "help: `promptwright eval --prompt {}` shows each failing case; promote another version with --version N",
            plan.name
        );
        return Ok(exit_code(&verdict));
    }
    if args.dry_run {
        anstream::println!("\n(dry run: nothing written)");
        return Ok(ExitCode::SUCCESS);
    }
    let author = release::default_author(&ws.root);
    release::promote(&ws.root, &plan, &verdict, reason, &author).map_err(release_error)?;
    let green = Style::new().fg_color(Some(AnsiColor::Green.into())).bold();
    let from = match plan.from {
        Some(f) => format!(" (was v{f})"),
        None => " (first move)".into(),
    };
    anstream::println!(
        "\n{green}promoted{green:#} `{}` v{v} to `{}`{from} by {author}",
        plan.name,
        plan.label.name
    );
    anstream::println!("  wrote {}", ws.shown(&release::log::log_rel(&plan.name)));
    anstream::println!(
        "  wrote {}",
        ws.shown(&release::label_rel(&plan.name, &plan.label.name))
    );
    Ok(ExitCode::SUCCESS)
}

/// The verdict on the fresh run: one line, then a row per check.
fn table(plan: &release::PromotePlan, v: &Verdict) -> String {
    let style = if v.passed {
        Style::new().fg_color(Some(AnsiColor::Green.into())).bold()
    } else {
        Style::new().fg_color(Some(AnsiColor::Red.into())).bold()
    };
    let d = &v.draft;
    let mut out = format!(
        "promote `{}` v{} → {}: {style}{}{style:#}\n  fresh run {} · {} of {} cases passed, {} failed, {} errors\n\n",
        plan.name,
        plan.target.version,
        plan.label.name,
        if v.passed { "PASS" } else { "FAIL" },
        d.run_id,
        d.passed,
        d.cases,
        d.failed,
        d.errors
    );
    let w = v
        .checks
        .iter()
        .map(|c| c.name.len())
        .max()
        .unwrap_or(5)
        .max(5);
    out.push_str(&format!(
        "    {:w$}  {:10}  {:8}  DETAIL\n",
        "CHECK", "REQUIRED", "ACTUAL"
    ));
    for c in &v.checks {
        out.push_str(&format!(
            "  {} {:w$}  {:10}  {:8}  {}\n",
            if c.passed { "✓" } else { "✗" },
            c.name,
            c.required_text(),
            c.actual_text(),
            c.detail
        ));
    }
    out
}
