//! evals/SUITE.toml and its optional JSONL dataset: cases and their assertions.

use std::collections::HashSet;
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::sync::Arc;

use serde::Deserialize;
use serde_json::Value;
use toml::Spanned;

use super::case_ids::CaseIds;
use super::config::is_valid_name;
use super::toml_message::{field_help, humanize, unknown_field};
use super::vars::Vars;
use crate::assert::{AssertSpec, Assertion, Field};
use crate::vocab::source::{at_line, text_of};
use crate::vocab::{Diagnostic, ReadError, Source};

/// One eval case.
#[derive(Debug, Clone)]
pub struct Case {
    pub id: String,
    pub description: Option<String>,
    pub vars: Vars,
    pub threshold: Option<f64>,
    /// The case's own assertions (the suite's apply too: see [`Suite::assertions_for`]).
    pub assertions: Vec<Assertion>,
    /// Where the case is defined, e.g. `evals/refunds.toml:14` or `evals/data/t.jsonl:3`.
    pub origin: Origin,
}

/// A file and line, the file's name shared by all the cases it holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    pub file: Arc<str>,
    pub line: usize,
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.file, self.line)
    }
}

#[derive(Debug, Clone)]
pub struct Suite {
    pub name: String,
    pub rel_path: String,
    pub prompt: String,
    pub description: Option<String>,
    pub dataset: Option<String>,
    pub threshold: Option<f64>,
    /// Samples drawn per case (`repeat`; `eval --repeat` overrides it).
    pub repeat: u32,
    /// The share of a case's samples that must pass for the case to pass.
    pub min_pass_fraction: f64,
    pub assertions: Vec<Assertion>,
    /// Shared: a run plan holds the suite too, and a suite may hold a million cases.
    pub cases: Arc<Vec<Case>>,
}

impl Suite {
    /// A case's own assertions followed by the suite's.
    pub fn assertions_for<'a>(&'a self, case: &'a Case) -> impl Iterator<Item = &'a Assertion> {
        case.assertions.iter().chain(self.assertions.iter())
    }

