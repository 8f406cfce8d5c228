//! JSON (`{"runs": [...]}`) and JSONL (a line per case, then a summary line per run, so
//! a consumer can stream it). Structs, not `json!`, keep the documented key order; the
//! cases are serialised as they are read, never gathered first.

use std::io;

use serde::ser::{Error as _, SerializeSeq, SerializeStruct};
use serde::{Serialize, Serializer};

use super::Run;
use promptwright_core::store::{CaseResult, Summary};

/// `{"runs": [...]}`.
struct Runs<'a, R>(&'a [R]);

impl<R: Run> Serialize for Runs<'_, R> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("Runs", 1)?;
        st.serialize_field("runs", &RunList(self.0))?;
        st.end()
    }
}

struct RunList<'a, R>(&'a [R]);

impl<R: Run> Serialize for RunList<'_, R> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter().map(RunOut))
    }
}

/// A run with the fields of a stored `RunRecord`, in its order.
struct RunOut<'a, R>(&'a R);

impl<R: Run> Serialize for RunOut<'_, R> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let r = self.0.record();
        let mut st = s.serialize_struct("RunRecord", 10)?;
        st.serialize_field("run_id", &r.run_id)?;
        st.serialize_field("prompt", &r.prompt)?;
        if let Some(reference) = self.0.reference() {
            st.serialize_field("ref", reference)?;
        } else {
            st.skip_field("ref")?;
        }
        st.serialize_field("content_sha256", &r.content_sha256)?;
        st.serialize_field("provider", &r.provider)?;
        st.serialize_field("model", &r.model)?;
        st.serialize_field("started_at", &r.started_at)?;
        st.serialize_field("complete", &r.complete)?;
        st.serialize_field("summary", &r.summary)?;
        st.serialize_field("cases", &Cases(self.0))?;
        st.end()
    }
}

struct Cases<'a, R>(&'a R);

impl<R: Run> Serialize for Cases<'_, R> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(None)?;
        let mut failed = None;
        let read = self.0.each_case(&mut |c| {
            seq.serialize_element(&CaseOut(c)).map_err(|e| {
                failed = Some(e);
                io::Error::other("serialising a case")
            })
        });
        if let Some(e) = failed {
            return Err(e);
        }
        read.map_err(S::Error::custom)?;
        seq.end()
    }
}

/// A case as reports show it: the stored fields, then its samples (one for a case
/// drawn once, so consumers need one code path), passes, pass fraction and flakiness.
struct CaseOut<'a>(&'a CaseResult);

impl Serialize for CaseOut<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let c = self.0;
        let mut st = s.serialize_struct("Case", 17)?;
        st.serialize_field("suite", &c.suite)?;
        st.serialize_field("id", &c.id)?;
        st.serialize_field("status", &c.status)?;
        st.serialize_field("score", &c.score)?;
        st.serialize_field("vars", &c.vars)?;
        st.serialize_field("output", &c.output)?;
        st.serialize_field("tool_calls", &c.tool_calls)?;
        st.serialize_field("error", &c.error)?;
        st.serialize_field("cached", &c.cached)?;
        st.serialize_field("latency_ms", &c.latency_ms)?;
        st.serialize_field("tokens", &c.tokens)?;
        st.serialize_field("cost_usd", &c.cost_usd)?;
        st.serialize_field("assertions", &c.assertions)?;
        st.serialize_field("samples", &*c.samples())?;
        st.serialize_field("passes", &c.passes())?;
        st.serialize_field("pass_fraction", &c.pass_fraction())?;
        st.serialize_field("flaky", &c.flaky())?;
        st.end()
    }
}

#[derive(Serialize)]
struct CaseLine<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    run_id: &'a str,
    prompt: &'a str,
    #[serde(flatten)]
    case: CaseOut<'a>,
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

pub fn write<R: Run>(records: &[R], w: &mut dyn io::Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *w, &Runs(records))?;
    w.write_all(b"\n")
}

pub fn write_lines<R: Run>(records: &[R], w: &mut dyn io::Write) -> io::Result<()> {
    for run in records {
        let r = run.record();
        run.each_case(&mut |case| {
            let line = CaseLine {
                kind: "case",
                run_id: &r.run_id,
                prompt: &r.prompt,
                case: CaseOut(case),
            };
            serde_json::to_writer(&mut *w, &line)?;
            w.write_all(b"\n")
        })?;
        let line = SummaryLine {
            kind: "summary",
            run_id: &r.run_id,
            prompt: &r.prompt,
            content_sha256: &r.content_sha256,
            provider: &r.provider,
            model: &r.model,
            started_at: &r.started_at,
            complete: r.complete,
            summary: &r.summary,
        };
        serde_json::to_writer(&mut *w, &line)?;
        w.write_all(b"\n")?;
    }
    Ok(())
}
