//! Turning "run these suites" into run plans: provider, model, grader, cache, recording
//! and resume resolved, and everything that can be wrong found before any model call.
//! The CLI's `eval` and the TUI's Evals pane both start runs through here.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::grid::Target;
use crate::provider::{self, Provider, Recorder};
use crate::runner::{EmbedderPlan, GraderPlan, ProviderPlan, Resume, RunPlan};
use crate::shard::Shard;
use crate::store;
use crate::vocab::Diagnostic;
use crate::vocab::Explain;
use crate::vocab::did_you_mean;
use crate::workspace::{Prompt, ProviderConfig, ProviderKind, Suite, Workspace};

/// What to run and how.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PlanRequest {
    /// Suites by name; empty means all (of the selected prompts).
    pub suites: Vec<String>,
    /// Prompts by name; empty means all.
    pub prompts: Vec<String>,
    pub provider: Option<String>,
    pub model: Option<String>,
    pub jobs: Option<usize>,
    pub no_cache: bool,
    pub record: bool,
    pub resume: bool,
    /// Only these (suite, case id) pairs, e.g. one case rerun from the TUI.
    pub only_cases: Option<Vec<(String, String)>>,
    /// Samples per case for every suite (`--repeat`); `None`: each suite's `repeat`.
    pub repeat: Option<u32>,
    /// `--allow-commands`: `command` assertions may run their programs.
    pub allow_commands: bool,
    /// Only the cases of this shard (`eval --shard I/N`).
    pub shard: Option<Shard>,
}

/// Why a run cannot start: a message and what to do about it.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanError {
    pub message: String,
    pub help: String,
    /// The problems at their place in the workspace's files, when they have one (the
    /// message and help then repeat the first).
    pub diagnostics: Vec<Diagnostic>,
}

impl std::fmt::Display for PlanError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl Explain for PlanError {
    fn help(&self) -> String {
        self.help.clone()
    }
}

impl PlanError {
    pub(crate) fn new(message: impl Into<String>, help: impl Into<String>) -> PlanError {
        PlanError {
            message: message.into(),
            help: help.into(),
            diagnostics: Vec::new(),
        }
    }

    fn at(diagnostics: Vec<Diagnostic>) -> PlanError {
        let first = &diagnostics[0];
        PlanError {
            message: format!("{}: {}", first.location(), first.message),
            help: first.help.clone().unwrap_or_default(),
            diagnostics,
        }
    }
}

/// A suite restricted to the selected cases and to the shard's part of them.
fn only(suite: &Suite, cases: Option<&[(String, String)]>, shard: Option<Shard>) -> Suite {
    let mut s = suite.clone();
    if cases.is_some() || shard.is_some() {
        let kept = suite.cases.iter().filter(|c| {
            let listed = cases.is_none_or(|keep| {
                keep.iter()
                    .any(|(name, id)| *name == suite.name && *id == c.id)
            });
            listed && shard.is_none_or(|sh| sh.holds(&suite.name, &c.id))
        });
        s.cases = Arc::new(kept.cloned().collect());
    }
    s
}

/// The suites to run, grouped by prompt, validated against the workspace.
pub(crate) fn select(
    ws: &Workspace,
    args: &PlanRequest,
) -> Result<BTreeMap<String, Vec<String>>, PlanError> {
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
        return Err(PlanError::new("no suite matches the selection", help));
    }
    Ok(by_prompt)
}

