//! Prompt templates: minijinja with strict undefined, so a case that lacks a variable
//! is an error naming it, never a silently empty string.

use std::collections::BTreeSet;

use minijinja::{Environment, ErrorKind, UndefinedBehavior};
use serde::Serialize;

/// The compiled templates of one prompt's messages (template `i` is message `i`).
#[derive(Debug)]
pub struct Templates {
    env: Environment<'static>,
    count: usize,
}

/// A template syntax error: which message, where in its text, what is wrong.
#[derive(Debug, Clone, PartialEq)]
pub struct SyntaxError {
    pub message_index: usize,
    /// 1-based line inside the message content.
    pub line: usize,
    /// 1-based column (in characters) inside that line, when known.
    pub col: Option<usize>,
    pub message: String,
    /// How to fix it, when there is more to say than Jinja's syntax in general.
    pub help: Option<String>,
}

/// Why a render failed, phrased for the person who has to fix the case or the prompt.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RenderError {
    #[error("missing variable `{name}`: add it to the case's vars")]
    MissingVariable { name: String },
    #[error(
        "template output over {} MiB in message {} (all messages of a prompt share one budget): render less",
        MAX_RENDER_BYTES >> 20,
        message_index + 1
    )]
    TooLarge { message_index: usize },
    #[error("template error in message {}: {detail}", message_index + 1)]
    Other {
        message_index: usize,
        detail: String,
    },
}

/// Work units one render may spend, all messages of the prompt together: ample for any
/// real prompt (a loop over 10,000 items costs about 100,000), small enough to stop
/// `range(100000)` nested twice. A unit also pays for 64 bytes of data made.
pub const FUEL: u64 = 5_000_000;

fn environment() -> Environment<'static> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    // Prompts are plain text, not HTML: never escape.
    env.set_auto_escape_callback(|_| minijinja::AutoEscape::None);
    // A runaway loop must end as a case error, not hang a run: bound each render's
    // work (and with it its memory, about 64 bytes a unit).
    env.set_fuel(Some(FUEL));
    env.add_filter("indent", bounded::indent);
    env.add_filter("tojson", bounded::tojson);
    env.add_filter("format", bounded::format);
    env.add_filter("slice", bounded::slice);
    env
}

/// Built-in filters whose width or count argument sizes an allocation made up front:
/// `indent(99999999999)` or `"%99999999999s"|format(x)` would abort the process when the
/// allocation fails — an `eval`, or the editor's live preview while a number is typed
/// digit by digit. These refuse absurd sizes, then call the built-in.
mod bounded {
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
}

impl Templates {
    /// Compiles every message content; reports every syntax error, not just the first,
    /// and every filter or test the environment does not have (minijinja itself finds
    /// those only when a render reaches them: per case, at run time).
    pub fn compile(contents: &[String]) -> Result<Templates, Vec<SyntaxError>> {
        let mut env = environment();
        let mut errors = Vec::new();
        for (i, content) in contents.iter().enumerate() {
            match env.add_template_owned(i.to_string(), content.clone()) {
                Err(e) => errors.push(syntax_error(i, content, &e)),
                Ok(()) => errors.extend(unknown_names(&env, i, content)),
            }
        }
        if errors.is_empty() {
            Ok(Templates {
                env,
                count: contents.len(),
            })
        } else {
            Err(errors)
        }
    }

    /// Top-level variables the templates read (loop variables and `set` excluded).
    pub fn variables(&self) -> BTreeSet<String> {
        let mut vars = BTreeSet::new();
        for i in 0..self.count {
            if let Ok(t) = self.env.get_template(&i.to_string()) {
                vars.extend(
                    t.undeclared_variables(false)
                        .into_iter()
                        .filter(|v| self.env.globals().all(|(g, _)| g != v)),
                );
            }
        }
        vars
    }

    /// Renders every message with `vars`. All the messages of one render share one fuel
    /// budget ([`FUEL`]) and one output budget ([`MAX_RENDER_BYTES`]): four messages of
    /// `"x" * 100000000` cost one budget, not four.
    pub fn render<S: Serialize>(&self, vars: &S) -> Result<Vec<String>, RenderError> {
        let ctx = minijinja::Value::from(minijinja::value::Serde(vars));
        // A copy whose fuel can be set to what the earlier messages left.
        let mut env = self.env.clone();
        let mut fuel_left = FUEL;
        let mut out = Capped {
            buf: Vec::new(),
            left: MAX_RENDER_BYTES,
        };
        let mut messages = Vec::with_capacity(self.count);
        for i in 0..self.count {
            env.set_fuel(Some(fuel_left));
            let t = env
                .get_template(&i.to_string())
                .map_err(|e| RenderError::Other {
                    message_index: i,
                    detail: e.to_string(),
                })?;
            let rendered = t.render_captured_to(ctx.clone(), &mut out);
            let captured = rendered.map_err(|e| {
                if out.left == 0 {
                    RenderError::TooLarge { message_index: i }
                } else {
                    classify(i, t.source(), &e)
                }
            })?;
            let used = captured.state().fuel_levels().map_or(0, |(used, _)| used);
            fuel_left = fuel_left.saturating_sub(used).max(1);
            let text = String::from_utf8(std::mem::take(&mut out.buf))
                .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
            messages.push(text);
        }
        Ok(messages)
    }
}

