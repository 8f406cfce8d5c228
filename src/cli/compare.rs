//! `eval --target … --ref …`: the comparison grid. Every ref × target pair is a cell
//! with its own run record; the cells run together, each under its provider's limit,
//! and the report lays them side by side.

use std::io::Write as _;
use std::process::ExitCode;

use super::eval::{EvalArgs, announce_resumes, check_writable, emit};
use super::format::grid::{self, CellRun};
use super::format::{Format, Run};
use super::{CliError, exec, progress};
use promptwright_core::fsutil::write_atomic_unsynced_with;
use promptwright_core::grid as cells;
use promptwright_core::plan::PlanRequest;
use promptwright_core::store::RunRecord;
use promptwright_core::workspace::Workspace;

pub fn run(ws: &Workspace, request: &PlanRequest, args: &EvalArgs) -> Result<ExitCode, CliError> {
    let planned = cells::plan(ws, request, &args.targets, &args.refs).map_err(CliError::from)?;
    let labels: Vec<String> = planned.iter().map(cells::Cell::label).collect();
    let references: Vec<String> = planned.iter().map(|c| c.reference.to_string()).collect();
    let plans: Vec<_> = planned.into_iter().map(|c| c.plan).collect();
    announce_resumes(&plans);
    if let Some(out) = &args.output {
        check_writable(out)?;
    }
    let runs = exec::with_display(
        |rx| progress::show_cells(labels, rx),
        |events, cancel| async move {
            let runs = cells::run(plans, events, cancel.clone())
                .await
                .map_err(exec::store_error)?;
            if cancel.is_cancelled() {
                anstream::eprintln!(
                    "interrupted: the cells' runs are incomplete; continue them with the same command and --resume"
                );
            }
            Ok(runs)
        },
    )?;
    let cells: Vec<CellRun> = references
        .into_iter()
        .zip(runs)
        .map(|(reference, run)| CellRun { reference, run })
        .collect();
    let bar = ws.config.gate.min_pass_rate;
    let prices: Vec<_> = cells
        .iter()
        .map(|c| ws.config.pricing.get(&c.record().model).copied())
        .collect();
    match args.format {
        Format::Table | Format::Markdown => {
            let text = if args.format == Format::Table {
                grid::table(&cells, &prices, bar, super::format::table::WIDTH)
            } else {
                grid::markdown(&cells, &prices, bar)
            }
            .map_err(|e| {
                CliError::usage(
                    format!("cannot read the cells' run records: {e}"),
                    "every result is in the run records under .promptwright/runs",
                )
            })?;
            write_text(&text, args)?;
        }
        _ => {
            let prompt_of = |r: &RunRecord| {
                ws.prompts
                    .get(&r.prompt)
                    .filter(|p| p.content_sha256 == r.content_sha256)
            };
            emit(&cells, args.format, args.output.as_deref(), &prompt_of)?;
        }
    }
    let all_passed = cells.iter().all(|c| {
        let r = c.record();
        r.complete && r.summary.passed == r.summary.cases
    });
    Ok(if all_passed {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// The grid as text, to `-o` (atomically) or stdout.
fn write_text(text: &str, args: &EvalArgs) -> Result<(), CliError> {
    match &args.output {
        Some(path) => {
            write_atomic_unsynced_with(path, |w| w.write_all(text.as_bytes())).map_err(|e| {
                CliError::usage(
                    format!("cannot write `{}`: {e}", path.display()),
                    "check the path and permissions",
                )
            })?;
            anstream::eprintln!("wrote {} ({})", path.display(), args.format.name());
        }
        None => {
            let mut out = std::io::stdout().lock();
            match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
                Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
                    return Err(CliError::usage(
                        format!("cannot write the report: {e}"),
                        "check the output",
                    ));
                }
                _ => {}
            }
        }
    }
    Ok(())
}
