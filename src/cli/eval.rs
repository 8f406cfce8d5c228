//! `promptwright eval`: run suites, one run per prompt, and print the results.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Args;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use std::sync::Arc;

use super::format::{self, Format};
use super::{CliError, load_workspace, progress};
use crate::fsutil::write_atomic;
use crate::provider::{self, Provider, Recorder};
use crate::runner::{self, GraderPlan, ProviderPlan, Resume, RunPlan};
use crate::store::{self, RunRecord, Status};
use crate::workspace::error::did_you_mean;
use crate::workspace::{ProviderConfig, ProviderKind, Workspace};

#[derive(Debug, Args)]
#[command(long_about = "Run eval suites and score every case.\n\n\
With no SUITE, every suite runs. One run covers one prompt and all selected suites of it; each scored \
case is appended to .promptwright/runs/RUN_ID.jsonl as soon as it is scored.\n\n\
Exit 0 when every case passes, 1 when a case failed or errored, 2 on bad input.")]
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
}

/// The suites to run, grouped by prompt, validated against the workspace.
fn select(ws: &Workspace, args: &EvalArgs) -> Result<BTreeMap<String, Vec<String>>, CliError> {
    for p in &args.prompts {
        if !ws.prompts.contains_key(p) {
            return Err(unknown("prompt", p, ws.prompts.keys()));
        }
    }
    for s in &args.suites {
        if !ws.suites.contains_key(s) {
            return Err(unknown("suite", s, ws.suites.keys()));
        }
    }
    let mut by_prompt: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for suite in ws.suites.values() {
        let named = args.suites.is_empty() || args.suites.contains(&suite.name);
        let of_prompt = args.prompts.is_empty() || args.prompts.contains(&suite.prompt);
        if named && of_prompt {
            by_prompt
                .entry(suite.prompt.clone())
                .or_default()
                .push(suite.name.clone());
        }
    }
    if by_prompt.is_empty() {
        let help = if ws.suites.is_empty() {
            "add a suite file under evals/ (see `promptwright init` for an example)".to_string()
        } else {
            "the suites named and --prompt must agree; `promptwright check` lists what exists"
                .to_string()
        };
        return Err(CliError::usage("no suite matches the selection", help));
    }
    Ok(by_prompt)
}

fn unknown<'a>(
    what: &str,
    name: &str,
    known: impl Iterator<Item = &'a String> + Clone,
) -> CliError {
    let help = match did_you_mean(name, known.clone().map(String::as_str)) {
        Some(s) => format!("did you mean `{s}`?"),
        None => format!(
            "known {what}s: {}",
            known.map(String::as_str).collect::<Vec<_>>().join(", ")
        ),
    };
    CliError::usage(format!("no {what} named `{name}`"), help)
}

/// Providers built once per invocation, so cases and grader share one limit per provider.
struct Providers<'a> {
    ws: &'a Workspace,
    built: BTreeMap<String, Arc<dyn Provider>>,
}

impl Providers<'_> {
    fn plan(
        &mut self,
        cfg: &ProviderConfig,
        model: &str,
        jobs: Option<usize>,
    ) -> Result<ProviderPlan, CliError> {
        let provider = match self.built.get(&cfg.name) {
            Some(p) => p.clone(),
            None => {
                let p = provider::build(cfg, jobs).map_err(|e| {
                    CliError::usage(
                        e.to_string(),
                        format!("see [providers.{}] in workspace.toml", cfg.name),
                    )
                })?;
                self.built.insert(cfg.name.clone(), p.clone());
                p
            }
        };
        Ok(ProviderPlan {
            name: cfg.name.clone(),
            provider,
            cache_scope: provider::cache_scope(cfg),
            price: self.ws.config.pricing.get(model).copied(),
        })
    }
}