    /// The threshold that decides the case: its own, else the suite's.
    pub fn threshold_for(&self, case: &Case) -> Option<f64> {
        case.threshold.or(self.threshold)
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SuiteFile {
    prompt: Spanned<String>,
    description: Option<String>,
    dataset: Option<Spanned<String>>,
    threshold: Option<Spanned<f64>>,
    repeat: Option<Spanned<u32>>,
    min_pass_fraction: Option<Spanned<f64>>,
    #[serde(default, rename = "assert")]
    asserts: Vec<AssertFile>,
    #[serde(default)]
    cases: Vec<Spanned<CaseFile>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CaseFile {
    id: Option<Spanned<String>>,
    description: Option<String>,
    #[serde(default)]
    vars: Vars,
    threshold: Option<Spanned<f64>>,
    #[serde(default, rename = "assert")]
    asserts: Vec<AssertFile>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AssertFile {
    #[serde(rename = "type")]
    type_name: Spanned<String>,
    value: Option<Spanned<Value>>,
    weight: Option<Spanned<f64>>,
    threshold: Option<Spanned<f64>>,
    metric: Option<Spanned<String>>,
    timeout_s: Option<Spanned<f64>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct DatasetLine {
    id: Option<String>,
    description: Option<String>,
    #[serde(default)]
    vars: Vars,
    threshold: Option<f64>,
    #[serde(default, rename = "assert")]
    asserts: Vec<DatasetAssert>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DatasetAssert {
    #[serde(rename = "type")]
    type_name: String,
    value: Option<Value>,
    weight: Option<f64>,
    threshold: Option<f64>,
    metric: Option<String>,
    timeout_s: Option<f64>,
}

/// Where the prompt name was written, so the workspace can check it exists.
pub(crate) struct PromptRef {
    pub span: std::ops::Range<usize>,
}

fn compile_toml_asserts(
    src: &Source,
    dir: &Path,
    root: &Path,
    asserts: Vec<AssertFile>,
    errors: &mut Vec<Diagnostic>,
) -> Vec<Assertion> {
    let mut out = Vec::new();
    for a in asserts {
        let spec = AssertSpec {
            type_name: a.type_name.get_ref().clone(),
            value: a.value.as_ref().map(|v| v.get_ref().clone()),
            weight: a.weight.as_ref().map(|w| *w.get_ref()),
            threshold: a.threshold.as_ref().map(|t| *t.get_ref()),
            metric: a.metric.as_ref().map(|m| m.get_ref().clone()),
            timeout_s: a.timeout_s.as_ref().map(|t| *t.get_ref()),
        };
        match Assertion::compile(&spec, dir, root) {
            Ok(compiled) => out.push(compiled),
            Err(e) => {
                let span = match e.field {
                    Field::Type => Some(a.type_name.span()),
                    Field::Value => a.value.as_ref().map(Spanned::span),
                    Field::Weight => a.weight.as_ref().map(Spanned::span),
                    Field::Threshold => a.threshold.as_ref().map(Spanned::span),
                    Field::Metric => a.metric.as_ref().map(Spanned::span),
                    Field::Timeout => a.timeout_s.as_ref().map(Spanned::span),
                }
                .unwrap_or_else(|| a.type_name.span());
                errors.push(src.at(span, e.message).with_help(e.help));
            }
        }
    }
    out
}

fn check_threshold(
    src: &Source,
    t: &Option<Spanned<f64>>,
    errors: &mut Vec<Diagnostic>,
) -> Option<f64> {
    let t = t.as_ref()?;
    if !(0.0..=1.0).contains(t.get_ref()) {
        errors.push(
            src.at(
                t.span(),
                format!("threshold must be between 0 and 1, found {}", t.get_ref()),
            )
            .with_help("a case passes when its weighted score reaches the threshold, e.g. 0.75"),
        );
    }
    Some(*t.get_ref())
}

/// Parses a suite and its dataset (relative to the suite's folder); `shown` turns a
/// workspace-relative path into the path shown in messages.
pub(crate) fn parse(
    name: &str,
    src: &Source,
    root: &Path,
    suite_dir: &Path,
    rel_dir: &str,
    shown: &dyn Fn(&str) -> String,
) -> Result<(Suite, PromptRef), Vec<Diagnostic>> {
    let file: SuiteFile = toml::from_str(&src.text).map_err(|e| vec![src.toml_error(&e)])?;
    let mut errors = Vec::new();
    let threshold = check_threshold(src, &file.threshold, &mut errors);
    if let Some(r) = &file.repeat {
        super::ranges::check(src, "repeat", r, super::ranges::REPEAT, &mut errors);
    }
    if let Some(f) = &file.min_pass_fraction {
        super::ranges::check(
            src,
            "min_pass_fraction",
            f,
            super::ranges::PASS_FRACTION,
            &mut errors,
        );
    }
    let assertions = compile_toml_asserts(src, suite_dir, root, file.asserts, &mut errors);
    let mut cases = Vec::new();
    let mut ids = CaseIds::default();
    let suite_file: Arc<str> = src.path.as_str().into();
    // Cases name the same few variables: one copy of each name for them all.
    let mut names = HashSet::new();
    for (i, spanned) in file.cases.into_iter().enumerate() {
        let span = spanned.span();
        let c = spanned.into_inner();
        let (line, _) = src.line_col(span.start);
        let id = match &c.id {
            Some(id) => {
                if !is_valid_name(id.get_ref()) {
                    errors.push(
                        src.at(id.span(), format!("invalid case id `{}`", id.get_ref()))
                            .with_help("ids use lowercase letters, digits, `-` and `_`, starting with a letter or digit"),
                    );
                }
                id.get_ref().clone()
            }
            None => format!("case-{}", i + 1),
        };
        if !ids.insert(&id, &cases) {
            let at = c.id.as_ref().map_or(span.clone(), Spanned::span);
            errors.push(
                src.at(at, format!("duplicate case id `{id}` in suite `{name}`"))
                    .with_help("case ids must be unique in a suite; rename one of them"),
            );
        }
        let case_threshold = check_threshold(src, &c.threshold, &mut errors);
        let case_asserts = compile_toml_asserts(src, suite_dir, root, c.asserts, &mut errors);
        cases.push(Case {
            id,
            description: c.description,
            vars: {
                let mut vars = c.vars;
                vars.share_names(&mut names);
                vars
            },
            threshold: case_threshold,
            assertions: case_asserts,
            origin: Origin {
                file: suite_file.clone(),
                line,
            },
        });
    }
    let dataset = file.dataset.as_ref().map(|d| d.get_ref().clone());
    if let Some(d) = &file.dataset {
        let rel = normalize(&format!("{rel_dir}/{}", d.get_ref()));
        // Never read (nor quote, in an error) a file outside the workspace.
        let path = match super::confine::inside(root, &suite_dir.join(d.get_ref())) {
            Ok(path) => path,
            Err(e) => {
                errors.push(
                    src.at(d.span(), format!("dataset `{}` {e}", d.get_ref()))
                        .with_help(e.help("a dataset")),
                );
                return Err(errors);
            }
        };
        let data_dir = path.parent().unwrap_or(suite_dir);
        let data_shown = shown(&rel);
        let mut dataset = Dataset {
            shown: data_shown.as_str().into(),
            dir: data_dir,
            root,
            suite: name,
            ids: &mut ids,
            errors: &mut errors,
            names: HashSet::new(),
        };
        match dataset.parse(&path, &mut cases) {
            Ok(()) => cases.shrink_to_fit(),
            Err(ReadError::NotUtf8(diagnostic)) => errors.push(*diagnostic),
            Err(ReadError::Io(e)) => errors.push(
                src.at(d.span(), format!("cannot read dataset `{}`: {e}", d.get_ref()))
                    .with_help("the dataset path is relative to the suite file, e.g. dataset = \"data/tickets.jsonl\""),
            ),
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let prompt_ref = PromptRef {
        span: file.prompt.span(),
    };
    Ok((
        Suite {
            name: name.to_string(),
            rel_path: format!("{rel_dir}/{name}.toml"),
            prompt: file.prompt.into_inner(),
            description: file.description,
            dataset,
            threshold,
            repeat: file.repeat.map_or(1, Spanned::into_inner),
            min_pass_fraction: file.min_pass_fraction.map_or(1.0, Spanned::into_inner),
            assertions,
            cases: Arc::new(cases),
        },
        prompt_ref,
    ))
}

/// Removes `./` and `dir/..` segments from a relative path written with `/`.
fn normalize(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for p in path.split('/') {
        match p {
            "" | "." => {}
            ".." if parts.last().is_some_and(|l| *l != "..") => {
                parts.pop();
            }
            other => parts.push(other),
        }
    }
    parts.join("/")
}

/// The 1-based column of the last `"key"` that starts before column `before` of `line`.
fn key_column(line: &str, key: &str, before: usize) -> Option<usize> {
    let quoted = format!("\"{key}\"");
    line.match_indices(&quoted)
        .map(|(i, _)| line[..i].chars().count() + 1)
        .filter(|c| *c < before)
        .last()
}

/// A suite's dataset being read, and what its cases are checked against.
pub(super) struct Dataset<'a> {
    /// The path shown in messages, shared by the cases' origins.
    pub(super) shown: Arc<str>,
    /// Relative paths in assertions (schema files) start here.
    pub(super) dir: &'a Path,
    /// The workspace root: schema files must stay inside it.
    pub(super) root: &'a Path,
    suite: &'a str,
    /// Case ids so far in the suite: ids must be unique across it and its dataset.
    ids: &'a mut CaseIds,
    pub(super) errors: &'a mut Vec<Diagnostic>,
    /// Every row names the same few variables: one copy of each name for them all.
    names: HashSet<Arc<str>>,
}

impl Dataset<'_> {
    /// One case per non-blank line; a bad line is reported as `file:line:col`. The file
    /// is read a line at a time: a million-line dataset costs its cases, not its text
    /// as well.
    fn parse(&mut self, path: &Path, cases: &mut Vec<Case>) -> Result<(), ReadError> {
        if path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("csv"))
        {
            return self.parse_csv(path, cases);
        }
        let mut reader = BufReader::new(File::open(path).map_err(ReadError::Io)?);
        let mut buf = Vec::new();
        for n in 1.. {
            buf.clear();
            if reader.read_until(b'\n', &mut buf).map_err(ReadError::Io)? == 0 {
                break;
            }
            if buf.last() == Some(&b'\n') {
                buf.pop();
                if buf.last() == Some(&b'\r') {
                    buf.pop();
                }
            }
            let line = text_of(std::mem::take(&mut buf), &self.shown, n)?;
            if let Some(case) = parse_line(&line, n, &self.shown, self.dir, self.root, self.errors)
            {
                self.push(case, n, &line, cases);
            }
            buf = line.into_bytes();
        }
        Ok(())
    }

    /// Adds the case read on line `n` (whose text is `line`), its id checked unique.
    pub(super) fn push(&mut self, mut case: Case, n: usize, line: &str, cases: &mut Vec<Case>) {
        case.vars.share_names(&mut self.names);
        if !self.ids.insert(&case.id, cases) {
            self.errors.push(
                at_line(&self.shown, n, line, 1, format!("duplicate case id `{}` in suite `{}`", case.id, self.suite))
                    .with_help("case ids must be unique across the suite and its dataset; give the cases explicit ids"),
            );
        }
        cases.push(case);
    }
}

/// The case on line `n` of a dataset, or `None` (blank, or reported in `errors`).
fn parse_line(
    line: &str,
    n: usize,
    file: &Arc<str>,
    dir: &Path,
    root: &Path,
    errors: &mut Vec<Diagnostic>,
) -> Option<Case> {
    let at = |col: usize, message: String| at_line(file, n, line, col, message);
    if line.trim().is_empty() {
        return None;
    }
    // serde would read an array as the fields in order: `["a", null, {...}]` is a case.
    if !line.trim_start().starts_with('{') {
        let col = line.chars().take_while(|c| c.is_whitespace()).count() + 1;
        errors.push(
            at(col, "invalid dataset line: expected a JSON object".into())
                .with_help("each line must be one JSON object: {\"id\": \"...\", \"vars\": {...}, \"assert\": [...]}"),
        );
        return None;
    }
    let parsed: DatasetLine = match serde_json::from_str(line) {
        Ok(p) => p,
        Err(e) => {
            // serde_json ends with " at line 1 column N": the location says it already.
            let full = e.to_string();
            let suffix = format!(" at line {} column {}", e.line(), e.column());
            let message = humanize(full.strip_suffix(&suffix).unwrap_or(&full), "object");
            let mut col = e.column().max(1);
            let help = if e.is_syntax() || e.is_eof() {
                "each line must be one JSON object: {\"id\": \"...\", \"vars\": {...}, \"assert\": [...]}".to_string()
            } else if message.starts_with("missing field `type`") {
                "each assertion needs a type, e.g. {\"type\": \"contains\", \"value\": \"30 days\"}"
                    .to_string()
            } else {
                field_help(&message, false, None).unwrap_or_else(|| {
                    "a line's keys are id, description, vars, threshold and assert".to_string()
                })
            };
            // serde_json points just past an unknown key: point at the key itself.
            if let Some(field) = unknown_field(&message) {
                col = key_column(line, field, col).unwrap_or(col);
            }
            errors.push(at(col, format!("invalid dataset line: {message}")).with_help(help));
            return None;
        }
    };
    let id = parsed.id.unwrap_or_else(|| format!("case-{n}"));
    if !is_valid_name(&id) {
        errors.push(at(1, format!("invalid case id `{id}`")).with_help(
            "ids use lowercase letters, digits, `-` and `_`, starting with a letter or digit",
        ));
    }
    if let Some(t) = parsed.threshold {
        if !(0.0..=1.0).contains(&t) {
            errors.push(
                at(1, format!("threshold must be between 0 and 1, found {t}"))
                    .with_help("e.g. \"threshold\": 0.75"),
            );
        }
    }
    let mut assertions = Vec::new();
    for (k, a) in parsed.asserts.into_iter().enumerate() {
        let spec = AssertSpec {
            type_name: a.type_name,
            value: a.value,
            weight: a.weight,
            threshold: a.threshold,
            metric: a.metric,
            timeout_s: a.timeout_s,
        };
        match Assertion::compile(&spec, dir, root) {
            Ok(c) => assertions.push(c),
            Err(e) => errors.push(
                at(
                    1,
                    format!("assertion {} of case `{id}`: {}", k + 1, e.message),
                )
                .with_help(e.help),
            ),
        }
    }
    Some(Case {
        id,
        description: parsed.description,
        vars: parsed.vars,
        threshold: parsed.threshold,
        assertions,
        origin: Origin {
            file: file.clone(),
            line: n,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vocab::source::SCANNED;

    /// Parses a suite of `n` inline cases and a dataset of `n` lines; returns the bytes
    /// of source text visited to place them.
    fn scanned_for(n: usize) -> usize {
        let dir = tempfile::tempdir().unwrap();
        let mut suite = String::from("prompt = \"p\"\ndataset = \"cases.jsonl\"\n");
        let mut data = String::new();
        for i in 0..n {
            suite.push_str(&format!("[[cases]]\nid = \"c{i}\"\nvars = {{ n = {i} }}\n"));
            data.push_str(&format!("{{\"id\": \"d{i}\", \"vars\": {{\"n\": {i}}}}}\n"));
        }
        std::fs::write(dir.path().join("cases.jsonl"), data).unwrap();
        let src = Source::new("evals/s.toml", suite);
        SCANNED.with(|s| s.set(0));
        let (parsed, _) = parse("s", &src, dir.path(), dir.path(), "evals", &|p| {
            p.to_string()
        })
        .unwrap();
        assert_eq!(parsed.cases.len(), 2 * n);
        assert_eq!(
            parsed.cases[n - 1].origin.to_string(),
            format!("evals/s.toml:{}", 3 * n)
        );
        assert_eq!(
            parsed.cases[2 * n - 1].origin.to_string(),
            format!("evals/cases.jsonl:{n}")
        );
        SCANNED.with(|s| s.get())
    }

    #[test]
    fn placing_cases_costs_linear_work() {
        // Each case's line used to be found by counting lines from the top of the file:
        // 8 times the cases cost 64 times the work. Now the file is indexed once (ids and
        // numbers grow a digit longer, hence a little over 8).
        let small = scanned_for(500);
        let large = scanned_for(4000);
        assert!(small > 0);
        assert!(
            large < 10 * small,
            "{small} bytes for 500 cases, {large} for 4000"
        );
    }
}
