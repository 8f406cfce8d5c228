//! The progress bar of `eval` on stderr: done/total, pass/fail/error, cost and ETA.
//! Drawn only when stderr is a terminal; otherwise the events are just drained.

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use tokio::sync::mpsc;

use promptwright_core::runner::RunEvent;
use promptwright_core::runner::batch::BatchProgress;
use promptwright_core::store::Tally;

/// Draws the events of one run or several in a row (`gate` runs two): a bar per run,
/// started by its `Started` event.
pub async fn show(mut events: mpsc::UnboundedReceiver<RunEvent>) {
    if !std::io::stderr().is_terminal() {
        // A log (CI) gets a line each time the batch jobs change, nothing else.
        let mut last = String::new();
        while let Some(ev) = events.recv().await {
            if let RunEvent::Batch(p) = ev {
                let line = jobs(&p);
                if line != last {
                    anstream::eprintln!("{line}");
                    last = line;
                }
            }
        }
        return;
    }
    let style = ProgressStyle::with_template(
        "{prefix:.bold} [{bar:30.cyan/blue}] {pos}/{len} {msg} · ETA {eta}",
    )
    .unwrap_or_else(|_| ProgressStyle::default_bar())
    .progress_chars("=> ");
    let mut bar: Option<ProgressBar> = None;
    let (mut tally, mut cost) = (Tally::default(), 0.0);
    while let Some(ev) = events.recv().await {
        match ev {
            RunEvent::Started(h) => {
                if let Some(old) = bar.take() {
                    old.finish_and_clear();
                }
                let b = ProgressBar::with_draw_target(
                    Some(h.total as u64),
                    ProgressDrawTarget::stderr(),
                );
                b.set_style(style.clone());
                b.set_prefix(h.prompt);
                (tally, cost) = (Tally::default(), 0.0);
                bar = Some(b);
            }
            RunEvent::CaseScored(c) => {
                tally.add(c.status);
                cost += c.cost_usd;
                if let Some(b) = &bar {
                    b.set_message(format!("{tally} · ${cost:.4}"));
                    b.inc(1);
                }
            }
            RunEvent::Finished(_) => {
                if let Some(b) = bar.take() {
                    b.finish_and_clear();
                }
            }
            RunEvent::Batch(p) => {
                if let Some(b) = &bar {
                    b.set_message(jobs(&p));
                }
            }
            RunEvent::CaseStarted { .. } => {}
        }
    }
    if let Some(b) = bar {
        b.finish_and_clear();
    }
}

/// The jobs of a batched run: `batch 1/2 in_progress 340/1000 · batch 2/2 ...`.
fn jobs(p: &BatchProgress) -> String {
    let n = p.jobs.len();
    p.jobs
        .iter()
        .enumerate()
        .map(|(i, j)| format!("batch {}/{n} {} {}/{}", i + 1, j.status, j.done, j.total))
        .collect::<Vec<_>>()
        .join(" · ")
}

/// The bars of a comparison grid: one per cell, titled with its label, all drawn at
/// once as the cells run together.
pub async fn show_cells(
    labels: Vec<String>,
    mut events: mpsc::UnboundedReceiver<(usize, RunEvent)>,
) {
    if !std::io::stderr().is_terminal() {
        while events.recv().await.is_some() {}
        return;
    }
    let style =
        ProgressStyle::with_template("{prefix:.bold} [{bar:24.cyan/blue}] {pos}/{len} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> ");
    let all = indicatif::MultiProgress::with_draw_target(ProgressDrawTarget::stderr());
    let mut bars: Vec<(ProgressBar, Tally, f64)> = labels
        .into_iter()
        .map(|label| {
            let b = all.add(ProgressBar::new(0));
            b.set_style(style.clone());
            b.set_prefix(label);
            (b, Tally::default(), 0.0)
        })
        .collect();
    while let Some((i, ev)) = events.recv().await {
        let Some((bar, tally, cost)) = bars.get_mut(i) else {
            continue;
        };
        match ev {
            RunEvent::Started(h) => bar.set_length(h.total as u64),
            RunEvent::CaseScored(c) => {
                tally.add(c.status);
                *cost += c.cost_usd;
                bar.set_message(format!("{tally} · ${cost:.4}"));
                bar.inc(1);
            }
            RunEvent::Finished(_) | RunEvent::CaseStarted { .. } | RunEvent::Batch(_) => {}
        }
    }
    let _ = all.clear();
}
