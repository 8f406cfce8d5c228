//! Moving a label back: to the version it pointed at before, or to one it held at some
//! point. No gate runs, as for a rollback of `current`: the version passed this label's
//! thresholds when it got there. Written like a promotion (log line, then label file).

use std::path::Path;

use super::error::ReleaseError;
use super::export::{now, refuse_half_written};
use super::log::{LabelEvent, LogEntry};
use super::promote::{LabelMove, label_error, label_history, move_label, version_text};
use super::{Ref, ReleaseFile, resolve};
use crate::vocab::did_you_mean;

/// A label moved back, checked and ready to write; what `--dry-run` shows.
#[derive(Debug, Clone, PartialEq)]
pub struct LabelRollbackPlan {
    pub name: String,
    pub label: String,
    /// The version the label points at now.
    pub from: ReleaseFile,
    /// The version it goes back to (one it held before).
    pub to: ReleaseFile,
    pub to_text: String,
}

impl LabelMove for LabelRollbackPlan {
    fn prompt(&self) -> &str {
        &self.name
    }
}

/// Plans moving `label` of `name` back to `to`, by default the version it pointed at
/// before its current one. Only a version that held the label before qualifies: a
/// rollback needs no gate because the version passed this label's once.
pub fn plan_label_rollback(
    root: &Path,
    name: &str,
    label: &str,
    to: Option<u32>,
) -> Result<LabelRollbackPlan, ReleaseError> {
    resolve(root, name, &Ref::Current)
        .map(|_| ())
        .or_else(|e| match e {
            super::RefError::NoRelease { .. } => Ok(()),
            e => Err(e),
        })?;
    refuse_half_written(root, name)?;
    let history = label_history(root, name)?;
    let Some(&now_at) = history.current.get(label) else {
        let mut known: Vec<String> = history.current.keys().cloned().collect();
        if let Some(c) = crate::workspace::lenient::read_config(root) {
            known.extend(c.labels.keys().cloned());
        }
        known.sort();
        known.dedup();
        let help = match did_you_mean(label, known.iter().map(String::as_str)) {
            Some(s) => format!("did you mean `{s}`?"),
            None if history.current.is_empty() => format!(
                "no label of `{name}` has moved yet: `promptwright promote {name} --to LABEL` moves one"
            ),
            None => format!(
                "labels of `{name}`: {}",
                history
                    .current
                    .keys()
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        return Err(label_error(
            format!("`{name}` has no label `{label}` to roll back"),
            help,
        ));
    };
    let path = history.path.get(label).cloned().unwrap_or_default();
    let target = match to {
        Some(n) => {
            resolve(root, name, &Ref::Version(n))?;
            if n == now_at {
                return Err(label_error(
                    format!("`{label}` of `{name}` points at v{n} already"),
                    format!("`promptwright history {name}` lists where it has been"),
                ));
            }
            if !history.has_held(label, n) {
                return Err(label_error(
                    format!("`{label}` of `{name}` never pointed at v{n}: a rollback only goes back to a version the label held"),
                    format!("to move it to a new version, gate it: `promptwright promote {name} --to {label} --version {n} --reason TEXT`"),
                ));
            }
            n
        }
        None => path
            .iter()
            .rev()
            .copied()
            .find(|v| *v != now_at)
            .ok_or_else(|| {
                label_error(
                    format!("`{label}` of `{name}` has pointed only at v{now_at}: there is nothing to roll back to"),
                    format!("`promptwright history {name}` lists its moves"),
                )
            })?,
    };
    let load = |v: u32| -> Result<ReleaseFile, ReleaseError> {
        Ok(resolve(root, name, &Ref::Version(v))?
            .release
            .expect("a resolved `vN` carries its release file"))
    };
    Ok(LabelRollbackPlan {
        name: name.to_string(),
        label: label.to_string(),
        from: load(now_at)?,
        to: load(target)?,
        to_text: version_text(root, name, target)?,
    })
}

/// Moves the label back as planned and logs it.
pub fn rollback_label(
    root: &Path,
    plan: &LabelRollbackPlan,
    reason: &str,
    author: &str,
) -> Result<LogEntry, ReleaseError> {
    if reason.trim().is_empty() {
        return Err(ReleaseError::Empty { what: "reason" });
    }
    let entry = LogEntry::LabelRollback(LabelEvent {
        prompt: plan.name.clone(),
        label: plan.label.clone(),
        version: plan.to.version,
        from_version: Some(plan.from.version),
        at: now(),
        author: author.to_string(),
        reason: reason.trim().to_string(),
        content_sha256: plan.to.content_sha256.clone(),
        run: None,
    });
    move_label(
        root,
        plan,
        &plan.to_text,
        Some(plan.from.version),
        entry,
        "label-rollback",
    )
}
