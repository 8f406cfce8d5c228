//! The log against the version files and the current release: what `check` verifies
//! beyond each file on its own, and what `release --repair` fixes.
//!
//! A release writes `vN.toml`, then its log line, then `releases/NAME.toml`; a rollback
//! writes its log line, then `releases/NAME.toml`. So a process killed between two
//! writes leaves one of two half-states, both named here and both finished by
//! `promptwright release NAME --repair`: a newest version with no log line yet, or a
//! current file behind the log's last entry. Anything else that disagrees was edited.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::file::ReleaseFile;
use super::log::{LogEntry, ReleaseEvent};
use super::{RELEASES_DIR, current_rel, version_rel};
use crate::vocab::{Diagnostic, Source};

/// What a kill between two writes left behind, which `--repair` finishes.
#[derive(Debug, Clone, PartialEq)]
pub enum HalfState {
    /// `vN.toml` was written, its log line was not.
    Unlogged { version: u32 },
    /// The log makes `version` current; `releases/NAME.toml` is `current` (or missing).
    CurrentBehind { version: u32, current: Option<u32> },
    /// The log moves `label` to `version`; `releases/NAME@LABEL.toml` is still the
    /// version the move started from (or missing, for a first move).
    LabelBehind {
        label: String,
        version: u32,
        file: Option<u32>,
    },
}

impl HalfState {
    pub fn describe(&self, name: &str) -> String {
        match self {
            HalfState::Unlogged { version } => format!(
                "an interrupted release: {} was written but never logged",
                version_rel(name, *version)
            ),
            HalfState::CurrentBehind { version, current } => format!(
                "an interrupted release or rollback: the log makes v{version} current, but {} {}",
                current_rel(name),
                match current {
                    Some(c) => format!("is v{c}"),
                    None => "is missing".into(),
                }
            ),
            HalfState::LabelBehind {
                label,
                version,
                file,
            } => format!(
                "an interrupted promote or label rollback: the log moves `{label}` to v{version}, but {} {}",
                super::labels::label_rel(name, label),
                match file {
                    Some(c) => format!("is v{c}"),
                    None => "is missing".into(),
                }
            ),
        }
    }
}

/// The repair command of prompt `name`.
pub fn repair_command(name: &str) -> String {
    format!("promptwright release {name} --repair")
}

/// The log's entries with their 1-based line numbers.
pub type Entries = Vec<(usize, LogEntry)>;

/// What a consistent log says of the release folder, or what is wrong with it.
#[derive(Debug, Default)]
pub struct Consistency {
    /// Tampering: edits no kill can explain. Not repairable.
    pub errors: Vec<Diagnostic>,
    pub half: Vec<HalfState>,
}

/// The log entry a release file is logged with: every field comes from the file.
pub fn release_event(name: &str, file: &ReleaseFile) -> ReleaseEvent {
    let e = &file.evidence;
    ReleaseEvent {
        prompt: name.to_string(),
        version: file.version,
        parent_version: file.parent_version,
        at: file.released_at.clone(),
        author: file.author.clone(),
        note: file.note.clone(),
        content_sha256: file.content_sha256.clone(),
        run_id: e.run_id.clone(),
        cases: e.cases,
        passed: e.passed,
        pass_rate: e.pass_rate,
        regressions: e.regressions,
        fixes: e.fixes,
        baseline_version: e.baseline_version,
    }
}

/// The names of the fields in which a logged release and its version file differ.
fn differences(logged: &ReleaseEvent, file: &ReleaseEvent) -> Vec<&'static str> {
    let mut out = Vec::new();
    let mut diff = |name, same: bool| {
        if !same {
            out.push(name);
        }
    };
    diff("prompt", logged.prompt == file.prompt);
    diff(
        "content_sha256",
        logged.content_sha256 == file.content_sha256,
    );
    diff(
        "parent_version",
        logged.parent_version == file.parent_version,
    );
    diff("released_at", logged.at == file.at);
    diff("author", logged.author == file.author);
    diff("note", logged.note == file.note);
    diff("run_id", logged.run_id == file.run_id);
    diff(
        "evidence",
        (
            logged.cases,
            logged.passed,
            logged.regressions,
            logged.fixes,
        ) == (file.cases, file.passed, file.regressions, file.fixes)
            && logged.pass_rate == file.pass_rate
            && logged.baseline_version == file.baseline_version,
    );
    out
}

