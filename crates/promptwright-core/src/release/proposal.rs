//! A release proposal: the draft, the current release it would replace, the version it
//! would become, and the runs that gate it. The steps are separate so a front end can
//! show each: [`Proposal::load`] (files only, fast) → [`Proposal::plans`] (providers,
//! keys; no call yet) → [`run_gate`] (async, streams `RunEvent`s, cancellable) →
//! [`Proposal::verdict`] (pure) → [`export`](super::export::export).

use std::sync::Arc;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::error::ReleaseError;
use super::gate::{self, Baseline, GateInput, Verdict};
use super::{Ref, RefError, ReleaseFile, resolve, versions};
use crate::plan::{self, PlanError, PlanRequest};
use crate::runner::{self, RunError, RunEvent, RunPlan};
use crate::store::RunRecord;
use crate::vocab::Diagnostic;
use crate::workspace::{Prompt, Workspace};

/// The current release, loaded and compiled so it can be run.
#[derive(Debug, Clone)]
pub struct Current {
    pub release: ReleaseFile,
    /// Its definition as a runnable prompt (`rel_path` names the release file).
    pub prompt: Prompt,
}

/// What releasing the draft of one prompt would do.
#[derive(Debug, Clone)]
pub struct Proposal {
    pub name: String,
    /// The draft as loaded with the workspace: this definition is what gets evaluated
    /// and, on a pass, written, even if the file changes meanwhile.
    pub draft: Prompt,
    /// `None` before the first release.
    pub current: Option<Current>,
    /// The version a release would write: the highest existing one plus one.
    pub next_version: u32,
    /// The suites of the prompt, by name: both sides run on all of them.
    pub suites: Vec<String>,
}

impl Proposal {
    /// Reads the draft (from the loaded workspace) and the current release.
    pub fn load(ws: &Workspace, name: &str) -> Result<Proposal, ReleaseError> {
        let Some(draft) = ws.prompts.get(name) else {
            // The resolver words every way a name can be wrong.
            resolve(&ws.root, name, &Ref::Draft)?;
            return Err(ReleaseError::Ref(RefError::NoDraft {
                name: name.to_string(),
            }));
        };
        let current = load_current(ws, name)?;
        let next_version = versions(&ws.root, name).last().map_or(1, |v| v + 1);
        let suites: Vec<String> = ws.suites_of(name).map(|s| s.name.clone()).collect();
        if suites.is_empty() {
            return Err(ReleaseError::NoSuites {
                name: name.to_string(),
            });
        }
        Ok(Proposal {
            name: name.to_string(),
            draft: draft.clone(),
            current,
            next_version,
            suites,
        })
    }

    /// The draft as it would ship on another provider or model (`gate` and `release`
    /// with `--provider` / `--model`): its definition names them, so the swap itself is
    /// what is evaluated, hashed and, on a pass, released, and judged against the
    /// current release as it was released.
    pub fn retarget(
        &mut self,
        ws: &Workspace,
        provider: Option<&str>,
        model: Option<&str>,
    ) -> Result<(), PlanError> {
        if provider.is_none() && model.is_none() {
            return Ok(());
        }
        let mut def = self.draft.def.clone();
        if let Some(p) = provider {
            if !ws.config.providers.contains_key(p) {
                return Err(plan::unknown("provider", p, ws.config.providers.keys()));
            }
            def.provider = Some(p.to_string());
        }
        if let Some(m) = model {
            def.model = Some(m.to_string());
        }
        // The messages are the draft's, which compiled: only the names changed.
        if let Ok(p) = Prompt::from_def(&self.name, &self.draft.rel_path, def) {
            self.draft = p;
        }
        Ok(())
    }

    /// The version the draft is compared with.
    pub fn baseline_version(&self) -> Option<u32> {
        self.current.as_ref().map(|c| c.release.version)
    }

    /// The draft is the current release: same content hash.
    pub fn is_unchanged(&self) -> bool {
        self.current
            .as_ref()
            .is_some_and(|c| c.release.content_sha256 == self.draft.content_sha256)
    }

