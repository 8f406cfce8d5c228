//! The progress bar of `eval` on stderr: done/total, pass/fail/error, cost and ETA.
//! Drawn only when stderr is a terminal; otherwise the events are just drained.

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use tokio::sync::mpsc;

use crate::runner::RunEvent;
use crate::store::Status;

pub async fn show(mut events: mpsc::UnboundedReceiver<RunEvent>) {
    if !std::io::stderr().is_terminal() {
        while events.recv().await.is_some() {}
        return;
    }
    let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template(
            "{prefix:.bold} [{bar:30.cyan/blue}] {pos}/{len} {msg} · ETA {eta}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> "),
    );
    let (mut pass, mut fail, mut error, mut cost) = (0, 0, 0, 0.0);
    while let Some(ev) = events.recv().await {
        match ev {
            RunEvent::Started(h) => {
                bar.set_length(h.total as u64);
                bar.set_prefix(h.prompt);
            }
            RunEvent::CaseScored(c) => {
                match c.status {
                    Status::Pass => pass += 1,
                    Status::Fail => fail += 1,
                    Status::Error => error += 1,
                }
                cost += c.cost_usd;
                bar.set_message(format!("✓{pass} ✗{fail} !{error} · ${cost:.4}"));
                bar.inc(1);
            }
            RunEvent::Finished(_) => bar.finish_and_clear(),
            RunEvent::CaseStarted { .. } => {}
        }
    }
    bar.finish_and_clear();
}
