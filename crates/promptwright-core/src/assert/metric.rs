//! Budget assertions on the call itself rather than the text.

use super::Check;

pub(super) fn latency(max_ms: u64, latency_ms: u64) -> Check {
    Check {
        ok: latency_ms <= max_ms,
        subject: "response",
        expectation: format!("take at most {max_ms} ms"),
        observed: Some(format!("it took {latency_ms} ms")),
        undecided: false,
    }
}

pub(super) fn cost(max_usd: f64, cost_usd: f64) -> Check {
    Check {
        ok: cost_usd <= max_usd,
        subject: "call",
        expectation: format!("cost at most ${max_usd}"),
        observed: Some(format!("it cost ${cost_usd:.6}")),
        undecided: false,
    }
}
