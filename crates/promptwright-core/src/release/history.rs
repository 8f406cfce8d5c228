//! `history [NAME]`: releases and rollbacks from the logs, newest first.

use std::path::Path;

use super::log::{LogEntry, log_rel, read_log};
use super::prompt_names;
use crate::vocab::Diagnostic;

/// The log entries of `name` (or of every prompt), newest first. Within a prompt the
/// log's order is the truth (entries are appended as they happen, whatever the clocks of
/// the machines that wrote them say); prompts are merged by time.
pub fn history(
    root: &Path,
    name: Option<&str>,
    shown: &dyn Fn(&str) -> String,
) -> Result<Vec<LogEntry>, Vec<Diagnostic>> {
    let names: Vec<String> = match name {
        Some(n) => vec![n.to_string()],
        None => prompt_names(root),
    };
    let mut lists = Vec::new();
    let mut errors = Vec::new();
    for n in &names {
        match read_log(root, n, &shown(&log_rel(n))) {
            Ok(entries) => lists.push(entries),
            Err(d) => errors.extend(d),
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(merge_newest_first(lists))
}

fn instant(e: &LogEntry) -> i64 {
    chrono::DateTime::parse_from_rfc3339(e.at()).map_or(i64::MIN, |t| t.timestamp_millis())
}

/// Merges logs (each oldest first) into one list, newest first, keeping each log's own
/// order: at every step the log whose newest remaining entry is the latest goes first.
pub fn merge_newest_first(mut lists: Vec<Vec<LogEntry>>) -> Vec<LogEntry> {
    let mut out = Vec::with_capacity(lists.iter().map(Vec::len).sum());
    loop {
        let next = lists
            .iter()
            .enumerate()
            .filter_map(|(i, l)| l.last().map(|e| (instant(e), i)))
            // The latest; on a tie, the first log (prompts are sorted by name).
            .max_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)));
        match next {
            Some((_, i)) => out.extend(lists[i].pop()),
            None => return out,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::release::log::RollbackEvent;

    fn entry(prompt: &str, version: u32, at: &str) -> LogEntry {
        LogEntry::Rollback(RollbackEvent {
            prompt: prompt.into(),
            version,
            from_version: version + 1,
            at: at.into(),
            author: "a".into(),
            reason: "r".into(),
            content_sha256: "x".into(),
        })
    }

    fn order(lists: Vec<Vec<LogEntry>>) -> Vec<(String, u32)> {
        merge_newest_first(lists)
            .iter()
            .map(|e| (e.prompt().to_string(), e.version()))
            .collect()
    }

    fn pair(p: &str, v: u32) -> (String, u32) {
        (p.to_string(), v)
    }

    #[test]
    fn logs_merge_by_time_and_keep_their_own_order() {
        let a = vec![
            entry("a", 1, "2026-11-26T10:00:00Z"),
            entry("a", 2, "2026-11-26T12:00:00Z"),
        ];
        let b = vec![
            entry("b", 1, "2026-11-26T11:00:00Z"),
            // Offsets compare as instants: this is 13:00 UTC.
            entry("b", 2, "2026-11-26T14:00:00+01:00"),
        ];
        assert_eq!(
            order(vec![a.clone(), b]),
            [pair("b", 2), pair("a", 2), pair("b", 1), pair("a", 1)]
        );
        // A skewed clock wrote b's second entry with an earlier time: the log's order
        // still wins within `b`.
        let b = vec![
            entry("b", 1, "2026-11-26T11:00:00Z"),
            entry("b", 2, "2026-11-26T09:00:00Z"),
        ];
        assert_eq!(
            order(vec![a, b]),
            [pair("a", 2), pair("a", 1), pair("b", 2), pair("b", 1)]
        );
    }
}
