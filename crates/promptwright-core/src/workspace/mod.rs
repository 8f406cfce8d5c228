//! The workspace: workspace.toml, prompts/, evals/ — loaded, validated, cross-checked.
//! Loading never stops at the first problem: every error found is reported at once.

mod case_ids;
pub mod config;
pub mod confine;
pub(crate) mod csv_dataset;
pub mod labels;
pub mod lenient;
pub mod params;
pub mod prompt;
mod prompt_messages;
pub mod prompt_tools;
pub mod ranges;
pub mod suite;
pub mod toml_message;
pub mod vars;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub use config::{
    Config, DEFAULT_REGRESSION_ALPHA, GateConfig, Price, ProviderConfig, ProviderKind,
};
pub use prompt::{Prompt, PromptDef};
pub use suite::{Case, Suite};
pub use vars::Vars;

use crate::vocab::{Diagnostic, LoadErrors, ReadError, Source, did_you_mean};

pub const WORKSPACE_FILE: &str = "workspace.toml";

/// A loaded, validated workspace.
#[derive(Debug, Clone)]
pub struct Workspace {
    pub root: PathBuf,
    /// How the root is shown in messages: "" for the current folder.
    pub shown_root: String,
    pub config: Config,
    pub prompts: BTreeMap<String, Prompt>,
    pub suites: BTreeMap<String, Suite>,
    /// Problems that do not stop a run, such as a case lacking a template variable.
    pub warnings: Vec<Diagnostic>,
}

/// The nearest folder at or above `start` holding a workspace.toml.
pub fn find_root(start: &Path) -> Option<PathBuf> {
    start
        .ancestors()
        .find(|d| d.join(WORKSPACE_FILE).is_file())
        .map(Path::to_path_buf)
}

/// How to show `root` in messages: relative to the current folder when inside it.
fn shown_root(root: &Path) -> String {
    let cwd = std::env::current_dir().ok();
    let abs = if root.is_absolute() {
        root.to_path_buf()
    } else {
        cwd.as_ref().map_or(root.to_path_buf(), |c| c.join(root))
    };
    if let Some(rel) = cwd.as_ref().and_then(|c| abs.strip_prefix(c).ok()) {
        return rel.to_string_lossy().into_owned();
    }
    root.to_string_lossy().into_owned()
}

impl Workspace {
    /// The path of a workspace-relative file as shown in messages.
    pub fn shown(&self, rel: &str) -> String {
        join_shown(&self.shown_root, rel)
    }

    /// The provider a prompt uses: its own, else the workspace default.
    pub fn provider_for(&self, prompt: &Prompt) -> Option<&ProviderConfig> {
        let name = prompt
            .def
            .provider
            .as_ref()
            .or(self.config.default_provider.as_ref())?;
        self.config.providers.get(name)
    }

    /// The suites that evaluate `prompt`, by name.
    pub fn suites_of<'a>(&'a self, prompt: &'a str) -> impl Iterator<Item = &'a Suite> {
        self.suites.values().filter(move |s| s.prompt == prompt)
    }

