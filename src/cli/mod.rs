//! The command line: clap definitions, workspace discovery, and one file per command.
//! Results go to stdout, progress and errors to stderr; one rule for exit codes:
//! 0 success, 1 the work ran and failed its bar, 2 bad input or configuration.

mod batch;
mod check;
mod compare;
mod diff;
mod estimate;
mod eval;
mod exec;
mod format;
mod gate;
mod history;
mod import;
mod init;
mod merge;
mod progress;
mod promote;
mod release;
mod render;
mod rollback;
mod screenshots;
mod stats;
mod verdict;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anstyle::{AnsiColor, Style};
use clap::{Parser, Subcommand};

use promptwright_core::vocab::Explain;
use promptwright_core::vocab::{Diagnostic, LoadErrors};
use promptwright_core::words::plural;
use promptwright_core::workspace::{Workspace, find_root};

pub use format::Format;

const ABOUT: &str =
    "A terminal workbench that treats prompts like code: edit, evaluate, gate, release, roll back.";

const LONG_ABOUT: &str = "\
A terminal workbench that treats prompts like code: a prompt is a reviewed file, every
change is evaluated against test cases, and every release passes a gate of thresholds.

The workspace is the folder holding workspace.toml: the current folder or the nearest
parent that has one, or the folder given with -w.

Exit codes: 0 success; 1 the work ran and failed its bar (a case failed, a gate check
failed, a release was blocked); 2 bad input or configuration (message on stderr, nothing
written).

Every file format, key, assertion type, output format and exit code is described in
docs/README.md of the promptwright repository.";

#[derive(Debug, Parser)]
#[command(name = "promptwright", version, about = ABOUT, long_about = LONG_ABOUT)]
pub struct Cli {
    /// Workspace folder (default: the current folder or the nearest parent with a workspace.toml)
    #[arg(short = 'w', long = "workspace", value_name = "DIR", global = true)]
    pub workspace: Option<PathBuf>,

    /// Let `command` assertions run their programs (only for workspaces you trust; also PROMPTWRIGHT_ALLOW_COMMANDS=1)
    #[arg(long, global = true)]
    pub allow_commands: bool,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Validate the whole workspace (workspace.toml, prompts, suites, datasets); call no model
    #[command(
        long_about = "Validate the whole workspace: workspace.toml, prompts/*.toml, evals/*.toml and their \
datasets, including template syntax, assertion values, regexes and JSON schemas; and releases/: every \
version file intact (its content_sha256 matches its prompt), every current release and every label file \
(releases/NAME@LABEL.toml) a copy of the version the log says, every log line an entry. No model is called.\n\n\
Every problem is reported as path:line:col: message with a help line. Exit 0 when valid, 2 otherwise."
    )]
    Check,
    /// Run eval suites and score every case
    #[command(long_about = eval::LONG_ABOUT)]
    Eval(eval::EvalArgs),
    /// Join the run records of shards (`eval --shard I/N`) into one complete run
    #[command(long_about = merge::LONG_ABOUT)]
    Merge(merge::MergeArgs),
    /// Compare two versions of a prompt (draft, current, vN), or their runs' outputs
    #[command(long_about = diff::LONG_ABOUT)]
    Diff(diff::DiffArgs),
    /// Gate the draft of a prompt against the current release: every [gate] check, exit 1 if one fails
    #[command(long_about = gate::LONG_ABOUT)]
    Gate(gate::GateArgs),
    /// Gate the draft, then export it as the next released version
    #[command(long_about = release::LONG_ABOUT)]
    Release(release::ReleaseArgs),
    /// Make an earlier released version current again (or, with --label, move a label back)
    #[command(long_about = rollback::LONG_ABOUT)]
    Rollback(rollback::RollbackArgs),
    /// Run a released version afresh against a label's thresholds, then move the label to it
    #[command(long_about = promote::LONG_ABOUT)]
    Promote(promote::PromoteArgs),
    /// Releases, rollbacks and label moves, newest first, with notes and reasons
    History(history::HistoryArgs),
    /// Print the request body a provider would be sent for a prompt and a set of variables
    #[command(long_about = render::LONG_ABOUT)]
    Render(render::RenderArgs),
    /// Convert another tool's config (promptfoo) into a workspace
    #[command(subcommand, long_about = import::LONG_ABOUT)]
    Import(import::ImportFrom),
    /// Regression incidents, pass rates per release and recent runs, rollback frequency
    #[command(long_about = stats::LONG_ABOUT)]
    Stats(stats::StatsArgs),
    /// Scaffold a small workspace that runs offline
    #[command(
        long_about = "Scaffold a small workspace in DIR (default: the current folder): workspace.toml with \
an offline echo provider, one prompt, one suite and a .gitignore. Refuses to overwrite an existing workspace.toml.\n\n\
`-w DIR` names the same folder as DIR (it is the workspace to create, never a parent's); giving both with \
different folders is an error."
    )]
    Init {
        /// Folder to create the workspace in (created if missing)
        #[arg(value_name = "DIR")]
        dir: Option<PathBuf>,
    },
    /// Render each TUI pane of the workspace into DIR as text and SVG
    #[command(
        long_about = "Render each pane of the TUI, on the workspace, into DIR (default: screenshots) as \
.txt and .svg files, at a fixed size of 120×36 cells. The repository's screenshots/ folder is made by this \
command on the demo workspace, and a test fails when it is stale."
    )]
    Screenshots {
        /// Folder to write the pictures into
        #[arg(value_name = "DIR", default_value = "screenshots")]
        dir: PathBuf,
    },
}

