//! The user's own settings, outside any workspace: `$XDG_CONFIG_HOME/promptwright/config.toml`
//! (`~/.config/promptwright/config.toml` when XDG_CONFIG_HOME is unset). A workspace comes
//! from anyone and can never grant itself what this file grants.

use std::path::PathBuf;

use serde::Deserialize;
use toml::Spanned;

use crate::vocab::{Diagnostic, ReadError, Source};

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct File {
    #[serde(default)]
    trust: TrustFile,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct TrustFile {
    #[serde(default)]
    allow_hosts: Vec<Spanned<String>>,
}

/// The user config as read: its text (for diagnostics) and its `[trust]` section.
#[derive(Debug)]
pub struct UserConfig {
    pub source: Source,
    /// `allow_hosts` entries with their byte spans in `source`.
    pub allow_hosts: Vec<(String, std::ops::Range<usize>)>,
}

/// Where the user config lives. XDG says a relative XDG_CONFIG_HOME is to be ignored.
pub fn path() -> Option<PathBuf> {
    let xdg = std::env::var_os("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute());
    let base = xdg.or_else(|| {
        std::env::var_os("HOME")
            .filter(|h| !h.is_empty())
            .map(|h| PathBuf::from(h).join(".config"))
    })?;
    Some(base.join("promptwright").join("config.toml"))
}

/// Reads the user config; `Ok(None)` when there is none.
pub fn load() -> Result<Option<UserConfig>, Diagnostic> {
    let Some(path) = path() else {
        return Ok(None);
    };
    if !path.exists() {
        return Ok(None);
    }
    let shown = path.display().to_string();
    let source = Source::read(&path, shown.clone()).map_err(|e| match e {
        ReadError::Io(e) => Diagnostic::file(shown, format!("cannot read the user config: {e}"))
            .with_help("fix its permissions, or remove the file"),
        ReadError::NotUtf8(d) => *d,
    })?;
    let file: File = toml::from_str(&source.text).map_err(|e| source.toml_error(&e))?;
    Ok(Some(UserConfig {
        allow_hosts: file
            .trust
            .allow_hosts
            .into_iter()
            .map(|h| {
                let span = h.span();
                (h.into_inner(), span)
            })
            .collect(),
        source,
    }))
}
