//! promptfoo's `tests` and `defaultTest`: vars (a list value multiplies the test, as in
//! promptfoo), assertions mapped one to one, `threshold`, and tests kept in `file://`
//! CSV, JSON, JSONL or YAML files.

use std::path::Path;

use marked_yaml::types::{MarkedMappingNode, Node};
use serde_json::{Map, Value};

use super::{Ctx, files, yaml};
use crate::vocab::Diagnostic;

/// The most cases one config may turn into (list vars multiply).
const MAX_CASES: usize = 100_000;

/// A file and the number of its first line, to place nodes parsed from it.
pub(super) struct Src<'a> {
    pub file: &'a str,
    pub first: usize,
}

impl<'a> Src<'a> {
    pub fn config(file: &'a str) -> Src<'a> {
        Src { file, first: 1 }
    }

    pub fn line(&self, node: &Node) -> usize {
        yaml::line_of(node, self.first)
    }
}

/// `defaultTest`: vars every case starts from, and assertions every case gets.
#[derive(Debug, Default)]
pub(super) struct Defaults {
    pub vars: Map<String, Value>,
    pub asserts: Vec<Value>,
    pub threshold: Option<f64>,
}

/// One case, as a dataset line.
#[derive(Debug, Clone)]
pub(super) struct CaseOut {
    pub description: Option<String>,
    pub vars: Map<String, Value>,
    pub asserts: Vec<Value>,
    pub threshold: Option<f64>,
}

pub(super) fn defaults(ctx: &mut Ctx, node: &Node) -> Result<Defaults, Diagnostic> {
    let shown = ctx.shown.clone();
    let src = Src::config(&shown);
    let Some(map) = node.as_mapping() else {
        return Err(ctx.error(&shown, src.line(node), "`defaultTest` must be a mapping"));
    };
    let case = test(ctx, &src, map, &Defaults::default())?;
    let mut d = Defaults::default();
    if let Some(c) = case.into_iter().next() {
        d.vars = c.vars;
        d.asserts = c.asserts;
        d.threshold = c.threshold;
    }
    Ok(d)
}

pub(super) fn read(
    ctx: &mut Ctx,
    node: &Node,
    defaults: &Defaults,
) -> Result<Vec<CaseOut>, Diagnostic> {
    let shown = ctx.shown.clone();
    let src = Src::config(&shown);
    let items: Vec<&Node> = match node {
        Node::Sequence(items) => items.iter().collect(),
        other => vec![other],
    };
    let mut out = Vec::new();
    for item in items {
        match item {
            Node::Scalar(s) => match s.as_str().strip_prefix("file://") {
                Some(path) => out.extend(from_files(ctx, path, src.line(item), defaults)?),
                None => ctx.drop_at(
                    &shown,
                    src.line(item),
                    format!("test `{}` is not a `file://` reference", s.as_str()),
                ),
            },
            Node::Mapping(m) => out.extend(test(ctx, &src, m, defaults)?),
            Node::Sequence(_) => ctx.drop_at(&shown, src.line(item), "a test that is a list"),
        }
        if out.len() > MAX_CASES {
            return Err(ctx
                .error(&shown, src.line(item), format!("more than {MAX_CASES} tests"))
                .with_help("split the config, or keep fewer values in list vars (each multiplies the tests)"));
        }
    }
    Ok(out)
}

/// The tests in the files `path` names.
fn from_files(
    ctx: &mut Ctx,
    path: &str,
    line: usize,
    defaults: &Defaults,
) -> Result<Vec<CaseOut>, Diagnostic> {
    let shown = ctx.shown.clone();
    let mut out = Vec::new();
    for file in files::expand(ctx, &shown, line, path)? {
        let ext = file
            .path
            .extension()
            .map(|e| e.to_string_lossy().to_lowercase())
            .unwrap_or_default();
        match ext.as_str() {
            "csv" => out.extend(super::csv_file::csv(
                ctx,
                &file.path,
                &file.shown,
                defaults,
            )?),
            "jsonl" => {
                let text = files::read(&file.path, &file.shown)?;
                for (i, l) in text.lines().enumerate() {
                    if l.trim().is_empty() {
                        continue;
                    }
                    let node = yaml::parse(l, &file.shown, i + 1, true)?;
                    let src = Src {
                        file: &file.shown,
                        first: i + 1,
                    };
                    if let Some(m) = node.as_mapping() {
                        out.extend(test(ctx, &src, m, defaults)?);
                    }
                }
            }
            "json" | "yaml" | "yml" => {
                let text = files::read(&file.path, &file.shown)?;
                let node = match yaml::parse(&text, &file.shown, 1, false) {
                    Ok(n) => n,
                    Err(_) => yaml::parse(&text, &file.shown, 1, true)?,
                };
                let src = Src {
                    file: &file.shown,
                    first: 1,
                };
                let items: Vec<&Node> = match &node {
                    Node::Sequence(items) => items.iter().collect(),
                    other => vec![other],
                };
                for item in items {
                    match item.as_mapping() {
                        Some(m) => out.extend(test(ctx, &src, m, defaults)?),
                        None => {
                            ctx.drop_at(&file.shown, src.line(item), "a test that is not a mapping")
                        }
                    }
                }
            }
            _ => ctx.drop_at(
                &shown,
                line,
                format!(
                    "tests in `{}`: only CSV, JSON, JSONL and YAML test files are converted",
                    file.shown
                ),
            ),
        }
    }
    Ok(out)
}

/// One test mapping; a list var multiplies it, as promptfoo does.
fn test(
    ctx: &mut Ctx,
    src: &Src<'_>,
    map: &MarkedMappingNode,
    defaults: &Defaults,
) -> Result<Vec<CaseOut>, Diagnostic> {
    let mut case = CaseOut {
        description: None,
        vars: defaults.vars.clone(),
        asserts: Vec::new(),
        threshold: defaults.threshold,
    };
    let mut lists: Vec<(String, Vec<Value>)> = Vec::new();
    for (k, v) in map.iter() {
        let line = src.line(v);
        match k.as_str() {
            "description" => case.description = yaml::string(v).map(str::to_string),
            "vars" => {
                let Some(vars) = v.as_mapping() else {
                    ctx.drop_at(src.file, line, "`vars` is not a mapping");
                    continue;
                };
                for (name, value) in vars.iter() {
                    let Some(value) = var(ctx, src, value)? else {
                        continue;
                    };
                    match value {
                        Value::Array(items) if !items.is_empty() => {
                            lists.push((name.as_str().to_string(), items))
                        }
                        value => {
                            case.vars.insert(name.as_str().to_string(), value);
                        }
                    }
                }
            }
            "assert" => match v {
                Node::Sequence(items) => {
                    for a in items.iter() {
                        if let Some(converted) = super::asserts::assertion(ctx, src, a) {
                            case.asserts.push(converted);
                        }
                    }
                }
                _ => ctx.drop_at(src.file, line, "`assert` is not a list"),
            },
            "threshold" => match yaml::to_json(v).ok().and_then(|t| t.as_f64()) {
                Some(t) if (0.0..=1.0).contains(&t) => case.threshold = Some(t),
                _ => ctx.drop_at(
                    src.file,
                    line,
                    "`threshold` is not a number between 0 and 1",
                ),
            },
            "options" => {
                if let Some(m) = v.as_mapping() {
                    for (ok, ov) in m.iter() {
                        ctx.drop_at(
                            src.file,
                            src.line(ov),
                            format!("test option `{}` is not converted", ok.as_str()),
                        );
                    }
                }
            }
            other => ctx.drop_at(
                src.file,
                line,
                format!("test key `{other}` is not converted"),
            ),
        }
    }
    // Every combination of the list vars' values, the first list varying slowest.
    let mut out = vec![case];
    for (name, values) in lists {
        if out.len().saturating_mul(values.len()) > MAX_CASES {
            return Err(ctx.error(
                src.file,
                src.first,
                format!("list vars make more than {MAX_CASES} tests"),
            ));
        }
        out = out
            .into_iter()
            .flat_map(|c| {
                let name = &name;
                values.iter().map(move |v| {
                    let mut c = c.clone();
                    c.vars.insert(name.clone(), v.clone());
                    c
                })
            })
            .collect();
    }
    Ok(out)
}

/// A var's value; `file://` text files are read in. `Ok(None)`: dropped (reported).
fn var(ctx: &mut Ctx, src: &Src<'_>, node: &Node) -> Result<Option<Value>, Diagnostic> {
    let line = src.line(node);
    let value = match yaml::to_json(node) {
        Ok(v) => v,
        Err(e) => {
            ctx.drop_at(src.file, line, format!("a var: {e}"));
            return Ok(None);
        }
    };
    let Some(path) = value.as_str().and_then(|s| s.strip_prefix("file://")) else {
        return Ok(Some(value));
    };
    let ext = Path::new(path)
        .extension()
        .map(|e| e.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    if matches!(ext.as_str(), "js" | "cjs" | "mjs" | "ts" | "py") {
        ctx.drop_at(
            src.file,
            line,
            format!("var `file://{path}`: vars computed by code are not converted"),
        );
        return Ok(None);
    }
    let file = files::one(ctx, src.file, line, path)?;
    Ok(Some(Value::String(files::read(&file.path, &file.shown)?)))
}
