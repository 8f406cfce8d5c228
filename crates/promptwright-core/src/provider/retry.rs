//! The one retry layer for every HTTP provider: 429, 5xx, connection failures and
//! timeouts are retried with exponential backoff and full jitter, honouring
//! `Retry-After`; anything else fails at once with the provider's own message.

use std::future::Future;
use std::time::{Duration, SystemTime};

use super::ProviderError;

/// The outcome of one attempt that did not produce an answer.
#[derive(Debug)]
pub(crate) struct AttemptError {
    pub error: ProviderError,
    pub retryable: bool,
    /// From a `Retry-After` header, when the server sent one.
    pub retry_after: Option<Duration>,
}

impl AttemptError {
    pub fn fatal(error: ProviderError) -> Self {
        AttemptError {
            error,
            retryable: false,
            retry_after: None,
        }
    }

    pub fn retryable(error: ProviderError, retry_after: Option<Duration>) -> Self {
        AttemptError {
            error,
            retryable: true,
            retry_after,
        }
    }
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct RetryPolicy {
    pub max_retries: u32,
    pub base_delay: Duration,
    pub max_delay: Duration,
}

impl RetryPolicy {
    pub fn new(max_retries: u32) -> Self {
        RetryPolicy {
            max_retries,
            base_delay: Duration::from_millis(250),
            max_delay: Duration::from_secs(30),
        }
    }

    /// Full jitter: a random wait in [0, base·2^attempt], capped; a server's
    /// Retry-After wins when it asks for longer (capped at a minute, so one
    /// misbehaving server cannot park a run for hours).
    fn delay(&self, attempt: u32, retry_after: Option<Duration>) -> Duration {
        let exp = self
            .base_delay
            .saturating_mul(1u32 << attempt.min(16))
            .min(self.max_delay);
        let jittered = exp.mul_f64(fastrand::f64());
        match retry_after {
            Some(ra) => ra.min(MAX_RETRY_AFTER).max(jittered),
            None => jittered,
        }
    }
}

/// Runs `attempt` until it answers, fails for good, or the retries are spent.
pub(crate) async fn with_retries<T, F, Fut>(
    policy: RetryPolicy,
    mut attempt: F,
) -> Result<T, ProviderError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, AttemptError>>,
{
    let mut tries = 0;
    loop {
        match attempt().await {
            Ok(r) => return Ok(r),
            Err(e) if e.retryable && tries < policy.max_retries => {
                tokio::time::sleep(policy.delay(tries, e.retry_after)).await;
                tries += 1;
            }
            Err(e) if e.retryable && tries > 0 => {
                return Err(ProviderError::Exhausted {
                    attempts: tries + 1,
                    last: Box::new(e.error),
                });
            }
            Err(e) => return Err(e.error),
        }
    }
}

/// The longest a server's `Retry-After` may make a case wait before its next try.
pub(crate) const MAX_RETRY_AFTER: Duration = Duration::from_secs(60);

/// `Retry-After` as seconds or an HTTP date, clamped to [`MAX_RETRY_AFTER`]. The value
/// comes from the server: negative, NaN or infinite seconds are ignored, and a finite
/// number too large for a `Duration` (`1e300`) is the maximum, never a panic.
pub(crate) fn parse_retry_after(value: &str) -> Option<Duration> {
    let v = value.trim();
    if let Ok(secs) = v.parse::<f64>() {
        if !(secs.is_finite() && secs >= 0.0) {
            return None;
        }
        let wait = Duration::try_from_secs_f64(secs).unwrap_or(MAX_RETRY_AFTER);
        return Some(wait.min(MAX_RETRY_AFTER));
    }
    let when = httpdate::parse_http_date(v).ok()?;
    Some(
        when.duration_since(SystemTime::now())
            .unwrap_or(Duration::ZERO),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::Response;

    #[test]
    fn retry_after_seconds_and_dates() {
        assert_eq!(parse_retry_after("2"), Some(Duration::from_secs(2)));
        assert_eq!(parse_retry_after(" 0.5 "), Some(Duration::from_millis(500)));
        let later = SystemTime::now() + Duration::from_secs(30);
        let d = parse_retry_after(&httpdate::fmt_http_date(later)).unwrap();
        assert!(
            d > Duration::from_secs(27) && d <= Duration::from_secs(30),
            "{d:?}"
        );
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon"), None);
        assert_eq!(parse_retry_after("-1"), None);
    }

    #[test]
    fn hostile_retry_after_values_are_clamped_or_ignored_never_a_panic() {
        assert_eq!(parse_retry_after("1e300"), Some(MAX_RETRY_AFTER));
        assert_eq!(parse_retry_after("1e19"), Some(MAX_RETRY_AFTER));
        assert_eq!(parse_retry_after("3600"), Some(MAX_RETRY_AFTER));
        assert_eq!(parse_retry_after("NaN"), None);
        assert_eq!(parse_retry_after("inf"), None);
        assert_eq!(parse_retry_after("-1e300"), None);
    }

    #[test]
    fn delays_grow_are_capped_and_honour_retry_after() {
        let p = RetryPolicy::new(4);
        for attempt in 0..20 {
            assert!(p.delay(attempt, None) <= p.max_delay);
        }
        assert!(p.delay(0, None) <= Duration::from_millis(250));
        // Full jitter draws from [0, 250 ms · 2^attempt]: the largest of many draws comes
        // close to that ceiling, which doubles from one attempt to the next.
        let largest = |attempt| (0..2000).map(|_| p.delay(attempt, None)).max().unwrap();
        for attempt in 0..6 {
            let ceiling = Duration::from_millis(250 << attempt);
            let top = largest(attempt);
            assert!(
                top <= ceiling && top > ceiling.mul_f64(0.9),
                "{attempt}: {top:?}"
            );
        }
        assert!(p.delay(0, Some(Duration::from_secs(3))) >= Duration::from_secs(3));
        assert_eq!(
            p.delay(0, Some(Duration::from_secs(3600))),
            Duration::from_secs(60)
        );
    }

    #[tokio::test]
    async fn retries_are_bounded_and_fatal_errors_stop_at_once() {
        let policy = RetryPolicy {
            max_retries: 3,
            base_delay: Duration::from_millis(1),
            max_delay: Duration::from_millis(2),
        };
        let mut calls = 0;
        let r: Result<Response, _> = with_retries(policy, || {
            calls += 1;
            async { Err(AttemptError::retryable(ProviderError::Timeout(1.0), None)) }
        })
        .await;
        assert_eq!(calls, 4);
        assert_eq!(
            r.unwrap_err().to_string(),
            "gave up after 4 attempts; last: timed out after 1 s"
        );

        let mut calls = 0;
        let r: Result<Response, _> = with_retries(policy, || {
            calls += 1;
            async {
                Err(AttemptError::fatal(ProviderError::Http {
                    status: 401,
                    message: "bad key".into(),
                }))
            }
        })
        .await;
        assert_eq!(calls, 1);
        assert_eq!(r.unwrap_err().to_string(), "HTTP 401: bad key");
    }
}