/// Everything one render may write, all messages together: far above any real prompt
/// (a long-context model's whole window is a few MiB of text).
pub const MAX_RENDER_BYTES: usize = 16 << 20;

/// A writer that refuses to grow past its budget.
struct Capped {
    buf: Vec<u8>,
    left: usize,
}

impl std::io::Write for Capped {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        if data.len() > self.left {
            self.left = 0;
            return Err(std::io::Error::other(
                "the render is over its output budget",
            ));
        }
        self.left -= data.len();
        self.buf.extend_from_slice(data);
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

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

fn syntax_error(message_index: usize, content: &str, e: &minijinja::Error) -> SyntaxError {
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
fn unknown_names(env: &Environment<'static>, index: usize, content: &str) -> Vec<SyntaxError> {
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

fn classify(message_index: usize, source: &str, e: &minijinja::Error) -> RenderError {
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn t(contents: &[&str]) -> Templates {
        Templates::compile(&contents.iter().map(|s| s.to_string()).collect::<Vec<_>>()).unwrap()
    }

    #[test]
    fn renders_with_vars() {
        let tpl = t(&[
            "Hello {{ name }}",
            "{% for p in items %}- {{ p }}\n{% endfor %}",
        ]);
        let out = tpl
            .render(&json!({"name": "Ada", "items": ["a", "b"]}))
            .unwrap();
        assert_eq!(out, vec!["Hello Ada".to_string(), "- a\n- b\n".to_string()]);
    }

    #[test]
    fn does_not_html_escape() {
        let tpl = t(&["{{ x }}"]);
        assert_eq!(
            tpl.render(&json!({"x": "<b> & \"q\""})).unwrap()[0],
            "<b> & \"q\""
        );
    }

    #[test]
    fn discovers_top_level_variables() {
        let tpl = t(&[
            "{{ company }} {{ customer.name }}",
            "{% for p in policies %}{{ p }}{{ loop.index }}{% endfor %}{% set y = 1 %}{{ y }}{{ range(3) | length }}",
        ]);
        let vars: Vec<_> = tpl.variables().into_iter().collect();
        assert_eq!(vars, vec!["company", "customer", "policies"]);
    }

    #[test]
    fn missing_variable_is_named() {
        let tpl = t(&["Hi {{ name }}, about {{ ticket }}"]);
        let err = tpl.render(&json!({"name": "Ada"})).unwrap_err();
        assert_eq!(
            err,
            RenderError::MissingVariable {
                name: "ticket".into()
            }
        );
        assert_eq!(
            err.to_string(),
            "missing variable `ticket`: add it to the case's vars"
        );
    }

    #[test]
    fn missing_nested_variable_names_the_root() {
        let tpl = t(&["{{ customer.name | upper }}"]);
        let err = tpl.render(&json!({})).unwrap_err();
        assert_eq!(
            err,
            RenderError::MissingVariable {
                name: "customer".into()
            }
        );
    }

    #[test]
    fn syntax_errors_report_message_and_line() {
        let errs =
            Templates::compile(&["ok {{ a }}".into(), "line one\n{% if x %}\nno end".into()])
                .unwrap_err();
        assert_eq!(errs.len(), 1);
        assert_eq!(errs[0].message_index, 1);
        assert!(errs[0].line >= 2, "{:?}", errs[0]);
        assert!(!errs[0].message.is_empty());
    }

    #[test]
    fn unclosed_expression_is_a_syntax_error() {
        let errs = Templates::compile(&["Hello {{ name".into()]).unwrap_err();
        assert_eq!(errs[0].line, 1);
    }

    #[test]
    fn an_unclosed_tag_is_reported_at_its_opening() {
        for (text, line, col, open) in [
            ("Hi {{ name\nthe next line {{ x }}", 1, 4, "{{"),
            ("one\n  {{ name\n\nlast", 2, 3, "{{"),
            ("a\n{% if x \nb\n{% endif %}", 2, 1, "{%"),
            ("x {{ name", 1, 3, "{{"),
        ] {
            let errs = Templates::compile(&[text.into()]).unwrap_err();
            assert_eq!(
                (errs[0].line, errs[0].col),
                (line, Some(col)),
                "{text:?}: {errs:?}"
            );
            assert!(
                errs[0]
                    .message
                    .starts_with(&format!("`{open}` is never closed")),
                "{errs:?}"
            );
        }
        // A closed tag with a mistake inside keeps minijinja's own position, and so does
        // a mistake on the tag's own line.
        let errs = Templates::compile(&["ok\n{{ a b }}".into()]).unwrap_err();
        assert_eq!((errs[0].line, errs[0].col), (2, Some(6)), "{errs:?}");
        let errs = Templates::compile(&["Q: {{ question } more".into()]).unwrap_err();
        assert_eq!((errs[0].line, errs[0].col), (1, Some(16)), "{errs:?}");
    }

    #[test]
    fn unknown_filters_and_tests_are_compile_errors_at_their_name() {
        let errs = Templates::compile(&[
            "fine {{ x | upper }}".into(),
            "line one\n  {{ x | truncate(12) }} and {% if y is evenn %}{% endif %}".into(),
        ])
        .unwrap_err();
        let got: Vec<(usize, usize, Option<usize>, &str)> = errs
            .iter()
            .map(|e| (e.message_index, e.line, e.col, e.message.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                (1, 2, Some(10), "unknown filter `truncate`"),
                (1, 2, Some(41), "unknown test `evenn`")
            ]
        );
        assert!(
            errs[1]
                .help
                .as_deref()
                .unwrap()
                .starts_with("did you mean `even`?"),
            "{errs:?}"
        );
        assert!(
            errs[0].help.as_deref().unwrap().contains("upper"),
            "{errs:?}"
        );
        // Inside a block, a macro and a filter section too; the bounded built-ins count.
        for text in [
            "{% macro m(v) %}{{ v | nope }}{% endmacro %}{{ m(1) }}",
            "{% filter nope %}x{% endfilter %}",
            "{% for i in xs if i is nope %}{% endfor %}",
        ] {
            let errs = Templates::compile(&[text.into()]).unwrap_err();
            assert!(errs[0].message.ends_with("`nope`"), "{text}: {errs:?}");
        }
        assert!(
            Templates::compile(&["{{ x | indent(2) | tojson | format | slice(2) }}".into()])
                .is_ok()
        );
    }

    #[test]
    fn all_messages_share_one_fuel_and_one_output_budget() {
        // Each message alone fits the budgets; together they do not.
        let big = "{{ 'x' * 5000000 }}";
        let one = t(&[big]);
        assert_eq!(one.render(&json!({})).unwrap()[0].len(), 5_000_000);
        let four = t(&[big, big, big, big]);
        let err = four.render(&json!({})).unwrap_err();
        assert_eq!(err, RenderError::TooLarge { message_index: 3 }, "{err}");
        assert!(
            err.to_string().contains("over 16 MiB in message 4"),
            "{err}"
        );
        // Work: data made and dropped, never written, that one message may make and
        // three may not.
        let busy = "{% set y = 'y' * 60000000 %}{{ y | length }}";
        assert!(t(&[busy]).render(&json!({})).is_ok());
        let err = t(&[busy, busy, busy]).render(&json!({})).unwrap_err();
        assert!(err.to_string().contains("message 3"), "{err}");
        assert!(err.to_string().contains("share one budget"), "{err}");
        // What the issue measured: four messages of 100 MB each stop at the first.
        let huge = "{{ 'x' * 100000000 }}";
        let err = t(&[huge, huge, huge, huge]).render(&json!({})).unwrap_err();
        assert!(
            matches!(err, RenderError::TooLarge { message_index: 0 }),
            "{err}"
        );
    }

    #[test]
    fn a_runaway_loop_is_an_error_not_a_hang() {
        let tpl = t(&[
            "{% for i in range(100000) %}{% for j in range(100000) %}x{% endfor %}{% endfor %}",
        ]);
        let started = std::time::Instant::now();
        let err = tpl.render(&json!({})).unwrap_err();
        assert!(err.to_string().contains("runaway loop"), "{err}");
        // Not a timing assertion: a bound far above the measured tens of milliseconds.
        assert!(started.elapsed().as_secs() < 30);
        // A large, real loop is well within the budget.
        let items: Vec<u32> = (0..10_000).collect();
        let tpl = t(&["{% for i in items %}- {{ i }}\n{% endfor %}"]);
        assert!(tpl.render(&json!({"items": items})).is_ok());
    }
}
