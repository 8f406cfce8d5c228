//! Unit tests for assertions: compiling specs, scoring each type (and its `not-` form),
//! and combining results into a case score. Reasons are part of the contract (SPEC §4:
//! "a reason a person can act on"), so tests check them, not only `passed`.

use std::path::Path;

use serde_json::{Value, json};

use super::*;

// ---------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------

fn spec(type_name: &str, value: Option<Value>) -> AssertSpec {
    AssertSpec {
        type_name: type_name.to_string(),
        value,
        weight: None,
        threshold: None,
        ..Default::default()
    }
}

fn compile_spec(s: &AssertSpec) -> Assertion {
    Assertion::compile(s, Path::new("."), Path::new("."))
        .unwrap_or_else(|e| panic!("`{}` should compile: {e:?}", s.type_name))
}

/// Compiles an assertion that takes a value.
fn compile(type_name: &str, value: Value) -> Assertion {
    compile_spec(&spec(type_name, Some(value)))
}

/// Compiles an assertion that takes no value (`is-json`, `contains-json`).
fn compile_bare(type_name: &str) -> Assertion {
    compile_spec(&spec(type_name, None))
}

fn compile_err_spec(s: &AssertSpec) -> CompileError {
    match Assertion::compile(s, Path::new("."), Path::new(".")) {
        Ok(a) => panic!("`{}` should not compile, got {a:?}", s.type_name),
        Err(e) => e,
    }
}

fn compile_err(type_name: &str, value: Option<Value>) -> CompileError {
    compile_err_spec(&spec(type_name, value))
}

fn obs(output: &str) -> Observation<'_> {
    Observation {
        tool_calls: &[],
        tools: &[],
        output,
        latency_ms: 0,
        cost_usd: 0.0,
    }
}

/// Scores an assertion against a plain output (no latency, no cost).
fn run(a: &Assertion, output: &str) -> AssertionResult {
    a.score(&obs(output)).expect("assertion should be judged")
}

/// Compiles and scores in one go.
fn check(type_name: &str, value: Value, output: &str) -> AssertionResult {
    run(&compile(type_name, value), output)
}

fn check_bare(type_name: &str, output: &str) -> AssertionResult {
    run(&compile_bare(type_name), output)
}

#[track_caller]
fn assert_pass(r: &AssertionResult, reason: &str) {
    assert!(r.passed, "expected a pass, got {r:?}");
    assert_eq!(r.score, 1.0, "a pass scores 1.0: {r:?}");
    assert_eq!(r.reason, reason);
}

#[track_caller]
fn assert_fail(r: &AssertionResult, reason: &str) {
    assert!(!r.passed, "expected a failure, got {r:?}");
    assert_eq!(r.score, 0.0, "a failure scores 0.0: {r:?}");
    assert_eq!(r.reason, reason);
}

/// For reasons that embed a library message (serde_json, jsonschema): checks the
/// parts we own and that each `needle` appears.
#[track_caller]
fn assert_outcome(r: &AssertionResult, passed: bool, prefix: &str, needles: &[&str]) {
    assert_eq!(r.passed, passed, "{r:?}");
    assert_eq!(r.score, if passed { 1.0 } else { 0.0 }, "{r:?}");
    assert!(
        r.reason.starts_with(prefix),
        "reason {:?} should start with {prefix:?}",
        r.reason
    );
    for n in needles {
        assert!(
            r.reason.contains(n),
            "reason {:?} should mention {n:?}",
            r.reason
        );
    }
}

#[track_caller]
fn assert_compile_err(e: &CompileError, field: Field, message: &str, help: &str) {
    assert_eq!(e.field, field, "{e:?}");
    assert_eq!(e.message, message);
    assert_eq!(e.help, help);
}

// ---------------------------------------------------------------------------------
// equals / starts-with
// ---------------------------------------------------------------------------------