/// One plan per prompt, with provider, model, grader, cache, recording and resume resolved.
/// Everything that can be wrong is found here, before any model is called.
fn plans(ws: &Workspace, args: &EvalArgs) -> Result<Vec<RunPlan>, CliError> {
    let selection = select(ws, args)?;
    let jobs = args.jobs.map(|j| j as usize);
    let mut providers = Providers {
        ws,
        built: BTreeMap::new(),
    };
    let recorder = if args.record {
        Some(Arc::new(recorder(ws)?))
    } else {
        None
    };
    let needs_grader = selection
        .values()
        .flatten()
        .any(|s| uses_rubric(&ws.suites[s]));
    let grader_cfg = match (&ws.config.grader, needs_grader) {
        (Some(g), true) => Some(g),
        (None, true) => {
            return Err(CliError::usage(
                "a selected suite uses llm-rubric but workspace.toml has no [grader]",
                "add [grader] with provider = \"NAME\" and model = \"MODEL\" to workspace.toml",
            ));
        }
        _ => None,
    };
    let mut plans = Vec::new();
    for (prompt_name, suite_names) in selection {
        let prompt = &ws.prompts[&prompt_name];
        let provider_cfg = match &args.provider {
            Some(p) => ws
                .config
                .providers
                .get(p)
                .ok_or_else(|| unknown("provider", p, ws.config.providers.keys()))?,
            None => ws.provider_for(prompt).ok_or_else(|| {
                CliError::usage(
                    format!("prompt `{prompt_name}` has no provider"),
                    "set provider in the prompt or default_provider in workspace.toml",
                )
            })?,
        };
        if recorder.is_some() && provider_cfg.kind == ProviderKind::Replay {
            return Err(CliError::usage(
                format!(
                    "--record with provider `{}`, which only replays",
                    provider_cfg.name
                ),
                "record from a real provider: `promptwright eval --provider NAME --record`",
            ));
        }
        let model = match args.model.clone().or_else(|| prompt.def.model.clone()) {
            Some(m) => m,
            None if matches!(provider_cfg.kind, ProviderKind::Echo | ProviderKind::Replay) => {
                provider_cfg.kind.as_str().to_string()
            }
            None => {
                return Err(CliError::usage(
                    format!(
                        "prompt `{prompt_name}` names no model for provider `{}`",
                        provider_cfg.name
                    ),
                    format!("add model = \"...\" to {} or pass --model", prompt.rel_path),
                ));
            }
        };
        let resume = if args.resume {
            store::find_resumable(&ws.root, &prompt.content_sha256, &provider_cfg.name, &model).map(
                |(path, header, recorded)| {
                    let done = recorded
                        .iter()
                        .filter(|c| c.status != Status::Error)
                        .count();
                    anstream::eprintln!(
                        "resuming run {} of `{prompt_name}`: {done} cases already recorded",
                        header.run_id
                    );
                    Resume {
                        path,
                        header,
                        recorded,
                    }
                },
            )
        } else {
            None
        };
        let provider = providers.plan(provider_cfg, &model, jobs)?;
        // A replayed run replays its grading too: the cassette holds the grader's
        // answers, so CI needs no key for llm-rubric either.
        let grader = match grader_cfg {
            Some(g) if provider_cfg.kind == ProviderKind::Replay => Some(GraderPlan {
                provider: provider.clone(),
                model: g.model.clone(),
            }),
            _ => None,
        };
        plans.push(RunPlan {
            root: ws.root.clone(),
            prompt: prompt.clone(),
            suites: suite_names.iter().map(|s| ws.suites[s].clone()).collect(),
            provider,
            model,
            concurrency: jobs.unwrap_or(provider_cfg.concurrency as usize),
            use_cache: !args.no_cache,
            recorder: recorder.clone(),
            grader,
            resume,
        });
    }
    // The grader is planned after the cases' providers, so one it shares with them gets
    // their limit (`-j`) rather than fixing the limit at its configured concurrency.
    if let Some(g) = grader_cfg {
        if plans.iter().any(|p| p.grader.is_none()) {
            let grader = GraderPlan {
                provider: providers.plan(&ws.config.providers[&g.provider], &g.model, None)?,
                model: g.model.clone(),
            };
            for plan in plans.iter_mut().filter(|p| p.grader.is_none()) {
                plan.grader = Some(grader.clone());
            }
        }
    }
    Ok(plans)
}

