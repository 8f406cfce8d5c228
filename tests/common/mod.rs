//! Helpers shared by the integration tests that drive the real binary on workspaces in
//! temporary folders (cli.rs, diff.rs, release.rs, faults.rs, bad_inputs.rs, fuzz.rs). Each test crate uses a part.
#![allow(dead_code)]
// Setup helpers stop the test at the first failure; a panic is the report.
#![allow(clippy::unwrap_used)]

pub mod batch_api;
pub mod browser;
pub mod record;
pub mod server;
pub mod tmux;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The real binary, without colours, in `cwd`.
pub fn promptwright(cwd: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_promptwright"));
    c.current_dir(cwd)
        .env_remove("CLICOLOR_FORCE")
        .env("NO_COLOR", "1");
    c
}

/// The real binary in `cwd` with an author (`tester`) that does not depend on the
/// machine's git config: what release, label and log files record.
pub fn as_tester(cwd: &Path) -> Command {
    let mut c = promptwright(cwd);
    c.env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("USER", "tester");
    c
}

/// Runs [`as_tester`] in `cwd` with `args` to the end.
pub fn run_as_tester(cwd: &Path, args: &[&str]) -> Output {
    as_tester(cwd).args(args).output().expect("binary runs")
}

/// Runs the real binary in `dir` with `args` to the end.
pub fn run_in(dir: &Path, args: &[&str]) -> Output {
    promptwright(dir).args(args).output().expect("binary runs")
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The exit code (the binary always exits, never dies by a signal, in these tests).
pub fn code(o: &Output) -> i32 {
    o.status.code().expect("exited")
}

/// Writes `text` to `root/rel`, creating folders.
pub fn write(root: &Path, rel: &str, text: impl AsRef<[u8]>) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

/// Every file (with its bytes) and folder (`None`) under `dir`, by path.
pub fn tree(dir: &Path) -> BTreeMap<PathBuf, Option<Vec<u8>>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            let rel = path.strip_prefix(dir).unwrap().to_path_buf();
            if path.is_dir() {
                out.insert(rel, None);
                stack.push(path);
            } else {
                out.insert(rel, Some(std::fs::read(&path).unwrap()));
            }
        }
    }
    out
}

/// Copies the folder `from` into `to` (created), byte for byte.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// The demo workspace of the repository at `repo` (its files, no local state) copied
/// into `to`.
pub fn copy_demo(repo: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    std::fs::copy(repo.join("workspace.toml"), to.join("workspace.toml")).unwrap();
    for dir in ["prompts", "evals", "releases"] {
        copy_dir(&repo.join(dir), &to.join(dir));
    }
}
