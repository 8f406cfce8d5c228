//! Releases: `releases/NAME/vN.toml` (every released version, immutable) and
//! `releases/NAME.toml` (the current one, what applications load), and the REFs that
//! name a version (`draft`, `current`, `vN`).
//!
//! The way out: [`Proposal`] (draft vs current) → [`run_gate`] → [`gate::evaluate`]
//! (the one [`Verdict`]) → [`export`]; and back: [`plan_rollback`] → [`rollback`].
//! Labels (`releases/NAME@LABEL.toml`, see [`labels`]): [`plan_promote`] → a fresh run
//! → [`PromotePlan::verdict`] → [`promote`]; back with [`plan_label_rollback`] →
//! [`rollback_label`]. Applications load a REF or label through
//! [`render::ReleasedPrompt`]. [`history`], [`stats`] and [`verify`] read what those wrote.

mod checks;
pub mod compare;
pub mod consistency;
pub mod error;
pub mod export;
pub mod file;
pub mod gate;
pub mod gatelog;
pub mod history;
pub mod label_rollback;
pub mod labels;
pub mod lock;
pub mod log;
pub mod promote;
pub mod proposal;
pub mod refs;
pub mod render;
pub mod repair;
pub mod rollback;
pub mod runs;
pub mod stats;
pub mod verify;

use std::path::Path;

pub use error::ReleaseError;
pub use export::{Exported, ReleaseRequest, default_author, export};
pub use file::{Check, Evidence, ReleaseFile, ReleaseInfo, WriteError};
pub use gate::{Baseline, GateCheck, GateInput, Verdict, evaluate};
pub use gatelog::{GateRecord, read_gates, record_gate};
pub use history::history;
pub use label_rollback::{LabelRollbackPlan, plan_label_rollback, rollback_label};
pub use labels::{LabelHistory, label_rel};
pub use log::{LabelEvent, LabelRun, LogEntry, ReleaseEvent, RollbackEvent, read_log};
pub use promote::{PromotePlan, plan_promote, promote};
pub use proposal::{Current, GatePlans, GateRuns, Proposal, run_gate};
pub use refs::{
    Ref, RefError, RefParseError, ReleaseRef, Resolved, load_ref, resolve, resolve_release,
    versions,
};
pub use repair::repair;
pub use rollback::{RollbackPlan, plan_rollback, rollback};
pub use runs::{SideResults, latest_run, side_results};
pub use stats::PromptStats;
pub use verify::{Verification, verify};

pub const RELEASES_DIR: &str = "releases";

/// `releases/NAME.toml`, relative to the workspace root.
pub fn current_rel(name: &str) -> String {
    format!("{RELEASES_DIR}/{name}.toml")
}

/// The content hash `releases/NAME.toml` records, read without verifying the file (for
/// a "changed since the release" mark; `verify` and `resolve` check it). `None` when
/// there is no readable release inside the workspace.
pub fn current_sha256(root: &Path, name: &str) -> Option<String> {
    let path = crate::workspace::confine::inside(root, &root.join(current_rel(name))).ok()?;
    let text = std::fs::read_to_string(path).ok()?;
    let v: toml::Table = toml::from_str(&text).ok()?;
    v.get("content_sha256")?.as_str().map(str::to_string)
}

/// `releases/NAME/vN.toml`, relative to the workspace root.
pub fn version_rel(name: &str, version: u32) -> String {
    format!("{RELEASES_DIR}/{name}/v{version}.toml")
}

/// Names of every prompt with a draft or a release, sorted: what "did you mean" picks
/// from, and what a picker lists.
pub fn prompt_names(root: &Path) -> Vec<String> {
    let mut names = std::collections::BTreeSet::new();
    let stems = |dir: &Path| -> Vec<String> {
        std::fs::read_dir(dir)
            .into_iter()
            .flatten()
            .filter_map(Result::ok)
            .filter_map(|e| {
                let path = e.path();
                let name = path.file_stem()?.to_str()?.to_string();
                let is_toml = path.extension().is_some_and(|x| x == "toml") && path.is_file();
                (is_toml || path.is_dir()).then_some(name)
            })
            .filter(|n| crate::workspace::config::is_valid_name(n))
            .collect()
    };
    names.extend(
        stems(&root.join("prompts"))
            .into_iter()
            .filter(|n| root.join("prompts").join(format!("{n}.toml")).is_file()),
    );
    names.extend(stems(&root.join(RELEASES_DIR)));
    names.into_iter().collect()
}

#[cfg(test)]
mod flow_tests;
#[cfg(test)]
mod tests;
