//! Where a template went wrong, in the words of the person who wrote it: syntax errors
//! at the tag that is really unclosed, filters and tests the environment lacks (with a
//! did-you-mean), and render errors classified (a missing variable, a runaway loop).

use minijinja::{Environment, ErrorKind};

use super::{FUEL, RenderError, SyntaxError};

/// 1-based line and character column of byte `offset` in `text`.
fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = text.get(..offset.min(text.len())).unwrap_or(text);
    let line_start = before.rfind('\n').map_or(0, |p| p + 1);
    (
        before.matches('\n').count() + 1,
        before[line_start..].chars().count() + 1,
    )
}

/// The delimiters of a tag: what opens it and what must close it.
const TAGS: [(&str, &str); 3] = [("{{", "}}"), ("{%", "%}"), ("{#", "#}")];

/// The opening of a tag left unclosed before byte `at`: the last opener before it,
/// when no closer follows that opener before the next tag opens (or the text ends).
/// minijinja reports such a tag where parsing gave up (the next line, or the end),
/// which is not where the mistake is.
fn unclosed_opener(text: &str, at: usize) -> Option<(usize, &'static str, &'static str)> {
    let upto = text.get(..at.min(text.len()))?;
    let (start, open, close) = TAGS
        .iter()
        .filter_map(|(o, c)| upto.rfind(o).map(|p| (p, *o, *c)))
        .max_by_key(|(p, ..)| *p)?;
    let rest = &text[start + open.len()..];
    let next_open = TAGS
        .iter()
        .filter_map(|(o, _)| rest.find(o))
        .min()
        .unwrap_or(rest.len());
    if rest[..next_open].contains(close) {
        return None;
    }
    // On the tag's own line before the text ends, minijinja's position is the nearer
    // one (`{{ x }` points at the lone `}`).
    let later_line = text[start..at.min(text.len())].contains('\n');
    let at_end = at >= text.trim_end().len();
    (later_line || at_end).then_some((start, open, close))
}

pub(super) fn syntax_error(
    message_index: usize,
    content: &str,
    e: &minijinja::Error,
) -> SyntaxError {
    let detail = e
        .detail()
        .map_or_else(|| e.kind().to_string(), str::to_string);
    let at = e.range().map(|r| r.start);
    // minijinja ranges an end-of-input error over the last token, not the end.
    let searched_from = if detail.contains("unexpected end of input") {
        Some(content.len())
    } else {
        at
    };
    if let Some((start, open, close)) = searched_from.and_then(|a| unclosed_opener(content, a)) {
        let (line, col) = line_col(content, start);
        return SyntaxError {
            message_index,
            line,
            col: Some(col),
            message: format!("`{open}` is never closed ({detail})"),
            help: Some(format!(
                "close the tag with `{close}` on this line or a later one"
            )),
        };
    }
    let col = at.map(|a| line_col(content, a).1);
    SyntaxError {
        message_index,
        line: e.line().unwrap_or(1),
        col,
        message: detail,
        help: None,
    }
}

/// Names of minijinja's built-in filters and tests, for a did-you-mean. Only those the
/// environment really has are offered (each is looked up), so this list going stale
/// with a minijinja upgrade can make a suggestion rarer, never wrong.
const FILTER_NAMES: &[&str] = &[
    "abs",
    "attr",
    "batch",
    "bool",
    "capitalize",
    "chain",
    "count",
    "d",
    "default",
    "dictsort",
    "e",
    "escape",
    "first",
    "float",
    "format",
    "groupby",
    "indent",
    "int",
    "items",
    "join",
    "last",
    "length",
    "lines",
    "list",
    "lower",
    "map",
    "max",
    "min",
    "pprint",
    "reject",
    "rejectattr",
    "replace",
    "reverse",
    "round",
    "safe",
    "select",
    "selectattr",
    "slice",
    "sort",
    "split",
    "string",
    "sum",
    "title",
    "tojson",
    "trim",
    "unique",
    "upper",
    "urlencode",
    "zip",
];
const TEST_NAMES: &[&str] = &[
    "boolean",
    "defined",
    "divisibleby",
    "endingwith",
    "eq",
    "equalto",
    "escaped",
    "even",
    "false",
    "filter",
    "float",
    "ge",
    "gt",
    "in",
    "integer",
    "iterable",
    "le",
    "lower",
    "lt",
    "mapping",
    "ne",
    "none",
    "number",
    "odd",
    "safe",
    "sameas",
    "sequence",
    "startingwith",
    "string",
    "test",
    "true",
    "undefined",
    "upper",
];

