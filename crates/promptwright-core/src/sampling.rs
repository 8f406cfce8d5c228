//! Telling a real change from sampling noise when each case is sampled several times.
//!
//! A model is sampled: a case that passes 4 times out of 5 on the current release and 3
//! times out of 5 on the draft has not necessarily regressed. Two tools, both pure:
//!
//! - [`fisher_less`]: the one-sided Fisher exact test on one case's two 2×2 counts. A
//!   case counts as a regression when the p-value is below the gate's alpha, so noise
//!   blocks a release at most at that rate per case (the test is conservative: measured
//!   rates are below alpha, see the tests).
//! - [`paired_difference`]: the difference in pass rate between two sides over the same
//!   cases, with a 95% confidence interval computed on the per-case differences (cases
//!   are the unit that varies, as "Adding Error Bars to Evals" recommends), so a summary
//!   can say "−4.0 points, 95% CI −9.1 to +1.1".
//!
//! What [`fisher_less`] at alpha 0.05 gives, simulated over 20,000 cases per cell (the
//! tests below check the bounds):
//!
//! | samples a side | false blocks (same rate 0.5 / 0.8 / 0.95) | caught (0.9→0.5 / 0.9→0.3 / 1.0→0.6) |
//! |---|---|---|
//! | 3  | 1.4% / 0.4% / 0.0% | 9% / 25% / 6% |
//! | 5  | 1.0% / 0.3% / 0.0% | 12% / 37% / 9% |
//! | 10 | 2.1% / 1.4% / 0.1% | 47% / 83% / 61% |
//! | 20 | 2.1% / 2.4% / 0.1% | 84% / 99% / 95% |
//!
//! So noise rarely blocks, and catching a moderate drop on one case takes 10 or more
//! samples; with fewer, the pass-rate interval over all cases is the better guide.
//!
//! Those are rates per case. A gate tests every case, so the diff holds the level
//! across all of them with [`family_level`]: a whole gate of noise alone is blocked at
//! most `alpha` of the time (measured in `release/noise_tests.rs`).

/// The largest sample count per side this module is asked about; the gate's `repeats`
/// is range-checked far below it. Bounds the log-factorial table.
pub const MAX_SAMPLES: u32 = 10_000;

/// `ln(k!)` for `k` in `0..=n`.
fn ln_factorials(n: u32) -> Vec<f64> {
    let mut t = Vec::with_capacity(n as usize + 1);
    t.push(0.0);
    let mut acc = 0.0;
    for k in 1..=n {
        acc += f64::from(k).ln();
        t.push(acc);
    }
    t
}

/// One-sided Fisher exact test: the probability, if both sides pass at the same rate,
/// of the draft passing `draft_pass` of `draft_n` samples or fewer, given that the two
/// sides passed `draft_pass + current_pass` samples in all. Small means the draft
/// really passes less often. Counts above [`MAX_SAMPLES`] or passes above their sample
/// counts are clamped.
pub fn fisher_less(draft_pass: u32, draft_n: u32, current_pass: u32, current_n: u32) -> f64 {
    let draft_n = draft_n.min(MAX_SAMPLES);
    let current_n = current_n.min(MAX_SAMPLES);
    let a = draft_pass.min(draft_n);
    let c = current_pass.min(current_n);
    let passes = a + c;
    let n = draft_n + current_n;
    let lf = ln_factorials(n);
    // P(X = x) for X the draft's passes: hypergeometric with the margins fixed.
    let ln_choose = |n: u32, k: u32| lf[n as usize] - lf[k as usize] - lf[(n - k) as usize];
    let ln_total = ln_choose(n, passes);
    let lowest = passes.saturating_sub(current_n);
    let p: f64 = (lowest..=a)
        .map(|x| (ln_choose(draft_n, x) + ln_choose(current_n, passes - x) - ln_total).exp())
        .sum();
    p.min(1.0)
}

/// The smallest p-value [`fisher_less`] can give for these margins: the draft passing
/// as few samples as the total allows. A case whose samples passed 10 times of 10 can
/// never look like a regression, so it should not count against the others.
pub fn fisher_less_floor(draft_n: u32, current_n: u32, passes: u32) -> f64 {
    let (draft_n, current_n) = (draft_n.min(MAX_SAMPLES), current_n.min(MAX_SAMPLES));
    let passes = passes.min(draft_n + current_n);
    let lowest = passes.saturating_sub(current_n);
    fisher_less(lowest, draft_n, passes - lowest, current_n)
}

/// The per-case level that keeps the chance of any false regression among the cases
/// at `alpha` (Tarone's refinement of Bonferroni for discrete tests): the smallest K
/// such that at most K cases could reach `alpha / K` at all; the level is `alpha / K`.
/// Cases that cannot reach significance (drawn all-pass on both sides, say) do not
/// dilute it, so a lone broken case among stable ones is judged at `alpha` itself.
pub fn family_level(floors: &[f64], alpha: f64) -> f64 {
    let mut k = 1usize;
    loop {
        let level = alpha / k as f64;
        let testable = floors.iter().filter(|f| **f <= level).count();
        if testable <= k {
            return level;
        }
        k += 1;
    }
}

