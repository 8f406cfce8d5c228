//! What `check` verifies of `releases/`: every version file is intact (its
//! `content_sha256` matches its prompt, its `version` matches its name), every
//! `releases/NAME.toml` equals the version it claims to be, and every log line is an
//! entry. Tampering is reported at `path:line:col`.
//!
//! What this cannot see: a version file and the current file edited identically outside
//! the prompt (e.g. the evidence) — the hash covers the prompt definition only. git
//! history is the record of that.

use std::path::Path;

use super::consistency::{HalfState, repair_command, stray_temp_files};
use super::file::key_span;
use super::labels::claimed_version;
use super::log::{log_rel, parse_log};
use super::repair::inspect;
use super::{RELEASES_DIR, ReleaseFile, current_rel, prompt_names, version_rel, versions};
use crate::vocab::Explain;
use crate::vocab::{Diagnostic, Source};

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Verification {
    pub errors: Vec<Diagnostic>,
    pub warnings: Vec<Diagnostic>,
    /// Version files read and found intact.
    pub versions: usize,
}

/// Verifies every release of the workspace at `root`. `shown` turns a workspace-relative
/// path into the path shown in messages.
pub fn verify(root: &Path, shown: &dyn Fn(&str) -> String) -> Verification {
    let mut out = Verification::default();
    if !root.join(RELEASES_DIR).is_dir() {
        return out;
    }
    for name in prompt_names(root) {
        verify_prompt(root, &name, shown, &mut out);
    }
    out
}

