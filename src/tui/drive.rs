//! The workbench without a terminal: commands go through the real executor
//! ([`Effects`]) and every message comes back to the app, until the app asks for
//! nothing more and no command is still working. Tests and the screenshots drive the
//! app this way, so they take the path the event loop takes.

use std::io;
use std::path::Path;

use tokio::sync::mpsc;

use super::app::App;
use super::effects::{Effects, Flow};
use super::msg::{Cmd, Msg};

/// Performs `cmds` and everything they lead to. `on_msg` hands each message to the app
/// and returns its commands: `App::update` for most callers; the screenshots also pin
/// run ids and clocks there, and take a picture at a given moment.
pub fn settle(
    app: &mut App,
    root: &Path,
    cmds: Vec<Cmd>,
    on_msg: impl FnMut(&mut App, Msg) -> Vec<Cmd>,
) -> io::Result<()> {
    Drive::new(app, root)?.settle(app, cmds, on_msg)
}

/// One executor kept across steps, as the event loop keeps it for a session: a run
/// started in one step can be cancelled by a key in the next, and the file watch
/// remembers what was saved. Messages sent on [`Drive::sender`] from another thread
/// arrive as the terminal's events do, in the middle of a step.
pub struct Drive {
    rt: tokio::runtime::Runtime,
    effects: Effects,
    tx: mpsc::UnboundedSender<Msg>,
    rx: mpsc::UnboundedReceiver<Msg>,
}

impl Drive {
    pub fn new(app: &App, root: &Path) -> io::Result<Drive> {
        // One thread: tasks take turns in the same order every time, so a picture taken
        // half-way through a run shows the same half on every machine.
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let (tx, rx) = mpsc::unbounded_channel();
        let effects = {
            let _inside = rt.enter();
            Effects::new(root, app, tx.clone())
        };
        Ok(Drive {
            rt,
            effects,
            tx,
            rx,
        })
    }

    /// Where a scripted event stream sends its messages (keys, say).
    pub fn sender(&self) -> mpsc::UnboundedSender<Msg> {
        self.tx.clone()
    }

    /// `msg` to the app, then everything its commands lead to.
    pub fn send(&mut self, app: &mut App, msg: Msg) -> io::Result<()> {
        self.effects.observe(&msg);
        let cmds = app.update(msg);
        self.settle(app, cmds, |app, m| app.update(m))
    }

    /// What the event loop does once a second: tells the app about files other programs
    /// changed, and settles what that leads to. Returns those messages' count.
    pub fn poll_files(&mut self, app: &mut App) -> io::Result<usize> {
        let changes = self.effects.watch.changes();
        let n = changes.len();
        for m in changes {
            self.send(app, m)?;
        }
        Ok(n)
    }

    /// Performs `cmds` and everything they lead to (see [`settle`]).
    pub fn settle(
        &mut self,
        app: &mut App,
        cmds: Vec<Cmd>,
        mut on_msg: impl FnMut(&mut App, Msg) -> Vec<Cmd>,
    ) -> io::Result<()> {
        let Drive {
            rt, effects, rx, ..
        } = self;
        rt.block_on(async {
            let mut queue = cmds;
            loop {
                for cmd in queue.drain(..) {
                    match effects.perform(cmd) {
                        Flow::Continue => {}
                        Flow::Quit => return Ok(()),
                        Flow::EditExternally { path, .. } => {
                            return Err(io::Error::other(format!(
                                "{} can only be edited in a terminal",
                                path.display()
                            )));
                        }
                    }
                }
                let m = match rx.try_recv() {
                    Ok(m) => m,
                    // Idle: every message has been sent; one may have arrived since.
                    Err(_) if effects.idle() => match rx.try_recv() {
                        Ok(m) => m,
                        Err(_) => return Ok(()),
                    },
                    Err(_) => tokio::select! {
                        Some(m) = rx.recv() => m,
                        () = effects.task_done() => continue,
                    },
                };
                effects.observe(&m);
                queue = on_msg(app, m);
            }
        })
    }
}
