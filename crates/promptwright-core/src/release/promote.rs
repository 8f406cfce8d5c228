//! Moving a label: `promote` gates a released version on a fresh run against the
//! label's thresholds, then points the label at it. The steps mirror a release's so a
//! front end can show each: [`plan_promote`] (files only) → [`PromotePlan::plans`] →
//! run (the same runner and cache as `gate`) → [`PromotePlan::verdict`] (the one gate
//! verdict, reduced to the checks a label holds) → [`promote`] (the log line, then
//! `releases/NAME@LABEL.toml`, under the release lock). Moving a label back is
//! [`super::label_rollback`].

use std::path::Path;

use super::error::ReleaseError;
use super::export::{now, refuse_half_written};
use super::gate::{self, GateInput, RUNS_COMPLETE, Verdict};
use super::labels::{LabelHistory, label_rel};
use super::log::{LabelEvent, LabelRun, LogEntry, append_log, log_rel, read_log};
use super::{Ref, ReleaseFile, resolve, version_rel};
use crate::fsutil::write_atomic;
use crate::plan::{self, PlanError, PlanRequest};
use crate::runner::RunPlan;
use crate::store::RunRecord;
use crate::vocab::did_you_mean;
use crate::workspace::config::SuiteGate;
use crate::workspace::labels::LabelConfig;
use crate::workspace::{GateConfig, Prompt, Workspace};

/// The checks a label holds a version to: a fresh run of a version that passed a gate
/// already has nothing to regress from, so only these of the gate's apply.
const LABEL_CHECKS: &[&str] = &[RUNS_COMPLETE, "min_pass_rate", "max_errors"];

/// A promotion, checked and ready to run.
#[derive(Debug, Clone)]
pub struct PromotePlan {
    pub name: String,
    pub label: LabelConfig,
    /// The version to move the label to.
    pub target: ReleaseFile,
    /// Its file's bytes, which the label file becomes.
    pub target_text: String,
    /// Its definition as a runnable prompt.
    pub prompt: Prompt,
    /// The version the label points at now.
    pub from: Option<u32>,
    pub suites: Vec<String>,
    /// The thresholds: the label's, else `[gate]`'s.
    pub gate: GateConfig,
}

pub(super) fn label_error(message: String, help: String) -> ReleaseError {
    ReleaseError::Label { message, help }
}

/// The label `label` of the workspace's `[labels]`, or an error with a suggestion.
pub fn configured_label<'a>(
    ws: &'a Workspace,
    label: &str,
) -> Result<&'a LabelConfig, ReleaseError> {
    if let Some(l) = ws.config.labels.get(label) {
        return Ok(l);
    }
    let known: Vec<&str> = ws.config.labels.keys().map(String::as_str).collect();
    let help = match did_you_mean(label, known.iter().copied()) {
        Some(s) => format!("did you mean `{s}`?"),
        None if known.is_empty() => {
            format!("the workspace defines no labels: add [labels.{label}] to workspace.toml")
        }
        None => format!(
            "labels defined in workspace.toml: {}; add [labels.{label}] for a new one",
            known.join(", ")
        ),
    };
    Err(label_error(format!("no label named `{label}`"), help))
}

/// The log's history of the labels of `name`.
pub fn label_history(root: &Path, name: &str) -> Result<LabelHistory, ReleaseError> {
    let entries = read_log(root, name, &log_rel(name)).map_err(ReleaseError::Invalid)?;
    Ok(LabelHistory::of(&entries))
}

/// The bytes of `releases/NAME/vN.toml`.
pub(super) fn version_text(root: &Path, name: &str, version: u32) -> Result<String, ReleaseError> {
    let rel = version_rel(name, version);
    std::fs::read_to_string(root.join(&rel)).map_err(|e| ReleaseError::Io {
        path: rel,
        message: e.to_string(),
    })
}

