//! A promptfoo CSV test file: a header of var names, `__expected` columns in the short
//! form, `__description`. A ragged row stops the import at its line.

use std::path::Path;

use serde_json::{Map, Value};

use super::cases::{CaseOut, Defaults};
use super::{Ctx, files};
use crate::vocab::Diagnostic;
use crate::workspace::csv_dataset::{ShortForm, compile_short_form, parse_short_form};

/// A CSV test file: a header of var names, `__expected` columns in the short form.
pub(super) fn csv(
    ctx: &mut Ctx,
    path: &Path,
    shown: &str,
    defaults: &Defaults,
) -> Result<Vec<CaseOut>, Diagnostic> {
    let text = files::read(path, shown)?;
    let mut reader = ::csv::ReaderBuilder::new()
        .flexible(false)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| ctx.error(shown, 1, format!("invalid CSV: {e}")))?
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
    let mut out = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| {
            let line = e.position().map_or(0, |p| p.line() as usize);
            let message = match e.kind() {
                ::csv::ErrorKind::UnequalLengths {
                    expected_len, len, ..
                } => {
                    format!("this row has {len} fields; the header has {expected_len}")
                }
                _ => format!("invalid CSV: {e}"),
            };
            ctx.error(shown, line, message).with_help(
                "every row needs one field per column; quote a field that holds a comma: \"a, b\"",
            )
        })?;
        let line = record.position().map_or(0, |p| p.line() as usize);
        let mut case = CaseOut {
            description: None,
            vars: defaults.vars.clone(),
            asserts: Vec::new(),
            threshold: defaults.threshold,
        };
        for (name, field) in headers.iter().zip(record.iter()) {
            if name == "__description" {
                case.description = (!field.is_empty()).then(|| field.to_string());
            } else if name.starts_with("__expected") {
                if field.trim().is_empty() {
                    continue;
                }
                match short_form(ctx, field) {
                    Ok(a) => case.asserts.push(a),
                    Err(why) => ctx.drop_at(shown, line, format!("`{field}`: {why}")),
                }
            } else if name.starts_with("__") {
                ctx.drop_at(shown, 1, format!("column `{name}` is not converted"));
            } else {
                case.vars
                    .insert(name.clone(), Value::String(field.to_string()));
            }
        }
        out.push(case);
    }
    Ok(out)
}

/// A short-form cell as a dataset assertion object, or why it is left out.
fn short_form(ctx: &Ctx, text: &str) -> Result<Value, String> {
    let (type_name, value) = match parse_short_form(text) {
        ShortForm::Code(_) => return Err("assertions that run code are not converted".into()),
        ShortForm::Typo(h, s) => {
            return Err(format!(
                "unknown assertion type `{h}` (did you mean `{s}`?)"
            ));
        }
        ShortForm::Typed(t, v) => (t, v),
    };
    let (spec, _) =
        compile_short_form(type_name, value, &ctx.dir, &ctx.dir).map_err(|e| e.message)?;
    let mut out = Map::new();
    out.insert("type".into(), Value::String(spec.type_name));
    if let Some(v) = spec.value {
        out.insert("value".into(), v);
    }
    Ok(Value::Object(out))
}
