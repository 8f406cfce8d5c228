//! `.promptwright/gates.jsonl`: every gate decision made here, passed or blocked, one
//! line each. A blocked release writes nothing under `releases/` (the contract), but a
//! regression the gate caught is worth counting: `stats` reads this file. It is local
//! state like the run records (git-ignored), so it counts the gates run in this clone.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::gate::Verdict;
use super::proposal::Proposal;
use crate::store::STATE_DIR;

/// One gate decision.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GateRecord {
    /// RFC 3339, UTC.
    pub at: String,
    pub prompt: String,
    /// `gate` or `release` (or whatever front end asked).
    pub command: String,
    pub passed: bool,
    pub draft_sha256: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline_version: Option<u32>,
    /// The version the draft would have become.
    pub version: u32,
    pub pass_rate: f64,
    /// `suite/id` of each regression (missing cases included).
    pub regressions: Vec<String>,
    /// Names of the checks that failed.
    pub failing: Vec<String>,
}

impl GateRecord {
    pub fn new(proposal: &Proposal, verdict: &Verdict, command: &str) -> GateRecord {
        GateRecord {
            at: super::export::now(),
            prompt: proposal.name.clone(),
            command: command.to_string(),
            passed: verdict.passed,
            draft_sha256: proposal.draft.content_sha256.clone(),
            baseline_version: verdict.baseline_version,
            version: proposal.next_version,
            pass_rate: verdict.draft.pass_rate,
            regressions: verdict
                .regressions
                .iter()
                .map(|r| format!("{}/{}", r.suite, r.id))
                .collect(),
            failing: verdict.failing().map(|c| c.name.clone()).collect(),
        }
    }
}

pub fn gates_path(root: &Path) -> PathBuf {
    root.join(STATE_DIR).join("gates.jsonl")
}

/// Appends one record as a single write of a whole line, so concurrent gates do not
/// interleave within a line.
pub fn record_gate(root: &Path, record: &GateRecord) -> std::io::Result<()> {
    let path = gates_path(root);
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let mut line = serde_json::to_string(record).map_err(std::io::Error::other)?;
    line.push('\n');
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)?;
    file.write_all(line.as_bytes())
}

/// Every record, oldest first. Lines that do not parse (a torn last line) are skipped:
/// this is a tally, not an audit trail.
pub fn read_gates(root: &Path) -> Vec<GateRecord> {
    std::fs::read_to_string(gates_path(root))
        .unwrap_or_default()
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect()
}
