//! The one count of a set of results: passed, failed, errors, and the pass rate. Run
//! summaries, the gate, release evidence, the panes and the CLI's progress all count
//! with it, so they can never disagree on what a pass rate is.

use std::fmt;

use super::Status;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    pub passed: usize,
    pub failed: usize,
    pub errors: usize,
}

impl Tally {
    pub fn of<'a>(statuses: impl IntoIterator<Item = &'a Status>) -> Tally {
        let mut t = Tally::default();
        for s in statuses {
            t.add(*s);
        }
        t
    }

    pub fn add(&mut self, status: Status) {
        *self.slot(status) += 1;
    }

    /// Takes back a result counted before (a case rerun replaces its old result).
    pub fn remove(&mut self, status: Status) {
        let slot = self.slot(status);
        *slot = slot.saturating_sub(1);
    }

    fn slot(&mut self, status: Status) -> &mut usize {
        match status {
            Status::Pass => &mut self.passed,
            Status::Fail => &mut self.failed,
            Status::Error => &mut self.errors,
        }
    }

    pub fn cases(&self) -> usize {
        self.passed + self.failed + self.errors
    }

    /// passed / cases, errors in the denominator (an error is never a pass); 0 when
    /// nothing was counted. Exact: a gate compares this, never the rounded one, so 0.8996
    /// does not pass a 0.9 bar because it prints as 0.9.
    pub fn rate(&self) -> f64 {
        match self.cases() {
            0 => 0.0,
            n => self.passed as f64 / n as f64,
        }
    }

    /// The rate as records and reports show it: 3 decimals.
    pub fn pass_rate(&self) -> f64 {
        (self.rate() * 1000.0).round() / 1000.0
    }
}

/// `✓passed ✗failed !errors`: how every progress line and gauge shows a tally.
impl fmt::Display for Tally {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "✓{} ✗{} !{}", self.passed, self.failed, self.errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_count_against_the_rate_and_a_rerun_replaces_a_result() {
        let mut t = Tally::of(&[Status::Pass, Status::Pass, Status::Fail, Status::Error]);
        assert_eq!((t.passed, t.failed, t.errors, t.cases()), (2, 1, 1, 4));
        assert_eq!(t.rate(), 0.5);
        t.remove(Status::Error);
        t.add(Status::Pass);
        assert_eq!((t.passed, t.errors), (3, 0));
        assert_eq!(t.pass_rate(), 0.75);
        assert_eq!(Tally::default().rate(), 0.0);
        let third = Tally::of(&[Status::Pass, Status::Fail, Status::Fail]);
        assert_ne!(third.rate(), third.pass_rate());
        assert_eq!(third.pass_rate(), 0.333);
        assert_eq!(third.to_string(), "✓1 ✗2 !0");
    }
}
