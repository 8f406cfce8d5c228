use std::os::unix::fs::PermissionsExt;
use std::time::Instant;

use serde_json::json;

use super::*;

/// The running Python interpreter's real path (not a shim that needs its own env).
fn python() -> String {
    let out = std::process::Command::new("python3")
        .args(["-c", "import sys; print(sys.executable)"])
        .output()
        .expect("python3 is installed");
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

/// A workspace holding an executable script at `checks/NAME.py`.
fn script(dir: &Path, name: &str, body: &str) -> String {
    let rel = format!("checks/{name}.py");
    let path = dir.join(&rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, format!("#!{}\n{body}", python())).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    rel
}

fn program(argv: &[&str], timeout_s: Option<f64>) -> Program {
    compile(Some(&json!(argv)), timeout_s).unwrap()
}

async fn judge(
    p: &Program,
    root: &Path,
    vars: &str,
    output: &str,
) -> Result<AssertionResult, String> {
    p.run("command", root, vars, output, None).await
}

#[tokio::test]
async fn exit_status_decides_without_json() {
    let dir = tempfile::tempdir().unwrap();
    let rel = script(
        dir.path(),
        "has_days",
        "import sys\nt = sys.stdin.read()\nif 'days' not in t:\n    print('no days in it', file=sys.stderr)\n    sys.exit(3)\n",
    );
    let p = program(&[&rel], None);
    let ok = judge(&p, dir.path(), "{}", "within 30 days").await.unwrap();
    assert!(ok.passed && ok.score == 1.0, "{ok:?}");
    let no = judge(&p, dir.path(), "{}", "never").await.unwrap();
    assert!(!no.passed);
    assert_eq!(
        no.reason,
        format!("command `{rel}` exited 3: \"no days in it\"")
    );
}

#[tokio::test]
async fn a_json_verdict_sees_stdin_and_vars_and_nothing_else_of_the_environment() {
    let dir = tempfile::tempdir().unwrap();
    let rel = script(
        dir.path(),
        "verdict",
        r#"import json, os, sys
out = sys.stdin.read()
v = json.loads(os.environ["PROMPTWRIGHT_VARS"])
extra = sorted(k for k in os.environ if k not in ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "PROMPTWRIGHT_VARS", "LC_CTYPE"))
print(json.dumps({"pass": v["want"] in out and not extra, "score": 0.25, "reason": "env " + ",".join(extra) + " cwd " + os.path.basename(os.getcwd())}))
"#,
    );
    let p = program(&[&rel], None);
    let vars = r#"{"want":"refund"}"#;
    let r = judge(&p, dir.path(), vars, "a refund").await.unwrap();
    let cwd = dir
        .path()
        .file_name()
        .unwrap()
        .to_string_lossy()
        .to_string();
    assert!(r.passed, "{r:?}");
    assert_eq!(r.score, 0.25);
    assert_eq!(r.reason, format!("env  cwd {cwd}"));
    let r = judge(&p, dir.path(), vars, "nothing").await.unwrap();
    assert!(!r.passed);
    // The threshold decides on the score.
    let r = p
        .run("command", dir.path(), vars, "a refund", Some(0.5))
        .await
        .unwrap();
    assert!(!r.passed);
}

#[tokio::test]
async fn a_bad_verdict_is_an_error_never_a_pass() {
    let dir = tempfile::tempdir().unwrap();
    let rel = script(dir.path(), "bad", "print('{\"pass\": \"yes\"}')\n");
    let e = judge(&program(&[&rel], None), dir.path(), "{}", "x")
        .await
        .unwrap_err();
    assert!(e.contains("not a verdict"), "{e}");
    let e = judge(
        &program(&["no-such-program-pw"], None),
        dir.path(),
        "{}",
        "x",
    )
    .await
    .unwrap_err();
    assert!(e.contains("cannot start"), "{e}");
}

#[tokio::test]
async fn the_timeout_kills_the_whole_process_group() {
    let dir = tempfile::tempdir().unwrap();
    let rel = script(
        dir.path(),
        "hang",
        "import subprocess, time\np = subprocess.Popen(['sleep', '300'])\nopen('child.pid', 'w').write(str(p.pid))\ntime.sleep(300)\n",
    );
    let started = Instant::now();
    let e = judge(&program(&[&rel], Some(1.0)), dir.path(), "{}", "x")
        .await
        .unwrap_err();
    assert!(
        e.contains("did not finish within 1 s and was killed"),
        "{e}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(60),
        "killed, not waited out"
    );
    let pid = std::fs::read_to_string(dir.path().join("child.pid")).unwrap();
    // The grandchild goes too: gone, or a zombie waiting for init to reap it.
    let stat = format!("/proc/{}/stat", pid.trim());
    for _ in 0..200 {
        match std::fs::read_to_string(&stat) {
            Err(_) => return,
            Ok(s) if s.split(' ').nth(2) == Some("Z") => return,
            Ok(_) => std::thread::sleep(Duration::from_millis(10)),
        }
    }
    panic!("the program's child {pid} outlived the timeout");
}

#[tokio::test]
async fn a_program_that_ignores_stdin_does_not_hang_on_a_long_output() {
    let dir = tempfile::tempdir().unwrap();
    let rel = script(dir.path(), "ignore", "print('fine')\n");
    let long = "x".repeat(4 << 20);
    let r = judge(&program(&[&rel], None), dir.path(), "{}", &long)
        .await
        .unwrap();
    assert!(r.passed);
}

#[test]
fn values_and_timeouts_are_checked() {
    assert!(compile(None, None).is_err());
    assert!(compile(Some(&json!([])), None).is_err());
    assert!(compile(Some(&json!([1])), None).is_err());
    assert_eq!(
        compile(Some(&json!("checks/x.py")), None).unwrap().argv,
        vec!["checks/x.py"]
    );
    for t in [0.0, -1.0, 3601.0, f64::NAN] {
        let e = compile(Some(&json!(["x"])), Some(t)).unwrap_err();
        assert_eq!(e.field, Field::Timeout);
    }
}

#[test]
fn a_path_out_of_the_workspace_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let p = program(&["../outside/run.py"], None);
    assert!(p.resolve(dir.path()).is_err());
    assert_eq!(
        program(&["python3"], None).resolve(dir.path()).unwrap(),
        PathBuf::from("python3")
    );
}

#[test]
fn the_cache_key_follows_program_vars_and_output() {
    let p = program(&["a"], None);
    let k = p.cache_key("{}", "out");
    assert_eq!(k, p.cache_key("{}", "out"));
    assert_ne!(k, p.cache_key("{\"a\":1}", "out"));
    assert_ne!(k, p.cache_key("{}", "out2"));
    assert_ne!(k, program(&["b"], None).cache_key("{}", "out"));
}

#[tokio::test]
async fn a_program_still_open_for_writing_a_moment_is_started_once_it_is_free() {
    let dir = tempfile::tempdir().unwrap();
    let rel = script(dir.path(), "late", "import sys\nsys.stdin.read()\n");
    // Open for writing, as a child forked by another thread can briefly hold it: exec
    // fails with "text file busy" until it is closed.
    let held = std::fs::OpenOptions::new()
        .write(true)
        .open(dir.path().join(&rel))
        .unwrap();
    let p = program(&[&rel], None);
    let release = async {
        tokio::time::sleep(Duration::from_millis(50)).await;
        drop(held);
    };
    let (r, ()) = tokio::join!(judge(&p, dir.path(), "{}", "out"), release);
    assert!(r.unwrap().passed);
}
