//! JSON (the spec's `{"runs": [...]}`) and JSONL (a line per case, then a summary line
//! per run, so a consumer can stream it).

use serde_json::{Value, json};

use crate::store::RunRecord;

pub fn render(records: &[RunRecord]) -> String {
    let mut s = serde_json::to_string_pretty(&json!({ "runs": records })).unwrap_or_default();
    s.push('\n');
    s
}

pub fn render_lines(records: &[RunRecord]) -> String {
    let mut out = String::new();
    let mut push = |v: Value| {
        out.push_str(&v.to_string());
        out.push('\n');
    };
    for r in records {
        for c in &r.cases {
            let mut v = json!({"type": "case", "run_id": r.run_id, "prompt": r.prompt});
            if let (Some(obj), Ok(Value::Object(case))) =
                (v.as_object_mut(), serde_json::to_value(c))
            {
                obj.extend(case);
            }
            push(v);
        }
        push(json!({
            "type": "summary",
            "run_id": r.run_id,
            "prompt": r.prompt,
            "content_sha256": r.content_sha256,
            "provider": r.provider,
            "model": r.model,
            "started_at": r.started_at,
            "complete": r.complete,
            "summary": r.summary,
        }));
    }
    out
}
