//! Fault injection for tests: `PROMPTWRIGHT_TEST_FAILPOINT=NAME` (or `NAME=N`) makes the
//! named point fail, so tests can kill a release between two writes or fill the disk
//! under a run without timing games. Debug builds only: a release build never reads
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