    /// Loads and validates the workspace at `root`.
    pub fn load(root: &Path) -> Result<Workspace, LoadErrors> {
        let shown_root = shown_root(root);
        let shown = |rel: &str| join_shown(&shown_root, rel);
        let ws_path = root.join(WORKSPACE_FILE);
        let ws_src = Source::read(&ws_path, shown(WORKSPACE_FILE)).map_err(|e| match e {
            ReadError::Io(e) => LoadErrors::single(
                Diagnostic::file(shown(WORKSPACE_FILE), format!("cannot read: {e}"))
                    .with_help("run `promptwright init` to create a workspace, or pass -w DIR"),
            ),
            ReadError::NotUtf8(d) => LoadErrors::single(*d),
        })?;
        let mut errors = Vec::new();
        let config = match config::parse(&ws_src, root) {
            Ok(c) => Some(c),
            Err(e) => {
                errors.extend(e);
                None
            }
        };

        let mut prompts = BTreeMap::new();
        let mut without_provider = Vec::new();
        let prompt_files = toml_files(root, "prompts", &shown, &mut errors);
        // Names of files that exist, parsed or not: a reference to a broken file is
        // reported once, at the file, not again at every reference.
        let prompt_names: std::collections::BTreeSet<String> =
            prompt_files.iter().map(|(n, _)| n.clone()).collect();
        for (name, path) in prompt_files {
            let rel = format!("prompts/{name}.toml");
            let Some(src) = read_source(&path, shown(&rel), &mut errors) else {
                continue;
            };
            match prompt::parse_prompt(&name, &src, config.as_ref(), root) {
                Ok(p) => {
                    if p.def.provider.is_none() {
                        without_provider.push(src.path.clone());
                    }
                    prompts.insert(name, p);
                }
                Err(e) => errors.extend(e),
            }
        }

        let mut suites = BTreeMap::new();
        let mut prompt_refs = Vec::new();
        let evals_dir = root.join("evals");
        let suite_files = toml_files(root, "evals", &shown, &mut errors);
        let suite_names: std::collections::BTreeSet<String> =
            suite_files.iter().map(|(n, _)| n.clone()).collect();
        for (name, path) in suite_files {
            let rel = format!("evals/{name}.toml");
            let Some(src) = read_source(&path, shown(&rel), &mut errors) else {
                continue;
            };
            match suite::parse(&name, &src, root, &evals_dir, "evals", &shown) {
                Ok((s, pref)) => {
                    prompt_refs.push((src, pref.span, s.prompt.clone()));
                    suites.insert(name, s);
                }
                Err(e) => errors.extend(e),
            }
        }

        if let Some(config) = &config {
            if config.default_provider.is_none() {
                for path in without_provider {
                    errors.push(
                        Diagnostic::file(path, "the prompt names no provider and the workspace has no default_provider")
                            .with_help("add provider = \"NAME\" to the prompt, or default_provider = \"NAME\" under [workspace] in workspace.toml"),
                    );
                }
            }
            let label_suites = config.labels.values().flat_map(|l| {
                l.suite_spans
                    .iter()
                    .map(move |(s, span)| (format!("labels.{}.suite", l.name), s, span))
            });
            let gate_suites = config
                .gate
                .suite_spans
                .iter()
                .map(|(s, span)| ("gate.suite".to_string(), s, span));
            for (table, suite, span) in gate_suites.chain(label_suites) {
                if !suite_names.contains(suite) {
                    let help = match did_you_mean(suite, suite_names.iter().map(String::as_str)) {
                        Some(s) => format!("did you mean `{s}`?"),
                        None => {
                            format!("the name after [{table}.] must be a file evals/NAME.toml")
                        }
                    };
                    errors.push(
                        ws_src
                            .at(span.clone(), format!("[{table}.{suite}] names no suite"))
                            .with_help(help),
                    );
                }
            }
        }
        for (src, span, prompt) in prompt_refs {
            if !prompt_names.contains(&prompt) {
                let help = match did_you_mean(&prompt, prompt_names.iter().map(String::as_str)) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None => format!("create prompts/{prompt}.toml or name an existing prompt"),
                };
                errors.push(
                    src.at(span, format!("prompt `{prompt}` does not exist"))
                        .with_help(help),
                );
            }
        }

