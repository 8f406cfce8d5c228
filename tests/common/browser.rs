//! Headless Chromium (Debian's `chromium`), to load a report the way a reviewer would
//! and read back the page after its script ran, with every console message it printed.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The browser, or `None` (with a note) on a machine without one. On CI (`CI=true`) a
/// missing browser fails the test: a check that silently does not run checks nothing.
pub fn chromium() -> Option<PathBuf> {
    let found = ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .find_map(|name| {
            std::env::var_os("PATH").and_then(|paths| {
                std::env::split_paths(&paths)
                    .map(|d| d.join(name))
                    .find(|p| p.is_file())
            })
        });
    if found.is_none() {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "CI needs Chromium for the HTML report tests: apt-get install chromium"
        );
        eprintln!("skipped: no chromium on PATH (apt-get install chromium)");
    }
    found
}

/// What the browser showed.
pub struct Page {
    /// The DOM after the scripts ran (`--dump-dom`).
    pub dom: String,
    /// Every console message, errors and CSP violations among them.
    pub console: Vec<String>,
}

fn base(browser: &Path, profile: &Path) -> Command {
    let mut c = Command::new(browser);
    c.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--hide-scrollbars",
        "--enable-logging=stderr",
        "--v=0",
        "--virtual-time-budget=5000",
    ])
    .arg(format!("--user-data-dir={}", profile.display()));
    c
}

/// Loads `file` (with `fragment`, e.g. `filter=fail&q=refund`) and dumps the DOM.
pub fn load(browser: &Path, file: &Path, fragment: &str) -> Page {
    let profile = tempfile::tempdir().unwrap();
    let url = format!("file://{}#{fragment}", file.display());
    let out = base(browser, profile.path())
        .arg("--dump-dom")
        .arg(&url)
        .output()
        .expect("chromium runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "chromium failed on {url}: {stderr}");
    Page {
        dom: String::from_utf8_lossy(&out.stdout).into_owned(),
        console: stderr
            .lines()
            .filter(|l| l.contains(":CONSOLE"))
            .map(str::to_string)
            .collect(),
    }
}

/// A PNG of `file` at `fragment`, `width` × `height` pixels.
pub fn screenshot(browser: &Path, file: &Path, fragment: &str, png: &Path, size: (u32, u32)) {
    let profile = tempfile::tempdir().unwrap();
    let out = base(browser, profile.path())
        .arg(format!("--window-size={},{}", size.0, size.1))
        .arg(format!("--screenshot={}", png.display()))
        .arg(format!("file://{}#{fragment}", file.display()))
        .output()
        .expect("chromium runs");
    assert!(out.status.success() && png.is_file(), "{out:?}");
}

/// How many times `needle` occurs in `hay`.
pub fn count(hay: &str, needle: &str) -> usize {
    hay.matches(needle).count()
}
