//! CSV datasets, as promptfoo users keep their tests: a header row of variable names and
//! one case per row. Columns starting with `__` are not variables: `__expected` (and
//! `__expected2`, `__expected3`, …) hold an assertion in promptfoo's short form
//! (`contains: refund`, `is-json`, `grade: polite and brief`; plain text means `equals`),
//! and `__description` describes the case. Read a record at a time, like JSONL.

use std::fs::File;
use std::io::Read;
use std::path::Path;
use std::sync::Arc;

use serde_json::{Map, Value};

use super::suite::{Case, Dataset, Origin};
use crate::assert::{AssertSpec, Assertion, TYPES};
use crate::vocab::source::at_line;
use crate::vocab::{ReadError, did_you_mean};

/// Short-form prefixes that name code to run: never run from a dataset.
const CODE_PREFIXES: &[&str] = &["javascript", "python", "fn", "file", "webhook"];

const HELP: &str = "a CSV dataset has a header row of variable names; `__expected` columns hold an \
assertion such as `contains: refund` or `is-json`, and `__description` a description";

/// A reader that notes where each line starts as the CSV reader pulls bytes through it:
/// the CSV reader's own line count skips blank lines, and a `file:line` must not.
struct Lines<R> {
    inner: R,
    read: u64,
    /// Byte offset of every line break seen so far.
    breaks: Vec<u64>,
}

impl<R> Lines<R> {
    fn new(inner: R) -> Self {
        Lines {
            inner,
            read: 0,
            breaks: Vec::new(),
        }
    }

    /// The 1-based line holding byte `offset` (already read).
    fn line_of(&self, offset: u64) -> usize {
        self.breaks.partition_point(|&b| b < offset) + 1
    }
}

impl<R: Read> Read for Lines<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        let start = self.read;
        self.breaks.extend(
            buf[..n]
                .iter()
                .enumerate()
                .filter(|(_, b)| **b == b'\n')
                .map(|(i, _)| start + i as u64),
        );
        self.read += n as u64;
        Ok(n)
    }
}

/// Lowercase letters and dashes: what an assertion type looks like.
fn is_word(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| c.is_ascii_lowercase() || c == '-')
}

/// What a column is.
enum Column {
    Var(Arc<str>),
    Expected,
    Description,
}

