//! Run records: `.promptwright/runs/RUN_ID.jsonl`, append-only. A header line, one line
//! per scored case written as soon as it is scored, and an end line. A run without an
//! end line was killed: it is incomplete, and its cases so far are still readable.

pub mod cache;
pub mod lock;
pub mod record;
pub mod sample;
pub mod tally;

use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, HashMap};
use std::fs::{File, OpenOptions};
use std::io::{self, BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

pub use record::{CaseResult, RunHeader, RunRecord, RunningSummary, Status, Summary};
pub use sample::{Miss, Sample, SampleLine};

pub use tally::Tally;

pub const STATE_DIR: &str = ".promptwright";

pub fn runs_dir(root: &Path) -> PathBuf {
    root.join(STATE_DIR).join("runs")
}

/// The run record files under `root`, newest first (run ids start with a UTC timestamp,
/// so the names order them). None when there is no runs folder yet.
pub fn run_files_newest_first(root: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(runs_dir(root))
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "jsonl"))
        .collect();
    files.sort_unstable_by(|a, b| b.cmp(a));
    files
}

/// One line of a run record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum Line {
    Run(RunHeader),
    Case(Box<CaseResult>),
    Sample(Box<SampleLine>),
    /// A provider batch job made for this run (`eval --batch`), written as soon as it
    /// exists, so a resumed run waits for it instead of asking again.
    Batch(Box<BatchLine>),
    End {
        complete: bool,
        finished_at: String,
    },
}

/// A batch job of a run: its id at the provider and the custom ids of its requests.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BatchLine {
    pub provider: String,
    pub id: String,
    pub custom_ids: Vec<String>,
}

/// Appends to one run record; every line is written whole and flushed at once. The
/// record is locked while it is written, so two `eval --resume` cannot continue one
/// run (the lock goes with the process, however it ends).
pub struct RunWriter {
    file: File,
    pub path: PathBuf,
    /// Lines written, for the `record-write-fails-after=N` failpoint.
    lines: usize,
    /// The file's length: where the next line starts.
    end: u64,
}

/// Why a record cannot be continued: another process holds it.
pub fn in_use(path: &Path) -> io::Error {
    io::Error::new(
        io::ErrorKind::WouldBlock,
        format!(
            "{} is being written by another promptwright process",
            path.display()
        ),
    )
}

fn lock(file: &File, path: &Path) -> io::Result<()> {
    match lock::try_lock(file)? {
        true => Ok(()),
        false => Err(in_use(path)),
    }
}

/// Refuses a `.promptwright/` (or its `runs/`, `cache/`, `locks/`) that a link sends out
/// of the workspace: run records and cache files would be written wherever it points.
pub fn check_state_dir(root: &Path) -> io::Result<()> {
    for rel in ["", "runs", "cache", "locks"] {
        let path = Path::new(STATE_DIR).join(rel);
        crate::workspace::confine::inside(root, &path).map_err(|e| {
            io::Error::new(
                io::ErrorKind::PermissionDenied,
                format!("{} {e}", root.join(&path).display()),
            )
        })?;
    }
    Ok(())
}

impl RunWriter {
    pub fn create(root: &Path, header: &RunHeader) -> io::Result<RunWriter> {
        check_state_dir(root)?;
        let dir = runs_dir(root);
        std::fs::create_dir_all(&dir)?;
        ensure_gitignore(&root.join(STATE_DIR))?;
        let path = dir.join(format!("{}.jsonl", header.run_id));
        let file = OpenOptions::new()
            .create_new(true)
            .append(true)
            .open(&path)?;
        lock(&file, &path)?;
        let mut w = RunWriter {
            file,
            path,
            lines: 0,
            end: 0,
        };
        w.write(&Line::Run(header.clone()))?;
        Ok(w)
    }

    /// Continues an existing record (`eval --resume`). A torn last line is cut first, so
    /// the next line starts clean. Fails with `ErrorKind::WouldBlock` while another
    /// process writes the record.
    pub fn append_to(root: &Path, path: &Path) -> io::Result<RunWriter> {
        check_state_dir(root)?;
        let mut file = OpenOptions::new().read(true).write(true).open(path)?;
        lock(&file, path)?;
        let text = std::fs::read(path)?;
        let whole = text.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
        file.set_len(whole as u64)?;
        std::io::Seek::seek(&mut file, io::SeekFrom::End(0))?;
        Ok(RunWriter {
            file,
            path: path.to_path_buf(),
            lines: 0,
            end: whole as u64,
        })
    }