fn uses_rubric(suite: &crate::workspace::Suite) -> bool {
    suite
        .assertions
        .iter()
        .chain(suite.cases.iter().flat_map(|c| &c.assertions))
        .any(|a| matches!(a.kind, crate::assert::Kind::LlmRubric(_)))
}

/// The cassette `--record` writes: the one of the workspace's replay provider.
fn recorder(ws: &Workspace) -> Result<Recorder, CliError> {
    let replays: Vec<&ProviderConfig> = ws
        .config
        .providers
        .values()
        .filter(|p| p.kind == ProviderKind::Replay)
        .collect();
    let cfg = match replays.as_slice() {
        [one] => *one,
        [] => {
            return Err(CliError::usage(
                "--record needs a replay provider to name the cassette",
                "add to workspace.toml: [providers.recorded] kind = \"replay\" cassette = \"evals/cassettes/NAME.jsonl\"",
            ));
        }
        many => {
            let names: Vec<&str> = many.iter().map(|p| p.name.as_str()).collect();
            return Err(CliError::usage(
                format!(
                    "--record: several replay providers ({}), so the cassette is ambiguous",
                    names.join(", ")
                ),
                "keep one replay provider while recording",
            ));
        }
    };
    let path = cfg.cassette.clone().unwrap_or_default();
    Recorder::open(&path).map_err(|e| {
        CliError::usage(
            format!("cannot open cassette {}: {e}", path.display()),
            "check the path in workspace.toml",
        )
    })
}

fn runtime() -> Result<tokio::runtime::Runtime, CliError> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| {
            CliError::usage(
                format!("cannot start the async runtime: {e}"),
                "check the system's thread limits",
            )
        })
}

/// Runs the plans one after another; Ctrl-C cancels cleanly (records marked incomplete,
/// resumable with --resume).
fn execute(plans: Vec<RunPlan>) -> Result<Vec<RunRecord>, CliError> {
    let rt = runtime()?;
    rt.block_on(async {
        let cancel = CancellationToken::new();
        let on_interrupt = cancel.clone();
        tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                on_interrupt.cancel();
            }
        });
        let mut records = Vec::new();
        for plan in plans {
            let (tx, rx) = mpsc::unbounded_channel();
            let bar = tokio::spawn(progress::show(rx));
            let record = runner::run(plan, tx, cancel.clone())
                .await
                .map_err(|e| CliError::usage(e.to_string(), "check that the workspace folder is writable"))?;
            let _ = bar.await;
            records.push(record);
            if cancel.is_cancelled() {
                anstream::eprintln!("interrupted: the run is incomplete; continue it with `promptwright eval --resume`");
                break;
            }
        }
        Ok(records)
    })
}

pub fn run(dir: Option<&Path>, args: &EvalArgs) -> Result<ExitCode, CliError> {
    let ws = load_workspace(dir)?;
    let plans = plans(&ws, args)?;
    if let Some(out) = &args.output {
        check_writable(out)?;
    }
    let records = execute(plans)?;
    emit(&records, args.format, args.output.as_deref())?;
    let all_passed = records
        .iter()
        .all(|r| r.complete && r.cases.iter().all(|c| c.status == Status::Pass));
    Ok(if all_passed {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// Fails early, before any model call, when `-o` cannot be written.
fn check_writable(out: &Path) -> Result<(), CliError> {
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

fn emit(records: &[RunRecord], fmt: Format, output: Option<&Path>) -> Result<(), CliError> {
    match output {
        Some(path) => {
            let text = format::render(records, fmt, false);
            write_atomic(path, text.as_bytes()).map_err(|e| {
                CliError::usage(
                    format!("cannot write `{}`: {e}", path.display()),
                    "check the path and permissions",
                )
            })?;
            anstream::eprintln!("wrote {} ({})", path.display(), fmt.name());
        }
        None => {
            let text = format::render(records, fmt, true);
            anstream::print!("{text}");
        }
    }
    Ok(())
}
