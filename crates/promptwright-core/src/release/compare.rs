//! Two refs of a prompt side by side: what `diff` prints and the Diff pane draws. Both
//! front ends resolve the sides and find each side's latest results here, and only
//! phrase the outcome their own way.

use std::path::Path;

use super::refs::{Ref, RefError, Resolved, resolve};
use super::runs::{SideResults, side_results};
use crate::diff::{OutputDiff, PromptDiff};
use crate::workspace::PromptDef;

/// One side of a comparison. `draft`, when given, stands for `prompts/NAME.toml`: the
/// workbench passes the editor's text, so a diff shows edits before they are saved.
pub fn side(
    root: &Path,
    name: &str,
    reference: &Ref,
    draft: Option<&PromptDef>,
) -> Result<Resolved, RefError> {
    match (reference, draft) {
        (Ref::Draft, Some(def)) => Ok(Resolved {
            reference: Ref::Draft,
            def: def.clone(),
            version: None,
            release: None,
            rel_path: format!("prompts/{name}.toml"),
        }),
        _ => resolve(root, name, reference),
    }
}

/// The prompt definitions of two sides compared.
pub fn prompts(from: &Resolved, to: &Resolved) -> PromptDiff {
    PromptDiff::new(&from.def, &to.def)
}

/// A side that has no result to compare: nothing evaluated its content yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoRun {
    pub reference: Ref,
    /// `draft`, `current (v3)`, `v2`.
    pub label: String,
    pub content_sha256: String,
    pub rel_path: String,
}

/// The outputs of two sides compared case by case, each side's latest result per case.
#[derive(Debug, Clone)]
pub struct Outputs {
    pub old: SideResults,
    pub new: SideResults,
    pub diff: OutputDiff,
}

/// Each side's latest results (see [`side_results`]) compared; the first side with none
/// is named.
pub fn outputs(root: &Path, name: &str, from: &Resolved, to: &Resolved) -> Result<Outputs, NoRun> {
    let results = |side: &Resolved| {
        let sha = side.content_sha256();
        side_results(root, name, &sha).ok_or_else(|| NoRun {
            reference: side.reference,
            label: side.label(),
            content_sha256: sha,
            rel_path: side.rel_path.clone(),
        })
    };
    let old = results(from)?;
    let new = results(to)?;
    let diff = OutputDiff::of_latest(&old.cases, &new.cases);
    Ok(Outputs { old, new, diff })
}
