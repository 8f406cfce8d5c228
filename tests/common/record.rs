//! Reading the run record a running (or killed) binary writes, for the kill-and-resume
//! tests of providers.rs and batch.rs.

// Setup helpers stop the test at the first failure; a panic is the report.
#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::Value;

use super::server::HANG;

/// The lines of the first run record under `root`: (run file stem, its JSON lines).
pub fn record_lines(root: &Path) -> Option<(String, Vec<Value>)> {
    let dir = root.join(".promptwright/runs");
    let file = std::fs::read_dir(dir)
        .ok()?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|x| x == "jsonl"))?;
    let text = std::fs::read_to_string(&file).ok()?;
    let lines = text
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .collect();
    Some((file.file_stem()?.to_string_lossy().into_owned(), lines))
}

/// Case lines recorded so far in the run records under `root`: (run file stem, case ids).
pub fn recorded_cases(root: &Path) -> Option<(String, Vec<String>)> {
    let (stem, lines) = record_lines(root)?;
    let ids = lines
        .iter()
        .filter(|v| v["type"] == "case")
        .map(|v| v["id"].as_str().unwrap().to_string())
        .collect();
    Some((stem, ids))
}

/// Waits until the record of the running `child` has lines for which `enough` holds. A
/// line written by another process has no signal to wait on, so this looks again every
/// few ms; it asserts no duration (the deadline only catches a hang).
pub fn wait_for_lines(
    root: &Path,
    child: &mut std::process::Child,
    what: &str,
    enough: impl Fn(&[Value]) -> bool,
) {
    let deadline = Instant::now() + HANG;
    while record_lines(root).is_none_or(|(_, lines)| !enough(&lines)) {
        assert!(Instant::now() < deadline, "hung waiting for {what}");
        assert!(
            child.try_wait().unwrap().is_none(),
            "the run ended before it was stopped"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Waits until the running `child` has recorded at least `n` cases.
pub fn wait_for_cases(root: &Path, n: usize, child: &mut std::process::Child) {
    wait_for_lines(root, child, &format!("{n} recorded cases"), |lines| {
        lines.iter().filter(|v| v["type"] == "case").count() >= n
    });
}
