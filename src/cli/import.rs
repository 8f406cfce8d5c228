//! `promptwright import promptfoo CONFIG [-o DIR]`: converts a promptfoo config into a
//! workspace. Everything is converted in memory first, so a config that cannot be read
//! writes nothing; then the files go in atomically, never over an existing file.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anstyle::{AnsiColor, Style};
use clap::{Args, Subcommand};

use super::CliError;
use promptwright_core::fsutil::write_atomic_new;
use promptwright_core::import::{self, Import};
use promptwright_core::vocab::{Diagnostic, LoadErrors};
use promptwright_core::words::plural;

pub const LONG_ABOUT: &str = "\
Convert another tool's eval config into a promptwright workspace.

`import promptfoo CONFIG.yaml` reads a promptfoo config: its prompts (inline, file:// text, \
JSON or YAML chat), providers (openai, anthropic, OpenAI-compatible servers with apiBaseUrl, \
ollama, echo), tests with vars and assertions, defaultTest, and file:// tests in CSV, JSON, \
JSONL or YAML. Each prompt × provider becomes a prompt and a suite; the tests become one \
dataset every suite reads.

Everything that could not be converted (javascript and python assertions, other providers, \
transforms) is listed at its file:line. Exit 0 when everything was converted, 1 when \
something was left out, 2 when the config cannot be read (nothing is written then).";

#[derive(Debug, Subcommand)]
pub enum ImportFrom {
    /// Convert a promptfoo config (promptfooconfig.yaml)
    Promptfoo(PromptfooArgs),
}

#[derive(Debug, Args)]
pub struct PromptfooArgs {
    /// The promptfoo config file
    pub config: PathBuf,
    /// The folder to write the workspace into (default: the current folder); no existing file is replaced
    #[arg(short = 'o', long = "output", value_name = "DIR")]
    pub output: Option<PathBuf>,
}

pub fn run(from: &ImportFrom) -> Result<ExitCode, CliError> {
    let ImportFrom::Promptfoo(args) = from;
    let shown = args.config.display().to_string();
    let imported = import::promptfoo(&args.config, &shown).map_err(one)?;
    let out = args.output.clone().unwrap_or_else(|| PathBuf::from("."));
    write_all(&out, &imported)?;
    let warn = Style::new().fg_color(Some(AnsiColor::Yellow.into())).bold();
    for n in &imported.notes {
        anstream::eprintln!("{}note{:#}: {n}", Style::new().bold(), Style::new().bold());
    }
    for d in &imported.dropped {
        anstream::eprintln!("{warn}dropped{warn:#}: {d}");
    }
    let ok = Style::new().fg_color(Some(AnsiColor::Green.into())).bold();
    anstream::println!(
        "{ok}imported{ok:#} {} into {}: {}, {}, {}",
        shown,
        out.display(),
        plural(imported.prompts, "prompt", "prompts"),
        plural(imported.providers, "provider", "providers"),
        plural(imported.cases, "case", "cases"),
    );
    if imported.dropped.is_empty() {
        anstream::println!("next: promptwright -w {} eval", out.display());
        Ok(ExitCode::SUCCESS)
    } else {
        anstream::println!(
            "{} could not be converted (listed above); the rest is in place",
            plural(imported.dropped.len(), "thing", "things")
        );
        Ok(ExitCode::from(1))
    }
}

fn one(d: Diagnostic) -> CliError {
    CliError::Load(LoadErrors(vec![d]))
}

/// Writes every file under `out`. A new folder is filled under a temporary name and
/// renamed into place; in an existing folder no file may exist yet, and each is written
/// atomically without replacing anything.
fn write_all(out: &Path, imported: &Import) -> Result<(), CliError> {
    let fail = |path: &Path, e: std::io::Error| {
        CliError::usage(
            format!("cannot write {}: {e}", path.display()),
            "check the folder given with -o",
        )
    };
    if !out.exists() {
        let parent = match out.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        std::fs::create_dir_all(&parent).map_err(|e| fail(&parent, e))?;
        let tmp = tempfile::Builder::new()
            .prefix(".promptwright-import-")
            .tempdir_in(&parent)
            .map_err(|e| fail(&parent, e))?;
        for (rel, text) in &imported.files {
            let path = tmp.path().join(rel);
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir).map_err(|e| fail(dir, e))?;
            }
            std::fs::write(&path, text).map_err(|e| fail(&path, e))?;
        }
        let tmp = tmp.keep();
        return std::fs::rename(&tmp, out).map_err(|e| {
            let _ = std::fs::remove_dir_all(&tmp);
            fail(out, e)
        });
    }
    if let Some((rel, _)) = imported
        .files
        .iter()
        .find(|(rel, _)| out.join(rel).exists())
    {
        return Err(CliError::usage(
            format!("{} already exists", out.join(rel).display()),
            "import into a new or empty folder: -o DIR",
        ));
    }
    for (rel, text) in &imported.files {
        let path = out.join(rel);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| fail(dir, e))?;
        }
        write_atomic_new(&path, text.as_bytes()).map_err(|e| fail(&path, e))?;
    }
    Ok(())
}
