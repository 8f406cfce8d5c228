//! The one place a command is carried out. `App::update` only answers messages with
//! commands; the event loop, the screenshots and the tests all hand those commands to
//! [`Effects`], which does the I/O on tokio tasks and sends every result back as a
//! message. So what a test drives is what the workbench does.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use tokio::sync::{Notify, mpsc};
use tokio_util::sync::CancellationToken;

use super::app::App;
use super::msg::{Cmd, Msg};
use super::watch::FileWatch;
use super::{loaders, panes};
use promptwright_core::grid::{self, Target};
use promptwright_core::plan::{self, PlanRequest};
use promptwright_core::release::Ref;
use promptwright_core::runner::{self, RunEvent};
use promptwright_core::vocab::Explain;
use promptwright_core::workspace::Workspace;

/// What the caller does after a command.
#[derive(Debug, PartialEq)]
pub enum Flow {
    Continue,
    Quit,
    /// Suspend for `$EDITOR` on `path` (`Cmd::EditExternally`): only the loop that owns
    /// the terminal can, and it reports `Msg::ExternalEdited` after.
    EditExternally {
        prompt: String,
        path: PathBuf,
        unsaved: Option<String>,
    },
}

pub struct Effects {
    root: PathBuf,
    tx: mpsc::UnboundedSender<Msg>,
    runtime: tokio::runtime::Handle,
    /// The latest run or gate, for `CancelRun` and for quitting; cancelling one that
    /// has ended does nothing, so it need not be forgotten when it ends.
    run: Option<CancellationToken>,
    pub watch: FileWatch,
    in_flight: Arc<InFlight>,
}

/// Tasks still working; each sends its last message before it stops counting.
#[derive(Default)]
struct InFlight {
    count: AtomicUsize,
    done: Notify,
}

/// Held by a task while it works.
struct Working(Arc<InFlight>);

impl Drop for Working {
    fn drop(&mut self) {
        self.0.count.fetch_sub(1, Ordering::SeqCst);
        self.0.done.notify_waiters();
    }
}

impl Effects {
    /// Must be called inside a tokio runtime: commands run on it.
    pub fn new(root: &Path, app: &App, tx: mpsc::UnboundedSender<Msg>) -> Effects {
        Effects {
            root: root.to_path_buf(),
            tx,
            runtime: tokio::runtime::Handle::current(),
            run: None,
            watch: FileWatch::new(app, root),
            in_flight: Arc::default(),
        }
    }

    /// No command is still working: every message it will send has been sent.
    pub fn idle(&self) -> bool {
        self.in_flight.count.load(Ordering::SeqCst) == 0
    }

    /// Resolves when a task stops working (check `idle` after).
    pub async fn task_done(&self) {
        let notified = self.in_flight.done.notified();
        if !self.idle() {
            notified.await;
        }
    }

    /// Sees a message before the app does: a file opened from the problems list is
    /// watched from then on.
    pub fn observe(&mut self, m: &Msg) {
        if let Msg::FileOpened { result: Ok(o), .. } = m {
            self.watch.watch(&o.rel, &o.path, &o.text);
        }
    }

    /// Cancels the run in progress, if any (on quit, say).
    pub fn cancel_run(&self) {
        if let Some(token) = &self.run {
            token.cancel();
        }
    }

    fn working(&self) -> Working {
        self.in_flight.count.fetch_add(1, Ordering::SeqCst);
        Working(self.in_flight.clone())
    }

    /// Blocking work (files, diffs) off the UI task; its answer comes back as a message.
    fn blocking(&self, work: impl FnOnce(&Path) -> Msg + Send + 'static) {
        let (tx, root, working) = (self.tx.clone(), self.root.clone(), self.working());
        self.runtime.spawn_blocking(move || {
            let _ = tx.send(work(&root));
            drop(working);
        });
    }

