//! Edit distance with a known bound, in bounded work.
//!
//! A model answer can be megabytes long, and the full Levenshtein table is
//! O(n·m) cells: seconds of CPU per case. Since the assertion only asks whether the
//! distance is within `k`, Ukkonen's cut-off computes just the diagonal band of width
//! 2k+1 (a cell further from the diagonal costs more than k to reach) and stops as soon
//! as a whole row exceeds k: O(n·k) work.

/// The most table cells one comparison may compute; past it the comparison is refused
/// rather than left to hold a CPU for minutes. 1 MB against 1 MB with a threshold of
/// up to 24 fits.
pub const MAX_CELLS: u64 = 50_000_000;

/// Below this many cells the whole table is cheap, so the exact distance is computed
/// even when it exceeds the bound: a short mismatch then says how far off it was.
const EXACT_CELLS: u64 = 1_000_000;

/// What a bounded comparison found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Distance {
    /// The exact distance.
    Exact(usize),
    /// More than this bound.
    MoreThan(usize),
    /// Deciding would take more than [`MAX_CELLS`] cells.
    TooLarge,
}

/// Whether the edit distance in characters between `a` and `b` is within `bound`, and
/// the distance when it is (or when the texts are short). `cells` counts the work.
pub fn within(a: &str, b: &str, bound: usize, cells: &mut u64) -> Distance {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    let (n, m) = (short.len(), long.len());
    let full = (n as u64 + 1).saturating_mul(m as u64 + 1);
    if full <= EXACT_CELLS {
        let d = banded(&short, &long, m, cells).expect("a band of m covers the table");
        return Distance::Exact(d);
    }
    if m - n > bound {
        return Distance::MoreThan(bound);
    }
    let band = bound.min(m);
    let work = (n as u64 + 1).saturating_mul(2 * band as u64 + 1);
    if work.min(full) > MAX_CELLS {
        return Distance::TooLarge;
    }
    match banded(&short, &long, band, cells) {
        Some(d) => Distance::Exact(d),
        None => Distance::MoreThan(bound),
    }
}

