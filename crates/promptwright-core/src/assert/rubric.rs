//! `llm-rubric`: a grader model judges the output against a rubric and must answer
//! `{"pass": bool, "score": 0..1, "reason": "..."}`. An answer that is not that JSON is
//! an error quoting it, never a pass.

use serde_json::Value;

use super::{AssertionResult, excerpt};
use crate::provider::{ChatMessage, Request};
use crate::vocab::Role;

const INSTRUCTIONS: &str = "You grade the output of another model against a rubric. \
Judge only whether the output meets the rubric. Answer with one JSON object and nothing \
else: {\"pass\": true or false, \"score\": a number from 0 to 1, \"reason\": \"one short \
sentence a prompt engineer can act on\"}.";

/// The request sent to the grader.
pub fn grader_request(model: &str, rubric: &str, output: &str) -> Request {
    ask_grader(
        model,
        INSTRUCTIONS,
        format!("<rubric>\n{rubric}\n</rubric>\n\n<output>\n{output}\n</output>"),
    )
}

/// A request to the grader: its instructions, then what it judges, at temperature 0.
pub(super) fn ask_grader(model: &str, instructions: &str, content: String) -> Request {
    Request {
        model: model.to_string(),
        messages: vec![
            ChatMessage::text(Role::System, instructions),
            ChatMessage::text(Role::User, content),
        ],
        params: [("temperature".to_string(), Value::from(0))]
            .into_iter()
            .collect(),
        sample: 1,
        ..Request::default()
    }
}

/// Why a grader's answer cannot be read, quoting it.
pub(super) fn not_expected(type_name: &str, answer: &str, why: &str) -> String {
    format!(
        "{type_name}: the grader's answer is not the expected JSON ({why}): {}",
        excerpt(answer.trim(), 160)
    )
}

/// The grader's JSON object: the whole answer, or the first object inside prose or a
/// code fence.
pub(super) fn answer_json(type_name: &str, answer: &str) -> Result<Value, String> {
    match serde_json::from_str(answer.trim()) {
        Ok(v) => Ok(v),
        Err(_) => super::json::find_json(answer)
            .ok_or_else(|| not_expected(type_name, answer, "no JSON object found")),
    }
}

/// The grader's reason, or a word saying it gave none.
pub(super) fn reason(v: &Value) -> &str {
    v.get("reason")
        .and_then(Value::as_str)
        .unwrap_or("(the grader gave no reason)")
}

/// Reads the grader's answer. `threshold`, when set, decides on the score instead of the
/// grader's own `pass`.
pub fn judge(
    type_name: &str,
    answer: &str,
    threshold: Option<f64>,
) -> Result<AssertionResult, String> {
    let bad = |why: &str| not_expected(type_name, answer, why);
    let v = answer_json(type_name, answer)?;
    let pass = v
        .get("pass")
        .and_then(Value::as_bool)
        .ok_or_else(|| bad("`pass` must be true or false"))?;
    let score = match v.get("score") {
        None | Some(Value::Null) => {
            if pass {
                1.0
            } else {
                0.0
            }
        }
        Some(s) => s
            .as_f64()
            .filter(|x| (0.0..=1.0).contains(x))
            .ok_or_else(|| bad("`score` must be a number from 0 to 1"))?,
    };
    let reason = reason(&v);
    let passed = match threshold {
        Some(t) => score + 1e-9 >= t,
        None => pass,
    };
    let verdict = match threshold {
        Some(t) => format!("grader score {score:.2} (needs {t:.2})"),
        None => format!("grader says {}", if pass { "pass" } else { "fail" }),
    };
    Ok(AssertionResult {
        type_name: type_name.to_string(),
        passed,
        score,
        reason: format!("{verdict}: {reason}"),
        metric: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_clean_answer() {
        let r = judge(
            "llm-rubric",
            r#"{"pass": true, "score": 0.9, "reason": "polite"}"#,
            None,
        )
        .unwrap();
        assert!(r.passed);
        assert_eq!(r.score, 0.9);
        assert_eq!(r.reason, "grader says pass: polite");
    }

    #[test]
    fn reads_json_inside_a_fence() {
        let r = judge(
            "llm-rubric",
            "```json\n{\"pass\": false, \"score\": 0.2, \"reason\": \"rude\"}\n```",
            None,
        )
        .unwrap();
        assert!(!r.passed);
        assert_eq!(r.score, 0.2);
    }

    #[test]
    fn threshold_decides_on_the_score() {
        let a = r#"{"pass": true, "score": 0.6, "reason": "ok"}"#;
        assert!(!judge("llm-rubric", a, Some(0.7)).unwrap().passed);
        assert!(judge("llm-rubric", a, Some(0.6)).unwrap().passed);
        assert_eq!(
            judge("llm-rubric", a, Some(0.7)).unwrap().reason,
            "grader score 0.60 (needs 0.70): ok"
        );
    }

    #[test]
    fn garbage_is_an_error_with_an_excerpt_never_a_pass() {
        let e = judge("llm-rubric", "Sure! The output looks great.", None).unwrap_err();
        assert!(e.contains("not the expected JSON"), "{e}");
        assert!(e.contains("The output looks great"), "{e}");
        assert!(
            judge("llm-rubric", r#"{"score": 1}"#, None).is_err(),
            "pass is required"
        );
        assert!(judge("llm-rubric", r#"{"pass": "yes"}"#, None).is_err());
        assert!(judge("llm-rubric", r#"{"pass": true, "score": 7}"#, None).is_err());
    }

    #[test]
    fn the_request_carries_rubric_and_output() {
        let r = grader_request("g", "Be polite", "Hello!");
        assert_eq!(r.model, "g");
        assert_eq!(r.messages[0].role, Role::System);
        assert!(
            r.messages[1].content.contains("Be polite") && r.messages[1].content.contains("Hello!")
        );
    }
}
