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
    mut on_msg: impl FnMut(&mut App, Msg) -> Vec<Cmd>,
) -> io::Result<()> {
    // One thread: tasks take turns in the same order every time, so a picture taken
    // half-way through a run shows the same half on every machine.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    rt.block_on(async {
        let (tx, mut rx) = mpsc::unbounded_channel();
        let mut effects = Effects::new(root, app, tx);
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
