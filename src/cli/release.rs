//! `promptwright release NAME --note TEXT`: gate the draft, and only when every check
//! holds write `releases/NAME/vN.toml`, replace `releases/NAME.toml` and append to
//! `releases/NAME/log.jsonl`.

use std::path::Path;
use std::process::ExitCode;

use anstyle::{AnsiColor, Style};
use clap::Args;

use super::gate::{exit_code, propose, release_error, run_gate};
use super::verdict;
use super::{CliError, load_workspace};
use promptwright_core::plan::PlanRequest;
use promptwright_core::release::{self, Proposal, ReleaseError, ReleaseRequest};

pub const LONG_ABOUT: &str = "Gate the draft of prompt NAME (as `promptwright gate NAME` does) and, only when \
every check holds, export it as the next version: write releases/NAME/vN.toml (N = the last version + 1, \
never overwriting one), append the release to releases/NAME/log.jsonl, and replace releases/NAME.toml (what \
applications load) with the same content. Each write goes through a temporary file and a rename, under a lock \
that one release, rollback or repair of NAME holds at a time.\n\n\
With --repair, finish a release or rollback that was killed between its writes (`check` names such a state): \
log a version written but not logged, make current the version the log's last line names, remove temporary \
files. No gate runs.\n\n\
A draft with the same content hash as the current release is refused (nothing to release). The author is \
`git config user.name`, else $USER.\n\n\
Exit 0 when released, 1 when the gate blocked it (the failing checks are shown, nothing is written), 2 on bad \
input (nothing is written).";

#[derive(Debug, Args)]
pub struct ReleaseArgs {
    /// The prompt (a file name in prompts/ without .toml)
    #[arg(value_name = "NAME")]
    pub name: String,

    /// Why this version: it goes into the release file and the log
    #[arg(long, value_name = "TEXT", required_unless_present = "repair")]
    pub note: Option<String>,

    /// Finish a release or rollback that was interrupted between its writes (as
    /// `check` reports), and remove temporary files it left; no gate runs
    #[arg(long, conflicts_with = "note")]
    pub repair: bool,

    /// Cases in flight at once (default: the provider's `concurrency`)
    #[arg(short = 'j', long = "jobs", value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub jobs: Option<u32>,

    /// Release the draft on this provider (from workspace.toml): the gate judges it
    /// there against the current release, and the release file names it
    #[arg(long, value_name = "NAME")]
    pub provider: Option<String>,

    /// Release the draft with this model: judged with it, and named in the release file
    #[arg(long, value_name = "MODEL")]
    pub model: Option<String>,
}

pub fn run(dir: Option<&Path>, args: &ReleaseArgs) -> Result<ExitCode, CliError> {
    if args.repair {
        return repair(dir, &args.name);
    }
    let note = args.note.clone().unwrap_or_default();
    if note.trim().is_empty() {
        return Err(release_error(ReleaseError::Empty { what: "note" }));
    }
    let ws = load_workspace(dir)?;
    let mut proposal = propose(&ws, &args.name)?;
    proposal
        .retarget(&ws, args.provider.as_deref(), args.model.as_deref())
        .map_err(CliError::from)?;
    // Refused before any model call: there is nothing to evaluate.
    if let (true, Some(v)) = (proposal.is_unchanged(), proposal.baseline_version()) {
        return Err(release_error(ReleaseError::Unchanged {
            name: proposal.name.clone(),
            version: v,
        }));
    }
    let request = PlanRequest {
        jobs: args.jobs.map(|j| j as usize),
        allow_commands: super::allows_commands(),
        ..PlanRequest::default()
    };
    let (verdict, _) = run_gate(&ws, &proposal, &request, "release")?;
    anstream::print!(
        "{}",
        verdict::render(&proposal, &verdict, verdict::VerdictFormat::Table)
    );
    if !verdict.passed {
        let red = Style::new().fg_color(Some(AnsiColor::Red.into())).bold();
        let failing: Vec<&str> = verdict.failing().map(|c| c.name.as_str()).collect();
        anstream::eprintln!(
            "{red}error{red:#}: release of `{}` blocked: {} failed; nothing was written",
            proposal.name,
            failing.join(", ")
        );
        anstream::eprintln!(
            "help: fix the draft and run `promptwright release {} --note ...` again ({})",
            proposal.name,
            where_to_look(&proposal)
        );
        return Ok(exit_code(&verdict));
    }
    let request = ReleaseRequest::now(note, release::default_author(&ws.root));
    let exported =
        release::export(&ws.root, &proposal, &verdict, &request).map_err(release_error)?;
    let green = Style::new().fg_color(Some(AnsiColor::Green.into())).bold();
    let r = &exported.release;
    let parent = match r.parent_version {
        Some(p) => format!(" (replaces v{p})"),
        None => " (first release)".to_string(),
    };
    anstream::println!(
        "\n{green}released{green:#} `{}` v{}{parent} by {}",
        proposal.name,
        r.version,
        r.author
    );
    for path in &exported.written {
        anstream::println!("  wrote {}", ws.shown(path));
    }
    Ok(exit_code(&verdict))
}

/// The command that shows why a release was blocked. Against a current release, the
/// per-case comparison the gate just ran; a first release has nothing to compare with,
/// so its failing cases are what to read.
fn where_to_look(proposal: &Proposal) -> String {
    let name = &proposal.name;
    match proposal.current {
        Some(_) => format!("`promptwright diff {name} --outputs` shows what changed"),
        None => format!("`promptwright eval --prompt {name}` shows each failing case and why"),
    }
}

/// `release NAME --repair`: finish an interrupted release or rollback.
fn repair(dir: Option<&Path>, name: &str) -> Result<ExitCode, CliError> {
    let root = super::workspace_root(dir)?;
    let done = release::repair(&root, name).map_err(release_error)?;
    let green = Style::new().fg_color(Some(AnsiColor::Green.into())).bold();
    if done.is_empty() {
        anstream::println!(
            "{green}ok{green:#}: the releases of `{name}` are whole: nothing to repair"
        );
    }
    for line in &done {
        anstream::println!("{green}repaired{green:#} `{name}`: {line}");
    }
    Ok(ExitCode::SUCCESS)
}
