//! `command`: a program the user wrote judges the output. It runs with no shell, in the
//! workspace folder, with the output on stdin and the case's vars as JSON in
//! `PROMPTWRIGHT_VARS`; exit 0 passes, or it prints `{"pass": bool, "score": n,
//! "reason": "..."}`. It runs in a process group of its own, killed whole after
//! `timeout_s`. It runs only when the user allows programs (see [`allowed`]).

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use serde_json::Value;
use sha2::{Digest, Sha256};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::{AssertionResult, CompileError, Field, err, excerpt};

/// Default and largest time a program may take.
pub const DEFAULT_TIMEOUT_S: f64 = 30.0;
pub const MAX_TIMEOUT_S: f64 = 3600.0;
/// What is read of a program's stdout and stderr; the rest is discarded.
const MAX_STDOUT: u64 = 1 << 20;
const MAX_STDERR: u64 = 16 << 10;
/// The environment a program gets besides `PROMPTWRIGHT_VARS`: enough to find an
/// interpreter, never the API keys a CI job holds.
const PASSED_ENV: &[&str] = &["PATH", "HOME", "LANG", "LC_ALL", "TMPDIR"];
/// The environment variable that allows programs, as `--allow-commands` does.
pub const ALLOW_ENV: &str = "PROMPTWRIGHT_ALLOW_COMMANDS";

/// A program and its arguments, as written.
#[derive(Debug, Clone, PartialEq)]
pub struct Program {
    pub argv: Vec<String>,
    pub timeout: Duration,
}

/// Whether programs may run: the flag, or `PROMPTWRIGHT_ALLOW_COMMANDS=1` in the
/// environment (never anything a workspace says).
pub fn allowed(flag: bool) -> bool {
    flag || std::env::var(ALLOW_ENV).is_ok_and(|v| v == "1")
}

pub(super) fn compile(
    value: Option<&Value>,
    timeout_s: Option<f64>,
) -> Result<Program, CompileError> {
    let bad = || {
        err(
            Field::Value,
            "`command` needs `value` = the program and its arguments",
            "for example: value = [\"python3\", \"checks/score.py\"] (no shell: one list item per argument)",
        )
    };
    let argv: Vec<String> = match value {
        Some(Value::String(s)) if !s.trim().is_empty() => vec![s.clone()],
        Some(Value::Array(items)) if !items.is_empty() => items
            .iter()
            .map(|v| v.as_str().map(str::to_string))
            .collect::<Option<_>>()
            .ok_or_else(bad)?,
        _ => return Err(bad()),
    };
    if argv[0].trim().is_empty() || argv.iter().any(|a| a.contains('\0')) {
        return Err(bad());
    }
    let t = timeout_s.unwrap_or(DEFAULT_TIMEOUT_S);
    if !(t.is_finite() && t > 0.0 && t <= MAX_TIMEOUT_S) {
        return Err(err(
            Field::Timeout,
            format!("timeout_s must be more than 0 and at most {MAX_TIMEOUT_S}, found {t}"),
            "seconds before the program is killed, e.g. timeout_s = 10",
        ));
    }
    Ok(Program {
        argv,
        timeout: Duration::from_secs_f64(t),
    })
}

impl Program {
    /// The cache key of this program judging `output` for `vars`.
    pub fn cache_key(&self, vars_json: &str, output: &str) -> String {
        let mut h = Sha256::new();
        h.update(b"command\0");
        for a in &self.argv {
            h.update(a.as_bytes());
            h.update(b"\0");
        }
        h.update(vars_json.as_bytes());
        h.update(b"\0");
        h.update(output.as_bytes());
        format!("{:x}", h.finalize())
    }

    /// The program's path: one written with a `/` is in the workspace, a bare name is
    /// looked up on `PATH`.
    fn resolve(&self, root: &Path) -> Result<PathBuf, String> {
        let program = &self.argv[0];
        if !program.contains('/') || Path::new(program).is_absolute() {
            return Ok(PathBuf::from(program));
        }
        crate::workspace::confine::inside(root, Path::new(program))
            .map_err(|e| format!("command `{program}`: {e}"))
    }