    /// A run-like task: cancellable with `CancelRun`, its events forwarded as `wrap`.
    fn cancellable<E, F, Fut>(&mut self, wrap: fn(E) -> Msg, task: F)
    where
        E: Send + 'static,
        F: FnOnce(mpsc::UnboundedSender<E>, CancellationToken) -> Fut,
        Fut: Future<Output = Option<Msg>> + Send + 'static,
    {
        let token = CancellationToken::new();
        self.run = Some(token.clone());
        let (tx, working) = (self.tx.clone(), self.working());
        let (etx, forward) = forward_events(&self.runtime, &tx, wrap);
        let task = task(etx, token);
        self.runtime.spawn(async move {
            let last = task.await;
            // Every event of the run reaches the app before its last message.
            let _ = forward.await;
            if let Some(m) = last {
                let _ = tx.send(m);
            }
            drop(working);
        });
    }

    pub fn perform(&mut self, cmd: Cmd) -> Flow {
        match cmd {
            Cmd::Quit => return Flow::Quit,
            Cmd::EditExternally {
                prompt,
                path,
                unsaved,
            } => {
                return Flow::EditExternally {
                    prompt,
                    path,
                    unsaved,
                };
            }
            Cmd::Save { prompt, path, text } => {
                self.watch.expect(&path, &text);
                self.blocking(move |root| Msg::Saved {
                    prompt,
                    result: save(root, &path, text),
                });
            }
            Cmd::OpenFile { shown, line, col } => self.blocking(move |root| Msg::FileOpened {
                result: loaders::files::read_for_edit(root, &shown),
                line,
                col,
            }),
            Cmd::ScheduleValidate {
                prompt,
                generation,
                after,
            } => {
                let (tx, working) = (self.tx.clone(), self.working());
                self.runtime.spawn(async move {
                    tokio::time::sleep(after).await;
                    let _ = tx.send(Msg::ValidateDue { prompt, generation });
                    drop(working);
                });
            }
            Cmd::ReloadWorkspace => self.blocking(super::reread),
            Cmd::LoadRecorded => {
                self.blocking(|root| Msg::RecordedLoaded(super::recorded_results(root)))
            }
            Cmd::LoadDiff {
                prompt,
                from,
                to,
                draft,
            } => self.blocking(move |root| {
                Msg::DiffLoaded(Box::new(loaders::diff::load(
                    root, &prompt, from, to, draft,
                )))
            }),
            Cmd::LoadRelease { ws, prompt } => self.blocking(move |root| {
                let ws = ws.as_ref().map(|w| &**w).map_err(String::as_str);
                Msg::ReleaseLoaded(Box::new(loaders::release::load(ws, root, &prompt)))
            }),
            Cmd::RunGate { ws, proposal } => {
                self.cancellable(Msg::GateEvent, |events, token| async move {
                    let verdict = loaders::release::gate(ws.0, proposal, events, token).await;
                    Some(Msg::GateDone(
                        verdict.map(|v| panes::release::Shared(Arc::new(v))),
                    ))
                })
            }
            Cmd::RunCurrent { ws, prompt } => {
                self.cancellable(Msg::DiffRunEvent, |events, token| async move {
                    let done = loaders::diff::run_current(ws.0, prompt, events, token).await;
                    Some(Msg::DiffRunDone(done))
                })
            }
            Cmd::StartRun { ws, request } => {
                self.cancellable(Msg::Run, |events, token| async move {
                    run(ws.0, request, events, token)
                        .await
                        .err()
                        .map(Msg::RunFailed)
                })
            }
            Cmd::OpenCompare { prompt } => self.blocking(move |root| Msg::CompareReady {
                versions: promptwright_core::release::refs::versions(root, &prompt),
                current: root
                    .join(promptwright_core::release::current_rel(&prompt))
                    .is_file(),
                prompt,
            }),
            Cmd::StartGrid {
                ws,
                request,
                targets,
                refs,
            } => {
                let tx = self.tx.clone();
                self.cancellable(Msg::GridEvent, |events, token| async move {
                    let done = run_grid(ws.0, request, targets, refs, tx, events, token).await;
                    Some(Msg::GridDone(done))
                })
            }
            Cmd::CancelRun => self.cancel_run(),
            Cmd::Export {
                proposal,
                verdict,
                note,
            } => self.blocking(move |root| {
                Msg::Exported(loaders::release::export(root, &proposal, &verdict, &note))
            }),
            Cmd::PlanRollback { prompt } => self.blocking(move |root| {
                Msg::RollbackPlanned(loaders::release::plan_rollback(root, &prompt))
            }),
            Cmd::Rollback { plan, reason } => self.blocking(move |root| {
                Msg::RolledBack(loaders::release::rollback(root, &plan, &reason))
            }),
            Cmd::PromoteGate { ws, prompt, label } => {
                self.cancellable(Msg::GateEvent, |events, token| async move {
                    let gated =
                        loaders::release::promote_gate(ws.0, prompt, label, events, token).await;
                    Some(Msg::PromoteGated(gated))
                })
            }
            Cmd::Promote {
                plan,
                verdict,
                reason,
            } => self.blocking(move |root| {
                Msg::LabelMoved(loaders::release::promote(root, &plan, &verdict, &reason))
            }),
            Cmd::PlanLabelRollback { prompt, label } => self.blocking(move |root| {
                Msg::LabelRollbackPlanned(loaders::release::plan_label_rollback(
                    root, &prompt, &label,
                ))
            }),
            Cmd::RollbackLabel { plan, reason } => self.blocking(move |root| {
                Msg::LabelMoved(loaders::release::rollback_label(root, &plan, &reason))
            }),
        }
        Flow::Continue
    }
}

