//! Run records: `.promptwright/runs/RUN_ID.jsonl`, append-only. A header line, one line
//! per scored case written as soon as it is scored, and an end line. A run without an
//! end line was killed: it is incomplete, and its cases so far are still readable.

pub mod record;

use std::fs::{File, OpenOptions};
use std::io::{self, BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

pub use record::{CaseResult, RunHeader, RunRecord, Status, Summary};

pub const STATE_DIR: &str = ".promptwright";

pub fn runs_dir(root: &Path) -> PathBuf {
    root.join(STATE_DIR).join("runs")
}

/// One line of a run record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum Line {
    Run(RunHeader),
    Case(Box<CaseResult>),
    End { complete: bool, finished_at: String },
}

/// Appends to one run record; every line is written whole and flushed at once.
pub struct RunWriter {
    file: File,
    pub path: PathBuf,
}

impl RunWriter {
    pub fn create(root: &Path, header: &RunHeader) -> io::Result<RunWriter> {
        let dir = runs_dir(root);
        std::fs::create_dir_all(&dir)?;
        ensure_gitignore(&root.join(STATE_DIR))?;
        let path = dir.join(format!("{}.jsonl", header.run_id));
        let file = OpenOptions::new()
            .create_new(true)
            .append(true)
            .open(&path)?;
        let mut w = RunWriter { file, path };
        w.write(&Line::Run(header.clone()))?;
        Ok(w)
    }

    pub fn append(&mut self, case: &CaseResult) -> io::Result<()> {
        self.write(&Line::Case(Box::new(case.clone())))
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
        // One write per line: a kill can tear at most the last line, never interleave.
        self.file.write_all(&buf)?;
        self.file.flush()
    }
}

/// The state folder holds caches and records that never belong in git.
fn ensure_gitignore(state_dir: &Path) -> io::Result<()> {
    let path = state_dir.join(".gitignore");
    if !path.exists() {
        std::fs::write(path, "*\n")?;
    }
    Ok(())
}

/// Reads a run record back. A torn last line (a killed writer) is skipped.
pub fn read_run(path: &Path) -> io::Result<RunRecord> {
    let reader = BufReader::new(File::open(path)?);
    let mut header = None;
    let mut cases = Vec::new();
    let mut complete = false;
    for line in reader.lines() {
        let line = line?;
        match serde_json::from_str::<Line>(&line) {
            Ok(Line::Run(h)) => header = Some(h),
            Ok(Line::Case(c)) => cases.push(*c),
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
    Ok(RunRecord::new(&header, complete, cases))
}