    /// Runs the program on `output`. `Err` means it could not judge (not found, killed
    /// at the timeout): the case is an error, never a pass.
    pub async fn run(
        &self,
        type_name: &str,
        root: &Path,
        vars_json: &str,
        output: &str,
        threshold: Option<f64>,
    ) -> Result<AssertionResult, String> {
        let name = &self.argv[0];
        let mut cmd = tokio::process::Command::new(self.resolve(root)?);
        cmd.args(&self.argv[1..])
            .current_dir(root)
            .env_clear()
            .envs(
                PASSED_ENV
                    .iter()
                    .filter_map(|k| Some((k, std::env::var_os(k)?))),
            )
            .env("PROMPTWRIGHT_VARS", vars_json)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .process_group(0)
            .kill_on_drop(true);
        let mut child = spawn(&mut cmd)
            .await
            .map_err(|e| format!("command `{name}` cannot start: {e}"))?;
        let group = child.id();
        let mut stdin = child.stdin.take();
        let stdout = child.stdout.take();
        let stderr = child.stderr.take();
        let input = output.as_bytes().to_vec();
        let work = async move {
            // A program that does not read its stdin must not block the write: a closed
            // pipe ends the write, and output and stdin move at the same time.
            let write = async {
                if let Some(s) = stdin.as_mut() {
                    let _ = s.write_all(&input).await;
                    let _ = s.shutdown().await;
                }
                drop(stdin.take());
            };
            let read = |pipe: Option<_>, cap: u64| async move {
                let mut buf = Vec::new();
                if let Some(p) = pipe {
                    let mut p: Box<dyn tokio::io::AsyncRead + Unpin + Send> = p;
                    let _ = (&mut p).take(cap).read_to_end(&mut buf).await;
                    // Drain the rest so the program is not blocked on a full pipe.
                    let _ = tokio::io::copy(&mut p, &mut tokio::io::sink()).await;
                }
                buf
            };
            let out_pipe =
                stdout.map(|p| Box::new(p) as Box<dyn tokio::io::AsyncRead + Unpin + Send>);
            let err_pipe =
                stderr.map(|p| Box::new(p) as Box<dyn tokio::io::AsyncRead + Unpin + Send>);
            let ((), out, errs, status) = tokio::join!(
                write,
                read(out_pipe, MAX_STDOUT),
                read(err_pipe, MAX_STDERR),
                child.wait()
            );
            (out, errs, status)
        };
        let (out, errs, status) = match tokio::time::timeout(self.timeout, work).await {
            Ok(done) => done,
            Err(_) => {
                kill_group(group);
                return Err(format!(
                    "command `{name}` did not finish within {} s and was killed",
                    self.timeout.as_secs_f64()
                ));
            }
        };
        // Whatever the program left running in its group goes with it.
        kill_group(group);
        let status = status.map_err(|e| format!("command `{name}`: {e}"))?;
        let stdout = String::from_utf8_lossy(&out);
        let stderr = String::from_utf8_lossy(&errs);
        verdict(type_name, name, status.code(), &stdout, &stderr, threshold)
    }
}

fn kill_group(pid: Option<u32>) {
    let pid = pid
        .and_then(|p| i32::try_from(p).ok())
        .and_then(rustix::process::Pid::from_raw);
    if let Some(pid) = pid {
        let _ = rustix::process::kill_process_group(pid, rustix::process::Signal::KILL);
    }
}

/// The result from what the program said: its JSON verdict when it printed one, else
/// its exit status.
fn verdict(
    type_name: &str,
    name: &str,
    code: Option<i32>,
    stdout: &str,
    stderr: &str,
    threshold: Option<f64>,
) -> Result<AssertionResult, String> {
    let said = serde_json::from_str::<Value>(stdout.trim())
        .ok()
        .filter(|v| v.get("pass").is_some());
    let result = |passed: bool, score: f64, reason: String| AssertionResult {
        type_name: type_name.to_string(),
        passed,
        score,
        reason,
        metric: None,
    };
    let Some(v) = said else {
        return Ok(match code {
            Some(0) => result(true, 1.0, format!("command `{name}` exited 0")),
            other => {
                let how = other.map_or("was killed by a signal".to_string(), |c| {
                    format!("exited {c}")
                });
                let said = [stderr.trim(), stdout.trim()]
                    .into_iter()
                    .find(|s| !s.is_empty())
                    .map(|s| format!(": {}", excerpt(s, 200)))
                    .unwrap_or_default();
                result(false, 0.0, format!("command `{name}` {how}{said}"))
            }
        });
    };
    let bad = |why: &str| {
        format!(
            "command `{name}` printed JSON that is not a verdict ({why}): {}",
            excerpt(stdout.trim(), 160)
        )
    };
    let pass = v
        .get("pass")
        .and_then(Value::as_bool)
        .ok_or_else(|| bad("`pass` must be true or false"))?;
    let score = match v.get("score") {
        None | Some(Value::Null) => f64::from(u8::from(pass)),
        Some(s) => s
            .as_f64()
            .filter(|x| (0.0..=1.0).contains(x))
            .ok_or_else(|| bad("`score` must be a number from 0 to 1"))?,
    };
    let reason = v
        .get("reason")
        .and_then(Value::as_str)
        .map(|r| r.chars().take(300).collect())
        .unwrap_or_else(|| format!("command `{name}` gave no reason"));
    let passed = match threshold {
        Some(t) => score + 1e-9 >= t,
        None => pass,
    };
    Ok(result(passed, score, reason))
}

#[cfg(test)]
mod tests;

/// Starts `cmd`. A program file written a moment ago (by this process's other threads,
/// say) can still be open for writing in a child another thread forked meanwhile; exec
/// then fails with "text file busy" until that child has exec'd too, which takes
/// moments: tried again a few times before it counts.
async fn spawn(cmd: &mut tokio::process::Command) -> std::io::Result<tokio::process::Child> {
    const TEXT_FILE_BUSY: i32 = 26;
    let mut tries = 0;
    loop {
        match cmd.spawn() {
            Err(e) if e.raw_os_error() == Some(TEXT_FILE_BUSY) && tries < 50 => {
                tries += 1;
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            started => return started,
        }
    }
}
