//! `promptwright rollback NAME [--to N] (--reason TEXT | --dry-run)`: make an earlier
//! version current again, with no gate (it passed one when released), and log it.

use std::path::Path;
use std::process::ExitCode;

use anstyle::{AnsiColor, Style};
use clap::Args;

use super::gate::release_error;
use super::{CliError, diff, workspace_root};
use promptwright_core::diff::{OutputDiff, View};
use promptwright_core::release::{self, Ref, ReleaseError, Resolved, RollbackPlan};
use promptwright_core::words::plural;

pub const LONG_ABOUT: &str = "Make version N of prompt NAME current again: releases/NAME.toml becomes a copy \
of releases/NAME/vN.toml, and the rollback is appended to releases/NAME/log.jsonl with its reason. No gate runs: \
the version passed one when it was released. Without --to, the version before the current one.\n\n\
With --label LABEL, move that label back instead (releases/NAME@LABEL.toml): to the version it pointed at \
before, or to --to N, which must be a version the label held (it passed the label's thresholds then).\n\n\
With --dry-run, show what would change for applications (the prompt diff from the current release to vN, and \
what the latest runs of both say case by case) and write nothing.\n\n\
Exit 0 when done (or shown), 2 on bad input (no release, no such version, already current).";

#[derive(Debug, Args)]
pub struct RollbackArgs {
    /// The prompt (a file name in releases/ without .toml)
    #[arg(value_name = "NAME")]
    pub name: String,

    /// The version to make current (default: the one before the current)
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub to: Option<u32>,

    /// Why: it goes into the release log (not needed with --dry-run)
    #[arg(long, value_name = "TEXT", required_unless_present = "dry_run")]
    pub reason: Option<String>,

    /// Move this label back instead of the current release (to the version it held
    /// before, or --to N, which it must have held)
    #[arg(long, value_name = "LABEL")]
    pub label: Option<String>,

    /// Show the change and write nothing
    #[arg(long)]
    pub dry_run: bool,
}

fn side(plan: &RollbackPlan, current: bool) -> Resolved {
    let (file, reference, rel) = if current {
        (&plan.from, Ref::Current, release::current_rel(&plan.name))
    } else {
        (
            &plan.to,
            Ref::Version(plan.to.version),
            release::version_rel(&plan.name, plan.to.version),
        )
    };
    Resolved {
        reference,
        def: file.prompt_def(),
        version: Some(file.version),
        release: Some(file.clone()),
        rel_path: rel,
    }
}

pub fn run(dir: Option<&Path>, args: &RollbackArgs) -> Result<ExitCode, CliError> {
    // A dry run writes nothing to the log, so it has nothing to give a reason for.
    let reason = args.reason.as_deref().unwrap_or_default();
    if !args.dry_run && reason.trim().is_empty() {
        return Err(release_error(ReleaseError::Empty { what: "reason" }));
    }
    let root = workspace_root(dir)?;
    if let Some(label) = &args.label {
        return rollback_label(&root, args, label, reason);
    }
    let plan = release::plan_rollback(&root, &args.name, args.to).map_err(release_error)?;
    let (from, to) = (plan.from.version, plan.to.version);
    if args.dry_run {
        let width = diff::output_width();
        anstream::println!(
            "rollback of `{}`: current v{from} → v{to} (dry run: nothing written)\n",
            plan.name
        );
        let text = diff::prompt_report(
            &plan.name,
            &side(&plan, true),
            &side(&plan, false),
            View::Unified,
            width,
        );
        anstream::print!("{text}");
        let old = release::side_results(&root, &plan.name, &plan.from.content_sha256);
        let new = release::side_results(&root, &plan.name, &plan.to.content_sha256);
        match (old, new) {
            (Some(old), Some(new)) => {
                // Rolling back makes v{to} the new side: what callers would get.
                let d = OutputDiff::of_latest(&old.cases, &new.cases);
                let c = d.counts;
                anstream::println!(
                    "\nper the latest results (v{from}: {}, v{to}: {}): {} would regress, {} would be fixed{}",
                    plural(old.run_ids.len(), "run", "runs"),
                    plural(new.run_ids.len(), "run", "runs"),
                    plural(c.regressions_total(), "case", "cases"),
                    c.fixes,
                    match c.not_run {
                        0 => String::new(),
                        n => format!(" ({} not run on both)", plural(n, "case", "cases")),
                    }
                );
                for case in d.cases.iter().filter(|c| c.change.is_regression()) {
                    anstream::println!(
                        "  {}  {}/{}",
                        case.label().to_uppercase(),
                        case.suite,
                        case.id
                    );
                }
            }
            _ => anstream::println!(
                "\n(no runs of both versions to compare outputs; `promptwright diff {} --from current --to v{to} --outputs` once both have run)",
                plan.name
            ),
        }
        return Ok(ExitCode::SUCCESS);
    }
    let author = release::default_author(&root);
    release::rollback(&root, &plan, reason, &author).map_err(release_error)?;
    let green = Style::new().fg_color(Some(AnsiColor::Green.into())).bold();
    anstream::println!(
        "{green}rolled back{green:#} `{}` to v{to} (was v{from}) by {author}",
        plan.name
    );
    anstream::println!("  wrote {}", release::log::log_rel(&plan.name));
    anstream::println!("  wrote {}", release::current_rel(&plan.name));
    Ok(ExitCode::SUCCESS)
}

/// `rollback NAME --label LABEL [--to N]`: move a label back to a version it held.
fn rollback_label(
    root: &Path,
    args: &RollbackArgs,
    label: &str,
    reason: &str,
) -> Result<ExitCode, CliError> {
    let plan =
        release::plan_label_rollback(root, &args.name, label, args.to).map_err(release_error)?;
    let (from, to) = (plan.from.version, plan.to.version);
    let target = release::label_rel(&plan.name, label);
    if args.dry_run {
        anstream::println!(
            "rollback of `{}` label `{label}`: v{from} → v{to} (dry run: nothing written)\n",
            plan.name
        );
        let side = |file: &release::ReleaseFile| Resolved {
            reference: Ref::Version(file.version),
            def: file.prompt_def(),
            version: Some(file.version),
            release: Some(file.clone()),
            rel_path: release::version_rel(&plan.name, file.version),
        };
        let text = diff::prompt_report(
            &plan.name,
            &side(&plan.from),
            &side(&plan.to),
            View::Unified,
            diff::output_width(),
        );
        anstream::print!("{text}");
        return Ok(ExitCode::SUCCESS);
    }
    let author = release::default_author(root);
    release::rollback_label(root, &plan, reason, &author).map_err(release_error)?;
    let green = Style::new().fg_color(Some(AnsiColor::Green.into())).bold();
    anstream::println!(
        "{green}rolled back{green:#} `{}` label `{label}` to v{to} (was v{from}) by {author}",
        plan.name
    );
    anstream::println!("  wrote {}", release::log::log_rel(&plan.name));
    anstream::println!("  wrote {target}");
    Ok(ExitCode::SUCCESS)
}
