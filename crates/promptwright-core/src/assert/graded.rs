//! `factuality` and `model-graded-closedqa`: the grader compares the output with a
//! reference answer, or decides whether it meets a criterion, as promptfoo's assertions
//! of the same names do. Both answer in JSON; an answer that is not that JSON is an
//! error quoting it, never a pass.

use serde_json::Value;

use super::{AssertionResult, rubric};
use crate::provider::Request;

/// What a grader-judged assertion asks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ask {
    Rubric,
    Factuality,
    ClosedQa,
}

const FACTUALITY: &str = "You compare a submitted answer with an expert answer to the same \
question. Ignore differences of style, grammar and punctuation. Pick one category: \
(A) the submission is a subset of the expert answer and fully consistent with it; \
(B) it is a superset of the expert answer and fully consistent with it; \
(C) it contains all the same details as the expert answer; \
(D) there is a disagreement between the submission and the expert answer; \
(E) the answers differ, but these differences do not matter for factuality. \
Answer with one JSON object and nothing else: {\"category\": \"A\", \"B\", \"C\", \"D\" or \
\"E\", \"reason\": \"one short sentence\"}.";

const CLOSEDQA: &str = "You decide whether a submitted answer meets a criterion. Judge only \
the criterion. Answer with one JSON object and nothing else: {\"pass\": true or false, \
\"reason\": \"one short sentence a prompt engineer can act on\"}.";

/// The request sent to the grader. `question` is the last user message the model saw.
pub fn request(model: &str, ask: Ask, text: &str, question: &str, output: &str) -> Request {
    let (instructions, content) = match ask {
        Ask::Rubric => return rubric::grader_request(model, text, output),
        Ask::Factuality => (
            FACTUALITY,
            format!(
                "<question>\n{question}\n</question>\n\n<expert>\n{text}\n</expert>\n\n<submission>\n{output}\n</submission>"
            ),
        ),
        Ask::ClosedQa => (
            CLOSEDQA,
            format!(
                "<question>\n{question}\n</question>\n\n<criterion>\n{text}\n</criterion>\n\n<submission>\n{output}\n</submission>"
            ),
        ),
    };
    rubric::ask_grader(model, instructions, content)
}

/// Reads the grader's answer to `ask`.
pub fn judge(
    ask: Ask,
    type_name: &str,
    answer: &str,
    threshold: Option<f64>,
) -> Result<AssertionResult, String> {
    if ask == Ask::Rubric {
        return rubric::judge(type_name, answer, threshold);
    }
    let bad = |why: &str| rubric::not_expected(type_name, answer, why);
    let v = rubric::answer_json(type_name, answer)?;
    let reason = rubric::reason(&v);
    let (passed, verdict) = if ask == Ask::Factuality {
        let category = v
            .get("category")
            .and_then(Value::as_str)
            .map(|c| c.trim().trim_matches(['(', ')']).to_ascii_uppercase())
            .filter(|c| ["A", "B", "C", "D", "E"].contains(&c.as_str()))
            .ok_or_else(|| bad("`category` must be one of A, B, C, D, E"))?;
        // Only a disagreement with the expert answer is a factual error (promptfoo's
        // default scoring).
        let passed = category != "D";
        (passed, format!("grader category {category}"))
    } else {
        let pass = v
            .get("pass")
            .and_then(Value::as_bool)
            .ok_or_else(|| bad("`pass` must be true or false"))?;
        (
            pass,
            format!("grader says {}", if pass { "pass" } else { "fail" }),
        )
    };
    Ok(AssertionResult {
        type_name: type_name.to_string(),
        passed,
        score: if passed { 1.0 } else { 0.0 },
        reason: format!("{verdict}: {reason}"),
        metric: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn factuality_fails_only_on_a_disagreement() {
        for (c, pass) in [
            ("A", true),
            ("(B)", true),
            ("c", true),
            ("D", false),
            ("E", true),
        ] {
            let answer = format!(r#"{{"category": "{c}", "reason": "r"}}"#);
            let r = judge(Ask::Factuality, "factuality", &answer, None).unwrap();
            assert_eq!(r.passed, pass, "{c}");
        }
        let r = judge(
            Ask::Factuality,
            "factuality",
            r#"{"category": "D", "reason": "says 40 days"}"#,
            None,
        )
        .unwrap();
        assert_eq!(r.reason, "grader category D: says 40 days");
        assert!(judge(Ask::Factuality, "factuality", r#"{"category": "F"}"#, None).is_err());
        assert!(judge(Ask::Factuality, "factuality", "yes", None).is_err());
    }

    #[test]
    fn closedqa_reads_pass() {
        let r = judge(
            Ask::ClosedQa,
            "model-graded-closedqa",
            "```json\n{\"pass\": false, \"reason\": \"no date\"}\n```",
            None,
        )
        .unwrap();
        assert!(!r.passed);
        assert_eq!(r.reason, "grader says fail: no date");
        assert!(
            judge(
                Ask::ClosedQa,
                "model-graded-closedqa",
                r#"{"pass": 1}"#,
                None
            )
            .is_err()
        );
    }

    #[test]
    fn requests_carry_question_reference_and_output() {
        let r = request("g", Ask::Factuality, "30 days", "How long?", "40 days");
        assert!(
            r.messages[0]
                .content
                .contains("(D) there is a disagreement")
        );
        let u = &r.messages[1].content;
        assert!(u.contains("How long?") && u.contains("30 days") && u.contains("40 days"));
        let r = request("g", Ask::ClosedQa, "names a date", "When?", "Monday");
        assert!(r.messages[1].content.contains("<criterion>\nnames a date"));
    }
}