/// The mean difference between two sides over paired cases and its 95% interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PairedDifference {
    /// Mean of draft − current over the cases, as a fraction (−0.04 is 4 points down).
    pub mean: f64,
    pub low: f64,
    pub high: f64,
    pub cases: usize,
}

impl PairedDifference {
    /// "−4.0 points (95% CI −9.1 to +1.1, paired over 20 cases)": how every view says it.
    pub fn describe(&self) -> String {
        let points = |x: f64| {
            let v = x * 100.0;
            if v.abs() < 0.05 {
                "0.0".to_string()
            } else if v > 0.0 {
                format!("+{v:.1}")
            } else {
                format!("−{:.1}", -v)
            }
        };
        format!(
            "{} points (95% CI {} to {}, paired over {})",
            points(self.mean),
            points(self.low),
            points(self.high),
            crate::words::plural(self.cases, "case", "cases")
        )
    }
}

/// `pairs` holds, per case, the draft's and the current release's pass fractions. The
/// interval is mean ± 1.96 standard errors of the per-case differences (the normal
/// approximation; with fewer than two cases it is the mean alone).
pub fn paired_difference(pairs: &[(f64, f64)]) -> PairedDifference {
    let n = pairs.len();
    if n == 0 {
        return PairedDifference {
            mean: 0.0,
            low: 0.0,
            high: 0.0,
            cases: 0,
        };
    }
    let diffs = pairs.iter().map(|(d, c)| d - c);
    let mean = diffs.clone().sum::<f64>() / n as f64;
    let half = if n < 2 {
        0.0
    } else {
        let var = diffs.map(|d| (d - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
        1.96 * (var / n as f64).sqrt()
    };
    // Differences of pass fractions lie in [−1, 1]; so does any honest interval.
    PairedDifference {
        mean,
        low: (mean - half).max(-1.0),
        high: (mean + half).min(1.0),
        cases: n,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fisher_matches_known_values() {
        // 0/5 against 5/5: (5! 5! / 10!) = 1/252.
        assert!((fisher_less(0, 5, 5, 5) - 1.0 / 252.0).abs() < 1e-12);
        // 3/5 against 4/5 is well within noise.
        let p = fisher_less(3, 5, 4, 5);
        assert!((p - 0.5).abs() < 1e-9, "{p}");
        // The draft doing better is never a regression.
        assert!((fisher_less(5, 5, 0, 5) - 1.0).abs() < 1e-12);
        // One sample a side: 0/1 against 1/1 is p = 0.5, never below a 0.05 alpha.
        assert!((fisher_less(0, 1, 1, 1) - 0.5).abs() < 1e-12);
        // Bad counts are clamped, not a panic.
        assert!(fisher_less(9, 5, 9, 5) <= 1.0);
    }

    /// Samples `n` draws at rate `p` for both sides of `cases` cases and counts the cases
    /// the test flags at `alpha`.
    fn flagged(cases: u32, n: u32, p_draft: f64, p_current: f64, alpha: f64) -> f64 {
        let mut rng = fastrand::Rng::with_seed(7);
        let mut draw = |p: f64| (0..n).filter(|_| rng.f64() < p).count() as u32;
        let hits = (0..cases)
            .filter(|_| {
                let (d, c) = (draw(p_draft), draw(p_current));
                fisher_less(d, n, c, n) < alpha
            })
            .count();
        hits as f64 / f64::from(cases)
    }

    #[test]
    fn noise_blocks_at_most_alpha_and_real_drops_are_found() {
        // Same true pass rate on both sides: the false-block rate stays under alpha.
        for (n, p) in [(3, 0.5), (5, 0.8), (10, 0.7), (20, 0.9)] {
            let rate = flagged(20_000, n, p, p, 0.05);
            assert!(rate <= 0.05, "n={n} p={p}: {rate}");
        }
        // A case that drops from 90% to 30% is caught most of the time with 10 samples.
        assert!(flagged(5_000, 10, 0.3, 0.9, 0.05) > 0.8);
        // And a certain drop (always → never) with 5 samples every time.
        assert_eq!(flagged(1_000, 5, 0.0, 1.0, 0.05), 1.0);
    }

    #[test]
    fn the_paired_interval_is_centred_on_the_mean_and_narrows_with_cases() {
        let pairs = [(0.8, 1.0), (1.0, 1.0), (0.6, 0.8), (1.0, 0.8)];
        let d = paired_difference(&pairs);
        assert!((d.mean - (-0.05)).abs() < 1e-12, "{d:?}");
        assert!(d.low < d.mean && d.mean < d.high);
        let wide = d.high - d.low;
        let many: Vec<(f64, f64)> = pairs.iter().cycle().take(400).copied().collect();
        let narrow = paired_difference(&many);
        assert!((narrow.mean - d.mean).abs() < 1e-12);
        assert!(narrow.high - narrow.low < wide / 5.0, "{narrow:?}");
        assert_eq!(paired_difference(&[]).cases, 0);
        let one = paired_difference(&[(0.5, 1.0)]);
        assert_eq!((one.low, one.high), (-0.5, -0.5));
    }
}
