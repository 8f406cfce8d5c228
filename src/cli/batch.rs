//! `eval --batch`: the checks made before any call, and the batch API attached to each
//! run with its prices.

use std::sync::Arc;
use std::time::Duration;

use super::CliError;
use super::eval::EvalArgs;
use promptwright_core::provider::batch::Client;
use promptwright_core::runner::RunPlan;
use promptwright_core::runner::batch::BatchPlan;
use promptwright_core::workspace::Workspace;

/// Seconds between two looks at a batch's jobs, when set (tests, impatient users).
pub const POLL_ENV: &str = "PROMPTWRIGHT_BATCH_POLL_S";
const DEFAULT_POLL_S: f64 = 30.0;
const POLL_RANGE: std::ops::RangeInclusive<f64> = 0.01..=3600.0;

/// Refuses what a batched run cannot do, before the workspace is planned.
pub fn refuse_combinations(args: &EvalArgs) -> Result<(), CliError> {
    if !args.targets.is_empty() || !args.refs.is_empty() {
        return Err(CliError::usage(
            "--batch cannot be combined with --target or --ref: a comparison grid is not sent through batch APIs",
            "batch one target at a time: `promptwright eval --batch --provider P --model M`",
        ));
    }
    if args.budget.is_some() {
        return Err(CliError::usage(
            "--batch cannot be combined with --budget: a batch is paid for when it is sent, so no call can be held back",
            "see what the batch would cost first with `promptwright eval --batch --estimate`",
        ));
    }
    poll_interval().map(|_| ())
}

/// The wait between two looks at the jobs: [`POLL_ENV`] or 30 seconds.
fn poll_interval() -> Result<Duration, CliError> {
    let Ok(raw) = std::env::var(POLL_ENV) else {
        return Ok(Duration::from_secs_f64(DEFAULT_POLL_S));
    };
    match raw.trim().parse::<f64>() {
        Ok(s) if POLL_RANGE.contains(&s) => Ok(Duration::from_secs_f64(s)),
        _ => Err(CliError::usage(
            format!("{POLL_ENV} is `{raw}`, not a number of seconds from 0.01 to 3600"),
            format!(
                "set it to the seconds between two looks at a batch, e.g. {POLL_ENV}=30, or unset it"
            ),
        )),
    }
}

/// Whether a run being resumed sent requests in batch jobs (it then continues with
/// `--batch`, said on stderr).
pub fn resumes_a_batch(plans: &[RunPlan]) -> bool {
    let batched = plans
        .iter()
        .filter_map(|p| p.resume.as_ref())
        .find(|r| promptwright_core::store::batch_jobs(&r.path).is_ok_and(|jobs| !jobs.is_empty()));
    if let Some(r) = batched {
        anstream::eprintln!(
            "run {} sent its requests in batch jobs: continuing it with --batch",
            r.header.run_id
        );
    }
    batched.is_some()
}

/// Sends each run's requests through its provider's batch API, priced at the batch
/// prices. Offline providers have no batch API: refused, naming the provider.
pub fn attach(ws: &Workspace, plans: &mut [RunPlan]) -> Result<(), CliError> {
    let poll = poll_interval()?;
    for plan in plans.iter_mut() {
        let name = &plan.provider.name;
        let cfg = ws.config.providers.get(name).ok_or_else(|| {
            CliError::usage(
                format!("provider `{name}` is not in workspace.toml"),
                "name a provider of kind openai or anthropic",
            )
        })?;
        let client = Client::new(cfg).map_err(|e| {
            CliError::usage(
                format!("--batch: {e}"),
                "batch APIs exist for providers of kind openai and anthropic: pick one with --provider, or run without --batch",
            )
        })?;
        plan.batch = Some(BatchPlan {
            client: Arc::new(client),
            poll,
        });
        plan.provider.price = plan.provider.price.map(|p| p.batch());
    }
    Ok(())
}
