//! `eval --budget USD`: the spend of an invocation kept under a limit. A call starts only
//! when what was spent, plus a conservative estimate of every call in flight, plus its
//! own estimate, stays within the limit; when it does not fit, the run waits for calls
//! in flight to settle (their real cost is usually below the estimate) and stops when
//! none are left. The run then ends incomplete, resumable with `--resume`.

use std::sync::Mutex;

use tokio::sync::Notify;

#[derive(Debug, Default)]
struct State {
    spent: f64,
    reserved: f64,
    in_flight: usize,
    exhausted: bool,
}

/// One budget, shared by every run of an invocation.
#[derive(Debug)]
pub struct Budget {
    limit: f64,
    state: Mutex<State>,
    settled: Notify,
}

impl Budget {
    pub fn new(limit_usd: f64) -> Budget {
        Budget {
            limit: limit_usd,
            state: Mutex::default(),
            settled: Notify::new(),
        }
    }

    pub fn limit(&self) -> f64 {
        self.limit
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// USD spent by the calls answered so far.
    pub fn spent(&self) -> f64 {
        self.state().spent
    }

    /// Whether a call was left unstarted for want of budget.
    pub fn exhausted(&self) -> bool {
        self.state().exhausted
    }

    /// Waits until a call estimated at `estimate` USD fits, and reserves it; false when
    /// it cannot fit even with nothing in flight.
    pub async fn reserve(&self, estimate: f64) -> bool {
        loop {
            let settled = self.settled.notified();
            tokio::pin!(settled);
            settled.as_mut().enable();
            {
                let mut s = self.state();
                if s.spent + s.reserved + estimate <= self.limit {
                    s.reserved += estimate;
                    s.in_flight += 1;
                    return true;
                }
                if s.in_flight == 0 {
                    s.exhausted = true;
                    return false;
                }
            }
            settled.await;
        }
    }

    /// A reserved call ended, having cost `cost` USD.
    pub fn settle(&self, estimate: f64, cost: f64) {
        {
            let mut s = self.state();
            s.reserved = (s.reserved - estimate).max(0.0);
            s.in_flight = s.in_flight.saturating_sub(1);
            s.spent += cost;
        }
        self.settled.notify_waiters();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_call_waits_for_those_in_flight_and_stops_when_none_are_left() {
        let b = std::sync::Arc::new(Budget::new(1.0));
        assert!(b.reserve(0.6).await);
        let waiting = tokio::spawn({
            let b = b.clone();
            async move { b.reserve(0.6).await }
        });
        tokio::task::yield_now().await;
        assert!(!waiting.is_finished(), "0.6 + 0.6 would pass 1.0");
        // The first call cost less than its estimate: the second now fits.
        b.settle(0.6, 0.1);
        assert!(waiting.await.unwrap());
        b.settle(0.6, 0.5);
        assert!((b.spent() - 0.6).abs() < 1e-9);
        assert!(
            !b.reserve(0.5).await,
            "0.6 + 0.5 passes 1.0 with nothing in flight"
        );
        assert!(b.exhausted());
        assert!(b.reserve(0.4).await, "a cheaper call still fits");
    }
}
