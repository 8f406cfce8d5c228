//! The eval report: each run's summary, the charts, and the case table.

use std::fmt::Write as _;
use std::io;

use super::cases::{Collector, PromptOf};
use super::svg::{self, Bar};
use super::{card, esc, page};
use crate::cli::format::{Run, ms, percent, usd};
use promptwright_core::store::RunRecord;

pub fn write<R: Run>(records: &[R], prompt_of: PromptOf, w: &mut dyn io::Write) -> io::Result<()> {
    let mut cases = Collector::default();
    for (i, run) in records.iter().enumerate() {
        let record = run.record();
        let prompt = prompt_of(record);
        run.each_case(&mut |c| {
            cases
                .add(i, record, prompt, c, None)
                .map_err(io::Error::other)
        })?;
    }
    let runs: Vec<&RunRecord> = records.iter().map(Run::record).collect();
    let names: Vec<&str> = runs.iter().map(|r| r.prompt.as_str()).collect();
    let title = format!("promptwright eval · {}", names.join(", "));
    let mut body = format!("<header><h1>{}</h1>", esc(&title));
    let _ = writeln!(
        body,
        "<p class=\"sub\">{}</p></header>",
        esc(&match runs.first() {
            Some(r) => format!("started {}", r.started_at),
            None => "no runs".into(),
        })
    );
    for run in records {
        summary(&mut body, run.record(), runs.len() > 1, run.reference());
    }
    charts(&mut body, &cases, &runs, None);
    let data = cases.json("eval", &runs).map_err(io::Error::other)?;
    w.write_all(page(&title, &body, &data, &[]).as_bytes())
}

/// A run's numbers as cards, and what it ran on; a cell of a comparison is titled with
/// its version and target (`reference`).
pub(super) fn summary(out: &mut String, r: &RunRecord, titled: bool, reference: Option<&str>) {
    out.push_str("<section class=\"summary\">");
    match reference {
        Some(reference) => {
            let cell = format!("{} · {reference} · {}/{}", r.prompt, r.provider, r.model);
            let _ = write!(out, "<h2>{}</h2>", esc(&cell));
        }
        None if titled => {
            let _ = write!(out, "<h2>{}</h2>", esc(&r.prompt));
        }
        None => {}
    }
    let s = &r.summary;
    out.push_str("<div class=\"cards\">");
    card(out, &percent(s.pass_rate), "pass rate");
    card(
        out,
        &format!("{} / {}", s.passed, s.cases),
        &format!("passed ({} failed)", s.failed),
    );
    card(out, &s.errors.to_string(), "errors");
    card(out, &usd(s.cost_usd), "cost");
    card(out, &ms(s.p50_latency_ms), "p50 latency");
    card(out, &ms(s.p95_latency_ms), "p95 latency");
    for (name, mean) in &s.metrics {
        card(out, &format!("{mean:.3}"), &format!("metric {name}"));
    }
    out.push_str("</div>");
    let _ = writeln!(
        out,
        "<table class=\"meta\"><tr><th>prompt</th><td>{}</td><th>provider</th><td>{}</td><th>model</th><td class=\"mono\">{}</td></tr>\
         <tr><th>content sha256</th><td class=\"mono\" colspan=\"3\">{}</td><th>run</th><td class=\"mono\">{}{}</td></tr></table></section>",
        esc(&r.prompt),
        esc(&r.provider),
        esc(&r.model),
        esc(&r.content_sha256),
        esc(&r.run_id),
        if r.complete { "" } else { " (incomplete)" },
    );
}

/// Pass rate and cost per suite, the latency histogram, and `more` (a caption and its
/// picture) after them.
pub(super) fn charts(
    out: &mut String,
    cases: &Collector,
    runs: &[&RunRecord],
    more: Option<(&str, String)>,
) {
    let label = |run: usize, suite: &str| {
        if runs.len() > 1 {
            format!("{} / {suite}", runs[run].prompt)
        } else {
            suite.to_string()
        }
    };
    let pass: Vec<Bar> = cases
        .suites
        .iter()
        .map(|b| Bar {
            label: label(b.run, &b.suite),
            share: b.tally.pass_rate(),
            value: percent(b.tally.pass_rate()),
        })
        .collect();
    let top_cost = cases.suites.iter().map(|b| b.cost_usd).fold(0.0, f64::max);
    let cost: Vec<Bar> = cases
        .suites
        .iter()
        .map(|b| Bar {
            label: label(b.run, &b.suite),
            share: if top_cost > 0.0 {
                b.cost_usd / top_cost
            } else {
                0.0
            },
            value: usd(b.cost_usd),
        })
        .collect();
    let all = cases.overall.summary();
    out.push_str("<section><h2>Charts</h2><div class=\"charts\">");
    figure(
        out,
        "Pass rate per suite",
        &svg::bars("Pass rate per suite", &pass, "bar-pass"),
    );
    figure(
        out,
        "Latency (p50 and p95 marked)",
        &svg::latency(&cases.latencies, all.p50_latency_ms, all.p95_latency_ms),
    );
    figure(
        out,
        "Cost per suite",
        &svg::bars("Cost per suite", &cost, "bar"),
    );
    if let Some((caption, svg)) = more {
        figure(out, caption, &svg);
    }
    out.push_str("</div></section>\n");
}

pub(super) fn figure(out: &mut String, caption: &str, svg: &str) {
    let _ = write!(
        out,
        "<figure><figcaption>{}</figcaption>{svg}</figure>",
        esc(caption)
    );
}