pub(crate) fn unknown<'a>(
    what: &str,
    name: &str,
    known: impl Iterator<Item = &'a String> + Clone,
) -> PlanError {
    let help = match did_you_mean(name, known.clone().map(String::as_str)) {
        Some(s) => format!("did you mean `{s}`?"),
        None => format!(
            "known {what}s: {}",
            known.map(String::as_str).collect::<Vec<_>>().join(", ")
        ),
    };
    PlanError::new(format!("no {what} named `{name}`"), help)
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
    ) -> Result<ProviderPlan, PlanError> {
        let provider = match self.built.get(&cfg.name) {
            Some(p) => p.clone(),
            None => {
                let p = provider::build(cfg, jobs).map_err(|e| {
                    PlanError::new(
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
pub fn plans(ws: &Workspace, args: &PlanRequest) -> Result<Vec<RunPlan>, PlanError> {
    let selection = select(ws, args)?
        .into_iter()
        .map(|(name, suites)| Selected::new(ws.prompts[&name].clone(), suites))
        .collect();
    build(ws, args, selection)
}

/// Plans of the given prompts instead of the files in prompts/: a release's definition
/// (built with [`Prompt::from_def`](crate::workspace::Prompt::from_def)) run on the
/// suites of its name, as `release` does to compare the current release with the draft.
/// `args.prompts` is ignored (the prompts are given); `args.suites` still narrows. One
/// plan per prompt, in the order given; providers are shared between them.
pub fn plans_of(
    ws: &Workspace,
    args: &PlanRequest,
    prompts: Vec<Prompt>,
) -> Result<Vec<RunPlan>, PlanError> {
    let mut selection = Vec::with_capacity(prompts.len());
    for prompt in prompts {
        let one = PlanRequest {
            prompts: vec![prompt.name.clone()],
            ..args.clone()
        };
        let suites = select(ws, &one)?.remove(&prompt.name).unwrap_or_default();
        selection.push(Selected::new(prompt, suites));
    }
    build(ws, args, selection)
}

/// One prompt to plan, on these suites, on its target when it has one (a cell of a
/// comparison grid) else on `--provider` / `--model` or its own.
pub(crate) struct Selected {
    pub prompt: Prompt,
    pub suites: Vec<String>,
    pub target: Option<Target>,
}

impl Selected {
    fn new(prompt: Prompt, suites: Vec<String>) -> Selected {
        Selected {
            prompt,
            suites,
            target: None,
        }
    }
}

/// Plans every selected prompt with one set of providers, so plans on the same
/// provider share its limit however many there are.
pub(crate) fn build(
    ws: &Workspace,
    args: &PlanRequest,
    selection: Vec<Selected>,
) -> Result<Vec<RunPlan>, PlanError> {
    // A workspace that would send a key where the user does not allow runs nothing.
    let refused = provider::trust::check_workspace(&ws.config);
    if !refused.is_empty() {
        return Err(PlanError::at(refused));
    }
    if !crate::assert::command::allowed(args.allow_commands) {
        let suites = selection
            .iter()
            .flat_map(|sel| &sel.suites)
            .map(|n| &ws.suites[n]);
        let refused = commands_refused(ws, suites);
        if !refused.is_empty() {
            return Err(PlanError::at(refused));
        }
    }
    let jobs = args.jobs;
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
        .iter()
        .flat_map(|sel| &sel.suites)
        .any(|s| uses_rubric(&ws.suites[s]));
    let grader_cfg = match (&ws.config.grader, needs_grader) {
        (Some(g), true) => Some(g),
        (None, true) => {
            return Err(PlanError::new(
                "a selected suite uses a grader-judged assertion (llm-rubric, factuality, model-graded-closedqa) but workspace.toml has no [grader]",
                "add [grader] with provider = \"NAME\" and model = \"MODEL\" to workspace.toml",
            ));
        }
        _ => None,
    };
    let needs_embedder = selection.iter().flat_map(|sel| &sel.suites).any(|s| {
        uses(&ws.suites[s], |k| {
            matches!(k, crate::assert::Kind::Similar(_))
        })
    });
    let embedder = if needs_embedder {
        Some(embedder(ws)?)
    } else {
        None
    };
    let mut plans = Vec::new();
    for Selected {
        prompt,
        suites: suite_names,
        target,
    } in selection
    {
        let prompt_name = prompt.name.clone();
        let provider_name = target
            .as_ref()
            .map(|t| &t.provider)
            .or(args.provider.as_ref());
        let provider_cfg = match provider_name {
            Some(p) => ws
                .config
                .providers
                .get(p)
                .ok_or_else(|| unknown("provider", p, ws.config.providers.keys()))?,
            None => ws
                .provider_for(&prompt)
                .ok_or_else(|| match &prompt.def.provider {
                    // A release may name a provider removed from workspace.toml since.
                    Some(p) => PlanError::new(
                        format!(
                            "{} names provider `{p}`, which workspace.toml does not define",
                            prompt.rel_path
                        ),
                        format!("define [providers.{p}] in workspace.toml"),
                    ),
                    None => PlanError::new(
                        format!("prompt `{prompt_name}` has no provider"),
                        "set provider in the prompt or default_provider in workspace.toml",
                    ),
                })?,
        };
        if recorder.is_some() && provider_cfg.kind == ProviderKind::Replay {
            return Err(PlanError::new(
                format!(
                    "--record with provider `{}`, which only replays",
                    provider_cfg.name
                ),
                "record from a real provider: `promptwright eval --provider NAME --record`",
            ));
        }
        let model = target.and_then(|t| t.model).or_else(|| args.model.clone());
        let model = match model.or_else(|| prompt.def.model.clone()) {
            Some(m) => m,
            None if matches!(provider_cfg.kind, ProviderKind::Echo | ProviderKind::Replay) => {
                provider_cfg.kind.as_str().to_string()
            }
            None => {
                return Err(PlanError::new(
                    format!(
                        "prompt `{prompt_name}` names no model for provider `{}`",
                        provider_cfg.name
                    ),
                    format!("add model = \"...\" to {} or pass --model", prompt.rel_path),
                ));
            }
        };
        let resume = if args.resume {
            let shard = args.shard.map(|s| s.to_string());
            store::find_resumable(
                &ws.root,
                &prompt.content_sha256,
                &provider_cfg.name,
                &model,
                shard.as_deref(),
            )
            .map(|(path, header, recorded, samples)| Resume {
                path,
                header,
                recorded,
                samples,
            })
        } else {
            None
        };
        let suites: Vec<Suite> = suite_names
            .iter()
            .map(|s| only(&ws.suites[s], args.only_cases.as_deref(), args.shard))
            .collect();
        let draws: Vec<(&Suite, u32)> = suites
            .iter()
            .map(|s| (s, args.repeat.unwrap_or(s.repeat)))
            .collect();
        crate::can_sample::check(
            provider_cfg,
            &prompt,
            &model,
            &draws,
            args.repeat.is_some(),
            &ws.root,
        )?;
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
            prompt,
            suites,
            provider,
            model,
            concurrency: jobs.unwrap_or(provider_cfg.concurrency as usize),
            use_cache: !args.no_cache,
            recorder: recorder.clone(),
            grader,
            resume,
            repeat: args.repeat,
            embedder: embedder.clone(),
            shard: args.shard,
            budget: None,
            batch: None,
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

/// Every `command` assertion of `suites`, as the problems `check` and `eval` report when
/// programs are not allowed: a workspace from a pull request must not run programs on
/// its own say.
pub fn commands_refused<'a>(
    ws: &Workspace,
    suites: impl IntoIterator<Item = &'a Suite>,
) -> Vec<Diagnostic> {
    let is_command =
        |a: &crate::assert::Assertion| matches!(a.kind, crate::assert::Kind::Command(_));
    let refuse = |d: Diagnostic, a: &crate::assert::Assertion| {
        let program = match &a.kind {
            crate::assert::Kind::Command(p) => p.argv.join(" "),
            _ => String::new(),
        };
        Diagnostic {
            message: format!(
                "`command` assertion would run `{program}`, and programs are not allowed"
            ),
            ..d
        }
        .with_help(format!(
            "run it only if you trust this workspace: pass --allow-commands or set {}=1",
            crate::assert::command::ALLOW_ENV
        ))
    };
    let mut out = Vec::new();
    for suite in suites {
        for a in suite.assertions.iter().filter(|a| is_command(a)) {
            out.push(refuse(Diagnostic::file(ws.shown(&suite.rel_path), ""), a));
        }
        for case in suite.cases.iter() {
            for a in case.assertions.iter().filter(|a| is_command(a)) {
                let mut d = Diagnostic::file(case.origin.file.to_string(), "");
                d.line = case.origin.line;
                d.col = 1;
                out.push(refuse(d, a));
            }
        }
    }
    out
}

/// Whether any assertion of the suite is of a kind `is`.
fn uses(suite: &Suite, is: impl Fn(&crate::assert::Kind) -> bool) -> bool {
    suite
        .assertions
        .iter()
        .chain(suite.cases.iter().flat_map(|c| &c.assertions))
        .any(|a| is(&a.kind))
}

/// The `[embedder]` ready to call (its host checked like any provider's).
fn embedder(ws: &Workspace) -> Result<EmbedderPlan, PlanError> {
    let e = ws.config.embedder.as_ref().ok_or_else(|| {
        PlanError::new(
            "a selected suite uses `similar` but workspace.toml has no [embedder]",
            "add [embedder] with provider = \"NAME\" (of kind openai) and model = \"MODEL\" to workspace.toml",
        )
    })?;
    let cfg = &ws.config.providers[&e.provider];
    let embedder = crate::provider::embed::Embedder::new(cfg, &e.model).map_err(|err| {
        PlanError::new(
            err.to_string(),
            format!("see [providers.{}] in workspace.toml", cfg.name),
        )
    })?;
    Ok(EmbedderPlan {
        embedder: Arc::new(embedder),
        scope: format!(
            "{} {}",
            provider::cache_scope(cfg).unwrap_or_default(),
            e.model
        ),
    })
}

fn uses_rubric(suite: &Suite) -> bool {
    suite
        .assertions
        .iter()
        .chain(suite.cases.iter().flat_map(|c| &c.assertions))
        .any(|a| a.kind.grader_ask().is_some())
}

/// The cassette `--record` writes: the one of the workspace's replay provider.
fn recorder(ws: &Workspace) -> Result<Recorder, PlanError> {
    let replays: Vec<&ProviderConfig> = ws
        .config
        .providers
        .values()
        .filter(|p| p.kind == ProviderKind::Replay)
        .collect();
    let cfg = match replays.as_slice() {
        [one] => *one,
        [] => {
            return Err(PlanError::new(
                "--record needs a replay provider to name the cassette",
                "add to workspace.toml: [providers.recorded] kind = \"replay\" cassette = \"evals/cassettes/NAME.jsonl\"",
            ));
        }
        many => {
            let names: Vec<&str> = many.iter().map(|p| p.name.as_str()).collect();
            return Err(PlanError::new(
                format!(
                    "--record: several replay providers ({}), so the cassette is ambiguous",
                    names.join(", ")
                ),
                "keep one replay provider while recording",
            ));
        }
    };
    let given = cfg.cassette.clone().unwrap_or_default();
    // Checked again at the last moment: a link made since loading must not redirect
    // the appends out of the workspace.
    let path = crate::workspace::confine::inside(&ws.root, &given).map_err(|e| {
        PlanError::new(
            format!("cassette {}: {e}", given.display()),
            e.help("a cassette"),
        )
    })?;
    Recorder::open(&path).map_err(|e| {
        PlanError::new(
            format!("cannot open cassette {}: {e}", path.display()),
            "check the path in workspace.toml",
        )
    })
}
