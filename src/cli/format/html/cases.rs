//! The case data the page's script draws the table from, and the per-suite numbers the
//! charts need, gathered in one pass over the cases.

use serde::Serialize;
use serde_json::{Map, Value};

use promptwright_core::assert::AssertionResult;
use promptwright_core::provider::{Tokens, request_for};
use promptwright_core::store::{CaseResult, RunRecord, RunningSummary, Status, Tally};
use promptwright_core::workspace::Prompt;

/// The prompt a run was made with, when it is at hand: the report then shows the
/// messages each case sent. `None` leaves them out.
pub type PromptOf<'a> = &'a dyn Fn(&RunRecord) -> Option<&'a Prompt>;

/// One case as the script reads it. Short keys: they repeat 10,000 times.
#[derive(Serialize)]
struct CaseOut<'a> {
    /// Index of its run in `runs`.
    r: usize,
    s: &'a str,
    id: &'a str,
    st: &'static str,
    sc: f64,
    o: Option<String>,
    e: &'a Option<String>,
    ms: Option<u64>,
    c: f64,
    k: bool,
    tk: &'a Option<Tokens>,
    v: &'a Map<String, Value>,
    a: &'a [AssertionResult],
    /// The rendered messages, `[role, content]`.
    m: Option<Vec<(&'static str, String)>>,
    /// The case's change against the baseline (gate reports).
    #[serde(skip_serializing_if = "Option::is_none")]
    ch: Option<&'static str>,
    /// Draws passed of drawn, `3/5 flaky`, for a case drawn more than once.
    #[serde(skip_serializing_if = "Option::is_none")]
    dr: Option<String>,
}

/// One suite of one run: what the bars show.
pub struct SuiteBar {
    pub run: usize,
    pub suite: String,
    pub tally: Tally,
    pub cost_usd: f64,
}

/// Gathers the cases of every run into the data block.
#[derive(Default)]
pub struct Collector {
    json: Vec<String>,
    pub suites: Vec<SuiteBar>,
    /// Latencies of the cases that got an answer.
    pub latencies: Vec<u64>,
    /// Every run's cases together: the percentiles the histogram marks.
    pub overall: RunningSummary,
}

impl Collector {
    pub fn add(
        &mut self,
        run: usize,
        record: &RunRecord,
        prompt: Option<&Prompt>,
        case: &CaseResult,
        change: Option<&'static str>,
    ) -> serde_json::Result<()> {
        let messages = prompt.and_then(|p| {
            let req = request_for(p, &record.model, &case.vars).ok()?;
            Some(
                req.messages
                    .into_iter()
                    .map(|m| (m.role.as_str(), m.content))
                    .collect(),
            )
        });
        let out = CaseOut {
            r: run,
            s: &case.suite,
            id: &case.id,
            st: case.status.as_str(),
            sc: case.score,
            o: case.shown_output(),
            e: &case.error,
            ms: case.latency_ms,
            c: case.cost_usd,
            k: case.cached,
            tk: &case.tokens,
            v: &case.vars,
            a: &case.assertions,
            m: messages,
            ch: change,
            dr: (!case.samples.is_empty()).then(|| super::super::drawn(case).trim().to_string()),
        };
        self.json.push(serde_json::to_string(&out)?);
        let bar = match self
            .suites
            .iter_mut()
            .find(|b| b.run == run && b.suite == case.suite)
        {
            Some(b) => b,
            None => {
                self.suites.push(SuiteBar {
                    run,
                    suite: case.suite.clone(),
                    tally: Tally::default(),
                    cost_usd: 0.0,
                });
                let last = self.suites.len() - 1;
                &mut self.suites[last]
            }
        };
        bar.tally.add(case.status);
        bar.cost_usd += case.cost_usd;
        self.overall.add(case);
        if case.status != Status::Error {
            self.latencies.extend(case.latency_ms);
        }
        Ok(())
    }

    /// The data block: `{"kind", "runs": [...], "cases": [...]}`.
    pub fn json(&self, kind: &str, runs: &[&RunRecord]) -> serde_json::Result<String> {
        #[derive(Serialize)]
        struct RunOut<'a> {
            prompt: &'a str,
            run_id: &'a str,
            provider: &'a str,
            model: &'a str,
        }
        let runs: Vec<RunOut> = runs
            .iter()
            .map(|r| RunOut {
                prompt: &r.prompt,
                run_id: &r.run_id,
                provider: &r.provider,
                model: &r.model,
            })
            .collect();
        let mut out = format!(
            "{{\"kind\":{},\"runs\":{},\"cases\":[",
            serde_json::to_string(kind)?,
            serde_json::to_string(&runs)?
        );
        for (i, c) in self.json.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str(c);
        }
        out.push_str("]}");
        Ok(out)
    }
}