/// A failure to report on stderr with exit code 2.
#[derive(Debug)]
pub enum CliError {
    Load(LoadErrors),
    /// A usage problem: message and a help line.
    Usage(String, String),
}

impl CliError {
    pub fn usage(message: impl Into<String>, help: impl Into<String>) -> CliError {
        CliError::Usage(message.into(), help.into())
    }

    /// An engine error as `error:` and `help:` lines.
    pub fn explained(e: &impl Explain) -> CliError {
        CliError::Usage(e.to_string(), e.help())
    }
}

impl From<promptwright_core::plan::PlanError> for CliError {
    fn from(e: promptwright_core::plan::PlanError) -> Self {
        if e.diagnostics.is_empty() {
            CliError::Usage(e.message, e.help)
        } else {
            CliError::Load(LoadErrors(e.diagnostics))
        }
    }
}

impl From<LoadErrors> for CliError {
    fn from(e: LoadErrors) -> Self {
        CliError::Load(e)
    }
}

/// `--allow-commands`, set once from the command line for every run this process starts.
static ALLOW_COMMANDS: std::sync::OnceLock<bool> = std::sync::OnceLock::new();

/// Whether `--allow-commands` was given (the environment variable is read by the engine).
pub fn allows_commands() -> bool {
    ALLOW_COMMANDS.get().copied().unwrap_or(false)
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let _ = ALLOW_COMMANDS.set(cli.allow_commands);
    let result = match cli.command {
        Some(Command::Check) => check::run(cli.workspace.as_deref()),
        Some(Command::Eval(args)) => eval::run(cli.workspace.as_deref(), &args),
        Some(Command::Merge(args)) => merge::run(cli.workspace.as_deref(), &args),
        Some(Command::Diff(args)) => diff::run(cli.workspace.as_deref(), &args),
        Some(Command::Gate(args)) => gate::run(cli.workspace.as_deref(), &args),
        Some(Command::Release(args)) => release::run(cli.workspace.as_deref(), &args),
        Some(Command::Rollback(args)) => rollback::run(cli.workspace.as_deref(), &args),
        Some(Command::Promote(args)) => promote::run(cli.workspace.as_deref(), &args),
        Some(Command::History(args)) => history::run(cli.workspace.as_deref(), &args),
        Some(Command::Render(args)) => render::run(cli.workspace.as_deref(), &args),
        Some(Command::Stats(args)) => stats::run(cli.workspace.as_deref(), &args),
        Some(Command::Import(from)) => import::run(&from),
        Some(Command::Init { dir }) => {
            init_dir(dir.as_deref(), cli.workspace.as_deref()).and_then(init::run)
        }
        Some(Command::Screenshots { dir }) => screenshots::run(cli.workspace.as_deref(), &dir),
        None => open_tui(cli.workspace.as_deref()),
    };
    let code = match result {
        Ok(code) => code,
        Err(e) => {
            report(&e);
            ExitCode::from(2)
        }
    };
    promptwright_core::failpoint::report_peak_memory();
    code
}

