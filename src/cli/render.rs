//! `promptwright render NAME [--ref REF] --vars JSON|@FILE [--format openai|anthropic]`:
//! the exact request body a provider would be sent, as JSON on stdout. Nothing is
//! printed on stdout when the release file was tampered with or a variable is missing.

use std::io::Read as _;
use std::path::Path;
use std::process::ExitCode;

use clap::{Args, ValueEnum};
use serde_json::Value;

use super::{CliError, workspace_root};
use promptwright_core::release::ReleaseRef;
use promptwright_core::release::refs::RefError;
use promptwright_core::release::render::{RenderProblem, render};
use promptwright_core::vocab::LoadErrors;
use promptwright_core::workspace::ProviderKind;

pub const LONG_ABOUT: &str = "Print the request body a provider would be sent for a prompt and one set of \
template variables: the model, the rendered messages and the params, as JSON, in the provider's wire format. \
An application that loads a release file and renders it itself can compare its bytes with these.\n\n\
REF is `current` (the default: releases/NAME.toml), `vN`, `draft`, or a label such as `production` \
(releases/NAME@production.toml, which must also be an exact copy of the version it names). A release file is \
checked against its content_sha256 first. --vars takes a JSON object, or @FILE to read one from a file (@- for standard input).\n\n\
Exit 0 with the body on stdout; 2, with nothing on stdout, for a tampered release, a missing variable, bad \
--vars or an unknown prompt or version.";

/// The most --vars may hold: far above any real set of variables.
const MAX_VARS_BYTES: u64 = 16 << 20;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum WireFormat {
    /// OpenAI's chat completions (and compatible servers)
    Openai,
    /// Anthropic's messages
    Anthropic,
}

#[derive(Debug, Args)]
pub struct RenderArgs {
    /// The prompt (a file name in prompts/ or releases/ without .toml)
    #[arg(value_name = "NAME")]
    pub name: String,

    /// Which version: current, vN, draft or a label (e.g. production)
    #[arg(long = "ref", value_name = "REF", default_value = "current")]
    pub reference: ReleaseRef,

    /// The template variables: a JSON object, or @FILE (@- reads standard input)
    #[arg(long, value_name = "JSON|@FILE")]
    pub vars: String,

    /// The wire format (default: the prompt's provider's)
    #[arg(long, value_enum)]
    pub format: Option<WireFormat>,
}

fn vars_error(message: String) -> CliError {
    CliError::usage(
        message,
        "pass an object of template variables, e.g. --vars '{\"ticket\": \"...\"}', or --vars @vars.json",
    )
}

/// The text of --vars: as given, or read from the file it names (bounded).
fn vars_text(arg: &str) -> Result<String, CliError> {
    let Some(path) = arg.strip_prefix('@') else {
        return Ok(arg.to_string());
    };
    let mut text = String::new();
    let read = if path == "-" {
        std::io::stdin()
            .take(MAX_VARS_BYTES + 1)
            .read_to_string(&mut text)
    } else {
        std::fs::File::open(path).and_then(|f| f.take(MAX_VARS_BYTES + 1).read_to_string(&mut text))
    };
    read.map_err(|e| vars_error(format!("cannot read --vars from `{path}`: {e}")))?;
    if text.len() as u64 > MAX_VARS_BYTES {
        return Err(vars_error(format!(
            "--vars from `{path}` is over {} MiB",
            MAX_VARS_BYTES >> 20
        )));
    }
    Ok(text)
}

pub fn run(dir: Option<&Path>, args: &RenderArgs) -> Result<ExitCode, CliError> {
    let root = workspace_root(dir)?;
    let text = vars_text(&args.vars)?;
    let vars: Value = serde_json::from_str(&text).map_err(|e| {
        vars_error(format!(
            "--vars is not JSON: {e} (line {}, column {})",
            e.line(),
            e.column()
        ))
    })?;
    let format = args.format.map(|f| match f {
        WireFormat::Openai => ProviderKind::Openai,
        WireFormat::Anthropic => ProviderKind::Anthropic,
    });
    let body = render(&root, &args.name, &args.reference, &vars, format).map_err(|e| match e {
        RenderProblem::Ref(RefError::Invalid(diags)) => CliError::Load(LoadErrors(diags)),
        other => CliError::explained(&other),
    })?;
    let mut out = serde_json::to_string_pretty(&body).unwrap_or_default();
    out.push('\n');
    anstream::print!("{out}");
    Ok(ExitCode::SUCCESS)
}
