//! `stats [NAME]`: the three numbers a team watches.
//!
//! - **Regression incidents**: regressions the gate caught (drafts it blocked with at
//!   least one regression, each draft counted once however often it was gated), plus
//!   regressions that got out (each rollback after a release).
//! - **Eval pass rate**: per release (from its evidence) and over recent runs.
//! - **Rollback frequency**: rollbacks per release.
//!
//! [`compute`] is pure over plain data; [`load`] gathers it from the workspace.

use std::collections::BTreeSet;
use std::path::Path;

use serde::Serialize;

use super::file::ReleaseFile;
use super::gatelog::{GateRecord, read_gates};
use super::log::{LogEntry, log_rel, read_log};
use super::{Ref, resolve, versions};
use crate::store::{read_header, read_run, run_files_newest_first};
use crate::vocab::Diagnostic;

/// How many recent runs the pass-rate trend covers by default.
pub const RECENT_RUNS: usize = 10;

/// One released version's evidence.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReleasePoint {
    pub version: u32,
    pub released_at: String,
    pub cases: usize,
    pub passed: usize,
    pub pass_rate: f64,
    /// Regressions against its baseline when it was released (0 unless the gate allowed some).
    pub regressions: usize,
}

/// One eval run of the prompt.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunPoint {
    pub run_id: String,
    pub content_sha256: String,
    /// The released version with this content, if any.
    pub version: Option<u32>,
    pub cases: usize,
    pub pass_rate: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PromptStats {
    pub prompt: String,
    pub current_version: Option<u32>,
    /// Oldest first.
    pub releases: Vec<ReleasePoint>,
    pub rollbacks: usize,
    /// Rollbacks per release; `None` before the first release.
    pub rollback_frequency: Option<f64>,
    /// Gate decisions recorded here (`gate` and `release`), and how many blocked.
    pub gates: usize,
    pub blocked: usize,
    /// Drafts blocked with at least one regression, each counted once.
    pub regressions_caught: usize,
    /// Rollbacks: a release that had to be undone.
    pub regressions_escaped: usize,
    /// caught + escaped.
    pub regression_incidents: usize,
    /// Newest first, complete runs only.
    pub recent_runs: Vec<RunPoint>,
    /// Mean pass rate of `recent_runs`.
    pub recent_pass_rate: Option<f64>,
    /// Each label and the version it points at, per the log.
    pub labels: std::collections::BTreeMap<String, u32>,
    /// `promote` moves, and label rollbacks (a promotion undone).
    pub promotions: usize,
    pub label_rollbacks: usize,
}

/// The stats of one prompt from its releases (any order), log, gate records (any
/// prompt's: they are filtered) and recent runs (newest first).
pub fn compute(
    prompt: &str,
    current_version: Option<u32>,
    releases: &[ReleaseFile],
    log: &[LogEntry],
    gates: &[GateRecord],
    recent_runs: Vec<RunPoint>,
) -> PromptStats {
    let mut points: Vec<ReleasePoint> = releases
        .iter()
        .map(|r| ReleasePoint {
            version: r.version,
            released_at: r.released_at.clone(),
            cases: r.evidence.cases,
            passed: r.evidence.passed,
            pass_rate: r.evidence.pass_rate,
            regressions: r.evidence.regressions,
        })
        .collect();
    points.sort_by_key(|p| p.version);
    let rollbacks = log
        .iter()
        .filter(|e| matches!(e, LogEntry::Rollback(_)) && e.prompt() == prompt)
        .count();
    let mine: Vec<&GateRecord> = gates.iter().filter(|g| g.prompt == prompt).collect();
    let caught: BTreeSet<&str> = mine
        .iter()
        .filter(|g| !g.passed && !g.regressions.is_empty())
        .map(|g| g.draft_sha256.as_str())
        .collect();
    let recent_pass_rate = (!recent_runs.is_empty()).then(|| {
        let mean = recent_runs.iter().map(|r| r.pass_rate).sum::<f64>() / recent_runs.len() as f64;
        (mean * 1000.0).round() / 1000.0
    });
    PromptStats {
        prompt: prompt.to_string(),
        current_version,
        rollback_frequency: (!points.is_empty()).then(|| {
            let f = rollbacks as f64 / points.len() as f64;
            (f * 1000.0).round() / 1000.0
        }),
        releases: points,
        rollbacks,
        gates: mine.len(),
        blocked: mine.iter().filter(|g| !g.passed).count(),
        regressions_caught: caught.len(),
        regressions_escaped: rollbacks,
        regression_incidents: caught.len() + rollbacks,
        recent_runs,
        recent_pass_rate,
        labels: super::labels::LabelHistory::of(log).current,
        promotions: log
            .iter()
            .filter(|e| matches!(e, LogEntry::Promote(_)))
            .count(),
        label_rollbacks: log
            .iter()
            .filter(|e| matches!(e, LogEntry::LabelRollback(_)))
            .count(),
    }
}