/// Writes an editor's text atomically (the file keeps its mode), only inside the
/// workspace: a link swapped in since the file was opened cannot carry the write out.
pub(crate) fn save(root: &Path, path: &Path, text: String) -> Result<String, String> {
    let abs = match std::env::current_dir() {
        Ok(cwd) if path.is_relative() => cwd.join(path),
        _ => path.to_path_buf(),
    };
    let real = promptwright_core::workspace::confine::inside(root, &abs)
        .map_err(|e| format!("{e}: nothing written"))?;
    promptwright_core::fsutil::write_atomic(&real, text.as_bytes())
        .map(|()| text)
        .map_err(|e| e.to_string())
}

/// Plans (off the UI task: planning reads cassettes and keys) and runs every plan; the
/// runner's events go to `events`. `Err` says why a run could not start or went wrong.
async fn run(
    ws: Arc<Workspace>,
    mut request: PlanRequest,
    events: mpsc::UnboundedSender<RunEvent>,
    cancel: CancellationToken,
) -> Result<(), String> {
    // `promptwright --allow-commands` opens a workbench whose runs may run programs.
    request.allow_commands |= crate::cli::allows_commands();
    let plans = tokio::task::spawn_blocking(move || plan::plans(&ws, &request))
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| e.one_line())?;
    runner::run_all(plans, events, cancel)
        .await
        .map(drop)
        .map_err(|e| e.to_string())
}

/// Plans a comparison grid (its cells' labels go to the app at once), then runs its
/// cells together; their events come tagged with the cell's index.
async fn run_grid(
    ws: Arc<Workspace>,
    mut request: PlanRequest,
    targets: Vec<Target>,
    refs: Vec<Ref>,
    tx: mpsc::UnboundedSender<Msg>,
    events: mpsc::UnboundedSender<(usize, RunEvent)>,
    cancel: CancellationToken,
) -> Result<(), String> {
    request.allow_commands |= crate::cli::allows_commands();
    let cells = tokio::task::spawn_blocking(move || grid::plan(&ws, &request, &targets, &refs))
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| e.one_line())?;
    let _ = tx.send(Msg::GridPlanned(
        cells
            .iter()
            .map(|c| (c.label(), c.plan.model.clone()))
            .collect(),
    ));
    let plans = cells.into_iter().map(|c| c.plan).collect();
    grid::run(plans, events, cancel)
        .await
        .map(drop)
        .map_err(|e| e.to_string())
}

/// A sender for a run's events, which reach the app as `wrap(event)`, and the task that
/// forwards them: await it before sending the run's last message, so no event of the run
/// arrives after it.
fn forward_events<E: Send + 'static>(
    runtime: &tokio::runtime::Handle,
    tx: &mpsc::UnboundedSender<Msg>,
    wrap: fn(E) -> Msg,
) -> (mpsc::UnboundedSender<E>, tokio::task::JoinHandle<()>) {
    let (etx, mut erx) = mpsc::unbounded_channel();
    let tx = tx.clone();
    let forward = runtime.spawn(async move {
        while let Some(ev) = erx.recv().await {
            let _ = tx.send(wrap(ev));
        }
    });
    (etx, forward)
}
