//! The tool assertions against answers with and without tool calls.

use serde_json::json;

use super::{AssertSpec, Assertion, Observation};
use crate::vocab::{ToolCall, ToolDef};

fn assertion(type_name: &str, value: Option<serde_json::Value>) -> Assertion {
    let spec = AssertSpec {
        type_name: type_name.into(),
        value,
        ..AssertSpec::default()
    };
    Assertion::compile(&spec, std::path::Path::new("."), std::path::Path::new(".")).unwrap()
}

fn call(name: &str, args: &str) -> ToolCall {
    ToolCall::from_text(name, args)
}

fn tools() -> Vec<ToolDef> {
    vec![ToolDef {
        name: "lookup_order".into(),
        description: None,
        parameters: json!({"type": "object", "properties": {"id": {"type": "integer"}}, "required": ["id"]}),
    }]
}

fn verdict(a: &Assertion, calls: &[ToolCall]) -> (bool, String) {
    let tools = tools();
    let obs = Observation {
        output: "",
        tool_calls: calls,
        tools: &tools,
        latency_ms: 0,
        cost_usd: 0.0,
    };
    let r = a.score(&obs).unwrap();
    (r.passed, r.reason)
}

#[test]
fn tool_called_names_what_the_answer_called_instead() {
    let a = assertion("tool-called", Some(json!("lookup_order")));
    let (ok, reason) = verdict(&a, &[call("cancel_order", r#"{"id": 7}"#)]);
    assert!(!ok);
    assert_eq!(
        reason,
        r#"expected the answer to call lookup_order; the answer called cancel_order({"id":7})"#
    );
    assert!(verdict(&a, &[call("lookup_order", "{}")]).0);
    let (ok, reason) = verdict(&a, &[]);
    assert!(!ok);
    assert!(reason.ends_with("the answer called no tool"), "{reason}");
    // All of a list must be called; `not-` turns it around.
    let both = assertion("tool-called", Some(json!(["lookup_order", "refund"])));
    assert!(!verdict(&both, &[call("lookup_order", "{}")]).0);
    assert!(verdict(&both, &[call("refund", "{}"), call("lookup_order", "{}")]).0);
    let not = assertion("not-tool-called", Some(json!("refund")));
    let (ok, reason) = verdict(&not, &[call("refund", "{}")]);
    assert!(!ok);
    assert!(
        reason.starts_with("expected the answer not to call refund"),
        "{reason}"
    );
    // Negated with several names: none of them may be called.
    let neither = assertion("not-tool-called", Some(json!(["lookup_order", "refund"])));
    let (ok, reason) = verdict(&neither, &[call("lookup_order", "{}")]);
    assert!(!ok, "one of them was called");
    assert!(
        reason.starts_with("expected the answer not to call lookup_order or refund"),
        "{reason}"
    );
    assert!(verdict(&neither, &[call("cancel", "{}")]).0);
}

#[test]
fn tool_args_is_a_json_subset_of_some_call_to_the_tool() {
    let a = assertion(
        "tool-args",
        Some(json!({"name": "lookup_order", "args": {"id": 7, "opts": {"fast": true}}})),
    );
    assert!(
        verdict(
            &a,
            &[call(
                "lookup_order",
                r#"{"id": 7.0, "opts": {"fast": true, "x": 1}, "y": 2}"#
            )]
        )
        .0
    );
    let (ok, reason) = verdict(
        &a,
        &[call("lookup_order", r#"{"id": 8, "opts": {"fast": true}}"#)],
    );
    assert!(!ok);
    assert!(
        reason.contains(r#"the answer called lookup_order({"id":8,"opts":{"fast":true}})"#),
        "{reason}"
    );
    // The right arguments to another tool do not count.
    assert!(
        !verdict(
            &a,
            &[call("cancel", r#"{"id": 7, "opts": {"fast": true}}"#)]
        )
        .0
    );
}

#[test]
fn tool_sequence_is_the_calls_in_order() {
    let a = assertion("tool-sequence", Some(json!(["lookup_order", "refund"])));
    assert!(verdict(&a, &[call("lookup_order", "{}"), call("refund", "{}")]).0);
    let (ok, reason) = verdict(&a, &[call("refund", "{}"), call("lookup_order", "{}")]);
    assert!(!ok);
    assert!(
        reason.contains("the answer called refund({}), lookup_order({})"),
        "{reason}"
    );
    assert!(!verdict(&a, &[call("lookup_order", "{}")]).0);
}

#[test]
fn a_call_to_an_undeclared_tool_or_with_bad_arguments_is_invalid() {
    let a = assertion("is-valid-tool-call", None);
    assert!(verdict(&a, &[call("lookup_order", r#"{"id": 7}"#)]).0);
    let (ok, reason) = verdict(&a, &[call("cancel_order", r#"{"id": 7}"#)]);
    assert!(!ok);
    assert!(
        reason.contains("`cancel_order`, which is not a declared tool (declared: lookup_order)"),
        "{reason}"
    );
    let (ok, reason) = verdict(&a, &[call("lookup_order", r#"{"id": "seven"}"#)]);
    assert!(!ok);
    assert!(reason.contains("/id"), "{reason}");
    let (ok, reason) = verdict(&a, &[call("lookup_order", "{id: 7")]);
    assert!(!ok);
    assert!(reason.contains("not valid JSON"), "{reason}");
    let (ok, reason) = verdict(&a, &[]);
    assert!(ok, "no call, nothing invalid: {reason}");
}

#[test]
fn values_are_checked_when_the_suite_loads() {
    for (t, v) in [
        ("tool-called", None),
        ("tool-called", Some(json!(3))),
        ("tool-sequence", Some(json!("one"))),
        ("tool-args", Some(json!({"name": "x"}))),
        (
            "tool-args",
            Some(json!({"name": "x", "args": {}, "extra": 1})),
        ),
        ("is-valid-tool-call", Some(json!(true))),
    ] {
        let spec = AssertSpec {
            type_name: t.into(),
            value: v.clone(),
            ..AssertSpec::default()
        };
        let e = Assertion::compile(&spec, std::path::Path::new("."), std::path::Path::new("."))
            .err()
            .unwrap_or_else(|| panic!("{t} {v:?} compiled"));
        assert!(
            e.help.starts_with("for example") || e.help.starts_with("remove"),
            "{e:?}"
        );
    }
}