/// Cross-checks the log `log` (its source and entries) against the version files on
/// disk (`on_disk`: every version whose file exists; `intact`: those that parse and
/// verify) and the current file's version.
// Each argument is one kind of file of the folder, read by the caller.
#[allow(clippy::too_many_arguments)]
pub fn cross_check(
    name: &str,
    log: &Source,
    entries: &Entries,
    on_disk: &[u32],
    intact: &BTreeMap<u32, ReleaseFile>,
    current: Option<u32>,
    label_files: &BTreeMap<String, u32>,
    shown: &dyn Fn(&str) -> String,
) -> Consistency {
    let mut out = Consistency::default();
    let restore = "a release's files and its log line are written together and never edited: restore them from git";
    let mut prev: Option<u32> = None;
    let mut released: Vec<u32> = Vec::new();
    // Per label: where the log has it now, and where its last move started.
    let mut labels: BTreeMap<String, (u32, Option<u32>)> = BTreeMap::new();
    let mut held: std::collections::BTreeSet<(String, u32)> = Default::default();
    for (line, entry) in entries {
        let at = |message: String| log.at_line_col(*line, 1, message).with_help(restore);
        match entry {
            LogEntry::Release(r) => {
                let file_shown = shown(&version_rel(name, r.version));
                if !on_disk.contains(&r.version) {
                    out.errors.push(at(format!(
                        "the log records the release of v{}, but {file_shown} does not exist",
                        r.version
                    )));
                } else if let Some(file) = intact.get(&r.version) {
                    let fields = differences(r, &release_event(name, file));
                    if !fields.is_empty() {
                        out.errors.push(at(format!(
                            "the log's release of v{} does not match {file_shown}: {} differ{}",
                            r.version,
                            fields.join(", "),
                            if fields.len() == 1 { "s" } else { "" }
                        )));
                    }
                }
                let expected = released.last().map_or(1, |v| v + 1);
                if r.version != expected {
                    out.errors.push(at(format!(
                        "the log releases v{} where v{expected} comes next: a line is missing or was edited",
                        r.version
                    )));
                }
                if r.parent_version != prev {
                    out.errors.push(at(format!(
                        "the log's release of v{} replaced {}, but the line before makes {} current: a line is missing or was edited",
                        r.version,
                        show(r.parent_version),
                        show(prev)
                    )));
                }
                released.push(r.version);
                prev = Some(r.version);
            }
            LogEntry::Rollback(b) => {
                if !released.contains(&b.version) {
                    out.errors.push(at(format!(
                        "the log rolls back to v{}, which it has not released",
                        b.version
                    )));
                } else if let Some(file) = intact.get(&b.version) {
                    if file.content_sha256 != b.content_sha256 {
                        out.errors.push(at(format!(
                            "the log's rollback to v{} does not match {}: content_sha256 differs",
                            b.version,
                            shown(&version_rel(name, b.version))
                        )));
                    }
                }
                if Some(b.from_version) != prev {
                    out.errors.push(at(format!(
                        "the log's rollback from v{} follows a line that makes {} current: a line is missing or was edited",
                        b.from_version,
                        show(prev)
                    )));
                }
                prev = Some(b.version);
            }
            LogEntry::Promote(l) | LogEntry::LabelRollback(l) => {
                let what = if matches!(entry, LogEntry::Promote(_)) {
                    "promotion"
                } else {
                    "label rollback"
                };
                if !released.contains(&l.version) {
                    out.errors.push(at(format!(
                        "the log's {what} of `{}` to v{} names a version it has not released",
                        l.label, l.version
                    )));
                } else if let Some(file) = intact.get(&l.version) {
                    if file.content_sha256 != l.content_sha256 {
                        out.errors.push(at(format!(
                            "the log's {what} of `{}` to v{} does not match {}: content_sha256 differs",
                            l.label,
                            l.version,
                            shown(&version_rel(name, l.version))
                        )));
                    }
                }
                let before = labels.get(&l.label).map(|(v, _)| *v);
                if l.from_version != before {
                    out.errors.push(at(format!(
                        "the log's {what} of `{}` starts from {}, but the lines before leave it at {}: a line is missing or was edited",
                        l.label,
                        show(l.from_version),
                        show(before)
                    )));
                }
                if matches!(entry, LogEntry::LabelRollback(_))
                    && !held.contains(&(l.label.clone(), l.version))
                {
                    out.errors.push(at(format!(
                        "the log rolls `{}` back to v{}, which it never held",
                        l.label, l.version
                    )));
                }
                held.insert((l.label.clone(), l.version));
                labels.insert(l.label.clone(), (l.version, l.from_version));
            }
        }
    }
    let label_restore =
        "a label file is written after its log line and never edited: restore both from git";
    for (label, (version, from)) in &labels {
        let file = label_files.get(label).copied();
        if file == Some(*version) {
            continue;
        }
        if file == *from && intact.contains_key(version) {
            out.half.push(HalfState::LabelBehind {
                label: label.clone(),
                version: *version,
                file,
            });
        } else {
            let is = match file {
                Some(f) => format!("it is v{f}"),
                None => "it is missing".into(),
            };
            out.errors.push(
                Diagnostic::file(
                    shown(&super::labels::label_rel(name, label)),
                    format!(
                        "tampered label file: {is}, but {} moves `{label}` to v{version}",
                        shown(&super::log::log_rel(name))
                    ),
                )
                .with_help(label_restore),
            );
        }
    }
    for (label, f) in label_files {
        if !labels.contains_key(label) {
            out.errors.push(
                Diagnostic::file(
                    shown(&super::labels::label_rel(name, label)),
                    format!(
                        "tampered label file: it is v{f}, but {} never moved `{label}`",
                        shown(&super::log::log_rel(name))
                    ),
                )
                .with_help(
                    "labels are moved by `promptwright promote`, which logs the move: delete the file, or restore the log from git",
                ),
            );
        }
    }
    let next = released.last().map_or(1, |v| v + 1);
    for v in on_disk.iter().copied().filter(|v| !released.contains(v)) {
        // Only the newest version, written on top of the log's last state, and not yet
        // current (the current file is written after the log line): anything else
        // means a deleted line.
        let interrupted = v == next
            && on_disk.iter().all(|o| *o == v || released.contains(o))
            && current != Some(v)
            && intact.get(&v).is_some_and(|f| f.parent_version == prev);
        if interrupted {
            out.half.push(HalfState::Unlogged { version: v });
            prev = Some(v);
        } else {
            out.errors.push(
                Diagnostic::file(
                    shown(&version_rel(name, v)),
                    format!(
                        "v{v} has no line in {}: a log line was deleted, or the file was added by hand",
                        shown(&super::log::log_rel(name))
                    ),
                )
                .with_help(restore),
            );
        }
    }
    if let Some(k) = prev {
        if current != Some(k) && intact.contains_key(&k) {
            out.half.push(HalfState::CurrentBehind {
                version: k,
                current,
            });
        }
    }
    // Tampered files are restored from git, not finished: `--repair` would build on them.
    if !out.errors.is_empty() {
        out.half.clear();
    }
    out
}

fn show(v: Option<u32>) -> String {
    v.map_or("no version".into(), |v| format!("v{v}"))
}

/// Temporary files a killed write left in the release folder of `name`: each as its
/// path and as the workspace-relative name messages show.
pub fn stray_temp_files(root: &Path, name: &str) -> Vec<(PathBuf, String)> {
    let top = format!(".{name}.toml.");
    let label = format!(".{name}@");
    let mut out = Vec::new();
    for (dir, prefix) in [
        (root.join(RELEASES_DIR).join(name), "."),
        (root.join(RELEASES_DIR), top.as_str()),
        (root.join(RELEASES_DIR), label.as_str()),
    ] {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for e in entries.filter_map(Result::ok) {
            let file_name = e.file_name().to_string_lossy().into_owned();
            if file_name.starts_with(prefix) && file_name.ends_with(".tmp") {
                out.push(e.path());
            }
        }
    }
    out.sort();
    out.into_iter()
        .map(|path| {
            let rel = path
                .strip_prefix(root)
                .unwrap_or(&path)
                .display()
                .to_string();
            (path, rel)
        })
        .collect()
}