/// Plans moving `label` of prompt `name` to `version` (default: the current release).
/// Reads and checks files only; nothing runs and nothing is written.
pub fn plan_promote(
    ws: &Workspace,
    name: &str,
    label: &str,
    version: Option<u32>,
) -> Result<PromotePlan, ReleaseError> {
    let root = &ws.root;
    let config = configured_label(ws, label)?.clone();
    let reference = version.map_or(Ref::Current, Ref::Version);
    let resolved = resolve(root, name, &reference)?;
    let target = resolved
        .release
        .expect("a resolved `current` or `vN` carries its release file");
    let v = target.version;
    refuse_half_written(root, name)?;
    let history = label_history(root, name)?;
    let from = history.current.get(label).copied();
    if from == Some(v) {
        return Err(label_error(
            format!("`{label}` of `{name}` points at v{v} already"),
            format!(
                "promote another version with --version N; `promptwright history {name}` lists them"
            ),
        ));
    }
    if let Some(after) = &config.after {
        if !history.has_held(after, v) {
            return Err(label_error(
                format!("v{v} of `{name}` has never held `{after}`, which `{label}` comes after"),
                format!(
                    "promote it there first: `promptwright promote {name} --to {after} --version {v} --reason TEXT`"
                ),
            ));
        }
    }
    let suites: Vec<String> = ws.suites_of(name).map(|s| s.name.clone()).collect();
    if suites.is_empty() {
        return Err(ReleaseError::NoSuites {
            name: name.to_string(),
        });
    }
    let prompt = super::proposal::compiled(ws, name, &resolved.rel_path, v, target.prompt_def())?;
    Ok(PromotePlan {
        name: name.to_string(),
        gate: thresholds(&config, &ws.config.gate),
        label: config,
        target_text: version_text(root, name, v)?,
        target,
        prompt,
        from,
        suites,
    })
}

/// The label's thresholds, each falling back to `[gate]`'s (and its suite overrides).
fn thresholds(label: &LabelConfig, gate: &GateConfig) -> GateConfig {
    let mut suite = std::collections::BTreeMap::new();
    for name in gate.suite.keys().chain(label.suite.keys()) {
        let mine = label.suite.get(name);
        let theirs = gate.suite.get(name);
        suite.insert(
            name.clone(),
            SuiteGate {
                min_pass_rate: mine
                    .and_then(|s| s.min_pass_rate)
                    .or(theirs.and_then(|s| s.min_pass_rate)),
                max_regressions: None,
                max_errors: mine
                    .and_then(|s| s.max_errors)
                    .or(theirs.and_then(|s| s.max_errors)),
            },
        );
    }
    GateConfig {
        min_pass_rate: label.min_pass_rate.or(gate.min_pass_rate),
        max_errors: label.max_errors.or(gate.max_errors),
        suite,
        repeats: label.repeats.unwrap_or(gate.repeats),
        ..GateConfig::default()
    }
}

impl PromotePlan {
    /// The fresh run of the version on every suite of the prompt, through the same
    /// planner as `gate` (providers, keys, cache). The version runs as released: any
    /// provider or model in `opts` is ignored. The label's `repeats` above 1 samples
    /// every case that often; else `[gate] repeats`, else each suite's `repeat`.
    pub fn plans(&self, ws: &Workspace, opts: &PlanRequest) -> Result<RunPlan, PlanError> {
        let request = PlanRequest {
            suites: Vec::new(),
            prompts: Vec::new(),
            only_cases: None,
            record: false,
            resume: false,
            provider: None,
            model: None,
            repeat: self
                .label
                .repeats
                .or((ws.config.gate.repeats > 1).then_some(ws.config.gate.repeats))
                .or(opts.repeat),
            ..opts.clone()
        };
        plan::plans_of(ws, &request, vec![self.prompt.clone()])
            .map(|plans| plans.into_iter().next().expect("one plan per prompt given"))
    }