/// Gathers and computes the stats of `name`. `recent` bounds the runs read.
pub fn load(
    root: &Path,
    name: &str,
    recent: usize,
    shown: &dyn Fn(&str) -> String,
) -> Result<PromptStats, Vec<Diagnostic>> {
    let mut releases = Vec::new();
    for v in versions(root, name) {
        match resolve(root, name, &Ref::Version(v)) {
            Ok(r) => releases.extend(r.release),
            Err(super::RefError::Invalid(d)) => return Err(d),
            Err(e) => {
                return Err(vec![Diagnostic::file(
                    shown(&super::version_rel(name, v)),
                    e.to_string(),
                )]);
            }
        }
    }
    let current_version = resolve(root, name, &Ref::Current)
        .ok()
        .and_then(|r| r.version);
    let log = read_log(root, name, &shown(&log_rel(name)))?;
    let gates = read_gates(root);
    let runs = recent_runs(root, name, recent, &releases);
    Ok(compute(
        name,
        current_version,
        &releases,
        &log,
        &gates,
        runs,
    ))
}

/// The newest `limit` complete runs of prompt `name`, newest first.
fn recent_runs(root: &Path, name: &str, limit: usize, releases: &[ReleaseFile]) -> Vec<RunPoint> {
    let mut out = Vec::new();
    for path in &run_files_newest_first(root) {
        if out.len() >= limit {
            break;
        }
        let Ok(h) = read_header(path) else { continue };
        if h.prompt != name {
            continue;
        }
        let Ok(run) = read_run(path) else { continue };
        if !run.complete {
            continue;
        }
        out.push(RunPoint {
            version: releases
                .iter()
                .find(|r| r.content_sha256 == run.content_sha256)
                .map(|r| r.version),
            run_id: run.run_id,
            content_sha256: run.content_sha256,
            cases: run.summary.cases,
            pass_rate: run.summary.pass_rate,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::release::log::{ReleaseEvent, RollbackEvent};

    fn gate(draft: &str, passed: bool, regressions: &[&str]) -> GateRecord {
        GateRecord {
            at: "2026-11-26T00:00:00Z".into(),
            prompt: "p".into(),
            command: "gate".into(),
            passed,
            draft_sha256: draft.into(),
            baseline_version: Some(1),
            version: 2,
            pass_rate: 0.9,
            regressions: regressions.iter().map(|s| s.to_string()).collect(),
            failing: vec![],
        }
    }

    fn rollback() -> LogEntry {
        LogEntry::Rollback(RollbackEvent {
            prompt: "p".into(),
            version: 1,
            from_version: 2,
            at: "2026-11-26T00:00:00Z".into(),
            author: "a".into(),
            reason: "r".into(),
            content_sha256: "x".into(),
        })
    }

    fn release_event() -> LogEntry {
        LogEntry::Release(ReleaseEvent {
            prompt: "p".into(),
            version: 1,
            parent_version: None,
            at: "2026-11-26T00:00:00Z".into(),
            author: "a".into(),
            note: "n".into(),
            content_sha256: "x".into(),
            run_id: "r".into(),
            cases: 1,
            passed: 1,
            pass_rate: 1.0,
            regressions: 0,
            fixes: 0,
            baseline_version: None,
        })
    }

    fn run(rate: f64) -> RunPoint {
        RunPoint {
            run_id: "r".into(),
            content_sha256: "x".into(),
            version: None,
            cases: 10,
            pass_rate: rate,
        }
    }

    #[test]
    fn incidents_count_each_caught_draft_once_and_each_rollback() {
        let gates = vec![
            gate("d1", false, &["s/a"]),
            gate("d1", false, &["s/a"]), // the same draft gated again
            gate("d2", false, &[]),      // blocked, but not by a regression
            gate("d3", true, &[]),
            gate("d4", false, &["s/b", "s/c"]),
            GateRecord {
                prompt: "other".into(),
                ..gate("d5", false, &["s/x"])
            },
        ];
        let log = vec![release_event(), rollback(), rollback()];
        let s = compute("p", Some(1), &[], &log, &gates, vec![run(0.8), run(0.9)]);
        assert_eq!((s.gates, s.blocked), (5, 4));
        assert_eq!(s.regressions_caught, 2);
        assert_eq!(s.regressions_escaped, 2);
        assert_eq!(s.regression_incidents, 4);
        assert_eq!(s.rollbacks, 2);
        // No release files given: no frequency to speak of.
        assert_eq!(s.rollback_frequency, None);
        assert_eq!(s.recent_pass_rate, Some(0.85));
    }

    #[test]
    fn nothing_recorded_is_all_zero() {
        let s = compute("p", None, &[], &[], &[], vec![]);
        assert_eq!(s.regression_incidents, 0);
        assert_eq!(s.recent_pass_rate, None);
        assert!(s.releases.is_empty());
    }

    #[test]
    fn release_pass_rates_are_one_per_version_oldest_first() {
        let at = |version: u32, pass_rate: f64| match release_event() {
            LogEntry::Release(r) => LogEntry::Release(ReleaseEvent {
                version,
                pass_rate,
                ..r
            }),
            other => other,
        };
        // The log newest first, as history gives it, a rollback among the releases.
        let log = vec![at(3, 0.9), rollback(), at(2, 0.5), at(1, 0.75)];
        assert_eq!(
            super::super::log::release_pass_rates(&log),
            vec![(1, 0.75), (2, 0.5), (3, 0.9)]
        );
    }
}
