//! The limits of one HTTP provider, applied to every attempt (retries included): at
//! most `concurrency` requests in flight, request starts paced to `rpm` and token use to
//! `tpm`, and with `adaptive` a concurrency that halves on a 429 and creeps back up
//! after successes (AIMD, as TCP does with its window).
//!
//! Pacing is a schedule, not a bucket: each start reserves the next free instant, so
//! `rpm = 600` means one start every 100 ms, never 600 at the top of a minute. Tokens
//! are reserved the same way with the request's estimate (its messages in, its
//! `max_tokens` out, as `eval --estimate` counts them) and the schedule is moved by the
//! difference once the answer reports its real usage.

use std::sync::Mutex;
use std::time::Duration;

use tokio::sync::{Semaphore, SemaphorePermit};
use tokio::time::Instant;

use super::retry::AttemptError;
use super::{ProviderError, Response};
use crate::workspace::ProviderConfig;

pub(crate) struct Limits {
    permits: Semaphore,
    /// The configured concurrency: where an adaptive limit stops climbing.
    ceiling: usize,
    /// Time between request starts, from `rpm`.
    per_request: Option<Duration>,
    /// Tokens per minute.
    tpm: Option<f64>,
    adaptive: bool,
    state: Mutex<State>,
}

struct State {
    /// The earliest instant the next request may start under `rpm`, and under `tpm`.
    next_request: Instant,
    next_tokens: Instant,
    /// The adaptive concurrency; `ceiling` when not adaptive.
    limit: usize,
    /// Permits to retire as they come back, after the limit fell below the permits out.
    debt: usize,
    /// Successes since the limit last changed.
    successes: usize,
    /// Bumped at each decrease: a 429 to a request sent before the last decrease says
    /// nothing new, so a wave of them halves the limit once, not once each.
    epoch: u64,
}

/// One admitted attempt: holds its place in the concurrency limit until dropped.
pub(crate) struct Slot<'a> {
    limits: &'a Limits,
    permit: Option<SemaphorePermit<'a>>,
    /// Tokens reserved for it under `tpm`.
    charged: f64,
    epoch: u64,
}