fn read(
    root: &Path,
    rel: &str,
    shown: &dyn Fn(&str) -> String,
    out: &mut Verification,
) -> Option<Source> {
    match std::fs::read_to_string(root.join(rel)) {
        Ok(text) => Some(Source::new(shown(rel), text)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => {
            out.errors.push(
                Diagnostic::file(shown(rel), format!("cannot read: {e}"))
                    .with_help("check the file's permissions and that it is UTF-8 text"),
            );
            None
        }
    }
}

fn verify_prompt(root: &Path, name: &str, shown: &dyn Fn(&str) -> String, out: &mut Verification) {
    // A link out of the workspace is never read: its content would be quoted.
    if let Err(e) = super::lock::confine_release_paths(root, name) {
        out.errors
            .push(Diagnostic::file(shown(&current_rel(name)), e.to_string()).with_help(e.help()));
        return;
    }
    let mut intact: Vec<(u32, ReleaseFile)> = Vec::new();
    for v in versions(root, name) {
        let rel = version_rel(name, v);
        let Some(src) = read(root, &rel, shown, out) else {
            continue;
        };
        match ReleaseFile::parse(&src) {
            Ok(file) if file.version != v => {
                let message = format!(
                    "the file says version = {}, but its name says v{v}",
                    file.version
                );
                let d = match key_span(&src.text, "version") {
                    Some(span) => src.at(span, message),
                    None => Diagnostic::file(src.path.clone(), message),
                };
                out.errors.push(d.with_help(
                    "version files are named after their version and never edited: restore the file from git",
                ));
            }
            Ok(file) => {
                out.versions += 1;
                intact.push((v, file));
            }
            Err(diags) => out.errors.extend(diags),
        }
    }

    let rel = current_rel(name);
    match read(root, &rel, shown, out) {
        Some(src) => match ReleaseFile::parse(&src) {
            Ok(current) => match intact.iter().find(|(v, _)| *v == current.version) {
                Some((_, file)) if *file == current => {}
                Some((v, _)) => out.errors.push(edited(
                    root,
                    name,
                    &src,
                    *v,
                    &format!(
                        "differs from {} although it says version = {v}",
                        shown(&version_rel(name, *v))
                    ),
                )),
                None => {
                    let message = format!(
                        "says version = {}, but {} is missing or broken",
                        current.version,
                        shown(&version_rel(name, current.version))
                    );
                    let d = match key_span(&src.text, "version") {
                        Some(span) => src.at(span, message),
                        None => Diagnostic::file(src.path.clone(), message),
                    };
                    out.errors.push(d.with_help(
                        "every current release is a copy of releases/NAME/vN.toml; restore the version file from git",
                    ));
                }
            },
            // An edited current file: point at the edit, found against the version it
            // says it is, rather than at the hash that no longer matches.
            Err(diags) => match claimed_version(&src.text)
                .and_then(|v| intact.iter().find(|(iv, _)| *iv == v))
            {
                Some((v, _)) => {
                    let why = diags
                        .first()
                        .map_or(String::new(), |d| format!(": {}", d.message));
                    let message = format!(
                        "edited after release: differs from {}{why}",
                        shown(&version_rel(name, *v))
                    );
                    out.errors.push(edited(root, name, &src, *v, &message));
                }
                None => out.errors.extend(diags),
            },
        },
        // With a log, the log says which version is current: the cross-check below.
        None if !intact.is_empty() && !root.join(log_rel(name)).exists() => out.warnings.push(
            Diagnostic::file(
                shown(&rel),
                format!("`{name}` has released versions but no current release"),
            )
            .with_help(format!(
                "applications load {rel}: restore it from git, or copy the version to serve there"
            )),
        ),
        None => {}
    }

    let rel = log_rel(name);
    let log_ok = match read(root, &rel, shown, out) {
        Some(src) => match parse_log(&src) {
            Ok(_) => true,
            Err(diags) => {
                out.errors.extend(diags);
                false
            }
        },
        None => true,
    };
    if log_ok {
        cross_check_log(root, name, shown, out);
    }
}

/// The log against the files: tampering is an error; a release or rollback killed
/// between two writes is an error naming the state and the command that finishes it.
fn cross_check_log(
    root: &Path,
    name: &str,
    shown: &dyn Fn(&str) -> String,
    out: &mut Verification,
) {
    let state = match inspect(root, name, shown) {
        Ok(s) => s,
        Err(diags) => {
            out.errors.extend(diags);
            return;
        }
    };
    out.errors.extend(state.errors);
    for half in &state.half {
        let rel = match half {
            HalfState::Unlogged { version } => version_rel(name, *version),
            HalfState::CurrentBehind { .. } => current_rel(name),
            HalfState::LabelBehind { label, .. } => super::labels::label_rel(name, label),
        };
        out.errors.push(
            Diagnostic::file(shown(&rel), half.describe(name))
                .with_help(format!("finish it with `{}`", repair_command(name))),
        );
    }
    for (_, rel) in stray_temp_files(root, name) {
        out.warnings.push(
            Diagnostic::file(shown(&rel), "a temporary file left by an interrupted write")
                .with_help(format!("`{}` removes it", repair_command(name))),
        );
    }
}

/// A current release file that is not a copy of version `v`: pointed at its first
/// difference from the version file.
fn edited(root: &Path, name: &str, src: &Source, v: u32, message: &str) -> Diagnostic {
    let version_rel = version_rel(name, v);
    let version_text = std::fs::read_to_string(root.join(&version_rel)).unwrap_or_default();
    let (line, col) = first_difference(&src.text, &version_text);
    src.at_line_col(line, col, message).with_help(format!(
        "releases are immutable and the current one is a copy of a version: restore it with \
         `cp {version_rel} {}`, or make another version current with `promptwright rollback {name} --to N`",
        current_rel(name)
    ))
}

/// 1-based line and column of the first difference between two texts.
fn first_difference(a: &str, b: &str) -> (usize, usize) {
    let mut a_lines = a.split('\n');
    let mut b_lines = b.split('\n');
    let mut line = 1;
    loop {
        match (a_lines.next(), b_lines.next()) {
            (Some(x), Some(y)) if x == y => line += 1,
            (Some(x), Some(y)) => {
                let col = x.chars().zip(y.chars()).take_while(|(p, q)| p == q).count() + 1;
                return (line, col);
            }
            _ => return (line, 1),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::first_difference;

    #[test]
    fn the_first_difference_is_found_by_line_and_column() {
        assert_eq!(first_difference("a\nbcd\ne", "a\nbXd\ne"), (2, 2));
        assert_eq!(first_difference("a\nb", "a\nb\nc"), (3, 1));
        assert_eq!(first_difference("same", "same"), (2, 1));
    }
}