        let Some(config) = config else {
            return Err(LoadErrors(errors));
        };
        if !errors.is_empty() {
            return Err(LoadErrors(errors));
        }
        let mut ws = Workspace {
            root: root.to_path_buf(),
            shown_root,
            config,
            prompts,
            suites,
            warnings: Vec::new(),
        };
        let bad_conversations = ws.conversation_errors();
        if !bad_conversations.is_empty() {
            return Err(LoadErrors(bad_conversations));
        }
        ws.warnings = ws.missing_variable_warnings();
        Ok(ws)
    }

    /// Cases whose conversation variable (a prompt's `insert = "VAR"`) is not a list of
    /// messages: found now, at the case's line, rather than as an error per case at run
    /// time.
    fn conversation_errors(&self) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        for suite in self.suites.values() {
            let Some(prompt) = self.prompts.get(&suite.prompt) else {
                continue;
            };
            let slots: Vec<&str> = prompt.def.inserted_variables().collect();
            if slots.is_empty() {
                continue;
            }
            for case in suite.cases.iter() {
                for var in &slots {
                    let Some(value) = case.vars.get(var) else {
                        continue;
                    };
                    if let Err(e) = crate::provider::history::parse(value) {
                        out.push(
                            Diagnostic {
                                line: case.origin.line,
                                col: 1,
                                ..Diagnostic::file(
                                    case.origin.file.to_string(),
                                    format!("case `{}`: `{var}` is not a conversation: {e}", case.id),
                                )
                            }
                            .with_help(format!(
                                "prompt `{}` inserts `{var}` as messages: a list of {{role, content}} objects (role user, assistant or tool; an assistant's tool_calls as {{name, arguments}})",
                                prompt.name
                            )),
                        );
                    }
                }
            }
        }
        out
    }

    /// Cases that lack a variable their prompt uses: they will be `error` when run.
    fn missing_variable_warnings(&self) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        for suite in self.suites.values() {
            let Some(prompt) = self.prompts.get(&suite.prompt) else {
                continue;
            };
            for case in suite.cases.iter() {
                let missing: Vec<&str> = prompt
                    .variables
                    .iter()
                    .filter(|v| !case.vars.contains_key(v.as_str()))
                    .map(String::as_str)
                    .collect();
                if !missing.is_empty() {
                    out.push(
                        Diagnostic::file(
                            case.origin.to_string(),
                            format!(
                                "case `{}` lacks variable{} {} used by prompt `{}`",
                                case.id,
                                if missing.len() > 1 { "s" } else { "" },
                                missing.iter().map(|m| format!("`{m}`")).collect::<Vec<_>>().join(", "),
                                prompt.name
                            ),
                        )
                        .with_help("the case will be an error when run unless the template only reads it conditionally"),
                    );
                }
            }
        }
        out
    }
}

fn join_shown(shown_root: &str, rel: &str) -> String {
    if shown_root.is_empty() {
        rel.to_string()
    } else {
        format!("{}/{rel}", shown_root.trim_end_matches('/'))
    }
}

fn read_source(path: &Path, shown: String, errors: &mut Vec<Diagnostic>) -> Option<Source> {
    match Source::read(path, shown.clone()) {
        Ok(src) => Some(src),
        Err(ReadError::Io(e)) => {
            errors.push(
                Diagnostic::file(shown, format!("cannot read: {e}"))
                    .with_help("check the file's permissions"),
            );
            None
        }
        Err(ReadError::NotUtf8(d)) => {
            errors.push(*d);
            None
        }
    }
}

/// `*.toml` files directly in `root/dir`, sorted, with their names validated.
fn toml_files(
    root: &Path,
    dir: &str,
    shown: &dyn Fn(&str) -> String,
    errors: &mut Vec<Diagnostic>,
) -> Vec<(String, PathBuf)> {
    let Ok(entries) = std::fs::read_dir(root.join(dir)) else {
        return Vec::new();
    };
    let mut files: Vec<(String, PathBuf)> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .filter_map(|p| Some((p.file_stem()?.to_string_lossy().into_owned(), p)))
        .collect();
    files.sort();
    // A folder named like a prompt or suite file would otherwise vanish without a word,
    // and whatever refers to it would fail somewhere else.
    files.retain(|(name, p)| {
        if p.is_file() {
            // A link out of the workspace is never read: its content would be quoted
            // in errors, and CI logs are public.
            let Err(e) = confine::inside(root, p) else {
                return true;
            };
            errors.push(
                Diagnostic::file(shown(&format!("{dir}/{name}.toml")), e.to_string())
                    .with_help(e.help("a prompt or suite file")),
            );
            return false;
        }
        let what = if p.is_dir() {
            "this is a folder, not a file"
        } else {
            "this is not a regular file (a broken link?)"
        };
        errors.push(
            Diagnostic::file(shown(&format!("{dir}/{name}.toml")), what)
                .with_help(format!("a {} is one TOML file: move the folder's content into `{dir}/{name}.toml`, or rename the folder", if dir == "prompts" { "prompt" } else { "suite" })),
        );
        false
    });
    files.retain(|(name, _)| {
        let ok = config::is_valid_name(name);
        if !ok {
            errors.push(
                Diagnostic::file(shown(&format!("{dir}/{name}.toml")), format!("invalid name `{name}`"))
                    .with_help("file names use lowercase letters, digits, `-` and `_`, starting with a letter or digit; rename the file"),
            );
        }
        ok
    });
    files
}