impl Limits {
    /// The limits `cfg` sets; `concurrency` is the already resolved bound (`eval -j`
    /// wins over the file).
    pub fn new(cfg: &ProviderConfig, concurrency: usize) -> Limits {
        let ceiling = concurrency.max(1);
        let now = Instant::now();
        Limits {
            permits: Semaphore::new(ceiling),
            ceiling,
            per_request: cfg
                .rpm
                .map(|rpm| Duration::from_secs_f64(60.0 / f64::from(rpm.max(1)))),
            tpm: cfg.tpm.map(|t| f64::from(t.max(1))),
            adaptive: cfg.adaptive,
            state: Mutex::new(State {
                next_request: now,
                next_tokens: now,
                limit: ceiling,
                debt: 0,
                successes: 0,
                epoch: 0,
            }),
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        // The state stays consistent under every update, so a panic elsewhere while
        // holding the lock leaves nothing half-done to refuse.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Waits for a place in flight, then for the instant the pacing allows; `tokens` is
    /// the request's estimate. A request larger than a minute's tokens is charged one
    /// minute, so it waits its turn rather than forever.
    pub async fn admit(&self, tokens: u64) -> Result<Slot<'_>, AttemptError> {
        let permit =
            self.permits.acquire().await.map_err(|_| {
                AttemptError::fatal(ProviderError::Config("provider closed".into()))
            })?;
        let charged = self.tpm.map_or(0.0, |tpm| (tokens as f64).min(tpm));
        let (start, epoch) = self.reserve(Instant::now(), charged);
        tokio::time::sleep_until(start).await;
        Ok(Slot {
            limits: self,
            permit: Some(permit),
            charged,
            epoch,
        })
    }

    /// The instant a request reserving `charged` tokens may start, at the earliest
    /// `now`, and the epoch it starts in; the schedule moves past it.
    fn reserve(&self, now: Instant, charged: f64) -> (Instant, u64) {
        let mut s = self.state();
        let mut start = now;
        if self.per_request.is_some() {
            start = start.max(s.next_request);
        }
        if self.tpm.is_some() {
            start = start.max(s.next_tokens);
        }
        if let Some(step) = self.per_request {
            s.next_request = start + step;
        }
        if let Some(tpm) = self.tpm {
            s.next_tokens = start + minutes(charged / tpm);
        }
        (start, s.epoch)
    }

    /// Moves the token schedule by what a request used beyond (or short of) what it
    /// reserved.
    fn correct(&self, s: &mut State, charged: f64, used: u64) {
        let Some(tpm) = self.tpm else {
            return;
        };
        let shift = (used as f64).min(tpm) - charged;
        if shift >= 0.0 {
            s.next_tokens += minutes(shift / tpm);
        } else {
            let back = minutes(-shift / tpm);
            s.next_tokens = s.next_tokens.checked_sub(back).unwrap_or(s.next_tokens);
        }
    }

    /// The adaptive concurrency now (the ceiling when not adaptive).
    #[cfg(test)]
    fn limit(&self) -> usize {
        self.state().limit
    }
}

/// `m` minutes (negative: none).
fn minutes(m: f64) -> Duration {
    Duration::try_from_secs_f64(m * 60.0).unwrap_or(Duration::ZERO)
}

impl Slot<'_> {
    /// Learns from the attempt's outcome: real token use moves the `tpm` schedule, a
    /// 429 halves an adaptive limit, a run of successes raises it by one.
    pub fn settle(self, outcome: &Result<Response, AttemptError>) {
        let l = self.limits;
        let mut s = l.state();
        match outcome {
            Ok(resp) => {
                if let Some(t) = resp.tokens {
                    l.correct(&mut s, self.charged, t.input.saturating_add(t.output));
                }
                if l.adaptive {
                    s.successes += 1;
                    if s.successes >= s.limit && s.limit < l.ceiling {
                        s.limit += 1;
                        s.successes = 0;
                        if s.debt > 0 {
                            s.debt -= 1;
                        } else {
                            l.permits.add_permits(1);
                        }
                    }
                }
            }
            Err(e) => {
                let throttled = matches!(e.error, ProviderError::Http { status: 429, .. });
                if l.adaptive && throttled && self.epoch == s.epoch {
                    let lower = (s.limit / 2).max(1);
                    s.debt += s.limit - lower;
                    s.limit = lower;
                    s.successes = 0;
                    s.epoch += 1;
                    let retired = l.permits.forget_permits(s.debt);
                    s.debt -= retired;
                }
            }
        }
    }
}

