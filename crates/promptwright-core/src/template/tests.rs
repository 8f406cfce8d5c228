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
    let errs = Templates::compile(&["ok {{ a }}".into(), "line one\n{% if x %}\nno end".into()])
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
        Templates::compile(&["{{ x | indent(2) | tojson | format | slice(2) }}".into()]).is_ok()
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
    let tpl =
        t(&["{% for i in range(100000) %}{% for j in range(100000) %}x{% endfor %}{% endfor %}"]);
    // Ten billion iterations would not end: the error is the budget at work.
    let err = tpl.render(&json!({})).unwrap_err();
    assert!(err.to_string().contains("runaway loop"), "{err}");
    // A large, real loop is well within the budget.
    let items: Vec<u32> = (0..10_000).collect();
    let tpl = t(&["{% for i in items %}- {{ i }}\n{% endfor %}"]);
    assert!(tpl.render(&json!({"items": items})).is_ok());
}
