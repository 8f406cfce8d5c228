//! Fault injection for tests: `PROMPTWRIGHT_TEST_FAILPOINT=NAME` (or `NAME=N`) makes the
//! named point fail, so tests can kill a release between two writes or fill the disk
//! under a run without timing games, and one probe (`report-peak-memory`). Debug builds only: a release build never reads
//! the variable, and a workspace cannot set environment variables anyway.

/// The value the failpoint `name` is set to (`""` for a bare `NAME`), if it is set.
pub fn value(name: &str) -> Option<String> {
    if !cfg!(debug_assertions) {
        return None;
    }
    let spec = std::env::var("PROMPTWRIGHT_TEST_FAILPOINT").ok()?;
    spec.split(',').find_map(|one| match one.split_once('=') {
        Some((n, v)) if n == name => Some(v.to_string()),
        None if one == name => Some(String::new()),
        _ => None,
    })
}

/// Ends the process on the spot, as a SIGKILL would (no destructor runs, so temporary
/// files stay; exit code 137), when the failpoint `name` is set.
pub fn kill_at(name: &str) {
    if value(name).is_some() {
        std::process::exit(137);
    }
}

/// Prints the process's peak resident memory (`VmHWM`, in KiB) on stderr as
/// `peak-memory-kib: N` when the failpoint `report-peak-memory` is set: a test reads the
/// peak as the process ends instead of sampling it from outside and hoping the last
/// sample came late enough.
pub fn report_peak_memory() {
    if value("report-peak-memory").is_none() {
        return;
    }
    let peak = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .map(|v| v.trim().trim_end_matches("kB").trim().to_string())
        })
        .unwrap_or_default();
    eprintln!("peak-memory-kib: {peak}");
}
