//! The workspace as the workbench opens it: never refused. What loads is loaded, what
//! does not is listed with its errors, and every prompt file's text is read anyway, so
//! a broken prompt can be opened and fixed next to its errors.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::{Config, WORKSPACE_FILE, Workspace, config, toml_files};
use crate::release;
use crate::vocab::{Diagnostic, Source};

/// A prompt file as text, whether it parses or not.
#[derive(Debug, Clone)]
pub struct PromptFile {
    pub name: String,
    /// `prompts/NAME.toml`.
    pub rel: String,
    pub path: PathBuf,
    pub text: String,
    /// The content hash of its current release, if it has one.
    pub released_sha256: Option<String>,
}

#[derive(Debug)]
pub struct Lenient {
    /// The whole workspace, when it loads.
    pub workspace: Option<Arc<Workspace>>,
    /// Why it does not.
    pub errors: Vec<Diagnostic>,
    /// workspace.toml: the workspace's, or read alone when the rest does not load.
    pub config: Option<Config>,
    /// Every `prompts/*.toml` inside the workspace, sorted by name.
    pub prompt_files: Vec<PromptFile>,
}

pub fn load_lenient(root: &Path) -> Lenient {
    let (workspace, errors, config) = match Workspace::load(root) {
        Ok(ws) => {
            let config = Some(ws.config.clone());
            (Some(Arc::new(ws)), Vec::new(), config)
        }
        Err(e) => (None, e.0, read_config(root)),
    };
    // The same files the loader reads (links out of the workspace are left out); their
    // problems are in `errors` already.
    let prompt_files = toml_files(root, "prompts", &|rel| rel.to_string(), &mut Vec::new())
        .into_iter()
        .filter_map(|(name, path)| {
            let text = std::fs::read_to_string(&path).ok()?;
            Some(PromptFile {
                rel: format!("prompts/{name}.toml"),
                released_sha256: release::current_sha256(root, &name),
                name,
                path,
                text,
            })
        })
        .collect();
    Lenient {
        workspace,
        errors,
        config,
        prompt_files,
    }
}

/// workspace.toml alone, for when the rest of the workspace does not load: the
/// workspace's name and providers still count.
pub fn read_config(root: &Path) -> Option<Config> {
    let text = std::fs::read_to_string(root.join(WORKSPACE_FILE)).ok()?;
    config::parse(&Source::new(WORKSPACE_FILE, text), root).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(root: &Path, rel: &str, text: &str) {
        let p = root.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }

    #[test]
    fn a_broken_workspace_still_gives_its_config_and_every_prompt_text() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        write(
            root,
            "workspace.toml",
            "[workspace]\nname = \"w\"\ndefault_provider = \"e\"\n[providers.e]\nkind = \"echo\"\n",
        );
        write(
            root,
            "prompts/good.toml",
            "[[messages]]\nrole = \"user\"\ncontent = \"hi\"\n",
        );
        write(root, "prompts/bad.toml", "[[messages]\n");
        let l = load_lenient(root);
        assert!(l.workspace.is_none());
        assert!(
            l.errors
                .iter()
                .any(|d| d.path.ends_with("prompts/bad.toml")),
            "{:?}",
            l.errors
        );
        assert_eq!(l.config.map(|c| c.name).as_deref(), Some("w"));
        let names: Vec<&str> = l.prompt_files.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["bad", "good"]);
        assert_eq!(l.prompt_files[0].text, "[[messages]\n");
        assert_eq!(l.prompt_files[1].released_sha256, None);
    }

    #[cfg(unix)]
    #[test]
    fn a_prompt_linked_from_outside_is_not_read() {
        let outside = tempfile::tempdir().unwrap();
        write(outside.path(), "secret.toml", "token = \"s3cret\"\n");
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        write(root, "workspace.toml", "[workspace]\nname = \"w\"\n");
        std::fs::create_dir_all(root.join("prompts")).unwrap();
        std::os::unix::fs::symlink(
            outside.path().join("secret.toml"),
            root.join("prompts/leak.toml"),
        )
        .unwrap();
        let l = load_lenient(root);
        assert!(l.prompt_files.is_empty(), "{:?}", l.prompt_files);
        assert!(
            l.errors
                .iter()
                .any(|d| d.path.ends_with("prompts/leak.toml"))
        );
    }
}