#[test]
fn equals_passes_on_identical_output() {
    let r = check("equals", json!("Thank you!"), "Thank you!");
    assert_pass(&r, r#"output does equal "Thank you!""#);
    assert_eq!(r.type_name, "equals");
}

#[test]
fn equals_fails_and_shows_what_it_was() {
    let r = check("equals", json!("Thank you!"), "Thanks");
    assert_fail(
        &r,
        r#"expected output to equal "Thank you!"; it was "Thanks""#,
    );
}

#[test]
fn equals_is_exact_so_a_trailing_newline_fails_and_is_visible() {
    let r = check("equals", json!("Thank you!"), "Thank you!\n");
    assert_fail(
        &r,
        r#"expected output to equal "Thank you!"; it was "Thank you!\n""#,
    );
}

#[test]
fn equals_truncates_a_long_output_in_the_reason() {
    let long = "x".repeat(200);
    let r = check("equals", json!("short"), &long);
    let shown = format!("\"{}…\"", "x".repeat(80));
    assert_fail(
        &r,
        &format!(r#"expected output to equal "short"; it was {shown}"#),
    );
}

#[test]
fn starts_with_passes_on_prefix() {
    let r = check("starts-with", json!("Dear"), "Dear customer, thanks.");
    assert_pass(&r, r#"output does start with "Dear""#);
}

#[test]
fn starts_with_fails_and_quotes_the_actual_start() {
    let r = check("starts-with", json!("Dear"), "Hello there, dear customer");
    assert_fail(
        &r,
        r#"expected output to start with "Dear"; it starts with "Hello ther…""#,
    );
}

#[test]
fn starts_with_does_not_skip_leading_whitespace() {
    let r = check("starts-with", json!("Dear"), " Dear customer");
    assert_fail(
        &r,
        r#"expected output to start with "Dear"; it starts with " Dear cust…""#,
    );
}

// ---------------------------------------------------------------------------------
// contains / icontains and the any / all families
// ---------------------------------------------------------------------------------

#[test]
fn contains_passes_when_substring_present() {
    let r = check(
        "contains",
        json!("30 days"),
        "You can return it within 30 days.",
    );
    assert_pass(&r, r#"output does contain "30 days""#);
}

#[test]
fn contains_failure_reason_is_the_spec_example() {
    let r = check(
        "contains",
        json!("30 days"),
        "You can return it within a month.",
    );
    assert_fail(&r, r#"expected output to contain "30 days""#);
}

#[test]
fn contains_is_case_sensitive() {
    let r = check("contains", json!("30 days"), "Within 30 DAYS.");
    assert_fail(&r, r#"expected output to contain "30 days""#);
}

#[test]
fn icontains_ignores_ascii_case() {
    let r = check("icontains", json!("30 DAYS"), "within 30 days");
    assert_pass(&r, r#"output does contain "30 DAYS" (ignoring case)"#);
}

#[test]
fn icontains_fails_when_absent() {
    let r = check("icontains", json!("refund"), "We cannot help with that.");
    assert_fail(&r, r#"expected output to contain "refund" (ignoring case)"#);
}

#[test]
fn icontains_folds_non_ascii_case_both_ways() {
    let r = check("icontains", json!("ÄRGER"), "kein ärger hier");
    assert_pass(&r, r#"output does contain "ÄRGER" (ignoring case)"#);
    let r = check("icontains", json!("ärger"), "KEIN ÄRGER HIER");
    assert_pass(&r, r#"output does contain "ärger" (ignoring case)"#);
    // Control: the case-sensitive form does not match across case.
    let r = check("contains", json!("ÄRGER"), "kein ärger hier");
    assert_fail(&r, r#"expected output to contain "ÄRGER""#);
}

#[test]
fn contains_any_passes_and_lists_what_was_found() {
    let r = check(
        "contains-any",
        json!(["refund", "return"]),
        "You may return it.",
    );
    assert_pass(
        &r,
        r#"output does contain any of ["refund", "return"]; found ["return"]"#,
    );
}

#[test]
fn contains_any_fails_when_none_found() {
    let r = check("contains-any", json!(["refund", "return"]), "Sorry, no.");
    assert_fail(
        &r,
        r#"expected output to contain any of ["refund", "return"]; none found"#,
    );
}

#[test]
fn contains_any_is_case_sensitive() {
    let r = check(
        "contains-any",
        json!(["refund", "return"]),
        "REFUND or RETURN",
    );
    assert_fail(
        &r,
        r#"expected output to contain any of ["refund", "return"]; none found"#,
    );
}

#[test]
fn contains_all_passes_when_every_item_present() {
    let r = check(
        "contains-all",
        json!(["refund", "return"]),
        "refund and return",
    );
    assert_pass(&r, r#"output does contain all of ["refund", "return"]"#);
}

#[test]
fn contains_all_fails_and_lists_what_is_missing() {
    let r = check(
        "contains-all",
        json!(["refund", "return", "receipt"]),
        "a refund only",
    );
    assert_fail(
        &r,
        r#"expected output to contain all of ["refund", "return", "receipt"]; missing ["return", "receipt"]"#,
    );
}

#[test]
fn icontains_any_ignores_case() {
    let r = check(
        "icontains-any",
        json!(["REFUND", "exchange"]),
        "Refund approved",
    );
    assert_pass(
        &r,
        r#"output does contain any of ["REFUND", "exchange"] (ignoring case); found ["REFUND"]"#,
    );
}

#[test]
fn icontains_any_fails_when_none_found() {
    let r = check("icontains-any", json!(["REFUND", "exchange"]), "Denied");
    assert_fail(
        &r,
        r#"expected output to contain any of ["REFUND", "exchange"] (ignoring case); none found"#,
    );
}

#[test]
fn icontains_all_ignores_case_including_non_ascii() {
    let r = check(
        "icontains-all",
        json!(["REFUND", "Ärger"]),
        "refund, kein ÄRGER",
    );
    assert_pass(
        &r,
        r#"output does contain all of ["REFUND", "Ärger"] (ignoring case)"#,
    );
}

#[test]
fn icontains_all_fails_and_lists_what_is_missing() {
    let r = check(
        "icontains-all",
        json!(["REFUND", "receipt"]),
        "Refund approved",
    );
    assert_fail(
        &r,
        r#"expected output to contain all of ["REFUND", "receipt"] (ignoring case); missing ["receipt"]"#,
    );
}

// ---------------------------------------------------------------------------------
// regex
// ---------------------------------------------------------------------------------

#[test]
fn regex_passes_and_quotes_the_match() {
    let r = check("regex", json!(r"\d+ days"), "Returns within 30 days.");
    assert_pass(&r, r#"output does match /\d+ days/; matched "30 days""#);
}

#[test]
fn regex_matches_anywhere_not_only_at_the_start() {
    let r = check(
        "regex",
        json!(r"order #\d{4}"),
        "Thanks! Your order #1234 shipped.",
    );
    assert_pass(
        &r,
        r#"output does match /order #\d{4}/; matched "order #1234""#,
    );
}

#[test]
fn regex_fails_when_no_match() {
    let r = check("regex", json!(r"\d+ days"), "Returns within a month.");
    assert_fail(&r, r#"expected output to match /\d+ days/"#);
}

// ---------------------------------------------------------------------------------
// min-length / max-length (characters, not bytes)
// ---------------------------------------------------------------------------------

#[test]
fn min_length_passes_at_the_boundary() {
    let r = check("min-length", json!(5), "hello");
    assert_pass(&r, "output does have at least 5 characters; it has 5");
}

#[test]
fn min_length_fails_below() {
    let r = check("min-length", json!(6), "hello");
    assert_fail(
        &r,
        "expected output to have at least 6 characters; it has 5",
    );
}

#[test]
fn max_length_passes_at_the_boundary() {
    let r = check("max-length", json!(5), "hello");
    assert_pass(&r, "output does have at most 5 characters; it has 5");
}

#[test]
fn max_length_fails_above() {
    let r = check("max-length", json!(4), "hello");
    assert_fail(&r, "expected output to have at most 4 characters; it has 5");
}

#[test]
fn lengths_count_characters_in_accented_text() {
    let text = "héllo wörld"; // 11 characters, 13 bytes
    assert_eq!(text.len(), 13);
    assert_pass(
        &check("max-length", json!(11), text),
        "output does have at most 11 characters; it has 11",
    );
    assert_pass(
        &check("min-length", json!(11), text),
        "output does have at least 11 characters; it has 11",
    );
    assert_fail(
        &check("min-length", json!(12), text),
        "expected output to have at least 12 characters; it has 11",
    );
}

#[test]
fn lengths_count_characters_in_cjk_text() {
    let text = "日本語テキスト"; // 7 characters, 21 bytes
    assert_eq!(text.len(), 21);
    assert_pass(
        &check("max-length", json!(7), text),
        "output does have at most 7 characters; it has 7",
    );
    assert_fail(
        &check("max-length", json!(6), text),
        "expected output to have at most 6 characters; it has 7",
    );
}

#[test]
fn lengths_count_an_emoji_as_one_character() {
    let text = "🎉"; // 1 character, 4 bytes
    assert_eq!(text.len(), 4);
    assert_pass(
        &check("max-length", json!(1), text),
        "output does have at most 1 characters; it has 1",
    );
    assert_fail(
        &check("min-length", json!(2), text),
        "expected output to have at least 2 characters; it has 1",
    );
}

// ---------------------------------------------------------------------------------
// is-json / contains-json / json-schema
// ---------------------------------------------------------------------------------

const IS_JSON_FAIL: &str = "expected output to be JSON as a whole; it does not parse: ";

#[test]
fn is_json_passes_on_an_object() {
    let r = check_bare("is-json", r#"{"category": "billing", "urgent": true}"#);
    assert_outcome(&r, true, "output is ", &["JSON as a whole"]);
    assert!(!r.reason.contains("not"), "{r:?}");
}

#[test]
fn is_json_passes_with_surrounding_whitespace() {
    let r = check_bare("is-json", "\n  [1, 2, 3]  \n\n");
    assert_outcome(&r, true, "output is ", &["JSON as a whole"]);
}

#[test]
fn is_json_passes_on_bare_scalars() {
    for output in [r#""just a string""#, "42", "-3.5e2", "true", "null"] {
        let r = check_bare("is-json", output);
        assert_outcome(&r, true, "output is ", &["JSON as a whole"]);
    }
}

#[test]
fn is_json_fails_on_a_fenced_block_and_says_so() {
    let r = check_bare("is-json", "```json\n{\"category\": \"billing\"}\n```");
    assert_outcome(
        &r,
        false,
        IS_JSON_FAIL,
        &[
            "inside a ``` fence",
            "an application parsing the answer would fail",
        ],
    );
}

#[test]
fn is_json_fails_on_json_inside_prose_and_says_so() {
    let r = check_bare("is-json", "Sure! Here it is: {\"category\": \"billing\"}");
    assert_outcome(
        &r,
        false,
        IS_JSON_FAIL,
        &["(there is JSON inside surrounding text)"],
    );
    assert!(!r.reason.contains("fence"), "{r:?}");
}

#[test]
fn is_json_fails_on_plain_text_without_extra_hints() {
    let r = check_bare("is-json", "I cannot do that.");
    assert_outcome(&r, false, IS_JSON_FAIL, &[]);
    assert!(
        !r.reason.contains("fence") && !r.reason.contains("surrounding"),
        "{r:?}"
    );
}

#[test]
fn is_json_fails_on_empty_output() {
    let r = check_bare("is-json", "   ");
    assert_outcome(&r, false, IS_JSON_FAIL, &[]);
}

#[test]
fn contains_json_finds_json_inside_a_fence() {
    let r = check_bare("contains-json", "Here you go:\n```json\n{\"a\": 1}\n```\n");
    assert_pass(
        &r,
        r#"output does contain a JSON object or array; found "{\"a\":1}""#,
    );
}

#[test]
fn contains_json_finds_json_inside_prose() {
    let r = check_bare("contains-json", "The tags are [\"x\", \"y\"] as requested.");
    assert_pass(
        &r,
        r#"output does contain a JSON object or array; found "[\"x\",\"y\"]""#,
    );
}

#[test]
fn contains_json_skips_braces_that_are_not_json() {
    let r = check_bare(
        "contains-json",
        "Use {not json} here, but {\"ok\": true} is real.",
    );
    assert_pass(
        &r,
        r#"output does contain a JSON object or array; found "{\"ok\":true}""#,
    );
}

#[test]
fn contains_json_fails_on_braces_that_are_not_json() {
    let r = check_bare("contains-json", "Use {not json} and [also not] here.");
    assert_fail(
        &r,
        "expected output to contain a JSON object or array; found none",
    );
}

#[test]
fn contains_json_fails_without_an_object_or_array() {
    // A bare number or string is JSON, but not an object or array.
    let r = check_bare("contains-json", "The answer is 42, \"quoted\".");
    assert_fail(
        &r,
        "expected output to contain a JSON object or array; found none",
    );
}

fn ticket_schema() -> Value {
    json!({
        "type": "object",
        "required": ["category"],
        "properties": {
            "category": {"type": "string", "enum": ["billing", "shipping"]},
            "tags": {"type": "array", "items": {"type": "string"}}
        }
    })
}

const SCHEMA_FAIL: &str = "expected output to be JSON valid against the schema; ";

#[test]
fn json_schema_inline_passes_on_valid_json() {
    let r = check(
        "json-schema",
        ticket_schema(),
        r#" {"category": "billing", "tags": ["a"]} "#,
    );
    assert_outcome(&r, true, "output is ", &["JSON valid against the schema"]);
    assert!(!r.reason.contains(';'), "a pass has nothing to add: {r:?}");
}

#[test]
fn json_schema_reason_names_the_failing_path() {
    let r = check("json-schema", ticket_schema(), r#"{"category": "refunds"}"#);
    assert_outcome(
        &r,
        false,
        &format!("{SCHEMA_FAIL}at /category: "),
        &["refunds"],
    );
}

#[test]
fn json_schema_reason_names_a_nested_path() {
    let r = check(
        "json-schema",
        ticket_schema(),
        r#"{"category": "billing", "tags": ["a", 7]}"#,
    );
    assert_outcome(&r, false, &format!("{SCHEMA_FAIL}at /tags/1: "), &["7"]);
}

#[test]
fn json_schema_reason_uses_slash_for_the_root() {
    let r = check("json-schema", ticket_schema(), r#"{"tags": []}"#);
    assert_outcome(&r, false, &format!("{SCHEMA_FAIL}at /: "), &["category"]);
}

#[test]
fn json_schema_fails_on_fenced_json_even_if_valid_inside() {
    let r = check(
        "json-schema",
        ticket_schema(),
        "```json\n{\"category\": \"billing\"}\n```",
    );
    assert_outcome(
        &r,
        false,
        &format!("{SCHEMA_FAIL}it does not parse: "),
        &["``` fence"],
    );
}

#[test]
fn json_schema_uses_draft_2020_12() {
    // `prefixItems` only exists in 2020-12; older drafts would ignore it and pass.
    let schema = json!({"type": "array", "prefixItems": [{"type": "integer"}]});
    let r = check("json-schema", schema.clone(), r#"["one"]"#);
    assert_outcome(&r, false, &format!("{SCHEMA_FAIL}at /0: "), &["integer"]);
    let r = check("json-schema", schema, "[1]");
    assert_outcome(&r, true, "output is ", &["JSON valid against the schema"]);
}

#[test]
fn json_schema_from_a_file_relative_to_base_dir() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("schemas")).unwrap();
    std::fs::write(
        dir.path().join("schemas/ticket.json"),
        ticket_schema().to_string(),
    )
    .unwrap();
    let a = Assertion::compile(
        &spec("json-schema", Some(json!("schemas/ticket.json"))),
        dir.path(),
        dir.path(),
    )
    .expect("schema file should compile");

    let r = run(&a, r#"{"category": "shipping"}"#);
    assert_outcome(&r, true, "output is ", &["JSON valid against the schema"]);
    let r = run(&a, r#"{"category": 3}"#);
    assert_outcome(&r, false, &format!("{SCHEMA_FAIL}at /category: "), &["3"]);
}

#[test]
fn json_schema_missing_file_is_a_compile_error() {
    let dir = tempfile::tempdir().unwrap();
    let e = Assertion::compile(
        &spec("json-schema", Some(json!("missing.json"))),
        dir.path(),
        dir.path(),
    )
    .unwrap_err();
    assert_eq!(e.field, Field::Value);
    assert!(
        e.message
            .starts_with("cannot read schema file `missing.json`: "),
        "{e:?}"
    );
    assert!(
        e.help.contains(&dir.path().display().to_string()),
        "help should show the base dir: {e:?}"
    );
}

#[test]
fn json_schema_file_with_invalid_json_is_a_compile_error() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("bad.json"), "{ type: object ").unwrap();
    let e = Assertion::compile(
        &spec("json-schema", Some(json!("bad.json"))),
        dir.path(),
        dir.path(),
    )
    .unwrap_err();
    assert_eq!(e.field, Field::Value);
    assert!(
        e.message
            .starts_with("schema file `bad.json` is not valid JSON: "),
        "{e:?}"
    );
    assert_eq!(e.help, "fix the JSON in the schema file");
}

#[test]
fn json_schema_invalid_inline_schema_is_a_compile_error() {
    let e = compile_err("json-schema", Some(json!({"type": "nonsense"})));
    assert_eq!(e.field, Field::Value);
    assert!(e.message.starts_with("invalid JSON schema: "), "{e:?}");
    assert!(!e.message.contains('\n'), "one line: {e:?}");
    assert_eq!(e.help, "the schema must be valid JSON Schema draft 2020-12");
}

#[test]
fn json_schema_invalid_schema_in_a_file_is_a_compile_error() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("s.json"), r#"{"minLength": -1}"#).unwrap();
    let e = Assertion::compile(
        &spec("json-schema", Some(json!("s.json"))),
        dir.path(),
        dir.path(),
    )
    .unwrap_err();
    assert_eq!(e.field, Field::Value);
    assert!(e.message.starts_with("invalid JSON schema: "), "{e:?}");
}

#[test]
fn json_schema_needs_an_object_or_a_path() {
    for value in [None, Some(json!(12)), Some(json!(["type"]))] {
        let e = compile_err("json-schema", value);
        assert_compile_err(
            &e,
            Field::Value,
            "`json-schema` needs `value` = an inline table (the schema) or a path to a .json file",
            "for example: value = { type = \"object\", required = [\"category\"] }",
        );
    }
}

// ---------------------------------------------------------------------------------
// latency / cost
// ---------------------------------------------------------------------------------

fn timed(latency_ms: u64, cost_usd: f64) -> Observation<'static> {
    Observation {
        tool_calls: &[],
        tools: &[],
        output: "irrelevant",
        latency_ms,
        cost_usd,
    }
}

#[test]
fn latency_passes_under_and_at_the_budget() {
    let a = compile("latency", json!(2000));
    assert_pass(
        &a.score(&timed(1500, 0.0)).unwrap(),
        "response does take at most 2000 ms; it took 1500 ms",
    );
    assert_pass(
        &a.score(&timed(2000, 0.0)).unwrap(),
        "response does take at most 2000 ms; it took 2000 ms",
    );
}

#[test]
fn latency_fails_over_the_budget() {
    let a = compile("latency", json!(2000));
    assert_fail(
        &a.score(&timed(2001, 0.0)).unwrap(),
        "expected response to take at most 2000 ms; it took 2001 ms",
    );
}

#[test]
fn cost_passes_under_and_at_the_budget() {
    let a = compile("cost", json!(0.01));
    assert_pass(
        &a.score(&timed(0, 0.005)).unwrap(),
        "call does cost at most $0.01; it cost $0.005000",
    );
    assert_pass(
        &a.score(&timed(0, 0.01)).unwrap(),
        "call does cost at most $0.01; it cost $0.010000",
    );
}

#[test]
fn cost_fails_over_the_budget() {
    let a = compile("cost", json!(0.01));
    assert_fail(
        &a.score(&timed(0, 0.02)).unwrap(),
        "expected call to cost at most $0.01; it cost $0.020000",
    );
}

#[test]
fn cost_accepts_an_integer_value() {
    let a = compile("cost", json!(1));
    assert_pass(
        &a.score(&timed(0, 0.5)).unwrap(),
        "call does cost at most $1; it cost $0.500000",
    );
}

// ---------------------------------------------------------------------------------
// levenshtein
// ---------------------------------------------------------------------------------

fn levenshtein(expected: &str, threshold: Option<f64>) -> Assertion {
    compile_spec(&AssertSpec {
        threshold,
        ..spec("levenshtein", Some(json!(expected)))
    })
}

#[test]
fn levenshtein_default_max_distance_is_5() {
    let a = levenshtein("kitten", None);
    // "kitten" -> "sitting" is 3 edits.
    let r = run(&a, "sitting");
    assert_outcome(
        &r,
        true,
        "output is ",
        &[r#"within edit distance 5 of "kitten"; distance is 3"#],
    );
    // 5 edits: still within.
    let r = run(&a, "kitXXXXX");
    assert_outcome(&r, true, "output is ", &["distance is 5"]);
    // 6 edits: too far.
    let r = run(&a, "bbbbbb");
    assert_fail(
        &r,
        r#"expected output to be within edit distance 5 of "kitten"; distance is 6"#,
    );
}

#[test]
fn levenshtein_explicit_threshold_is_the_max_distance() {
    let r = run(&levenshtein("kitten", Some(3.0)), "sitting");
    assert_outcome(
        &r,
        true,
        "output is ",
        &[r#"within edit distance 3 of "kitten"; distance is 3"#],
    );
    let r = run(&levenshtein("kitten", Some(2.0)), "sitting");
    assert_fail(
        &r,
        r#"expected output to be within edit distance 2 of "kitten"; distance is 3"#,
    );
}

#[test]
fn levenshtein_zero_threshold_means_exact() {
    let a = levenshtein("Your order has shipped.", Some(0.0));
    let r = run(&a, "Your order has shipped.");
    assert_outcome(&r, true, "output is ", &["distance is 0"]);
    let r = run(&a, "Your order has shipped!");
    assert_fail(
        &r,
        r#"expected output to be within edit distance 0 of "Your order has shipped."; distance is 1"#,
    );
}

#[test]
fn levenshtein_counts_characters_not_bytes() {
    // "é" is 2 bytes; a byte-based distance would be 2.
    let r = run(&levenshtein("café", Some(1.0)), "cafe");
    assert_outcome(&r, true, "output is ", &["distance is 1"]);
}

#[test]
fn levenshtein_on_long_texts_reports_only_that_the_bound_is_exceeded() {
    // Past a small table the band stops at the threshold, so the exact distance of a
    // far-off answer is not known, and the reason says so.
    let expected = "abc ".repeat(1_000);
    let r = run(&levenshtein(&expected, Some(2.0)), &"xyz ".repeat(1_000));
    assert_outcome(
        &r,
        false,
        "expected output to be within edit distance 2 of ",
        &["distance is more than 2"],
    );
    let mut near = expected.clone();
    near.push_str("de");
    let r = run(&levenshtein(&expected, Some(2.0)), &near);
    assert_outcome(
        &r,
        true,
        "output is within edit distance 2",
        &["distance is 2"],
    );
}

#[test]
fn levenshtein_too_large_to_compare_fails_negated_or_not_naming_the_limit() {
    let expected = "a".repeat(1_000_000);
    let output = "b".repeat(1_000_000);
    let limit = "more than 50000000 table cells (the limit)";
    for type_name in ["levenshtein", "not-levenshtein"] {
        let a = compile_spec(&AssertSpec {
            threshold: Some(1_000.0),
            ..spec(type_name, Some(json!(expected)))
        });
        let r = run(&a, &output);
        assert_outcome(
            &r,
            false,
            "expected output ",
            &[limit, "1000000 and 1000000"],
        );
    }
}

#[test]
fn levenshtein_threshold_may_exceed_1() {
    let a = levenshtein("kitten", Some(10.0));
    assert_eq!(a.threshold, Some(10.0));
}

// ---------------------------------------------------------------------------------
// not- negation
// ---------------------------------------------------------------------------------

#[test]
fn not_contains_passes_when_absent() {
    let r = check("not-contains", json!("as an ai"), "Happy to help!");
    assert_pass(&r, r#"output does not contain "as an ai""#);
    assert_eq!(r.type_name, "not-contains");
}

#[test]
fn not_contains_fails_when_present() {
    let r = check("not-contains", json!("as an ai"), "Well, as an ai model...");
    assert_fail(&r, r#"expected output not to contain "as an ai""#);
}

#[test]
fn not_icontains_fails_whatever_the_case() {
    let r = check("not-icontains", json!("as an ai"), "As An AI, I cannot.");
    assert_fail(
        &r,
        r#"expected output not to contain "as an ai" (ignoring case)"#,
    );
    let r = check("not-icontains", json!("as an ai"), "Sure, here it is.");
    assert_pass(&r, r#"output does not contain "as an ai" (ignoring case)"#);
}

#[test]
fn not_equals() {
    assert_pass(
        &check("not-equals", json!("N/A"), "42"),
        r#"output does not equal "N/A"; it was "42""#,
    );
    assert_fail(
        &check("not-equals", json!("N/A"), "N/A"),
        r#"expected output not to equal "N/A""#,
    );
}

#[test]
fn not_starts_with() {
    assert_pass(
        &check("not-starts-with", json!("Sure"), "Hello"),
        r#"output does not start with "Sure"; it starts with "Hello""#,
    );
    assert_fail(
        &check("not-starts-with", json!("Sure"), "Sure! Here you go."),
        r#"expected output not to start with "Sure""#,
    );
}

#[test]
fn not_regex_fails_and_quotes_the_match() {
    let r = check("not-regex", json!(r"(?i)sorry"), "Oh, SORRY about that.");
    assert_fail(
        &r,
        r#"expected output not to match /(?i)sorry/; matched "SORRY""#,
    );
    let r = check("not-regex", json!(r"(?i)sorry"), "Done.");
    assert_pass(&r, "output does not match /(?i)sorry/");
}

#[test]
fn not_contains_any() {
    let items = json!(["guarantee", "promise"]);
    assert_pass(
        &check("not-contains-any", items.clone(), "We will try."),
        r#"output does not contain any of ["guarantee", "promise"]; none found"#,
    );
    assert_fail(
        &check("not-contains-any", items, "We promise."),
        r#"expected output not to contain any of ["guarantee", "promise"]; found ["promise"]"#,
    );
}

#[test]
fn not_is_json() {
    let r = check_bare("not-is-json", "plain prose");
    assert_outcome(&r, true, "output is not ", &["JSON as a whole"]);
    let r = check_bare("not-is-json", r#"{"a": 1}"#);
    assert_eq!(
        (r.passed, r.score, r.reason.as_str()),
        (false, 0.0, "expected output not to be JSON as a whole")
    );
}

#[test]
fn not_contains_json() {
    let r = check_bare("not-contains-json", "no structure here");
    assert_pass(
        &r,
        "output does not contain a JSON object or array; found none",
    );
    let r = check_bare("not-contains-json", "see {\"a\": 1}");
    assert_fail(
        &r,
        r#"expected output not to contain a JSON object or array; found "{\"a\":1}""#,
    );
}

#[test]
fn not_max_length() {
    assert_pass(
        &check("not-max-length", json!(3), "hello"),
        "output does not have at most 3 characters; it has 5",
    );
    assert_fail(
        &check("not-max-length", json!(5), "hello"),
        "expected output not to have at most 5 characters; it has 5",
    );
}

#[test]
fn not_levenshtein() {
    let a = compile("not-levenshtein", json!("kitten"));
    assert_outcome(
        &run(&a, "completely different"),
        true,
        "output is not ",
        &["edit distance 5"],
    );
    assert_fail(
        &run(&a, "sitting"),
        r#"expected output not to be within edit distance 5 of "kitten"; distance is 3"#,
    );
}

#[test]
fn budgets_and_rubrics_cannot_be_negated() {
    for (type_name, value) in [
        ("not-latency", json!(1000)),
        ("not-cost", json!(0.01)),
        ("not-llm-rubric", json!("is polite")),
    ] {
        let base = type_name.strip_prefix("not-").unwrap();
        let e = compile_err(type_name, Some(value));
        assert_compile_err(
            &e,
            Field::Type,
            &format!("`{base}` cannot be negated"),
            &format!("use `{base}` without `not-`; it is a score or a budget, not a yes/no check"),
        );
    }
}

// ---------------------------------------------------------------------------------
// Compile errors
// ---------------------------------------------------------------------------------

#[test]
fn unknown_type_suggests_the_closest() {
    let e = compile_err("icontain", Some(json!("x")));
    assert_compile_err(
        &e,
        Field::Type,
        "unknown assertion type `icontain`",
        "did you mean `icontains`?",
    );
}

#[test]
fn unknown_negated_type_keeps_the_prefix_in_the_suggestion() {
    let e = compile_err("not-icontain", Some(json!("x")));
    assert_compile_err(
        &e,
        Field::Type,
        "unknown assertion type `not-icontain`",
        "did you mean `not-icontains`?",
    );
}

#[test]
fn unknown_type_without_a_close_match_lists_all_types() {
    let e = compile_err("zzz", Some(json!("x")));
    assert_eq!(e.field, Field::Type);
    assert_eq!(e.message, "unknown assertion type `zzz`");
    assert!(
        e.help
            .starts_with("use one of: equals, contains, icontains, "),
        "{e:?}"
    );
    assert!(
        e.help.ends_with("(any of them may take a `not-` prefix)"),
        "{e:?}"
    );
    for t in TYPES {
        assert!(e.help.contains(t), "help should list {t}: {e:?}");
    }
}

#[test]
fn type_names_are_case_sensitive() {
    let e = compile_err("Contains", Some(json!("x")));
    assert_eq!(e.field, Field::Type);
    assert_eq!(e.message, "unknown assertion type `Contains`");
}

#[test]
fn missing_value_is_an_error_on_value() {
    let e = compile_err("contains", None);
    assert_compile_err(
        &e,
        Field::Value,
        "`contains` needs `value` = a string",
        "for example: value = \"30 days\"",
    );
}

#[test]
fn a_number_for_a_string_value_is_an_error() {
    let e = compile_err("contains", Some(json!(30)));
    assert_compile_err(
        &e,
        Field::Value,
        "`contains` needs `value` = a string",
        "for example: value = \"30 days\"",
    );
}

#[test]
fn an_empty_list_is_an_error() {
    let e = compile_err("contains-any", Some(json!([])));
    assert_compile_err(
        &e,
        Field::Value,
        "`contains-any` needs `value` = a non-empty list of strings",
        "for example: value = [\"refund\", \"return\"]",
    );
}

#[test]
fn a_list_with_a_non_string_is_an_error() {
    let e = compile_err("icontains-all", Some(json!(["refund", 3])));
    assert_compile_err(
        &e,
        Field::Value,
        "`icontains-all` needs `value` = a list of strings",
        "for example: value = [\"refund\", \"return\"]",
    );
}

#[test]
fn a_string_for_a_list_value_is_an_error() {
    let e = compile_err("contains-all", Some(json!("refund")));
    assert_eq!(e.field, Field::Value);
    assert_eq!(
        e.message,
        "`contains-all` needs `value` = a non-empty list of strings"
    );
}

#[test]
fn invalid_regex_is_an_error_on_value() {
    let e = compile_err("regex", Some(json!("(unclosed")));
    assert_eq!(e.field, Field::Value);
    assert!(e.message.starts_with("invalid regex: "), "{e:?}");
    assert!(
        !e.message.contains('\n'),
        "the library message is folded to one line: {e:?}"
    );
    assert!(e.help.contains("Rust regex syntax"), "{e:?}");
}

#[test]
fn lengths_need_a_whole_non_negative_number() {
    for value in [json!(-1), json!(2.5), json!("50")] {
        let e = compile_err("min-length", Some(value));
        assert_compile_err(
            &e,
            Field::Value,
            "`min-length` needs `value` = a whole number of 0 or more",
            "for example: value = 50",
        );
    }
    let e = compile_err("latency", None);
    assert_compile_err(
        &e,
        Field::Value,
        "`latency` needs `value` = a whole number of 0 or more",
        "for example: value = 2000",
    );
}

#[test]
fn cost_needs_a_non_negative_number() {
    for value in [Some(json!(-0.01)), Some(json!("0.01")), None] {
        let e = compile_err("cost", value);
        assert_compile_err(
            &e,
            Field::Value,
            "`cost` needs `value` = a cost in USD of 0 or more",
            "for example: value = 0.002",
        );
    }
}

#[test]
fn negative_weight_is_an_error_on_weight() {
    let e = compile_err_spec(&AssertSpec {
        weight: Some(-1.0),
        ..spec("contains", Some(json!("x")))
    });
    assert_compile_err(
        &e,
        Field::Weight,
        "weight must be a number of 0 or more, found -1",
        "weights are relative: 1 is the default, 2 counts twice as much",
    );
}

#[test]
fn non_finite_weight_is_an_error_on_weight() {
    for w in [f64::NAN, f64::INFINITY] {
        let e = compile_err_spec(&AssertSpec {
            weight: Some(w),
            ..spec("contains", Some(json!("x")))
        });
        assert_eq!(e.field, Field::Weight, "{w}: {e:?}");
    }
}

#[test]
fn weight_defaults_to_1_and_zero_is_allowed() {
    assert_eq!(compile("contains", json!("x")).weight, 1.0);
    let a = compile_spec(&AssertSpec {
        weight: Some(0.0),
        ..spec("contains", Some(json!("x")))
    });
    assert_eq!(a.weight, 0.0);
}

#[test]
fn threshold_outside_0_to_1_is_an_error_for_non_levenshtein_types() {
    for t in [1.5, -0.1, f64::NAN] {
        let e = compile_err_spec(&AssertSpec {
            threshold: Some(t),
            ..spec("contains", Some(json!("x")))
        });
        assert_eq!(e.field, Field::Threshold, "{t}: {e:?}");
        assert_eq!(e.message, format!("invalid threshold {t}"));
        assert_eq!(e.help, "a threshold is a score between 0 and 1");
    }
    // In range is fine.
    let a = compile_spec(&AssertSpec {
        threshold: Some(0.5),
        ..spec("contains", Some(json!("x")))
    });
    assert_eq!(a.threshold, Some(0.5));
}

#[test]
fn negative_levenshtein_threshold_is_an_error() {
    let e = compile_err_spec(&AssertSpec {
        threshold: Some(-1.0),
        ..spec("levenshtein", Some(json!("x")))
    });
    assert_compile_err(
        &e,
        Field::Threshold,
        "invalid threshold -1",
        "for levenshtein the threshold is the largest edit distance allowed, e.g. 5",
    );
}

#[test]
fn json_types_take_no_value() {
    for type_name in ["is-json", "contains-json", "not-is-json"] {
        let base = type_name.trim_start_matches("not-");
        let e = compile_err(type_name, Some(json!(true)));
        assert_compile_err(
            &e,
            Field::Value,
            &format!("`{base}` takes no `value`"),
            "remove `value` from this assertion",
        );
    }
}

#[test]
fn llm_rubric_compiles_but_cannot_be_scored_offline() {
    let a = compile("llm-rubric", json!("The reply is polite"));
    let e = a.score(&obs("Thanks!")).unwrap_err();
    assert_eq!(
        e,
        "`llm-rubric` is judged by the grader model; it cannot be scored offline"
    );
    let e = compile_err("llm-rubric", None);
    assert_eq!(e.field, Field::Value);
}

// ---------------------------------------------------------------------------------
// score_case
// ---------------------------------------------------------------------------------

fn weighted(type_name: &str, value: Value, weight: f64) -> Assertion {
    compile_spec(&AssertSpec {
        weight: Some(weight),
        ..spec(type_name, Some(value))
    })
}

/// Weight 3 passes, weight 1 fails, on the output "refund in 30 days".
fn three_to_one() -> Vec<Assertion> {
    vec![
        weighted("contains", json!("30 days"), 3.0),
        weighted("contains", json!("receipt"), 1.0),
    ]
}

const OUTPUT: &str = "refund in 30 days";

#[test]
fn score_case_is_the_weighted_mean() {
    let case = score_case(&three_to_one(), &obs(OUTPUT), None).unwrap();
    assert_eq!(case.score, 0.75);
    assert_eq!(case.results.len(), 2);
    assert_pass(&case.results[0], r#"output does contain "30 days""#);
    assert_fail(&case.results[1], r#"expected output to contain "receipt""#);
}

#[test]
fn score_case_without_threshold_needs_every_assertion_to_pass() {
    let case = score_case(&three_to_one(), &obs(OUTPUT), None).unwrap();
    assert!(!case.passed, "{case:?}");

    let all_pass = [
        weighted("contains", json!("30 days"), 3.0),
        weighted("contains", json!("refund"), 1.0),
    ];
    let case = score_case(&all_pass, &obs(OUTPUT), None).unwrap();
    assert!(case.passed, "{case:?}");
    assert_eq!(case.score, 1.0);
}

#[test]
fn score_case_threshold_exactly_at_the_score_passes() {
    let case = score_case(&three_to_one(), &obs(OUTPUT), Some(0.75)).unwrap();
    assert!(case.passed, "{case:?}");
    assert_eq!(case.score, 0.75);
}

#[test]
fn score_case_threshold_just_above_the_score_fails() {
    let case = score_case(&three_to_one(), &obs(OUTPUT), Some(0.750001)).unwrap();
    assert!(!case.passed, "{case:?}");
    let case = score_case(&three_to_one(), &obs(OUTPUT), Some(0.76)).unwrap();
    assert!(!case.passed, "{case:?}");
}

#[test]
fn score_case_threshold_tolerates_floating_point_rounding() {
    // 0.3 + 0.3 of 0.3 + 0.3 + 0.2 is 0.75 on paper, 0.7499999999999999 in f64.
    let assertions = [
        weighted("contains", json!("refund"), 0.3),
        weighted("contains", json!("30 days"), 0.3),
        weighted("contains", json!("receipt"), 0.2),
    ];
    let case = score_case(&assertions, &obs(OUTPUT), Some(0.75)).unwrap();
    assert!(
        case.score < 0.75,
        "the premise of this test: {}",
        case.score
    );
    assert!((case.score - 0.75).abs() < 1e-12);
    assert!(case.passed, "{case:?}");
    // The tolerance is tiny: a real shortfall still fails.
    let case = score_case(&assertions, &obs(OUTPUT), Some(0.7501)).unwrap();
    assert!(!case.passed, "{case:?}");
}

#[test]
fn score_case_with_no_assertions_passes_with_score_1() {
    let none: [Assertion; 0] = [];
    let case = score_case(&none, &obs("anything"), None).unwrap();
    assert_eq!(
        case,
        CaseScore {
            passed: true,
            score: 1.0,
            results: vec![]
        }
    );
    let case = score_case(&none, &obs("anything"), Some(1.0)).unwrap();
    assert!(case.passed && case.score == 1.0, "{case:?}");
}

#[test]
fn score_case_zero_weight_failure_still_fails_without_threshold() {
    let assertions = [
        weighted("contains", json!("30 days"), 1.0),
        weighted("contains", json!("receipt"), 0.0),
    ];
    let case = score_case(&assertions, &obs(OUTPUT), None).unwrap();
    assert_eq!(case.score, 1.0, "a zero weight does not count in the mean");
    assert!(
        !case.passed,
        "without a threshold every assertion must pass: {case:?}"
    );
    let case = score_case(&assertions, &obs(OUTPUT), Some(1.0)).unwrap();
    assert!(case.passed, "{case:?}");
}

#[test]
fn score_case_all_zero_weights_with_a_failure_scores_0() {
    let assertions = [
        weighted("contains", json!("30 days"), 0.0),
        weighted("contains", json!("receipt"), 0.0),
    ];
    let case = score_case(&assertions, &obs(OUTPUT), Some(0.5)).unwrap();
    assert_eq!(case.score, 0.0);
    assert!(!case.passed, "{case:?}");
}

#[test]
fn score_case_uses_latency_and_cost_from_the_observation() {
    let assertions = [
        compile("latency", json!(1000)),
        compile("cost", json!(0.01)),
    ];
    let o = Observation {
        tool_calls: &[],
        tools: &[],
        output: "ok",
        latency_ms: 1200,
        cost_usd: 0.001,
    };
    let case = score_case(&assertions, &o, None).unwrap();
    assert!(!case.passed);
    assert_eq!(case.score, 0.5);
    assert_fail(
        &case.results[0],
        "expected response to take at most 1000 ms; it took 1200 ms",
    );
    assert_pass(
        &case.results[1],
        "call does cost at most $0.01; it cost $0.001000",
    );
}

#[test]
fn score_case_with_llm_rubric_is_an_error_not_a_pass() {
    let assertions = [
        compile("contains", json!("30 days")),
        compile("llm-rubric", json!("is polite")),
    ];
    let e = score_case(&assertions, &obs(OUTPUT), Some(0.0)).unwrap_err();
    assert!(e.contains("judged by the grader model"), "{e}");
}

// ---------------------------------------------------------------------------------
// rouge-n, bleu, is-refusal
// ---------------------------------------------------------------------------------

#[test]
fn rouge_n_and_bleu_pass_at_their_bar_and_say_the_score() {
    let reference = json!("The refund window is 30 days.");
    let close = check(
        "rouge-n",
        reference.clone(),
        "Your refund window is 30 days.",
    );
    assert!(close.passed, "{}", close.reason);
    assert!(close.reason.contains("0.833"), "{}", close.reason);
    let far = check("rouge-n", reference.clone(), "We ship within a week.");
    assert!(!far.passed);
    // The threshold moves the bar.
    let mut s = spec("rouge-n", Some(reference.clone()));
    s.threshold = Some(0.9);
    assert!(!run(&compile_spec(&s), "Your refund window is 30 days.").passed);

    let same = check(
        "bleu",
        json!(["Refunds take 30 days.", "The refund window is 30 days."]),
        "The refund window is 30 days.",
    );
    assert!(same.passed, "{}", same.reason);
    assert!(!check("bleu", reference, "days 30 is window refund the").passed);
    assert!(
        check(
            "not-bleu",
            json!("The refund window is 30 days."),
            "Nothing alike here."
        )
        .passed
    );
    // Values: a non-empty text, or a list of them.
    assert_eq!(compile_err("rouge-n", None).field, Field::Value);
    assert_eq!(compile_err("bleu", Some(json!([]))).field, Field::Value);
}

#[test]
fn is_refusal_and_its_negation() {
    assert!(check_bare("is-refusal", "I'm sorry, but I can't help with that.").passed);
    let answered = check_bare("is-refusal", "Your refund is on its way.");
    assert!(!answered.passed);
    assert!(
        answered.reason.contains("be a refusal"),
        "{}",
        answered.reason
    );
    assert!(check_bare("not-is-refusal", "Your refund is on its way.").passed);
    assert!(!check_bare("not-is-refusal", "As an AI, I cannot do that.").passed);
    assert_eq!(
        compile_err("is-refusal", Some(json!("x"))).field,
        Field::Value
    );
}