    /// The verdict on the fresh run: the gate's one function, with no baseline, keeping
    /// the checks a label holds (`runs_complete`, `min_pass_rate`, `max_errors`, and
    /// their per-suite forms).
    pub fn verdict(&self, run: &RunRecord) -> Verdict {
        let mut v = gate::evaluate(&GateInput {
            draft: run,
            draft_variables: &self.prompt.variables,
            baseline: None,
            config: &self.gate,
            suites: &self.suites,
        });
        v.checks.retain(|c| {
            let key = c.name.rsplit('.').next().unwrap_or(&c.name);
            LABEL_CHECKS.contains(&key)
        });
        // The checks word their run as a draft's; here it is the released version's.
        for c in &mut v.checks {
            c.detail = c.detail.replace("the draft's run", "the fresh run");
        }
        v.passed = v.checks.iter().all(|c| c.passed);
        v
    }
}

/// Points the label at `plan.target` and logs it, on a passing verdict about that very
/// version. Fails without writing when the label moved since the plan was made.
pub fn promote(
    root: &Path,
    plan: &PromotePlan,
    verdict: &Verdict,
    reason: &str,
    author: &str,
) -> Result<LogEntry, ReleaseError> {
    let name = &plan.name;
    let label = &plan.label.name;
    if reason.trim().is_empty() {
        return Err(ReleaseError::Empty { what: "reason" });
    }
    if !verdict.passed {
        return Err(ReleaseError::Blocked {
            name: name.clone(),
            failing: verdict.failing().map(|c| c.name.clone()).collect(),
        });
    }
    if verdict.draft.content_sha256 != plan.target.content_sha256 {
        return Err(ReleaseError::Stale { name: name.clone() });
    }
    let entry = LogEntry::Promote(LabelEvent {
        prompt: name.clone(),
        label: label.clone(),
        version: plan.target.version,
        from_version: plan.from,
        at: now(),
        author: author.to_string(),
        reason: reason.trim().to_string(),
        content_sha256: plan.target.content_sha256.clone(),
        run: Some(LabelRun {
            run_id: verdict.draft.run_id.clone(),
            cases: verdict.draft.cases,
            passed: verdict.draft.passed,
            errors: verdict.draft.errors,
            pass_rate: verdict.draft.pass_rate,
        }),
    });
    move_label(root, plan, &plan.target_text, plan.from, entry, "promote")
}

/// The shared write of a label move, under the release lock: the state is checked
/// again (the label still where the plan found it, the version file unchanged), then
/// the log line, then the label file. A kill between the two leaves a state `check`
/// names and `release --repair` finishes.
pub(super) fn move_label(
    root: &Path,
    plan_name: &impl LabelMove,
    text: &str,
    from: Option<u32>,
    entry: LogEntry,
    failpoint: &str,
) -> Result<LogEntry, ReleaseError> {
    let name = plan_name.prompt();
    let label = entry.label().unwrap_or_default().to_string();
    let _lock = super::lock::lock_folder(root, name)?;
    refuse_half_written(root, name)?;
    let target = label_rel(name, &label);
    crate::workspace::confine::inside(root, Path::new(&target)).map_err(|e| {
        ReleaseError::Outside {
            path: target.clone(),
            message: e.to_string(),
        }
    })?;
    let history = label_history(root, name)?;
    if history.current.get(&label).copied() != from
        || version_text(root, name, entry.version())? != text
    {
        return Err(ReleaseError::Stale {
            name: name.to_string(),
        });
    }
    let io = |path: String| {
        move |e: std::io::Error| ReleaseError::Io {
            path,
            message: e.to_string(),
        }
    };
    append_log(root, name, &entry).map_err(io(log_rel(name)))?;
    crate::failpoint::kill_at(&format!("{failpoint}:after-log"));
    write_atomic(&root.join(&target), text.as_bytes()).map_err(io(target.clone()))?;
    Ok(entry)
}

/// What a label move is of.
pub(super) trait LabelMove {
    fn prompt(&self) -> &str;
}

impl LabelMove for PromotePlan {
    fn prompt(&self) -> &str {
        &self.name
    }
}