/// Whether the environment has a filter (`test` false) or test by this name. Asked by
/// calling it with no arguments: an unknown name fails as such before any call, a known
/// one fails on its missing arguments (filters and tests are pure).
fn has(state: &mut minijinja::State, name: &str, test: bool) -> bool {
    let result = if test {
        state.perform_test(name, &[]).map(|_| ())
    } else {
        state.apply_filter(name, &[]).map(|_| ())
    };
    !matches!(result, Err(e) if matches!(e.kind(), ErrorKind::UnknownFilter | ErrorKind::UnknownTest))
}

/// Every filter and test a compiled template applies that the environment lacks, at
/// the name's position. The compiled instructions name each one with its span, so this
/// covers blocks, macros and `{% filter %}` sections alike.
pub(super) fn unknown_names(
    env: &Environment<'static>,
    index: usize,
    content: &str,
) -> Vec<SyntaxError> {
    use minijinja::machinery::{Instruction, get_compiled_template};
    let Ok(t) = env.get_template(&index.to_string()) else {
        return Vec::new();
    };
    let compiled = get_compiled_template(&t);
    let mut state = env.empty_state();
    let mut out = Vec::new();
    for instrs in std::iter::once(&compiled.instructions).chain(compiled.blocks.values()) {
        let mut idx = 0;
        while let Some(instr) = instrs.get(idx) {
            let here = idx;
            idx += 1;
            let (name, test) = match instr {
                Instruction::ApplyFilter(name, ..) => (*name, false),
                Instruction::PerformTest(name, ..) => (*name, true),
                _ => continue,
            };
            if has(&mut state, name, test) {
                continue;
            }
            let (line, col) = match instrs.get_span(here) {
                Some(span) => {
                    let (l, c) = line_col(content, span.start_offset as usize);
                    (l, Some(c))
                }
                None => (instrs.get_line(here).unwrap_or(1), None),
            };
            let (what, names) = if test {
                ("test", TEST_NAMES)
            } else {
                ("filter", FILTER_NAMES)
            };
            let available: Vec<&str> = names
                .iter()
                .copied()
                .filter(|n| has(&mut state, n, test))
                .collect();
            let suggestion = crate::vocab::did_you_mean(name, available.iter().copied())
                .map_or(String::new(), |s| format!("did you mean `{s}`? "));
            out.push(SyntaxError {
                message_index: index,
                line,
                col,
                message: format!("unknown {what} `{name}`"),
                help: Some(format!(
                    "{suggestion}templates have the built-in {what}s {}",
                    available.join(", ")
                )),
            });
        }
    }
    out
}

/// What minijinja says is undefined: its detail reads "`ticket` is undefined" (also
/// inside other errors, e.g. `1 + ticket`), or "`customer.plan` is undefined" for an
/// attribute the variable lacks. The error's range is no guide: for `{{ ticket | upper }}`
/// it covers the filter's name.
fn undefined_expr(e: &minijinja::Error) -> Option<String> {
    let detail = e.detail()?;
    let end = detail.find("` is undefined")?;
    let start = detail[..end].rfind('`')? + 1;
    Some(detail[start..end].to_string()).filter(|s| !s.is_empty())
}

pub(super) fn classify(message_index: usize, source: &str, e: &minijinja::Error) -> RenderError {
    if e.kind() == ErrorKind::OutOfFuel {
        return RenderError::Other {
            message_index,
            detail: format!(
                "the template did more than {FUEL} steps of work (all messages of a prompt share \
                 one budget): a runaway loop? Bound its ranges"
            ),
        };
    }
    let undefined = undefined_expr(e);
    if let Some(name) = &undefined {
        // `(...)[...]`: something undefined that no variable of the case would define.
        if name.starts_with(|c: char| c.is_alphabetic() || c == '_') {
            return RenderError::MissingVariable { name: name.clone() };
        }
    } else if e.kind() == ErrorKind::UndefinedError {
        // The error's range covers the expression that was undefined, e.g. `ticket`
        // or `customer.name`; its first identifier is the variable to add.
        let expr = e.range().and_then(|r| source.get(r)).unwrap_or("");
        let name: String = expr
            .trim()
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        if !name.is_empty() {
            return RenderError::MissingVariable { name };
        }
    }
    let detail = match e.detail() {
        Some(d) => format!("{} ({d})", e.kind()),
        None => e.kind().to_string(),
    };
    RenderError::Other {
        message_index,
        detail: match e.line() {
            Some(l) => format!("line {l}: {detail}"),
            None => detail,
        },
    }
}