impl Drop for Slot<'_> {
    fn drop(&mut self) {
        let Some(permit) = self.permit.take() else {
            return;
        };
        let mut s = self.limits.state();
        if s.debt > 0 {
            s.debt -= 1;
            permit.forget();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::Tokens;
    use crate::workspace::ProviderKind;

    fn cfg(rpm: Option<u32>, tpm: Option<u32>, adaptive: bool) -> ProviderConfig {
        ProviderConfig {
            name: "p".into(),
            kind: ProviderKind::Openai,
            base_url: None,
            api_key_env: None,
            concurrency: 8,
            timeout_s: 1.0,
            max_retries: 0,
            max_response_mb: 1.0,
            rpm,
            tpm,
            adaptive,
            cassette: None,
            base_url_at: None,
        }
    }

    fn throttled() -> Result<Response, AttemptError> {
        Err(AttemptError::retryable(
            ProviderError::Http {
                status: 429,
                message: "slow down".into(),
            },
            None,
        ))
    }

    fn answered(tokens: Option<Tokens>) -> Result<Response, AttemptError> {
        Ok(Response {
            tokens,
            ..Response::default()
        })
    }

    fn ms(t0: Instant, t: Instant) -> u128 {
        t.duration_since(t0).as_millis()
    }

    #[test]
    fn requests_start_evenly_spaced_not_in_a_burst() {
        let limits = Limits::new(&cfg(Some(600), None, false), 8);
        let t0 = Instant::now();
        // Five asked for at once start 100 ms apart.
        let starts: Vec<u128> = (0..5).map(|_| ms(t0, limits.reserve(t0, 1.0).0)).collect();
        assert_eq!(starts, [0, 100, 200, 300, 400]);
        // After a pause there is no saved-up burst: the next starts now, then 100 ms on.
        let later = t0 + Duration::from_secs(10);
        assert_eq!(ms(t0, limits.reserve(later, 1.0).0), 10_000);
        assert_eq!(ms(t0, limits.reserve(later, 1.0).0), 10_100);
    }

    #[test]
    fn tokens_are_paced_by_estimate_then_corrected_by_usage() {
        // 6000 tokens a minute: 100 a second.
        let limits = Limits::new(&cfg(None, Some(6000), false), 8);
        let t0 = Instant::now();
        assert_eq!(ms(t0, limits.reserve(t0, 50.0).0), 0);
        // That answer used 150, not 50: the next start moves a further second away.
        limits.correct(&mut limits.state(), 50.0, 150);
        assert_eq!(ms(t0, limits.reserve(t0, 10.0).0), 1500);
        // That one used nothing: its 10 come back, so the next starts at the same time.
        limits.correct(&mut limits.state(), 10.0, 0);
        assert_eq!(ms(t0, limits.reserve(t0, 10.0).0), 1500);
        // A request larger than a minute's tokens is charged one minute, not forever.
        let limits = Limits::new(&cfg(None, Some(6000), false), 8);
        limits.reserve(t0, 1_000_000f64.min(6000.0));
        assert_eq!(ms(t0, limits.reserve(t0, 1.0).0), 60_000);
    }

    #[tokio::test]
    async fn admitted_attempts_follow_the_schedule() {
        // 6000 rpm: 10 ms apart, so three admissions take at least 20 ms.
        let limits = Limits::new(&cfg(Some(6000), None, false), 8);
        let t0 = Instant::now();
        for _ in 0..3 {
            limits.admit(1).await.unwrap().settle(&answered(None));
        }
        assert!(t0.elapsed() >= Duration::from_millis(20));
    }

    #[tokio::test]
    async fn adaptive_halves_once_per_wave_of_429s_and_climbs_back() {
        let limits = Limits::new(&cfg(None, None, true), 8);
        let wave: Vec<Slot> = futures::future::join_all((0..8).map(|_| limits.admit(1)))
            .await
            .into_iter()
            .map(Result::unwrap)
            .collect();
        assert_eq!(limits.permits.available_permits(), 0);
        for slot in wave {
            slot.settle(&throttled());
        }
        // Eight 429s from one wave: one halving.
        assert_eq!(limits.limit(), 4);
        assert_eq!(limits.permits.available_permits(), 4);
        let slot = limits.admit(1).await.unwrap();
        slot.settle(&throttled());
        assert_eq!(limits.limit(), 2);
        let slot = limits.admit(1).await.unwrap();
        slot.settle(&throttled());
        let slot = limits.admit(1).await.unwrap();
        slot.settle(&throttled());
        assert_eq!(limits.limit(), 1, "never below one");
        assert_eq!(limits.permits.available_permits(), 1);
        // One more after a run of `limit` successes, up to the ceiling.
        let mut seen = vec![limits.limit()];
        for _ in 0..100 {
            let slot = limits.admit(1).await.unwrap();
            slot.settle(&answered(None));
            seen.push(limits.limit());
        }
        assert_eq!(limits.limit(), 8);
        assert!(seen.windows(2).all(|w| w[1] == w[0] || w[1] == w[0] + 1));
        assert_eq!(limits.permits.available_permits(), 8);
    }

    #[tokio::test]
    async fn a_lowered_limit_retires_permits_as_they_come_back() {
        let limits = Limits::new(&cfg(None, None, true), 4);
        let mut out = Vec::new();
        for _ in 0..4 {
            out.push(limits.admit(1).await.unwrap());
        }
        let first = out.pop().unwrap();
        first.settle(&throttled());
        // Limit 2 with four out: the 429'd one and the next back are retired.
        assert_eq!(limits.limit(), 2);
        assert_eq!(limits.permits.available_permits(), 0);
        drop(out.pop());
        assert_eq!(limits.permits.available_permits(), 0);
        drop(out.pop());
        assert_eq!(limits.permits.available_permits(), 1);
        drop(out.pop());
        assert_eq!(limits.permits.available_permits(), 2);
    }
}
