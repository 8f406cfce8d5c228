//! JSON (`{"runs": [...]}`) and JSONL (a line per case, then a summary line per run, so
//! a consumer can stream it). Structs, not `json!`, keep the documented key order.

use serde::Serialize;

use promptwright_core::store::{CaseResult, RunRecord, Summary};

#[derive(Serialize)]
struct Runs<'a> {
    runs: &'a [RunRecord],
}

#[derive(Serialize)]
struct CaseLine<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    run_id: &'a str,
    prompt: &'a str,
    #[serde(flatten)]
    case: &'a CaseResult,
}

#[derive(Serialize)]
struct SummaryLine<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    run_id: &'a str,
    prompt: &'a str,
    content_sha256: &'a str,
    provider: &'a str,
    model: &'a str,
    started_at: &'a str,
    complete: bool,
    summary: &'a Summary,
}

pub fn write(records: &[RunRecord], w: &mut dyn std::io::Write) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut *w, &Runs { runs: records })?;
    w.write_all(b"\n")
}

pub fn render(records: &[RunRecord]) -> String {
    let mut s = serde_json::to_string_pretty(&Runs { runs: records }).unwrap_or_default();
    s.push('\n');
    s
}

pub fn render_lines(records: &[RunRecord]) -> String {
    let mut out = String::new();
    let mut push = |line: String| {
        out.push_str(&line);
        out.push('\n');
    };
    for r in records {
        for case in &r.cases {
            push(
                serde_json::to_string(&CaseLine {
                    kind: "case",
                    run_id: &r.run_id,
                    prompt: &r.prompt,
                    case,
                })
                .unwrap_or_default(),
            );
        }
        push(
            serde_json::to_string(&SummaryLine {
                kind: "summary",
                run_id: &r.run_id,
                prompt: &r.prompt,
                content_sha256: &r.content_sha256,
                provider: &r.provider,
                model: &r.model,
                started_at: &r.started_at,
                complete: r.complete,
                summary: &r.summary,
            })
            .unwrap_or_default(),
        );
    }
    out
}