impl Dataset<'_> {
    pub(super) fn parse_csv(
        &mut self,
        path: &Path,
        cases: &mut Vec<Case>,
    ) -> Result<(), ReadError> {
        let file = File::open(path).map_err(ReadError::Io)?;
        let mut reader = csv::ReaderBuilder::new()
            .flexible(false)
            .from_reader(Lines::new(file));
        let headers = match reader.byte_headers() {
            Ok(h) => h.clone(),
            Err(e) => return self.csv_error(e, 1),
        };
        let Some(columns) = self.columns(&headers) else {
            return Ok(());
        };
        let mut record = csv::ByteRecord::new();
        loop {
            match reader.read_byte_record(&mut record) {
                Ok(false) => break,
                Ok(true) => {}
                Err(e) => {
                    let end = reader.position().byte().saturating_sub(1);
                    return self.csv_error(e, reader.get_ref().line_of(end));
                }
            }
            // The record's own position is where the reader was before it (blank lines
            // included): count back from its end instead.
            let end = reader.position().byte().saturating_sub(1);
            let inside = record.iter().flatten().filter(|b| **b == b'\n').count();
            let n = reader.get_ref().line_of(end).saturating_sub(inside);
            let fields: Vec<String> = match record
                .iter()
                .map(|f| std::str::from_utf8(f).map(str::to_string))
                .collect()
            {
                Ok(f) => f,
                Err(_) => {
                    let d = at_line(&self.shown, n, "", 1, "this row is not UTF-8 text")
                        .with_help("save the file as UTF-8");
                    self.errors.push(d);
                    return Ok(());
                }
            };
            if fields.iter().all(|f| f.trim().is_empty()) {
                continue;
            }
            if let Some(case) = self.csv_case(&columns, &fields, n) {
                self.push(case, n, &fields.join(","), cases);
            }
        }
        Ok(())
    }

    /// The header's columns, or `None` when one is reported in `errors`.
    fn columns(&mut self, headers: &csv::ByteRecord) -> Option<Vec<Column>> {
        let names: Vec<String> = headers
            .iter()
            .map(|h| String::from_utf8_lossy(h).trim().to_string())
            .collect();
        let line = names.join(",");
        let mut columns = Vec::with_capacity(names.len());
        let mut ok = true;
        for (i, name) in names.iter().enumerate() {
            let col = names[..i]
                .iter()
                .map(|n| n.chars().count() + 1)
                .sum::<usize>()
                + 1;
            let column = match name.as_str() {
                "" => {
                    self.errors.push(
                        at_line(
                            &self.shown,
                            1,
                            &line,
                            col,
                            format!("column {} has no name", i + 1),
                        )
                        .with_help(HELP),
                    );
                    ok = false;
                    continue;
                }
                "__description" => Column::Description,
                n if n == "__expected"
                    || n.strip_prefix("__expected")
                        .is_some_and(|d| d.parse::<u32>().is_ok()) =>
                {
                    Column::Expected
                }
                n if n.starts_with("__") => {
                    self.errors.push(
                        at_line(&self.shown, 1, &line, col, format!("unknown column `{n}`"))
                            .with_help(HELP),
                    );
                    ok = false;
                    continue;
                }
                n => Column::Var(n.into()),
            };
            columns.push(column);
        }
        ok.then_some(columns)
    }

    /// The case in row `fields` on line `n`, or `None` (reported in `errors`).
    fn csv_case(&mut self, columns: &[Column], fields: &[String], n: usize) -> Option<Case> {
        let line = fields.join(",");
        let mut vars = Map::new();
        let mut description = None;
        let mut assertions = Vec::new();
        let mut ok = true;
        for (i, (column, field)) in columns.iter().zip(fields).enumerate() {
            let col = fields[..i]
                .iter()
                .map(|f| f.chars().count() + 1)
                .sum::<usize>()
                + 1;
            match column {
                Column::Var(name) => {
                    vars.insert(name.to_string(), Value::String(field.clone()));
                }
                Column::Description => {
                    description = (!field.is_empty()).then(|| field.clone());
                }
                Column::Expected if field.trim().is_empty() => {}
                Column::Expected => match self.short_form(field) {
                    Ok(a) => assertions.push(a),
                    Err((message, help)) => {
                        self.errors
                            .push(at_line(&self.shown, n, &line, col, message).with_help(help));
                        ok = false;
                    }
                },
            }
        }
        ok.then(|| Case {
            id: format!("case-{n}"),
            description,
            vars: vars.into(),
            threshold: None,
            assertions,
            origin: Origin {
                file: self.shown.clone(),
                line: n,
            },
        })
    }

    /// An assertion in promptfoo's short form.
    fn short_form(&self, text: &str) -> Result<Assertion, (String, String)> {
        let (type_name, value) = match parse_short_form(text) {
            ShortForm::Code(h) => {
                return Err((
                    format!("`{h}:` assertions run code, which a dataset cannot"),
                    "use a built-in assertion (`contains: …`, `regex: …`, `is-json`, `grade: …`)"
                        .into(),
                ));
            }
            ShortForm::Typo(h, s) => {
                return Err((
                    format!("unknown assertion type `{h}` in `__expected`"),
                    format!(
                        "did you mean `{s}:`? (text with no known type before a colon is compared with `equals`)"
                    ),
                ));
            }
            ShortForm::Typed(t, v) => (t, v),
        };
        compile_short_form(type_name, value, self.dir, self.root)
            .map(|(_, a)| a)
            .map_err(|e| {
                (
                    format!("`__expected` `{}`: {}", text.trim(), e.message),
                    e.help,
                )
            })
    }

    /// A row the CSV reader refused: reported, and the rest of the file left unread
    /// (its rows no longer line up with the header). Only a failed read is an `Err`.
    fn csv_error(&mut self, e: csv::Error, line: usize) -> Result<(), ReadError> {
        let message = match e.kind() {
            csv::ErrorKind::UnequalLengths {
                expected_len, len, ..
            } => format!(
                "this row has {}; the header has {expected_len}",
                crate::words::plural(*len as usize, "field", "fields")
            ),
            csv::ErrorKind::Utf8 { .. } => "this row is not UTF-8 text".to_string(),
            csv::ErrorKind::Io(err) => {
                return Err(ReadError::Io(std::io::Error::new(
                    err.kind(),
                    err.to_string(),
                )));
            }
            _ => e.to_string(),
        };
        self.errors
            .push(at_line(&self.shown, line, "", 1, message).with_help(
                "every row needs one field per column; quote a field that holds a comma: \"a, b\"",
            ));
        Ok(())
    }
}

/// What a cell in promptfoo's short form says.
pub(crate) enum ShortForm<'a> {
    /// `javascript: …` and the like: code, never run from a dataset.
    Code(&'a str),
    /// A near miss of a type name and the type meant.
    Typo(&'a str, &'static str),
    /// A type and its value, if any.
    Typed(&'a str, Option<&'a str>),
}

/// Reads `type: value`, a bare type, or plain text (promptfoo's default: `equals`).
pub(crate) fn parse_short_form(text: &str) -> ShortForm<'_> {
    let text = text.trim();
    let (head, rest) = match text.split_once(':') {
        Some((h, r)) => (h.trim(), Some(r.trim())),
        None => (text, None),
    };
    let known = |t: &str| TYPES.contains(&t.strip_prefix("not-").unwrap_or(t));
    match (head, rest) {
        (h, _) if CODE_PREFIXES.contains(&h.strip_prefix("not-").unwrap_or(h)) => {
            ShortForm::Code(h)
        }
        ("grade" | "llm-rubric", Some(r)) => ShortForm::Typed("llm-rubric", Some(r)),
        (h, r) if known(h) => ShortForm::Typed(h, r),
        // A near miss of a type name is a typo, not an expected output.
        (h, Some(_)) if is_word(h) => match did_you_mean(h, TYPES.iter().copied()) {
            Some(s) => ShortForm::Typo(h, s),
            None => ShortForm::Typed("equals", Some(text)),
        },
        _ => ShortForm::Typed("equals", Some(text)),
    }
}

