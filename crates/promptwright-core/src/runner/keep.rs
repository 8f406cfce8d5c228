//! What a run keeps of its results besides the record file: all of them (the
//! workbench, gates) or only where each is in the file (`eval`, so memory does not grow
//! with the run).

use std::collections::HashMap;
use std::path::PathBuf;

use crate::store::{CaseReader, CaseResult, RunRecord, RunningSummary};

/// What a run keeps of its results besides the record file.
pub(super) trait Keep: Send {
    /// The result at place `order` in the plan; `at` is where this run wrote its line
    /// (`None` for a result carried over from the run being resumed).
    fn keep(&mut self, order: usize, result: CaseResult, at: Option<u64>);
}

/// Every result, for callers that show them all (the TUI, gates, releases).
#[derive(Default)]
pub(super) struct KeepAll(pub(super) Vec<(usize, CaseResult)>);

impl Keep for KeepAll {
    fn keep(&mut self, order: usize, result: CaseResult, _at: Option<u64>) {
        self.0.push((order, result));
    }
}

/// A place in the plan whose case has no result (the run was stopped).
pub(super) const NOT_RUN: u64 = u64::MAX;

/// Where each result is in the record, and the summary counted as they come.
pub(super) struct KeepPlaces {
    pub(super) offsets: Vec<u64>,
    pub(super) held: HashMap<usize, CaseResult>,
    pub(super) summary: RunningSummary,
}

impl Keep for KeepPlaces {
    fn keep(&mut self, order: usize, result: CaseResult, at: Option<u64>) {
        self.summary.add(&result);
        match at {
            Some(at) => self.offsets[order] = at,
            None => {
                self.held.insert(order, result);
            }
        }
    }
}

/// A finished run whose cases stay in its record file (see [`run_stored`]).
pub struct StoredRun {
    /// The run and its summary; `cases` is empty: [`StoredRun::each_case`] reads them.
    pub record: RunRecord,
    pub path: PathBuf,
    /// Per place in the plan, where its case line starts, or [`NOT_RUN`].
    pub(super) offsets: Vec<u64>,
    /// Results carried over from the run being resumed, by place.
    pub(super) held: HashMap<usize, CaseResult>,
}

impl StoredRun {
    /// Calls `f` with each case in plan order, read back from the record.
    pub fn each_case(
        &self,
        f: &mut dyn FnMut(&CaseResult) -> std::io::Result<()>,
    ) -> std::io::Result<()> {
        let mut reader = CaseReader::open(&self.path)?;
        for (order, &at) in self.offsets.iter().enumerate() {
            if at != NOT_RUN {
                f(&reader.read_at(at)?)?;
            } else if let Some(c) = self.held.get(&order) {
                f(c)?;
            }
        }
        Ok(())
    }
}
