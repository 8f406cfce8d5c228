//! A tmux server of the test's own, to drive the real binary in a real terminal and read
//! back what the terminal shows.

use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use super::server::HANG;

/// A tmux server of our own, on its own socket, killed when dropped.
pub struct Tmux {
    socket: String,
}

impl Tmux {
    pub fn start(dir: &Path, command: &str) -> Tmux {
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let tmux = Tmux {
            socket: format!("pw-test-{}-{n}", std::process::id()),
        };
        let o = tmux.run(
            &[
                "new-session",
                "-d",
                "-s",
                "pw",
                "-x",
                "120",
                "-y",
                "30",
                "-c",
            ],
            &[dir.to_str().unwrap(), command],
        );
        assert!(
            o.status.success(),
            "tmux: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        tmux
    }

    pub fn run(&self, args: &[&str], more: &[&str]) -> Output {
        Command::new("tmux")
            .args(["-L", &self.socket, "-f", "/dev/null"])
            .args(args)
            .args(more)
            .output()
            .expect("tmux is installed")
    }

    pub fn keys(&self, keys: &[&str]) {
        assert!(self.run(&["send-keys", "-t", "pw"], keys).status.success());
    }

    pub fn literal(&self, text: &str) {
        assert!(
            self.run(&["send-keys", "-t", "pw", "-l"], &[text])
                .status
                .success()
        );
    }

    /// tmux's own view of the pane: `#{alternate_on}` and the like.
    pub fn flag(&self, name: &str) -> String {
        let o = self.run(
            &["display-message", "-p", "-t", "pw"],
            &[&format!("#{{{name}}}")],
        );
        String::from_utf8_lossy(&o.stdout).trim().to_string()
    }

    /// The screen with its colours and styles as escape sequences.
    pub fn styled_screen(&self) -> String {
        String::from_utf8_lossy(
            &self
                .run(&["capture-pane", "-p", "-e", "-t", "pw"], &[])
                .stdout,
        )
        .into_owned()
    }

    pub fn screen(&self) -> String {
        String::from_utf8_lossy(&self.run(&["capture-pane", "-p", "-t", "pw"], &[]).stdout)
            .into_owned()
    }

    /// Waits for the screen to satisfy `ok`. tmux has no signal for "the screen now
    /// shows", so this looks again every 100 ms; it asserts no duration (the deadline
    /// only catches a hang).
    pub fn wait_for(&self, what: &str, ok: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let s = self.screen();
            if ok(&s) {
                return s;
            }
            assert!(
                start.elapsed() < HANG,
                "hung waiting for {what}; the screen:\n{s}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.run(&["kill-server"], &[]);
    }
}
