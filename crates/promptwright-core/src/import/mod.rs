//! `import promptfoo`: a promptfoo config turned into a workspace, in memory. Nothing is
//! written here: [`promptfoo`] returns every file's text (or the first problem that
//! makes the config unreadable), and what could not be converted, at its `file:line`.
//! The CLI writes the files.
//!
//! The shape: each promptfoo prompt × provider becomes `prompts/NAME.toml` (a prompt
//! here names its provider and model) and a suite `evals/NAME.toml`; the tests become
//! one dataset, `evals/data/cases.jsonl`, that every suite reads; `defaultTest`'s
//! assertions become each suite's `[[assert]]` and its vars every case's defaults.

mod asserts;
mod cases;
mod csv_file;
mod files;
mod prompts;
mod providers;
mod yaml;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::vocab::Diagnostic;

/// Something in the config that has no counterpart here and was left out.
#[derive(Debug, Clone, PartialEq)]
pub struct Dropped {
    /// `file:line`, as shown.
    pub at: String,
    pub what: String,
}

impl std::fmt::Display for Dropped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.at, self.what)
    }
}

/// A converted config: the files of the workspace, by path relative to its folder.
#[derive(Debug, Default)]
pub struct Import {
    pub files: Vec<(PathBuf, String)>,
    /// Left out: the import is incomplete (exit 1).
    pub dropped: Vec<Dropped>,
    /// Converted with a change the user should know of (a Nunjucks filter renamed).
    pub notes: Vec<Dropped>,
    pub prompts: usize,
    pub providers: usize,
    pub cases: usize,
}

/// What reading the config needs everywhere: where it is, and the lists it fills.
pub(crate) struct Ctx {
    /// The folder `file://` references are relative to.
    dir: PathBuf,
    /// The config as shown in messages.
    shown: String,
    dropped: Vec<Dropped>,
    notes: Vec<Dropped>,
}

impl Ctx {
    fn drop_at(&mut self, file: &str, line: usize, what: impl Into<String>) {
        self.dropped.push(Dropped {
            at: format!("{file}:{line}"),
            what: what.into(),
        });
    }

    fn note_at(&mut self, file: &str, line: usize, what: impl Into<String>) {
        self.notes.push(Dropped {
            at: format!("{file}:{line}"),
            what: what.into(),
        });
    }

    fn error(&self, file: &str, line: usize, message: impl Into<String>) -> Diagnostic {
        let mut d = Diagnostic::file(file, message);
        d.line = line;
        d.col = 1;
        d
    }
}

/// Top-level keys that change nothing in the result, so are not reported.
const IGNORED: &[&str] = &[
    "description",
    "prompts",
    "providers",
    "tests",
    "defaultTest",
    "$schema",
    "sharing",
    "outputPath",
    "writeLatestResults",
];

/// Converts the promptfoo config at `config` (shown as `shown`). `Err` is a config that
/// cannot be read at all: a YAML error, a missing file, a ragged CSV row.
pub fn promptfoo(config: &Path, shown: &str) -> Result<Import, Diagnostic> {
    let text = files::read(config, shown)?;
    let root = yaml::parse(&text, shown, 1, true)?;
    let dir = match config.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let mut ctx = Ctx {
        dir,
        shown: shown.to_string(),
        dropped: Vec::new(),
        notes: Vec::new(),
    };
    let map = root
        .as_mapping()
        .ok_or_else(|| ctx.error(shown, 1, "a promptfoo config is a mapping of keys"))?;
    for (k, v) in map.iter() {
        if !IGNORED.contains(&k.as_str()) {
            let line = yaml::line_of(v, 1);
            ctx.drop_at(shown, line, format!("`{}` is not converted", k.as_str()));
        }
    }
    let description = map
        .get_node("description")
        .and_then(yaml::string)
        .map(str::to_string);
    let prompt_list = match map.get_node("prompts") {
        Some(n) => prompts::read(&mut ctx, n)?,
        None => return Err(ctx.error(shown, 1, "the config has no `prompts`")),
    };
    let provider_list = match map.get_node("providers") {
        Some(n) => providers::read(&mut ctx, n),
        None => return Err(ctx.error(shown, 1, "the config has no `providers`")),
    };
    let defaults = match map.get_node("defaultTest") {
        Some(n) => cases::defaults(&mut ctx, n)?,
        None => cases::Defaults::default(),
    };
    let case_list = match map.get_node("tests") {
        Some(n) => cases::read(&mut ctx, n, &defaults)?,
        None => Vec::new(),
    };
    let mut out = Import {
        prompts: prompt_list.len() * provider_list.len().max(1),
        providers: provider_list.len(),
        cases: case_list.len().max(1),
        ..Import::default()
    };
    if provider_list.is_empty() {
        ctx.drop_at(
            shown,
            1,
            "no provider could be converted, so no prompt can run",
        );
    }
    out.files = files::workspace(
        description.as_deref(),
        &prompt_list,
        &provider_list,
        &defaults,
        &case_list,
    );
    out.dropped = ctx.dropped;
    out.notes = ctx.notes;
    Ok(out)
}

/// A name here (`[a-z0-9][a-z0-9_-]*`) from any text, unique among `taken`.
pub(crate) fn name_from(text: &str, fallback: &str, taken: &mut BTreeSet<String>) -> String {
    let mut slug = String::new();
    for c in text.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            slug.push(c);
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
        if slug.len() >= 48 {
            break;
        }
    }
    let slug = slug.trim_end_matches('-').to_string();
    let base = if slug.is_empty() {
        fallback.to_string()
    } else {
        slug
    };
    let mut name = base.clone();
    let mut n = 2;
    while !taken.insert(name.clone()) {
        name = format!("{base}-{n}");
        n += 1;
    }
    name
}

#[cfg(test)]
mod tests;
