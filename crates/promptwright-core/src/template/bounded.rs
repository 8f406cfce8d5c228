//! Built-in filters whose width or count argument sizes an allocation made up front:
//! `indent(99999999999)` or `"%99999999999s"|format(x)` would abort the process when the
//! allocation fails — an `eval`, or the editor's live preview while a number is typed
//! digit by digit. These refuse absurd sizes, then call the built-in.

use minijinja::value::{Kwargs, Rest, StringInput, Value, ValueKind, ValueOrKwargs};
use minijinja::{Error, ErrorKind, State};

const MAX_WIDTH: usize = 1_000;
const MAX_JSON_INDENT: usize = 64;
const MAX_FORMAT_WIDTH: usize = 10_000;
const MAX_SLICES: usize = 10_000;

fn refuse(what: &str, n: impl std::fmt::Display, max: usize) -> Error {
    Error::new(
        ErrorKind::InvalidOperation,
        format!("{what} {n} is too large (at most {max})"),
    )
}

pub fn indent(
    value: StringInput<'_>,
    width: Option<usize>,
    first: Option<bool>,
    blank: Option<bool>,
    kwargs: Kwargs,
) -> Result<Value, Error> {
    let w = match width {
        Some(w) => Some(w),
        None => kwargs.get::<Option<usize>>("width")?,
    };
    if let Some(w) = w.filter(|w| *w > MAX_WIDTH) {
        return Err(refuse("indent width", w, MAX_WIDTH));
    }
    minijinja::filters::indent(value, width, first, blank, kwargs)
}

pub fn tojson(value: &Value, indent: Option<Value>, kwargs: Kwargs) -> Result<Value, Error> {
    let requested = match &indent {
        Some(i) => Some(i.clone()),
        None => kwargs.get::<Option<Value>>("indent")?,
    };
    // `true` stands for 2; a number is the indent itself.
    if let Some(i) = requested.filter(|i| i.kind() == ValueKind::Number) {
        if i.as_i64().is_none_or(|n| n > MAX_JSON_INDENT as i64) {
            return Err(refuse("tojson indent", i, MAX_JSON_INDENT));
        }
    }
    minijinja::filters::tojson(value, indent, kwargs)
}

pub fn format(
    state: &mut State,
    format_str: &Value,
    args: Rest<ValueOrKwargs>,
) -> Result<Value, Error> {
    if let Some(s) = format_str.as_str() {
        check_printf(s)?;
    }
    minijinja::filters::format(state, format_str, args)
}

/// Refuses printf directives whose width or precision is absurd.
fn check_printf(s: &str) -> Result<(), Error> {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'%' {
            i += 1;
            continue;
        }
        i += 1;
        if b.get(i) == Some(&b'%') {
            i += 1;
            continue;
        }
        if b.get(i) == Some(&b'(') {
            while i < b.len() && b[i] != b')' {
                i += 1;
            }
            i = (i + 1).min(b.len());
        }
        while i < b.len() && matches!(b[i], b'#' | b'0' | b'-' | b' ' | b'+') {
            i += 1;
        }
        for part in ["width", "precision"] {
            if part == "precision" {
                if b.get(i) != Some(&b'.') {
                    break;
                }
                i += 1;
            }
            let start = i;
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
            let digits = std::str::from_utf8(&b[start..i]).unwrap_or_default();
            let fits = digits.parse::<usize>().is_ok_and(|n| n <= MAX_FORMAT_WIDTH);
            if !digits.is_empty() && !fits {
                return Err(refuse(&format!("format {part}"), digits, MAX_FORMAT_WIDTH));
            }
        }
    }
    Ok(())
}

pub fn slice(
    state: &State,
    value: Value,
    count: usize,
    fill_with: Option<Value>,
) -> Result<Value, Error> {
    if count > MAX_SLICES {
        return Err(refuse("slice count", count, MAX_SLICES));
    }
    minijinja::filters::slice(state, value, count, fill_with)
}
