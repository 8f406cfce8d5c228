//! `promptwright eval`: run suites, one run per prompt, and print the results.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Args;

use super::format::{self, Format};
use super::{CliError, exec, load_workspace};
use promptwright_core::fsutil::write_atomic_unsynced_with;
use promptwright_core::grid::Target;
use promptwright_core::plan::{self, PlanRequest};
use promptwright_core::release::refs::Ref;
use promptwright_core::runner::budget::Budget;
use promptwright_core::runner::{self, RunPlan, StoredRun};
use promptwright_core::shard::Shard;
use promptwright_core::store::{RunRecord, Status};
use promptwright_core::workspace::ProviderKind;
use std::sync::Arc;

/// The long help of `eval` (on the subcommand, where clap shows it).
pub const LONG_ABOUT: &str = "Run eval suites and score every case.\n\n\
With no SUITE, every suite runs. One run covers one prompt and all selected suites of it; each scored \
case is appended to .promptwright/runs/RUN_ID.jsonl as soon as it is scored.\n\n\
Exit 0 when every case passes, 1 when a case failed or errored, 2 on bad input.";

#[derive(Debug, Args)]
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

    /// Draw every case N times (default: each suite's `repeat`, else 1); a case passes
    /// when at least its suite's `min_pass_fraction` of its samples pass
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=100))]
    pub repeat: Option<u32>,

    /// Compare targets: run the prompt on this provider (and model, after a `:`) too;
    /// repeatable. Every target × --ref pair is a cell with its own run
    #[arg(long = "target", value_name = "PROVIDER[:MODEL]", value_parser = clap::value_parser!(Target))]
    pub targets: Vec<Target>,

    /// Compare versions: run this version of the prompt (draft, current or vN);
    /// repeatable, default draft
    #[arg(long = "ref", value_name = "REF", value_parser = clap::value_parser!(Ref))]
    pub refs: Vec<Ref>,

    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,

    /// Write the results to FILE (atomically) instead of stdout
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Ask the model even when the response cache has the answer (fresh answers are cached)
    #[arg(long)]
    pub no_cache: bool,

    /// Append every answer to the cassette of the workspace's replay provider
    #[arg(long)]
    pub record: bool,

    /// Continue the newest incomplete run of the same prompt content, provider and model,
    /// without asking the model again for the cases it already recorded
    #[arg(long)]
    pub resume: bool,

    /// Run only the I-th of N disjoint parts of the cases (1 <= I <= N <= 1000), split by
    /// a stable hash of suite and case id; join the shards' records with `merge`
    #[arg(long, value_name = "I/N", value_parser = clap::value_parser!(Shard))]
    pub shard: Option<Shard>,

    /// Print the calls, tokens and cost the run would take, per the [pricing] table, and
    /// call no model (answers in the response cache count as free)
    #[arg(long)]
    pub estimate: bool,

    /// Stop starting calls before the spend of this invocation would pass USD (costs per
    /// [pricing]); the run ends incomplete, resumable with --resume, and exits 1
    #[arg(long, value_name = "USD", value_parser = parse_budget)]
    pub budget: Option<f64>,

    /// Send the requests through the provider's batch API (openai and anthropic kinds):
    /// half price, answered within 24 hours; the jobs are recorded at once, so
    /// --resume after an interruption waits for them instead of sending again
    #[arg(long)]
    pub batch: bool,
}

/// The most a budget may be: beyond it, a typo is likelier than a plan.
const MAX_BUDGET_USD: f64 = 1_000_000.0;

fn parse_budget(s: &str) -> Result<f64, String> {
    match s.trim().trim_start_matches('$').parse::<f64>() {
        Ok(v) if v.is_finite() && v > 0.0 && v <= MAX_BUDGET_USD => Ok(v),
        _ => Err(format!(
            "`{s}` is not a budget: give a positive number of US dollars up to {MAX_BUDGET_USD}, e.g. 2.50"
        )),
    }
}

/// Runs the plans one after another; Ctrl-C cancels cleanly (records marked incomplete,
/// resumable with --resume). The results stay in the run records, read back for the
/// report: memory does not grow with them.
fn execute(plans: Vec<RunPlan>) -> Result<Vec<StoredRun>, CliError> {
    exec::with_progress(|events, cancel| async move {
        let runs = runner::run_each(plans, events, cancel.clone(), runner::run_stored)
            .await
            .map_err(exec::store_error)?;
        if cancel.is_cancelled() {
            anstream::eprintln!(
                "interrupted: the run is incomplete; continue it with `promptwright eval --resume`"
            );
        }
        Ok(runs)
    })
}

