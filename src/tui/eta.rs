//! The time a run has left, from the rate of fresh completions over a recent window
//! that ends now. Ending the window at now (not at the last completion) makes a stalled
//! run's estimate grow instead of freezing; cached results are left out because they
//! finish at once and would make a slow run look nearly done. Pure: the caller passes
//! every instant, so tests need no clock.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// Fresh completions the rate is taken over: enough to smooth out one slow case, few
/// enough to follow a provider that slows down or speeds up.
const WINDOW: usize = 20;
/// Below this many fresh completions, or this much observed time, there is no estimate.
const MIN_DONE: usize = 3;
const MIN_OBSERVED: Duration = Duration::from_secs(1);
/// Past this an estimate means little: it is shown as "> 1 h".
const CAP: Duration = Duration::from_secs(3600);

#[derive(Debug, Clone, PartialEq)]
pub struct Eta {
    started: Instant,
    /// The latest fresh completions, oldest first; one more than `WINDOW` once full, the
    /// first being where the window starts.
    fresh: VecDeque<Instant>,
    fresh_total: usize,
}

impl Eta {
    pub fn new(started: Instant) -> Eta {
        Eta {
            started,
            fresh: VecDeque::with_capacity(WINDOW + 1),
            fresh_total: 0,
        }
    }

    /// A case finished at `at`; `cached` results do not count towards the rate.
    pub fn record(&mut self, at: Instant, cached: bool) {
        if cached {
            return;
        }
        self.fresh.push_back(at);
        self.fresh_total += 1;
        if self.fresh.len() > WINDOW + 1 {
            self.fresh.pop_front();
        }
    }

    /// Time left for `left` cases at `now`, or `None` without enough data yet.
    pub fn remaining(&self, now: Instant, left: usize) -> Option<Duration> {
        if self.fresh_total < MIN_DONE || left == 0 {
            return None;
        }
        // Until the window is full it starts with the run; then at the completion just
        // before the ones it counts.
        let (from, counted) = if self.fresh.len() > WINDOW {
            (self.fresh[0], WINDOW)
        } else {
            (self.started, self.fresh.len())
        };
        let observed = now.saturating_duration_since(from);
        if observed < MIN_OBSERVED {
            return None;
        }
        // In whole nanoseconds, so the figure is exact and cannot overflow or go negative.
        let nanos = observed.as_nanos().saturating_mul(left as u128) / counted as u128;
        Some(if nanos < CAP.as_nanos() {
            Duration::from_secs(nanos.div_ceil(1_000_000_000) as u64)
        } else {
            CAP
        })
    }
}

/// How the gauge shows an estimate: "—" without one, "> 1 h" past the cap.
pub fn show(eta: Option<Duration>) -> String {
    match eta {
        None => "—".into(),
        Some(d) if d >= CAP => "> 1 h".into(),
        Some(d) => {
            let s = d.as_secs();
            if s >= 60 {
                format!("{}m{:02}s", s / 60, s % 60)
            } else {
                format!("{s}s")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(t0: Instant, ms: u64) -> Instant {
        t0 + Duration::from_millis(ms)
    }

    #[test]
    fn no_estimate_before_three_fresh_completions_or_one_second() {
        let t0 = Instant::now();
        let mut e = Eta::new(t0);
        e.record(at(t0, 500), false);
        e.record(at(t0, 1000), false);
        assert_eq!(e.remaining(at(t0, 5000), 10), None);
        let mut quick = Eta::new(t0);
        for ms in [100, 200, 300] {
            quick.record(at(t0, ms), false);
        }
        assert_eq!(quick.remaining(at(t0, 900), 10), None);
        assert_eq!(
            quick.remaining(at(t0, 1200), 10),
            Some(Duration::from_secs(4))
        );
    }

    #[test]
    fn cached_results_do_not_count() {
        let t0 = Instant::now();
        let mut e = Eta::new(t0);
        for _ in 0..50 {
            e.record(t0, true);
        }
        assert_eq!(e.remaining(at(t0, 2000), 10), None);
        for s in 1..=4 {
            e.record(at(t0, s * 1000), false);
        }
        // One fresh case a second: 10 left take 10 s, whatever the cache answered.
        assert_eq!(e.remaining(at(t0, 4000), 10), Some(Duration::from_secs(10)));
    }

    #[test]
    fn a_stall_makes_the_estimate_grow() {
        let t0 = Instant::now();
        let mut e = Eta::new(t0);
        for s in 1..=4 {
            e.record(at(t0, s * 1000), false);
        }
        let before = e.remaining(at(t0, 4000), 4).unwrap();
        let stalled = e.remaining(at(t0, 40_000), 4).unwrap();
        assert_eq!(before, Duration::from_secs(4));
        assert_eq!(stalled, Duration::from_secs(40));
    }

    #[test]
    fn the_window_follows_a_change_of_pace() {
        let t0 = Instant::now();
        let mut e = Eta::new(t0);
        // 30 slow cases (10 s each), then 21 fast ones (100 ms each).
        let mut ms = 0;
        for _ in 0..30 {
            ms += 10_000;
            e.record(at(t0, ms), false);
        }
        for _ in 0..21 {
            ms += 100;
            e.record(at(t0, ms), false);
        }
        // Only the fast pace is in the window: 100 cases at 100 ms.
        assert_eq!(e.remaining(at(t0, ms), 100), Some(Duration::from_secs(10)));
    }

    #[test]
    fn never_absurd_and_shown_capped() {
        let t0 = Instant::now();
        let mut e = Eta::new(t0);
        for s in 1..=3 {
            e.record(at(t0, s * 1000), false);
        }
        assert_eq!(e.remaining(at(t0, 3000), 0), None);
        let huge = e.remaining(at(t0, 3000), usize::MAX);
        assert_eq!(huge, Some(CAP));
        assert_eq!(show(huge), "> 1 h");
        // A clock that seems to go back gives no estimate, never a negative one.
        assert_eq!(e.remaining(t0, 5), None);
        assert_eq!(show(None), "—");
        assert_eq!(show(Some(Duration::from_secs(75))), "1m15s");
        assert_eq!(show(Some(Duration::from_secs(9))), "9s");
    }
}