    /// Plans both runs on every suite of the prompt, through the same planner as `eval`
    /// (so the same providers, cache and checks). `opts` may set jobs or `no_cache`;
    /// its suite and prompt selection is ignored: a gate always runs every suite. Its
    /// provider and model apply to the draft alone (see [`Proposal::retarget`] for a
    /// swap that is released as evaluated): the current release runs as released.
    pub fn plans(&self, ws: &Workspace, opts: &PlanRequest) -> Result<GatePlans, PlanError> {
        let request = PlanRequest {
            suites: Vec::new(),
            prompts: Vec::new(),
            only_cases: None,
            record: false,
            resume: false,
            // `[gate] repeats` above 1 samples both sides that often; else each suite
            // draws its own `repeat`.
            repeat: (ws.config.gate.repeats > 1)
                .then_some(ws.config.gate.repeats)
                .or(opts.repeat),
            ..opts.clone()
        };
        let as_released = PlanRequest {
            provider: None,
            model: None,
            ..request.clone()
        };
        let one = |request: &PlanRequest, prompt: &Prompt| {
            plan::plans_of(ws, request, vec![prompt.clone()])
                .map(|plans| plans.into_iter().next().expect("one plan per prompt given"))
        };
        Ok(GatePlans {
            draft: one(&request, &self.draft)?,
            baseline: match &self.current {
                Some(c) => Some(one(&as_released, &c.prompt)?),
                None => None,
            },
        })
    }

    /// The verdict on finished runs (pure; see [`gate::evaluate`]).
    pub fn verdict(&self, ws: &Workspace, runs: &GateRuns) -> Verdict {
        let baseline = match (&self.current, &runs.baseline) {
            (Some(c), Some(run)) => Some(Baseline {
                version: c.release.version,
                run,
                variables: &c.prompt.variables,
            }),
            _ => None,
        };
        gate::evaluate(&GateInput {
            draft: &runs.draft,
            draft_variables: &self.draft.variables,
            baseline,
            config: &ws.config.gate,
            suites: &self.suites,
        })
    }
}

/// The current release of `name`, compiled so it can be run (what the gate runs as the
/// baseline); `None` before the first release.
pub fn load_current(ws: &Workspace, name: &str) -> Result<Option<Current>, ReleaseError> {
    match resolve(&ws.root, name, &Ref::Current) {
        Ok(r) => {
            let release = r
                .release
                .expect("a resolved `current` carries its release file");
            let prompt = compiled(ws, name, &r.rel_path, release.version, release.prompt_def())?;
            Ok(Some(Current { release, prompt }))
        }
        // Never released: a first release.
        Err(RefError::NoRelease { versions, .. }) if versions.is_empty() => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// The two runs of a gate, planned.
pub struct GatePlans {
    pub draft: RunPlan,
    /// The current release's run; `None` for a first release.
    pub baseline: Option<RunPlan>,
}

/// The two runs of a gate, done.
#[derive(Debug, Clone, PartialEq)]
pub struct GateRuns {
    pub draft: RunRecord,
    pub baseline: Option<RunRecord>,
}

/// Runs the draft, then the current release, sending every `RunEvent` of both on
/// `events` (each run starts with `RunEvent::Started`, whose header's content hash says
/// which side it is). On cancel both records are kept, marked incomplete, and the
/// verdict fails `runs_complete`.
pub async fn run_gate(
    plans: GatePlans,
    events: mpsc::UnboundedSender<RunEvent>,
    cancel: CancellationToken,
) -> Result<GateRuns, RunError> {
    let draft =
        Arc::unwrap_or_clone(runner::run(plans.draft, events.clone(), cancel.clone()).await?);
    let baseline = match plans.baseline {
        Some(p) => Some(Arc::unwrap_or_clone(runner::run(p, events, cancel).await?)),
        None => None,
    };
    Ok(GateRuns { draft, baseline })
}

/// Version `version` of prompt `name`, read from `rel_path`, compiled; its template
/// errors (a release file edited by hand) are reported against that file.
pub(super) fn compiled(
    ws: &Workspace,
    name: &str,
    rel_path: &str,
    version: u32,
    def: crate::workspace::PromptDef,
) -> Result<Prompt, ReleaseError> {
    let rel = format!("{rel_path} (v{version})");
    Prompt::from_def(name, &rel, def).map_err(|errs| {
        ReleaseError::Invalid(
            errs.into_iter()
                .map(|e| {
                    Diagnostic::file(
                        ws.shown(rel_path),
                        format!(
                            "template syntax error in message {}: {}",
                            e.message_index + 1,
                            e.message
                        ),
                    )
                })
                .collect(),
        )
    })
}
