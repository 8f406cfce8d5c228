//! The gate's rule for repeated cases, proven on synthetic draws: seeded, no network.
//! Each trial is a whole gate (the real `evaluate`) on 20 cases drawn `n` times a side.

use super::*;
use crate::store::Sample;

/// A case drawn `n` times, each draw passing with probability `p`.
fn drawn(rng: &mut fastrand::Rng, id: usize, p: f64, n: u32) -> CaseResult {
    let samples = (0..n)
        .map(|_| {
            let pass = rng.f64() < p;
            Sample {
                status: if pass { Status::Pass } else { Status::Fail },
                score: if pass { 1.0 } else { 0.0 },
                output: Some(if pass { "right" } else { "wrong" }.into()),
                tool_calls: Vec::new(),
                error: None,
                cached: false,
                latency_ms: Some(10),
                tokens: None,
                cost_usd: 0.0,
                assertions: Vec::new(),
            }
        })
        .collect();
    case("a", &id.to_string(), Status::Pass).combine(samples, 1.0)
}

/// The share of `trials` gates blocked by regressions, the current release's cases
/// passing at `current` and the draft's at `draft` (by case).
fn blocked(current: &[f64], draft: &[f64], n: u32, trials: usize, seed: u64) -> f64 {
    let mut rng = fastrand::Rng::with_seed(seed);
    let mut blocked = 0;
    for _ in 0..trials {
        let side = |rng: &mut fastrand::Rng, rates: &[f64]| -> Vec<CaseResult> {
            rates
                .iter()
                .enumerate()
                .map(|(i, p)| drawn(rng, i, *p, n))
                .collect()
        };
        let base = side(&mut rng, current);
        let mut f = Fixture::new(side(&mut rng, draft), Some(base));
        f.config.repeats = n;
        f.config.max_regressions = Some(0);
        let v = f.verdict();
        blocked += usize::from(!check(&v, "max_regressions").passed);
    }
    blocked as f64 / trials as f64
}

const TRIALS: usize = 2_000;

#[test]
fn a_draft_sampled_like_the_current_release_is_rarely_blocked() {
    let same = [0.8; 20];
    let rate = blocked(&same, &same, 5, TRIALS, 1);
    assert!(
        rate < 0.05,
        "blocked {:.1}% of noise-only gates",
        rate * 100.0
    );
    // The old rule, one draw a side, blocks most of these gates: a pass that happens to
    // fail once is a regression there.
    let once = blocked(&same, &same, 1, TRIALS, 2);
    assert!(
        once > 0.9,
        "one draw a side blocked only {:.1}%",
        once * 100.0
    );
}

#[test]
fn a_case_that_breaks_completely_is_caught_in_every_gate() {
    let current = [1.0; 20];
    let mut draft = current;
    draft[7] = 0.0;
    assert_eq!(blocked(&current, &draft, 5, TRIALS, 3), 1.0);
    // Even at three draws a side.
    assert_eq!(blocked(&current, &draft, 3, TRIALS, 4), 1.0);
}

/// The figures in docs/reference/repeats.md (they print with `--nocapture`): gates of
/// 20 cases, noise alone at three pass rates, then one case dropping.
#[test]
fn noise_figures_hold_their_documented_bounds() {
    let mut rows = Vec::new();
    for n in [3u32, 5, 10] {
        let same = |p: f64| blocked(&[p; 20], &[p; 20], n, 1_000, 10 + u64::from(n));
        let drop = |from: f64, to: f64| {
            let current = [from; 20];
            let mut draft = current;
            draft[0] = to;
            blocked(&current, &draft, n, 1_000, 20 + u64::from(n))
        };
        let row = (
            n,
            same(0.5),
            same(0.8),
            same(0.95),
            drop(0.9, 0.3),
            drop(1.0, 0.5),
        );
        println!(
            "n={n}: false blocks {:.1}% / {:.1}% / {:.1}%; caught {:.0}% / {:.0}%",
            row.1 * 100.0,
            row.2 * 100.0,
            row.3 * 100.0,
            row.4 * 100.0,
            row.5 * 100.0
        );
        rows.push(row);
    }
    for (n, a, b, c, _, _) in &rows {
        assert!(*a < 0.05 && *b < 0.05 && *c < 0.05, "n={n}: {a} {b} {c}");
    }
    // More draws catch more.
    assert!(rows[0].4 < rows[2].4 && rows[0].5 < rows[2].5);
    assert!(rows[2].4 > 0.5, "n=10 catches most 0.9 → 0.3 drops");
    // A case that breaks among noisy ones: the others' noise costs it little.
    let mut current = [0.8; 20];
    current[0] = 1.0;
    let mut draft = current;
    draft[0] = 0.0;
    let caught = blocked(&current, &draft, 5, 1_000, 40);
    println!(
        "n=5, 1.0 → 0.0 among cases at 0.8: caught {:.0}%",
        caught * 100.0
    );
    assert!(caught > 0.9, "{caught}");
}
