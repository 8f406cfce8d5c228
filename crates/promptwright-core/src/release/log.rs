//! `releases/NAME/log.jsonl`: the audit trail of a prompt, one JSON object per release
//! or rollback, oldest first. Committed with the releases, so it travels with them.

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::RELEASES_DIR;
use crate::fsutil::write_atomic;
use crate::vocab::{Diagnostic, Source};

/// One line of the log. `event` tells which.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "lowercase")]
pub enum LogEntry {
    Release(ReleaseEvent),
    Rollback(RollbackEvent),
    /// A label moved to a version by `promote`, after a fresh run passed its thresholds.
    Promote(LabelEvent),
    /// A label moved back by `rollback --label`.
    #[serde(rename = "label_rollback")]
    LabelRollback(LabelEvent),
}

/// A version made current by `release`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReleaseEvent {
    pub prompt: String,
    pub version: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_version: Option<u32>,
    /// RFC 3339, UTC.
    pub at: String,
    pub author: String,
    pub note: String,
    pub content_sha256: String,
    pub run_id: String,
    pub cases: usize,
    pub passed: usize,
    pub pass_rate: f64,
    pub regressions: usize,
    pub fixes: usize,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline_version: Option<u32>,
}

/// An earlier version made current again by `rollback`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RollbackEvent {
    pub prompt: String,
    /// The version current after the rollback.
    pub version: u32,
    /// The version that was current before it.
    pub from_version: u32,
    pub at: String,
    pub author: String,
    pub reason: String,
    pub content_sha256: String,
}

/// A label moved: to which version, from which, who, why; a promotion also carries
/// the fresh run that passed the label's thresholds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LabelEvent {
    pub prompt: String,
    pub label: String,
    /// The version the label points at after the move.
    pub version: u32,
    /// The version it pointed at before; absent for the label's first move.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_version: Option<u32>,
    pub at: String,
    pub author: String,
    pub reason: String,
    pub content_sha256: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run: Option<LabelRun>,
}

/// The fresh run a promotion was gated on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LabelRun {
    pub run_id: String,
    pub cases: usize,
    pub passed: usize,
    pub errors: usize,
    pub pass_rate: f64,
}

impl LogEntry {
    pub fn prompt(&self) -> &str {
        match self {
            LogEntry::Release(r) => &r.prompt,
            LogEntry::Rollback(r) => &r.prompt,
            LogEntry::Promote(l) | LogEntry::LabelRollback(l) => &l.prompt,
        }
    }

    pub fn at(&self) -> &str {
        match self {
            LogEntry::Release(r) => &r.at,
            LogEntry::Rollback(r) => &r.at,
            LogEntry::Promote(l) | LogEntry::LabelRollback(l) => &l.at,
        }
    }

    /// The version current after this event; for a label move, the version the label
    /// points at after it.
    pub fn version(&self) -> u32 {
        match self {
            LogEntry::Release(r) => r.version,
            LogEntry::Rollback(r) => r.version,
            LogEntry::Promote(l) | LogEntry::LabelRollback(l) => l.version,
        }
    }

    /// The label a move is about; `None` for releases and rollbacks of `current`.
    pub fn label(&self) -> Option<&str> {
        match self {
            LogEntry::Promote(l) | LogEntry::LabelRollback(l) => Some(&l.label),
            _ => None,
        }
    }

    pub fn kind(&self) -> &'static str {
        match self {
            LogEntry::Release(_) => "release",
            LogEntry::Rollback(_) => "rollback",
            LogEntry::Promote(_) => "promote",
            LogEntry::LabelRollback(_) => "label_rollback",
        }
    }
}

/// `releases/NAME/log.jsonl`, relative to the workspace root.
/// The pass rate of each released version (its evidence, as the release event recorded
/// it), oldest first, one per version: the trend the Release pane draws.
pub fn release_pass_rates(entries: &[LogEntry]) -> Vec<(u32, f64)> {
    let mut rates: Vec<(u32, f64)> = entries
        .iter()
        .filter_map(|e| match e {
            LogEntry::Release(r) => Some((r.version, r.pass_rate)),
            _ => None,
        })
        .collect();
    rates.sort_by_key(|(v, _)| *v);
    rates.dedup_by_key(|(v, _)| *v);
    rates
}

pub fn log_rel(name: &str) -> String {
    format!("{RELEASES_DIR}/{name}/log.jsonl")
}

/// The entries of a prompt's log, oldest first; empty when there is no log. A line
/// that is not an entry is a `path:line:col` diagnostic (`shown` is how the log's path
/// is written in it).
pub fn read_log(root: &Path, name: &str, shown: &str) -> Result<Vec<LogEntry>, Vec<Diagnostic>> {
    let text = match std::fs::read_to_string(root.join(log_rel(name))) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => {
            return Err(vec![Diagnostic::file(shown, format!("cannot read: {e}"))]);
        }
    };
    parse_log(&Source::new(shown, text))
}

/// Parses a log's text; see [`read_log`].
pub fn parse_log(src: &Source) -> Result<Vec<LogEntry>, Vec<Diagnostic>> {
    parse_log_lines(src).map(|entries| entries.into_iter().map(|(_, e)| e).collect())
}

/// Like [`parse_log`], each entry with its 1-based line number.
pub fn parse_log_lines(src: &Source) -> Result<Vec<(usize, LogEntry)>, Vec<Diagnostic>> {
    let mut entries = Vec::new();
    let mut errors = Vec::new();
    for (i, line) in src.text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<LogEntry>(line) {
            Ok(e) => entries.push((i + 1, e)),
            Err(e) => errors.push(
                src.at_line_col(
                    i + 1,
                    e.column().max(1),
                    format!("not a release log entry: {e}"),
                )
                .with_help(
                    "the log is written by `promptwright release`, `rollback` and `promote`; restore it from git",
                ),
            ),
        }
    }
    if errors.is_empty() {
        Ok(entries)
    } else {
        Err(errors)
    }
}

/// Appends one entry. The whole log is rewritten through a temporary file and a rename,
/// so a crash leaves the old log or the new one, never a torn line.
pub fn append_log(root: &Path, name: &str, entry: &LogEntry) -> std::io::Result<()> {
    let path = root.join(log_rel(name));
    let mut text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(e),
    };
    if !text.is_empty() && !text.ends_with('\n') {
        text.push('\n');
    }
    let line = serde_json::to_string(entry).map_err(std::io::Error::other)?;
    text.push_str(&line);
    text.push('\n');
    write_atomic(&path, text.as_bytes())
}