fn style_error() -> Style {
    Style::new().fg_color(Some(AnsiColor::Red.into())).bold()
}

fn style_help() -> Style {
    Style::new().fg_color(Some(AnsiColor::Cyan.into())).bold()
}

/// Prints a diagnostic in cargo's style; colours are stripped when stderr is not a tty.
pub(crate) fn print_diagnostic(d: &Diagnostic, level: &str, level_style: Style) {
    let text = d.to_string();
    let mut out = String::new();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("error: ") {
            out.push_str(&format!("{level_style}{level}{level_style:#}: {rest}\n"));
        } else if let Some(rest) = line.strip_prefix("help: ") {
            out.push_str(&format!("{}help{:#}: {rest}\n", style_help(), style_help()));
        } else {
            out.push_str(line);
            out.push('\n');
        }
    }
    anstream::eprint!("{out}");
}

fn report(e: &CliError) {
    match e {
        CliError::Load(errors) => {
            for (i, d) in errors.0.iter().enumerate() {
                if i > 0 {
                    anstream::eprintln!();
                }
                print_diagnostic(d, "error", style_error());
            }
            if errors.0.len() > 1 {
                anstream::eprintln!(
                    "\n{}error{:#}: the workspace has {}; nothing was run or written",
                    style_error(),
                    style_error(),
                    plural(errors.0.len(), "error", "errors")
                );
            }
        }
        CliError::Usage(message, help) => {
            anstream::eprintln!("{}error{:#}: {message}", style_error(), style_error());
            anstream::eprintln!("{}help{:#}: {help}", style_help(), style_help());
        }
    }
}

/// Where `init` writes: DIR or `-w DIR`, which mean the same folder; two different
/// folders are a contradiction to report, not to settle silently.
fn init_dir<'a>(
    dir: Option<&'a Path>,
    workspace: Option<&'a Path>,
) -> Result<Option<&'a Path>, CliError> {
    match (dir, workspace) {
        (Some(d), Some(w)) if d != w => Err(CliError::usage(
            format!(
                "`init {}` and `-w {}` name two different folders",
                d.display(),
                w.display()
            ),
            "give the folder once: `promptwright init DIR`",
        )),
        (d, w) => Ok(d.or(w)),
    }
}

/// The workspace folder: `-w DIR`, else the nearest folder with workspace.toml.
pub(crate) fn workspace_root(dir: Option<&Path>) -> Result<PathBuf, CliError> {
    match dir {
        Some(d) => {
            if !d
                .join(promptwright_core::workspace::WORKSPACE_FILE)
                .is_file()
            {
                return Err(CliError::usage(
                    format!("no workspace.toml in `{}`", d.display()),
                    format!("run `promptwright init {}` to create one", d.display()),
                ));
            }
            Ok(d.to_path_buf())
        }
        None => {
            let cwd = std::env::current_dir().map_err(|e| {
                CliError::usage(
                    format!("cannot read the current folder: {e}"),
                    "cd into a workspace",
                )
            })?;
            find_root(&cwd).ok_or_else(|| {
                CliError::usage(
                    "no workspace.toml in this folder or any parent",
                    "run `promptwright init` to create a workspace here, or pass -w DIR",
                )
            })
        }
    }
}

/// The default command: the TUI, which needs a terminal on both ends.
fn open_tui(dir: Option<&Path>) -> Result<ExitCode, CliError> {
    use std::io::IsTerminal;
    let root = workspace_root(dir)?;
    if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
        return Err(CliError::usage(
            "the workbench needs a terminal",
            "for scripts and CI use the headless commands: `promptwright check`, `promptwright eval`",
        ));
    }
    crate::tui::run(&root).map_err(|e| {
        CliError::usage(
            format!("terminal error: {e}"),
            "try another terminal, or use `promptwright eval`",
        )
    })?;
    Ok(ExitCode::SUCCESS)
}

/// Finds and loads the workspace: `-w DIR`, else the nearest folder with workspace.toml.
pub(crate) fn load_workspace(dir: Option<&Path>) -> Result<Workspace, CliError> {
    Ok(Workspace::load(&workspace_root(dir)?)?)
}
