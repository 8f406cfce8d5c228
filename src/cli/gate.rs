//! `promptwright gate NAME`: run the draft and the current release on every suite of
//! the prompt, compare them case by case, apply `[gate]`, print the verdict. Exit 0
//! when every check holds, 1 when one fails, 2 on bad input.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Args;

use super::eval::{check_writable, html_needs_output};
use super::format::html::{self, GateReport};
use super::verdict::{self, VerdictFormat};
use super::{CliError, exec, load_workspace};
use promptwright_core::fsutil::write_atomic_unsynced;
use promptwright_core::plan::PlanRequest;
use promptwright_core::release::stats;
use promptwright_core::release::{self, GateRecord, GateRuns, Proposal, ReleaseError, Verdict};
use promptwright_core::store::RunRecord;
use promptwright_core::vocab::LoadErrors;
use promptwright_core::workspace::Workspace;

pub const LONG_ABOUT: &str = "Evaluate the draft (prompts/NAME.toml) and the current release (releases/NAME.toml) \
on every suite of the prompt, compare them case by case, and apply the [gate] thresholds of workspace.toml.\n\n\
Checks: min_pass_rate (overall, and per suite with [gate.suite.X]), max_regressions (a case passing on the \
current release and not on the draft, or missing from the draft's run), max_errors, max_cost_usd, \
max_p95_latency_ms, allow_new_variables — plus runs_complete, which no setting turns off. A first release has \
no baseline and so no regressions.\n\n\
The cache makes repeated gates free with real models. Every decision is recorded in \
.promptwright/gates.jsonl for `promptwright stats`.\n\n\
Exit 0 when every check holds, 1 when one fails (the same verdict the output shows), 2 on bad input.";

#[derive(Debug, Args)]
pub struct GateArgs {
    /// The prompt (a file name in prompts/ without .toml)
    #[arg(value_name = "NAME")]
    pub name: String,

    /// Output format
    #[arg(long, value_enum, default_value_t = VerdictFormat::Table)]
    pub format: VerdictFormat,

    /// Write the report to FILE (atomically) instead of stdout
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Cases in flight at once (default: the provider's `concurrency`)
    #[arg(short = 'j', long = "jobs", value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub jobs: Option<u32>,

    /// Judge the draft on this provider (from workspace.toml) instead of its own; the
    /// current release runs as released, so the swap is judged against it
    #[arg(long, value_name = "NAME")]
    pub provider: Option<String>,

    /// Judge the draft with this model instead of its own; the current release keeps
    /// its model, so the swap is judged against it
    #[arg(long, value_name = "MODEL")]
    pub model: Option<String>,
}

pub(super) fn release_error(e: ReleaseError) -> CliError {
    match e {
        ReleaseError::Invalid(d) => CliError::Load(LoadErrors(d)),
        other => CliError::explained(&other),
    }
}

/// Loads the proposal for `name`; nothing runs yet.
pub(super) fn propose(ws: &Workspace, name: &str) -> Result<Proposal, CliError> {
    Proposal::load(ws, name).map_err(release_error)
}

/// Runs both sides (progress on stderr), computes the verdict and records it in
/// .promptwright/gates.jsonl as `command`. The runs come back too, for the HTML report.
pub(super) fn run_gate(
    ws: &Workspace,
    proposal: &Proposal,
    request: &PlanRequest,
    command: &str,
) -> Result<(Verdict, GateRuns), CliError> {
    let plans = proposal.plans(ws, request).map_err(CliError::from)?;
    let against = match proposal.baseline_version() {
        Some(v) => format!("and the current release v{v}"),
        None => "(first release: no baseline)".to_string(),
    };
    let draft = format!(
        "the draft ({} / {})",
        plans.draft.provider.name, plans.draft.model
    );
    anstream::eprintln!(
        "gate `{}`: running {draft} {against} on {} suite{} ({})",
        proposal.name,
        proposal.suites.len(),
        if proposal.suites.len() == 1 { "" } else { "s" },
        proposal.suites.join(", ")
    );
    let runs = exec::with_progress(|events, cancel| async move {
        let runs = release::run_gate(plans, events, cancel.clone())
            .await
            .map_err(exec::store_error)?;
        if cancel.is_cancelled() {
            anstream::eprintln!("interrupted: the runs are incomplete, so the gate cannot pass");
        }
        Ok(runs)
    })?;
    let verdict = proposal.verdict(ws, &runs);
    // Stats count what gates caught; losing one record must not fail the gate.
    if let Err(e) = release::record_gate(&ws.root, &GateRecord::new(proposal, &verdict, command)) {
        anstream::eprintln!("warning: cannot record the gate in .promptwright/gates.jsonl: {e}");
    }
    Ok((verdict, runs))
}

pub fn run(dir: Option<&Path>, args: &GateArgs) -> Result<ExitCode, CliError> {
    if args.format == VerdictFormat::Html && args.output.is_none() {
        return Err(html_needs_output("gate NAME"));
    }
    if let Some(out) = &args.output {
        check_writable(out)?;
    }
    let ws = load_workspace(dir)?;
    let mut proposal = propose(&ws, &args.name)?;
    proposal
        .retarget(&ws, args.provider.as_deref(), args.model.as_deref())
        .map_err(CliError::from)?;
    let request = PlanRequest {
        jobs: args.jobs.map(|j| j as usize),
        allow_commands: super::allows_commands(),
        ..PlanRequest::default()
    };
    let (verdict, runs) = run_gate(&ws, &proposal, &request, "gate")?;
    let text = match args.format {
        VerdictFormat::Html => html_report(&ws, &proposal, &verdict, &runs)?,
        other => verdict::render(&proposal, &verdict, other),
    };
    match &args.output {
        None => anstream::print!("{text}"),
        Some(path) => {
            write_atomic_unsynced(path, text.as_bytes()).map_err(|e| {
                CliError::usage(
                    format!("cannot write `{}`: {e}", path.display()),
                    "check the path and permissions",
                )
            })?;
            anstream::eprintln!(
                "wrote {} ({}): {}",
                path.display(),
                args.format.name(),
                verdict::headline(&verdict)
            );
        }
    }
    Ok(exit_code(&verdict))
}

/// The HTML page: the verdict with the runs behind it and the released versions' trend.
fn html_report(
    ws: &Workspace,
    proposal: &Proposal,
    verdict: &Verdict,
    runs: &GateRuns,
) -> Result<String, CliError> {
    // The trend is a picture beside the verdict: a release folder it cannot read leaves
    // the picture without those points, never the gate without its report.
    let releases = stats::load(&ws.root, &proposal.name, 1, &|rel: &str| rel.to_string())
        .map(|s| s.releases)
        .unwrap_or_default();
    let prompt_of = |r: &RunRecord| {
        (r.content_sha256 == proposal.draft.content_sha256).then_some(&proposal.draft)
    };
    let report = GateReport {
        proposal,
        verdict,
        draft: &runs.draft,
        releases: &releases,
        prompt_of: &prompt_of,
    };
    html::render_gate(&report).map_err(|e| {
        CliError::usage(
            format!("cannot write the report: {e}"),
            "the gate's runs are in .promptwright/runs; run the gate again",
        )
    })
}

/// The exit code of a verdict: the only place it is decided.
pub(super) fn exit_code(v: &Verdict) -> ExitCode {
    if v.passed {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