pub fn run(dir: Option<&Path>, args: &EvalArgs) -> Result<ExitCode, CliError> {
    if args.format == Format::Html && args.output.is_none() {
        return Err(html_needs_output("eval"));
    }
    let ws = load_workspace(dir)?;
    let request = PlanRequest {
        suites: args.suites.clone(),
        prompts: args.prompts.clone(),
        provider: args.provider.clone(),
        model: args.model.clone(),
        jobs: args.jobs.map(|j| j as usize),
        no_cache: args.no_cache,
        // An estimate writes nothing, not even an empty cassette.
        record: args.record && !args.estimate,
        resume: args.resume,
        only_cases: None,
        repeat: args.repeat,
        allow_commands: super::allows_commands(),
        shard: args.shard,
    };
    if args.shard.is_some() && (!args.targets.is_empty() || !args.refs.is_empty()) {
        return Err(CliError::usage(
            "--shard cannot be combined with --target or --ref",
            "shard a single run: drop --target and --ref, or run the comparison unsharded",
        ));
    }
    if (args.estimate || args.budget.is_some())
        && (!args.targets.is_empty() || !args.refs.is_empty())
    {
        return Err(CliError::usage(
            "--estimate and --budget cannot be combined with --target or --ref",
            "estimate one target at a time: `promptwright eval --provider P --model M --estimate`",
        ));
    }
    if args.batch {
        super::batch::refuse_combinations(args)?;
    }
    if !args.targets.is_empty() || !args.refs.is_empty() {
        return super::compare::run(&ws, &request, args);
    }
    let mut plans = plan::plans(&ws, &request).map_err(CliError::from)?;
    // A run whose requests went out in batch jobs goes on waiting for them: asking
    // again with ordinary calls would pay for the same answers twice.
    if args.batch || super::batch::resumes_a_batch(&plans) {
        super::batch::refuse_combinations(args)?;
        super::batch::attach(&ws, &mut plans)?;
    }
    if args.estimate {
        return Ok(super::estimate::print(&plans));
    }
    let budget = match args.budget {
        Some(limit) => Some(attach_budget(&mut plans, limit)?),
        None => None,
    };
    announce_resumes(&plans);
    if let Some(out) = &args.output {
        check_writable(out)?;
    }
    let records = execute(plans)?;
    // The prompt each run was made with, for the HTML report's rendered messages; a run
    // resumed from other content has none at hand.
    let prompt_of = |r: &RunRecord| {
        ws.prompts
            .get(&r.prompt)
            .filter(|p| p.content_sha256 == r.content_sha256)
    };
    emit(&records, args.format, args.output.as_deref(), &prompt_of)?;
    if let Some(b) = budget.filter(|b| b.exhausted()) {
        anstream::eprintln!(
            "stopped: the budget of ${:.4} was reached: ${:.4} spent, the next call would pass it; \
             the run is incomplete: continue it with `promptwright eval --resume --budget USD`",
            b.limit(),
            b.spent()
        );
        std::mem::forget(records);
        std::mem::forget(ws);
        return Ok(ExitCode::from(1));
    }
    let all_passed = records
        .iter()
        .all(|r| r.record.complete && r.record.summary.passed == r.record.summary.cases);
    // The process ends next: freeing thousands of cases one by one would only delay it.
    std::mem::forget(records);
    std::mem::forget(ws);
    Ok(if all_passed {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// One budget for every run of the invocation. A model with no price could spend
/// without limit, so it is refused before any call.
fn attach_budget(plans: &mut [RunPlan], limit: f64) -> Result<Arc<Budget>, CliError> {
    for p in plans.iter() {
        let offline = matches!(
            p.provider.provider.kind(),
            ProviderKind::Echo | ProviderKind::Replay
        );
        if p.provider.price.is_none() && !offline {
            return Err(CliError::usage(
                format!(
                    "--budget needs the price of model `{}`, and [pricing] has none",
                    p.model
                ),
                format!(
                    "add it to workspace.toml: [pricing] \"{}\" = {{ input = USD, output = USD }} (per million tokens)",
                    p.model
                ),
            ));
        }
    }
    let budget = Arc::new(Budget::new(limit));
    for p in plans.iter_mut() {
        p.budget = Some(budget.clone());
    }
    Ok(budget)
}

/// Says which runs continue an earlier one, and how far it got.
pub(super) fn announce_resumes(plans: &[RunPlan]) {
    for p in plans {
        if let Some(r) = &p.resume {
            let done = r
                .recorded
                .iter()
                .filter(|c| c.status != Status::Error)
                .count();
            anstream::eprintln!(
                "resuming run {} of `{}`: {done} cases already recorded",
                r.header.run_id,
                p.prompt.name
            );
        }
    }
}

/// An HTML page on a terminal helps nobody: it must go to a file.
pub(super) fn html_needs_output(command: &str) -> CliError {
    CliError::usage(
        "--format html needs -o FILE: an HTML report is a file to open in a browser",
        format!("write it to a file, e.g. `promptwright {command} --format html -o report.html`"),
    )
}

/// Fails early, before any model call, when `-o` cannot be written.
pub(super) fn check_writable(out: &Path) -> Result<(), CliError> {
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

pub(super) fn emit<R: format::Run>(
    records: &[R],
    fmt: Format,
    output: Option<&Path>,
    prompt_of: format::html::PromptOf,
) -> Result<(), CliError> {
    // The cases are read back from the run records as the report is written.
    let failed = |e: std::io::Error| {
        CliError::usage(
            format!("cannot write the report: {e}"),
            "every result is in the run record under .promptwright/runs; check the output and that folder",
        )
    };
    match output {
        Some(path) => {
            // Atomic, so no reader sees half a report; not synced, since the run record
            // already holds every result and a report can be written again from it.
            write_atomic_unsynced_with(path, |w| format::write(records, fmt, false, prompt_of, w))
                .map_err(|e| {
                    CliError::usage(
                        format!("cannot write `{}`: {e}", path.display()),
                        "check the path and permissions",
                    )
                })?;
            anstream::eprintln!("wrote {} ({})", path.display(), fmt.name());
        }
        None => {
            // Colours only where they will be shown: styling a large table just for
            // anstream to strip it again costs more than the table.
            let stdout = std::io::stdout();
            let styled = anstream::AutoStream::choice(&stdout) != anstream::ColorChoice::Never;
            let mut out = std::io::BufWriter::new(anstream::AutoStream::auto(stdout.lock()));
            let written =
                format::write(records, fmt, styled, prompt_of, &mut out).and_then(|()| out.flush());
            match written {
                // A reader that stopped early (`| head`) wanted no more.
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
                Err(e) => return Err(failed(e)),
                Ok(()) => {}
            }
        }
    }
    Ok(())
}