/// Compiles a short-form assertion: the value as text, else (`max-length: 200` wants a
/// number) as JSON. Returns the spec that compiled with it.
pub(crate) fn compile_short_form(
    type_name: &str,
    value: Option<&str>,
    dir: &Path,
    root: &Path,
) -> Result<(AssertSpec, Assertion), crate::assert::CompileError> {
    let spec = |value: Option<Value>| AssertSpec {
        type_name: type_name.to_string(),
        value,
        ..AssertSpec::default()
    };
    let as_text = spec(value.map(|v| Value::String(v.to_string())));
    match Assertion::compile(&as_text, dir, root) {
        Ok(a) => Ok((as_text, a)),
        Err(first) => {
            if let Some(p) = value.and_then(|v| serde_json::from_str::<Value>(v).ok()) {
                let as_json = spec(Some(p));
                if let Ok(a) = Assertion::compile(&as_json, dir, root) {
                    return Ok((as_json, a));
                }
            }
            Err(first)
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::workspace::Workspace;

    fn workspace(csv: &str) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        let w = |rel: &str, text: &str| {
            let p = dir.path().join(rel);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, text).unwrap();
        };
        w(
            "workspace.toml",
            "[workspace]\nname = \"w\"\ndefault_provider = \"e\"\n[providers.e]\nkind = \"echo\"\n",
        );
        w(
            "prompts/p.toml",
            "[[messages]]\nrole = \"user\"\ncontent = \"{{ ticket }} {{ lang }}\"\n",
        );
        w(
            "evals/s.toml",
            "prompt = \"p\"\ndataset = \"data/cases.csv\"\n",
        );
        w("evals/data/cases.csv", csv);
        dir
    }

    fn errors(csv: &str) -> Vec<String> {
        let ws = workspace(csv);
        match Workspace::load(ws.path()) {
            Ok(_) => Vec::new(),
            Err(e) => e.0.iter().map(|d| d.to_string()).collect(),
        }
    }

    #[test]
    fn rows_become_cases_with_promptfoo_short_form_assertions() {
        let ws = workspace(
            "ticket,lang,__expected,__expected2,__description\n\
             \"Refund, please\",en,icontains: refund,max-length: 200,asks for money back\n\
             \n\
             Where is it?,de,Where is it? de,,\n\
             {},en,is-json,not-contains: error,\n",
        );
        let loaded = Workspace::load(ws.path()).unwrap();
        let cases = &loaded.suites["s"].cases;
        assert_eq!(cases.len(), 3);
        let first = &cases[0];
        assert_eq!(first.id, "case-2");
        assert_eq!(first.vars.get("ticket").unwrap(), "Refund, please");
        assert_eq!(first.description.as_deref(), Some("asks for money back"));
        let types: Vec<&str> = first
            .assertions
            .iter()
            .map(|a| a.type_name.as_str())
            .collect();
        assert_eq!(types, ["icontains", "max-length"]);
        // A blank row is skipped; ids are the rows' line numbers.
        assert_eq!(cases[1].id, "case-4");
        // Text with no known type is the expected output itself.
        assert_eq!(cases[1].assertions[0].type_name, "equals");
        assert_eq!(cases[1].assertions.len(), 1);
        let types: Vec<&str> = cases[2]
            .assertions
            .iter()
            .map(|a| a.type_name.as_str())
            .collect();
        assert_eq!(types, ["is-json", "not-contains"]);
    }

    #[test]
    fn bad_columns_rows_and_assertions_are_reported_at_their_line() {
        let e = errors("ticket,__weight\nx,1\n");
        assert!(
            e[0].contains("evals/data/cases.csv:1:8: unknown column `__weight`"),
            "{e:?}"
        );

        let e = errors("ticket,lang,__expected\na,en,javascript: output.length > 3\n");
        assert!(
            e[0].contains("cases.csv:2:6: `javascript:` assertions run code"),
            "{e:?}"
        );

        let e = errors("ticket,lang,__expected\na,en,contans: refund\n");
        assert!(
            e[0].contains("cases.csv:2:6: unknown assertion type `contans`"),
            "{e:?}"
        );
        assert!(e[0].contains("did you mean `contains:`?"), "{e:?}");

        let e = errors("ticket,lang,__expected\na,en,max-length: lots\n");
        assert!(
            e[0].contains("cases.csv:2:6: `__expected` `max-length: lots`"),
            "{e:?}"
        );

        let e = errors("ticket,lang\na,en\n\nb\n");
        assert!(
            e[0].contains("cases.csv:4:1: this row has 1 field; the header has 2"),
            "{e:?}"
        );
    }
}