    /// Appends one sample of a repeated case.
    pub fn append_sample(&mut self, sample: SampleLine) -> io::Result<()> {
        self.write(&Line::Sample(Box::new(sample)))
    }

    /// Appends a batch job, flushed before anything waits on it.
    pub fn append_batch(&mut self, job: BatchLine) -> io::Result<()> {
        self.write(&Line::Batch(Box::new(job)))
    }

    /// Appends a case; returns where its line starts, for [`CaseReader::read_at`].
    pub fn append(&mut self, case: &CaseResult) -> io::Result<u64> {
        let at = self.end;
        self.write(&Line::Case(Box::new(case.clone())))?;
        Ok(at)
    }

    pub fn finish(&mut self, complete: bool) -> io::Result<()> {
        self.write(&Line::End {
            complete,
            finished_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        })
    }

    fn write(&mut self, line: &Line) -> io::Result<()> {
        let mut buf = serde_json::to_vec(line).map_err(io::Error::other)?;
        buf.push(b'\n');
        if let Some(n) = crate::failpoint::value("record-write-fails-after") {
            if self.lines >= n.parse().unwrap_or(0) {
                return Err(io::Error::from(io::ErrorKind::StorageFull));
            }
        }
        self.lines += 1;
        // One write per line: a kill can tear at most the last line, never interleave.
        self.file.write_all(&buf)?;
        self.end += buf.len() as u64;
        self.file.flush()
    }
}

/// The state folder holds caches and records that never belong in git.
pub(crate) fn ensure_gitignore(state_dir: &Path) -> io::Result<()> {
    let path = state_dir.join(".gitignore");
    if !path.exists() {
        std::fs::write(path, "*\n")?;
    }
    Ok(())
}

/// Reads the cases of a run record at the offsets its writer returned, in any order:
/// a report can list a million cases in plan order without holding them. Offsets near
/// each other (cases finish roughly in order) are read from the same buffer.
pub struct CaseReader {
    reader: BufReader<File>,
    /// Where `reader` stands in the file.
    pos: u64,
    line: String,
}

impl CaseReader {
    pub fn open(path: &Path) -> io::Result<CaseReader> {
        Ok(CaseReader {
            reader: BufReader::with_capacity(1 << 16, File::open(path)?),
            pos: 0,
            line: String::new(),
        })
    }

    /// The case whose line starts at `offset`.
    pub fn read_at(&mut self, offset: u64) -> io::Result<CaseResult> {
        self.reader.seek_relative(offset as i64 - self.pos as i64)?;
        self.line.clear();
        let n = self.reader.read_line(&mut self.line)?;
        self.pos = offset + n as u64;
        match serde_json::from_str::<Line>(&self.line) {
            Ok(Line::Case(c)) => Ok(*c),
            _ => Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!("no case at byte {offset} of the run record"),
            )),
        }
    }
}

/// The samples of repeated cases that have not all their samples yet, by suite and
/// case id, by sample number: what a resumed run need not draw again.
pub type PartialSamples = HashMap<(String, String), BTreeMap<u32, Sample>>;

/// Reads a run record back. A torn last line (a killed writer) is skipped.
pub fn read_run(path: &Path) -> io::Result<RunRecord> {
    read_run_and_samples(path).map(|(record, _)| record)
}

