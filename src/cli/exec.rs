//! Running engine work from the command line: one tokio runtime, Ctrl-C cancelling the
//! work cleanly, and the progress bar on stderr fed by the runs' events. `eval`, `gate`
//! and `release` all run their plans through here.

use std::future::Future;

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::{CliError, progress};
use promptwright_core::runner::{RunError, RunEvent};

fn runtime() -> Result<tokio::runtime::Runtime, CliError> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| {
            CliError::usage(
                format!("cannot start the async runtime: {e}"),
                "check the system's thread limits",
            )
        })
}

/// Runs `work` to completion. It gets the sender that feeds the progress bar (one bar
/// per run, drawn only on a terminal) and a token that Ctrl-C cancels; the bar is gone
/// from the screen when this returns.
pub(crate) fn with_progress<T, F, Fut>(work: F) -> Result<T, CliError>
where
    F: FnOnce(mpsc::UnboundedSender<RunEvent>, CancellationToken) -> Fut,
    Fut: Future<Output = Result<T, CliError>> + Send + 'static,
    T: Send + 'static,
{
    with_display(progress::show, work)
}

/// [`with_progress`] with events of another kind and their own display (a grid's
/// cells, each with a bar).
pub(crate) fn with_display<E, T, F, Fut, S, SFut>(show: S, work: F) -> Result<T, CliError>
where
    E: Send + 'static,
    S: FnOnce(mpsc::UnboundedReceiver<E>) -> SFut,
    SFut: Future<Output = ()> + Send + 'static,
    F: FnOnce(mpsc::UnboundedSender<E>, CancellationToken) -> Fut,
    Fut: Future<Output = Result<T, CliError>> + Send + 'static,
    T: Send + 'static,
{
    let runtime = runtime()?;
    let result = runtime.block_on(async {
        let cancel = CancellationToken::new();
        let on_interrupt = cancel.clone();
        tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                on_interrupt.cancel();
            }
        });
        let (tx, rx) = mpsc::unbounded_channel();
        let bar = tokio::spawn(show(rx));
        // `work` owns the only sender: when it is done the bar's stream ends.
        // On a worker, not this thread: a case that frees a slot then wakes the task
        // waiting for it on the same thread instead of across threads.
        let result = match tokio::spawn(work(tx, cancel)).await {
            Ok(result) => result,
            Err(e) => std::panic::resume_unwind(e.into_panic()),
        };
        let _ = bar.await;
        result
    });
    // Everything the work started has been awaited; idle pool threads need not be
    // joined one by one on the way out.
    runtime.shutdown_background();
    result
}

/// A run that could not write its record or cache: bad input or environment (exit 2).
pub(crate) fn store_error(e: RunError) -> CliError {
    let help = match &e {
        RunError::InUse { .. } => {
            "wait for the other process to finish, or run without --resume to start a new run"
        }
        RunError::Batched { .. } => {
            "continue it with `promptwright eval --batch --resume`, which waits for its jobs"
        }
        RunError::Store { .. } | RunError::Cache(_) => {
            "free some space (or fix the folder's permissions), then `promptwright eval --resume` continues the run"
        }
    };
    CliError::usage(e.to_string(), help)
}
