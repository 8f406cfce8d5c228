//! Keeping paths inside the workspace. A workspace arrives in pull requests, so a path
//! it names (a dataset, a schema, a cassette, a release folder) may try to reach a file
//! outside it, directly (`../../.bashrc`, `/etc/passwd`) or through a symlink. Every
//! path a workspace names is resolved here, symlinks followed, before anything reads or
//! writes it; the resolved path is the one used and shown.

use std::io;
use std::path::{Component, Path, PathBuf};

/// A path that resolves outside the workspace, or that cannot be resolved safely.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Escape {
    /// Resolves (symlinks followed) to `real`, which is not under the workspace root.
    #[error("resolves to {}, outside the workspace", real.display())]
    Outside { real: PathBuf },
    /// A symlink whose target does not exist: writing through it would create a file
    /// wherever it points.
    #[error("{} is a symlink to a file that does not exist", link.display())]
    Dangling { link: PathBuf },
    #[error("cannot resolve {}: {message}", path.display())]
    Io { path: PathBuf, message: String },
}

impl Escape {
    /// The `help:` line for a path a workspace file names under `what`.
    pub fn help(&self, what: &str) -> String {
        format!(
            "{what} must be a file inside the workspace (symlinks are followed): use a relative path \
             such as `evals/...`, with no `..` out of the folder and no link pointing out"
        )
    }
}

/// The real path of `path` (relative to `root`, or absolute), if it is inside `root`
/// once every symlink is resolved. The file itself need not exist yet (a cassette that
/// `--record` will create), but a dangling symlink on the way is refused.
pub fn inside(root: &Path, path: &Path) -> Result<PathBuf, Escape> {
    let io_err = |p: &Path, e: io::Error| Escape::Io {
        path: p.to_path_buf(),
        message: e.to_string(),
    };
    let root_real = std::fs::canonicalize(root).map_err(|e| io_err(root, e))?;
    // A relative path built on a relative root (`-w demo` gives `demo/evals/...`) is
    // relative to the current folder, not to the root a second time.
    let path = match path.strip_prefix(root) {
        Ok(rest) if path.is_relative() => rest,
        _ => path,
    };
    let real = resolve(&root_real.join(path))?;
    if real.starts_with(&root_real) {
        Ok(real)
    } else {
        Err(Escape::Outside { real })
    }
}

/// `path` with every symlink resolved: the existing part canonicalized, the part that
/// does not exist yet appended lexically (it holds no links, since it does not exist).
fn resolve(path: &Path) -> Result<PathBuf, Escape> {
    match std::fs::canonicalize(path) {
        Ok(real) => return Ok(real),
        Err(e) if e.kind() != io::ErrorKind::NotFound => {
            return Err(Escape::Io {
                path: path.to_path_buf(),
                message: e.to_string(),
            });
        }
        Err(_) => {}
    }
    if std::fs::symlink_metadata(path).is_ok() {
        return Err(Escape::Dangling {
            link: path.to_path_buf(),
        });
    }
    let (Some(parent), Some(last)) = (path.parent(), path.file_name()) else {
        // `..` or the root itself: canonicalize would have found it.
        return Err(Escape::Io {
            path: path.to_path_buf(),
            message: "no such file or folder".into(),
        });
    };
    let mut real = resolve(parent)?;
    match Path::new(last).components().next() {
        Some(Component::Normal(c)) => real.push(c),
        _ => {
            return Err(Escape::Io {
                path: path.to_path_buf(),
                message: "no such file or folder".into(),
            });
        }
    }
    Ok(real)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn setup() -> (tempfile::TempDir, PathBuf, PathBuf) {
        let base = tempfile::tempdir().unwrap();
        let root = base.path().join("ws");
        let outside = base.path().join("outside");
        std::fs::create_dir_all(root.join("evals")).unwrap();
        std::fs::create_dir_all(&outside).unwrap();
        std::fs::write(outside.join("secret"), "s3cret").unwrap();
        (base, root, outside)
    }

    #[test]
    fn paths_inside_resolve_to_their_real_path_existing_or_not() {
        let (_base, root, _) = setup();
        std::fs::write(root.join("evals/a.jsonl"), "").unwrap();
        let real_root = std::fs::canonicalize(&root).unwrap();
        assert_eq!(
            inside(&root, Path::new("evals/a.jsonl")).unwrap(),
            real_root.join("evals/a.jsonl")
        );
        // Not yet written, in a folder not yet made: what --record creates.
        assert_eq!(
            inside(&root, Path::new("evals/cassettes/new.jsonl")).unwrap(),
            real_root.join("evals/cassettes/new.jsonl")
        );
        // `..` that stays inside is fine.
        assert_eq!(
            inside(&root, Path::new("evals/../evals/a.jsonl")).unwrap(),
            real_root.join("evals/a.jsonl")
        );
    }

    #[test]
    fn dot_dot_absolute_paths_and_symlinks_out_are_refused() {
        let (_base, root, outside) = setup();
        let real_outside = std::fs::canonicalize(&outside).unwrap();
        let out = |p: &str| inside(&root, Path::new(p)).unwrap_err();
        assert_eq!(
            out("../outside/secret"),
            Escape::Outside {
                real: real_outside.join("secret")
            }
        );
        assert_eq!(
            out("../outside/not-yet"),
            Escape::Outside {
                real: real_outside.join("not-yet")
            }
        );
        let abs = outside.join("secret");
        assert!(matches!(
            inside(&root, &abs).unwrap_err(),
            Escape::Outside { .. }
        ));
        std::os::unix::fs::symlink(outside.join("secret"), root.join("evals/link")).unwrap();
        assert_eq!(
            out("evals/link"),
            Escape::Outside {
                real: real_outside.join("secret")
            }
        );
        std::os::unix::fs::symlink(&outside, root.join("evals/dir")).unwrap();
        assert!(matches!(out("evals/dir/new.jsonl"), Escape::Outside { .. }));
        // A dangling link would create its target on the first append.
        std::os::unix::fs::symlink(outside.join("rc"), root.join("evals/dangling")).unwrap();
        assert!(matches!(out("evals/dangling"), Escape::Dangling { .. }));
        assert!(!outside.join("rc").exists());
    }
}
