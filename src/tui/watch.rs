//! Files changed by other programs: polled once a second by the event loop.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use super::app::App;
use super::msg::Msg;

/// Notices prompt files changed by another program (an editor, `git checkout`), and
/// workspace.toml or a suite changed anywhere (then the workspace is read again, so a
/// fix made in another editor clears the problems list).
pub struct FileWatch {
    files: HashMap<String, (PathBuf, Option<SystemTime>, String)>,
    config: Vec<(PathBuf, Option<SystemTime>)>,
}

impl FileWatch {
    pub fn new(app: &App, root: &Path) -> FileWatch {
        let mut config = vec![root.join(promptwright_core::workspace::WORKSPACE_FILE)];
        if let Ok(dir) = std::fs::read_dir(root.join("evals")) {
            config.extend(
                dir.filter_map(Result::ok)
                    .map(|e| e.path())
                    .filter(|p| p.extension().is_some_and(|x| x == "toml")),
            );
        }
        let config = config
            .into_iter()
            .map(|p| {
                let seen = mtime(&p);
                (p, seen)
            })
            .collect();
        let files = app
            .prompts
            .entries()
            .iter()
            .map(|e| {
                (
                    e.name.clone(),
                    (e.path.clone(), mtime(&e.path), e.saved_text.clone()),
                )
            })
            .collect();
        FileWatch { files, config }
    }

    /// Watches a file opened from the problems list too, unless it is watched already.
    pub fn watch(&mut self, name: &str, path: &Path, text: &str) {
        if self.files.values().all(|(p, _, _)| p != path) {
            let entry = (path.to_path_buf(), mtime(path), text.to_string());
            self.files.insert(name.to_string(), entry);
        }
    }

    /// Our own save: its text is not news.
    pub fn expect(&mut self, path: &Path, text: &str) {
        for (p, _, known) in self.files.values_mut() {
            if p == path {
                *known = text.to_string();
            }
        }
    }

    pub fn changes(&mut self) -> Vec<Msg> {
        let mut out = Vec::new();
        let mut config_changed = false;
        for (path, seen) in &mut self.config {
            let now = mtime(path);
            if now != *seen {
                *seen = now;
                config_changed = true;
            }
        }
        if config_changed {
            out.push(Msg::WorkspaceFilesChanged);
        }
        for (name, (path, seen, known)) in &mut self.files {
            let now = mtime(path);
            if now == *seen {
                continue;
            }
            *seen = now;
            if let Ok(text) = std::fs::read_to_string(&*path) {
                if text != *known {
                    *known = text.clone();
                    out.push(Msg::FileChanged {
                        prompt: name.clone(),
                        text,
                    });
                }
            }
        }
        out
    }
}

fn mtime(path: &Path) -> Option<SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}