/// [`read_run`] and the samples of the cases it has no line for yet.
pub fn read_run_and_samples(path: &Path) -> io::Result<(RunRecord, PartialSamples)> {
    let reader = BufReader::new(File::open(path)?);
    let mut header = None;
    let mut cases: Vec<CaseResult> = Vec::new();
    let mut seen = HashMap::new();
    let mut partial = PartialSamples::new();
    let mut complete = false;
    for line in reader.lines() {
        let line = line?;
        match serde_json::from_str::<Line>(&line) {
            Ok(Line::Run(h)) => header = Some(h),
            // A resumed run asks its errors again and appends the new result: the
            // later line for a case replaces the earlier one, in place.
            Ok(Line::Case(c)) => match seen.entry((c.suite.clone(), c.id.clone())) {
                Entry::Occupied(at) => cases[*at.get()] = *c,
                Entry::Vacant(slot) => {
                    slot.insert(cases.len());
                    cases.push(*c);
                }
            },
            Ok(Line::Sample(s)) => {
                let s = *s;
                partial
                    .entry((s.suite, s.id))
                    .or_default()
                    .insert(s.sample, s.result);
            }
            Ok(Line::Batch(_)) => {}
            // A resumed run has several end lines: the last one tells.
            Ok(Line::End { complete: c, .. }) => complete = c,
            Err(_) => continue,
        }
    }
    let header = header.ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!("{}: no run header", path.display()),
        )
    })?;
    // A case with its line has all its samples in it.
    partial.retain(|key, _| !seen.contains_key(key));
    Ok((RunRecord::new(&header, complete, cases), partial))
}

/// The newest incomplete run of this prompt content on this provider and model (and
/// shard, for `eval --shard`): what `eval --resume` continues.
pub fn find_resumable(
    root: &Path,
    content_sha256: &str,
    provider: &str,
    model: &str,
    shard: Option<&str>,
) -> Option<(PathBuf, RunHeader, Vec<CaseResult>, PartialSamples)> {
    run_files_newest_first(root).into_iter().find_map(|path| {
        let first = BufReader::new(File::open(&path).ok()?)
            .lines()
            .next()?
            .ok()?;
        let Ok(Line::Run(h)) = serde_json::from_str::<Line>(&first) else {
            return None;
        };
        if h.content_sha256 != content_sha256
            || h.provider != provider
            || h.model != model
            || h.shard.as_deref() != shard
        {
            return None;
        }
        let (record, samples) = read_run_and_samples(&path).ok()?;
        (!record.complete).then_some((path, h, record.cases, samples))
    })
}

/// The batch jobs a run record holds, oldest first (a torn or foreign line skipped).
pub fn batch_jobs(path: &Path) -> io::Result<Vec<BatchLine>> {
    let reader = BufReader::new(File::open(path)?);
    let mut jobs = Vec::new();
    for line in reader.lines() {
        if let Ok(Line::Batch(job)) = serde_json::from_str::<Line>(&line?) {
            jobs.push(*job);
        }
    }
    Ok(jobs)
}

/// The header of a run record (its first line).
pub fn read_header(path: &Path) -> io::Result<RunHeader> {
    let first = BufReader::new(File::open(path)?)
        .lines()
        .next()
        .transpose()?
        .unwrap_or_default();
    match serde_json::from_str::<Line>(&first) {
        Ok(Line::Run(h)) => Ok(h),
        _ => Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("{}: no run header", path.display()),
        )),
    }
}

/// The latest recorded result of every case, from the newest `max_runs` run records
/// (newest first; the first result seen for a suite and case wins).
pub fn latest_results(root: &Path, max_runs: usize) -> Vec<CaseResult> {
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::new();
    for path in run_files_newest_first(root).iter().take(max_runs) {
        let Ok(record) = read_run(path) else { continue };
        for c in record.cases {
            if seen.insert((c.suite.clone(), c.id.clone())) {
                out.push(c);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn run_files_are_listed_newest_first_and_only_records() {
        let dir = tempfile::tempdir().unwrap();
        assert!(
            run_files_newest_first(dir.path()).is_empty(),
            "no runs folder yet"
        );
        let runs = runs_dir(dir.path());
        std::fs::create_dir_all(&runs).unwrap();
        for name in [
            "20261126-010000-aaaaaa.jsonl",
            "20261126-030000-cccccc.jsonl",
            "20261126-020000-bbbbbb.jsonl",
            "notes.txt",
        ] {
            std::fs::write(runs.join(name), "").unwrap();
        }
        let names: Vec<String> = run_files_newest_first(dir.path())
            .iter()
            .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(
            names,
            [
                "20261126-030000-cccccc.jsonl",
                "20261126-020000-bbbbbb.jsonl",
                "20261126-010000-aaaaaa.jsonl"
            ]
        );
    }
}
