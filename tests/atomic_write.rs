//! `fsutil::write_atomic`, which every release file goes through, against a writer that
//! dies mid-write and against a concurrent reader.
//!
//! What this proves: a process killed (SIGKILL, no cleanup) while writing a new version
//! of a file leaves the old version whole at the path — never a prefix, never a mix —
//! and a reader never sees a partial file. What it does not prove: durability across a
//! power cut (that rests on the fsync of the temporary file before the rename, which a
//! test cannot cut the power under), and that the killed writer's temporary file is
//! removed (it is not: a `.tmp*` file is left beside the target, which no reader of
//! `releases/` looks at).

// Integration tests: a failed setup step panics, and the panic is the report.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use promptwright_core::fsutil::write_atomic;

/// Large enough that writing one version takes a while, so the kill lands mid-write.
const SIZE: usize = 48 << 20;
const CHILD_TARGET: &str = "PW_ATOMIC_CHILD_TARGET";

/// Version `n` of the file: SIZE copies of one letter, so any mix or prefix shows.
fn version(n: usize) -> Vec<u8> {
    vec![b'a' + (n % 26) as u8; SIZE]
}

/// The whole file is one version: right length, one letter throughout.
fn assert_whole(bytes: &[u8], what: &str) {
    assert_eq!(bytes.len(), SIZE, "{what}: length");
    let first = bytes[0];
    assert!(
        bytes.iter().all(|b| *b == first),
        "{what}: a mix of versions"
    );
}

/// The writer to kill: the kill test starts this test binary again, running only
/// itself, with the target in the environment; that process rewrites the target with
/// new versions until it is killed.
fn rewrite_until_killed(target: &Path) -> ! {
    for n in 1.. {
        write_atomic(target, &version(n)).expect("write");
    }
    unreachable!("killed before it runs out of versions")
}

fn temp_files(dir: &Path, target: &Path) -> Vec<(PathBuf, u64)> {
    std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p != target)
        .filter_map(|p| Some((p.clone(), std::fs::metadata(&p).ok()?.len())))
        .collect()
}

#[test]
fn a_writer_killed_mid_write_leaves_the_old_file_whole() {
    if let Some(target) = std::env::var_os(CHILD_TARGET) {
        rewrite_until_killed(Path::new(&target));
    }
    let mut killed_mid_write = 0;
    for attempt in 0..5 {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("v1.toml");
        write_atomic(&target, &version(0)).unwrap();
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "a_writer_killed_mid_write_leaves_the_old_file_whole",
                "--nocapture",
            ])
            .env(CHILD_TARGET, &target)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // Wait until a temporary file is part-written, then kill at once.
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let partial = temp_files(dir.path(), &target)
                .iter()
                .any(|(_, len)| *len > 0 && (*len as usize) < SIZE);
            if partial || Instant::now() > deadline {
                break;
            }
            std::thread::yield_now();
        }
        child.kill().unwrap();
        child.wait().unwrap();
        // The target is one whole version, whatever moment the kill hit.
        assert_whole(
            &std::fs::read(&target).unwrap(),
            &format!("attempt {attempt}"),
        );
        // Did the kill land mid-write? Then a part-written temporary file is left.
        if temp_files(dir.path(), &target)
            .iter()
            .any(|(_, len)| (*len as usize) < SIZE)
        {
            killed_mid_write += 1;
        }
    }
    eprintln!("{killed_mid_write} of 5 kills landed mid-write");
    assert!(
        killed_mid_write > 0,
        "no kill landed mid-write in 5 attempts: the test proved nothing"
    );
}

#[test]
fn a_reader_never_sees_a_partial_file_even_while_one_is_being_written() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("current.toml");
    write_atomic(&target, &version(0)).unwrap();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writer = {
        let (target, stop) = (target.clone(), stop.clone());
        std::thread::spawn(move || {
            let mut n = 1;
            while !stop.load(std::sync::atomic::Ordering::SeqCst) {
                write_atomic(&target, &version(n)).unwrap();
                n += 1;
            }
        })
    };
    // Reads until some began while a temporary file was part-written beside the target
    // (a write under way), and two versions were seen: the reader and the writer
    // overlapped, whatever the machine's speed. The deadline only catches a hang.
    let deadline = Instant::now() + Duration::from_secs(120);
    let (mut reads, mut overlaps) = (0, 0);
    let mut seen = std::collections::BTreeSet::new();
    while overlaps < 3 || seen.len() < 2 {
        assert!(
            Instant::now() < deadline,
            "hung: {overlaps} overlaps in {reads} reads, versions {seen:?}"
        );
        let writing = temp_files(dir.path(), &target)
            .iter()
            .any(|(_, len)| *len > 0 && (*len as usize) < SIZE);
        let bytes = std::fs::read(&target).unwrap();
        assert_whole(&bytes, &format!("read {reads}"));
        overlaps += usize::from(writing);
        seen.insert(bytes[0]);
        reads += 1;
    }
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    writer.join().unwrap();
    assert_whole(&std::fs::read(&target).unwrap(), "final");
}
