//! `promptwright merge`: the records of a run's shards joined into one complete run.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Args;

use super::{CliError, load_workspace};
use promptwright_core::shard;

pub const LONG_ABOUT: &str = "Join the run records of shards (`eval --shard I/N`) into one complete run.\n\n\
The records must be of the same prompt content, provider, model, suites and --repeat, and together \
hold every case of their suites exactly once; otherwise merge names the difference, or the missing or \
doubled cases, and writes nothing (exit 2). The merged run is written to .promptwright/runs/ and is then \
the latest run of that prompt content, for `gate` and `diff --outputs`. Its path goes to stdout.";

#[derive(Debug, Args)]
pub struct MergeArgs {
    /// Run records of the shards (.jsonl files that `eval --shard` wrote)
    #[arg(value_name = "RECORD", required = true)]
    pub records: Vec<PathBuf>,
}

pub fn run(dir: Option<&Path>, args: &MergeArgs) -> Result<ExitCode, CliError> {
    let ws = load_workspace(dir)?;
    let merged = shard::merge(&ws, &args.records).map_err(|e| CliError::explained(&e))?;
    let s = &merged.record.summary;
    anstream::eprintln!(
        "merged {} into run {}: {} cases, {} passed, {} failed, {} errors",
        promptwright_core::words::plural(args.records.len(), "record", "records"),
        merged.record.run_id,
        s.cases,
        s.passed,
        s.failed,
        s.errors
    );
    println!("{}", merged.path.display());
    Ok(ExitCode::SUCCESS)
}