/// Ukkonen's banded Levenshtein: `Some(distance)` when it is at most `k`, else `None`.
/// Needs `a.len() <= b.len()`. Only cells with |i - j| <= k are computed; a cell
/// outside the band reads as k + 1 ("too far").
pub(crate) fn banded(a: &[char], b: &[char], k: usize, cells: &mut u64) -> Option<usize> {
    let (n, m) = (a.len(), b.len());
    debug_assert!(n <= m);
    if m - n > k {
        return None;
    }
    let far = k + 1;
    let mut prev = vec![far; m + 1];
    let mut cur = vec![far; m + 1];
    let first = m.min(k);
    for (j, cell) in prev.iter_mut().enumerate().take(first + 1) {
        *cell = j;
    }
    *cells += first as u64 + 1;
    let (mut prev_lo, mut prev_hi) = (0, first);
    for i in 1..=n {
        let lo = i.saturating_sub(k);
        let hi = m.min(i + k);
        let mut row_min = far;
        let mut start = lo;
        if lo == 0 {
            cur[0] = i;
            row_min = i;
            start = 1;
        }
        for j in start..=hi {
            let deletion = if j <= prev_hi { prev[j] + 1 } else { far };
            let insertion = if j > lo { cur[j - 1] + 1 } else { far };
            let substitution = if j > prev_lo {
                prev[j - 1] + usize::from(a[i - 1] != b[j - 1])
            } else {
                far
            };
            let v = deletion.min(insertion).min(substitution).min(far);
            cur[j] = v;
            row_min = row_min.min(v);
        }
        *cells += (hi - lo + 1) as u64;
        if row_min > k {
            return None;
        }
        std::mem::swap(&mut prev, &mut cur);
        (prev_lo, prev_hi) = (lo, hi);
    }
    let d = prev[m];
    (d <= k).then_some(d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The textbook full table, kept here as the reference the band must agree with.
    fn plain(a: &str, b: &str) -> usize {
        let a: Vec<char> = a.chars().collect();
        let b: Vec<char> = b.chars().collect();
        let mut prev: Vec<usize> = (0..=b.len()).collect();
        for i in 1..=a.len() {
            let mut cur = vec![i; b.len() + 1];
            for j in 1..=b.len() {
                let sub = prev[j - 1] + usize::from(a[i - 1] != b[j - 1]);
                cur[j] = sub.min(prev[j] + 1).min(cur[j - 1] + 1);
            }
            prev = cur;
        }
        prev[b.len()]
    }

    fn text(max: usize) -> impl Strategy<Value = String> {
        let alphabet = vec!['a', 'b', 'c', 'é', '日', '😀', ' '];
        prop::collection::vec(prop::sample::select(alphabet), 0..max)
            .prop_map(|c| c.into_iter().collect())
    }

    fn ordered(a: &str, b: &str) -> (Vec<char>, Vec<char>) {
        let a: Vec<char> = a.chars().collect();
        let b: Vec<char> = b.chars().collect();
        if a.len() <= b.len() { (a, b) } else { (b, a) }
    }

    proptest! {
        #[test]
        fn the_band_agrees_with_the_full_table(a in text(24), b in text(24), k in 0usize..30) {
            let want = plain(&a, &b);
            let (short, long) = ordered(&a, &b);
            let got = banded(&short, &long, k, &mut 0);
            prop_assert_eq!(got, (want <= k).then_some(want));
            // Short texts always get the exact distance.
            prop_assert_eq!(within(&a, &b, k, &mut 0), Distance::Exact(want));
        }

        #[test]
        fn a_near_copy_agrees_with_the_full_table(
            a in text(40),
            edits in prop::collection::vec((any::<prop::sample::Index>(), text(3)), 0..6),
            k in 0usize..8,
        ) {
            // Small edits of one text: distances near k, where the cut-off matters.
            let mut b: Vec<char> = a.chars().collect();
            for (at, with) in edits {
                let i = if b.is_empty() { 0 } else { at.index(b.len()) };
                let end = (i + 1).min(b.len());
                b.splice(i..end, with.chars());
            }
            let b: String = b.into_iter().collect();
            let want = plain(&a, &b);
            let (short, long) = ordered(&a, &b);
            prop_assert_eq!(banded(&short, &long, k, &mut 0), (want <= k).then_some(want));
        }
    }

    #[test]
    fn megabyte_texts_with_a_small_bound_cost_a_band_not_a_table() {
        let a = "The quick brown fox jumps over the lazy dog. ".repeat(23_000);
        let mut b = a.clone();
        b.replace_range(500_000..500_003, "###");
        b.push('!');
        let n = a.chars().count() as u64;
        assert!(n > 1_000_000);
        let mut cells = 0;
        assert_eq!(within(&a, &b, 5, &mut cells), Distance::Exact(4));
        assert!(cells <= (n + 2) * 11, "{cells} cells");

        // Entirely different texts stop after the first rows that all exceed the bound.
        let c = "x".repeat(a.len());
        let mut cells = 0;
        assert_eq!(within(&a, &c, 5, &mut cells), Distance::MoreThan(5));
        assert!(cells < 1_000, "{cells} cells");
    }

    #[test]
    fn a_bound_too_large_to_decide_in_budget_is_refused_without_work() {
        let a = "a".repeat(1_000_000);
        let b = "b".repeat(1_000_000);
        let mut cells = 0;
        assert_eq!(within(&a, &b, 1_000, &mut cells), Distance::TooLarge);
        assert_eq!(cells, 0);
        // A length gap beyond the bound is decided at once, however long the texts.
        assert_eq!(within(&a, "a", 10, &mut cells), Distance::MoreThan(10));
        assert_eq!(cells, 0);
    }
}
