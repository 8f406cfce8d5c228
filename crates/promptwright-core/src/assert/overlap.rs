//! Word-overlap scores against a reference text: ROUGE-N recall and BLEU. Words are
//! lowercased runs of letters and digits, so punctuation and case do not count.

use std::collections::HashMap;

use super::{Check, excerpt};

/// Default bars, as promptfoo sets them.
pub const DEFAULT_ROUGE: f64 = 0.75;
pub const DEFAULT_BLEU: f64 = 0.5;

/// The largest text, in words, either score compares: bounds the n-gram tables.
const MAX_WORDS: usize = 100_000;

fn words(s: &str) -> Vec<String> {
    s.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .take(MAX_WORDS)
        .map(str::to_lowercase)
        .collect()
}

fn grams(words: &[String], n: usize) -> HashMap<&[String], usize> {
    let mut counts = HashMap::new();
    for g in words.windows(n) {
        *counts.entry(g).or_insert(0) += 1;
    }
    counts
}

/// n-grams of `candidate` also in `reference` (each counted at most as often as there),
/// and the n-gram counts of both.
fn overlap(candidate: &[String], reference: &[String], n: usize) -> (usize, usize, usize) {
    let (c, r) = (grams(candidate, n), grams(reference, n));
    let matched = c
        .iter()
        .map(|(g, k)| (*k).min(r.get(g).copied().unwrap_or(0)))
        .sum();
    let total = |m: &HashMap<&[String], usize>| m.values().sum::<usize>();
    (matched, total(&c), total(&r))
}

/// ROUGE-N recall with N = 1 (unigram overlap over the reference's words).
pub fn rouge_n_score(reference: &str, output: &str) -> f64 {
    let (matched, _, in_reference) = overlap(&words(output), &words(reference), 1);
    if in_reference == 0 {
        0.0
    } else {
        matched as f64 / in_reference as f64
    }
}

/// BLEU-4 against the closest reference: the geometric mean of 1- to 4-gram precisions
/// (add-one smoothed above unigrams, so a short answer is not scored 0 outright) times
/// the brevity penalty.
pub fn bleu_score(references: &[String], output: &str) -> f64 {
    let cand = words(output);
    if cand.is_empty() {
        return 0.0;
    }
    references
        .iter()
        .map(|r| {
            let reference = words(r);
            let mut log_sum = 0.0;
            for n in 1..=4 {
                let (matched, total, _) = overlap(&cand, &reference, n);
                let p = if n == 1 {
                    matched as f64 / total.max(1) as f64
                } else {
                    (matched as f64 + 1.0) / (total as f64 + 1.0)
                };
                if p == 0.0 {
                    return 0.0;
                }
                log_sum += p.ln() / 4.0;
            }
            let (c, r) = (cand.len() as f64, reference.len() as f64);
            let brevity = if c >= r { 1.0 } else { (1.0 - r / c).exp() };
            brevity * log_sum.exp()
        })
        .fold(0.0, f64::max)
}

pub(super) fn rouge_n(reference: &str, output: &str, bar: f64) -> Check {
    let score = rouge_n_score(reference, output);
    Check::new(
        score >= bar,
        format!(
            "have a ROUGE-1 recall of at least {bar} against {}",
            excerpt(reference, 60)
        ),
    )
    .observed(format!("it is {score:.3}"))
}

pub(super) fn bleu(references: &[String], output: &str, bar: f64) -> Check {
    let score = bleu_score(references, output);
    Check::new(
        score >= bar,
        format!("have a BLEU score of at least {bar} against the reference"),
    )
    .observed(format!("it is {score:.3}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rouge_counts_the_reference_words_the_output_has() {
        let r = "The refund window is 30 days";
        assert_eq!(rouge_n_score(r, "the REFUND window is 30 days!"), 1.0);
        // 3 of 6 reference words.
        assert!((rouge_n_score(r, "a window of 30 days") - 0.5).abs() < 1e-12);
        // A word repeated in the output counts once per time in the reference.
        assert!((rouge_n_score("days days", "days") - 0.5).abs() < 1e-12);
        assert_eq!(rouge_n_score("", "anything"), 0.0);
    }

    #[test]
    fn bleu_is_one_for_the_reference_and_falls_with_order_and_length() {
        let r = vec!["the cat sat on the mat today".to_string()];
        assert!((bleu_score(&r, "The cat sat on the mat today.") - 1.0).abs() < 1e-9);
        let shuffled = bleu_score(&r, "today the mat on sat cat the");
        let short = bleu_score(&r, "the cat sat");
        assert!(shuffled < 0.6, "{shuffled}");
        assert!(short < 0.5, "{short}");
        assert_eq!(bleu_score(&r, "entirely unrelated words"), 0.0);
        // The closest of several references counts.
        let two = vec!["nothing alike".to_string(), r[0].clone()];
        assert!((bleu_score(&two, "the cat sat on the mat today") - 1.0).abs() < 1e-9);
    }
}
