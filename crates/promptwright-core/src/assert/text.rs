//! Text assertions: equality, containment, prefixes, patterns, lengths, edit distance.
//! Lengths count characters (Unicode scalar values), never bytes.

use super::distance::{self, Distance};
use super::{Check, Kind, excerpt};

const EXCERPT: usize = 80;

fn list(items: &[String]) -> String {
    let quoted: Vec<String> = items.iter().map(|s| format!("{s:?}")).collect();
    format!("[{}]", quoted.join(", "))
}

fn lower(s: &str) -> String {
    s.to_lowercase()
}

/// Containment checks for the any/all families; `fold` lowercases for the i- variants.
fn contains_set(output: &str, items: &[String], fold: bool, all: bool) -> Check {
    let hay = if fold {
        lower(output)
    } else {
        output.to_string()
    };
    let found = |s: &String| {
        if fold {
            hay.contains(&lower(s))
        } else {
            hay.contains(s.as_str())
        }
    };
    let (present, missing): (Vec<String>, Vec<String>) = items.iter().cloned().partition(found);
    let case = if fold { " (ignoring case)" } else { "" };
    if all {
        let c = Check::new(
            missing.is_empty(),
            format!("contain all of {}{case}", list(items)),
        );
        if missing.is_empty() {
            c
        } else {
            c.observed(format!("missing {}", list(&missing)))
        }
    } else {
        let c = Check::new(
            !present.is_empty(),
            format!("contain any of {}{case}", list(items)),
        );
        if present.is_empty() {
            c.observed("none found")
        } else {
            c.observed(format!("found {}", list(&present)))
        }
    }
}

pub(super) fn check(kind: &Kind, output: &str) -> Check {
    match kind {
        Kind::Equals(v) => {
            let c = Check::new(output == v, format!("equal {}", excerpt(v, EXCERPT)));
            if output == v {
                c
            } else {
                c.observed(format!("it was {}", excerpt(output, EXCERPT)))
            }
        }
        Kind::Contains(v) => Check::new(output.contains(v.as_str()), format!("contain {v:?}")),
        Kind::IContains(v) => Check::new(
            lower(output).contains(&lower(v)),
            format!("contain {v:?} (ignoring case)"),
        ),
        Kind::ContainsAny(items) => contains_set(output, items, false, false),
        Kind::ContainsAll(items) => contains_set(output, items, false, true),
        Kind::IContainsAny(items) => contains_set(output, items, true, false),
        Kind::IContainsAll(items) => contains_set(output, items, true, true),
        Kind::StartsWith(v) => {
            let c = Check::new(output.starts_with(v.as_str()), format!("start with {v:?}"));
            if output.starts_with(v.as_str()) {
                c
            } else {
                c.observed(format!(
                    "it starts with {}",
                    excerpt(output, v.chars().count().clamp(10, EXCERPT))
                ))
            }
        }
        Kind::Regex(re) => match re.find(output) {
            Some(m) => Check::new(true, format!("match /{}/", re.as_str()))
                .observed(format!("matched {}", excerpt(m.as_str(), EXCERPT))),
            None => Check::new(false, format!("match /{}/", re.as_str())),
        },
        Kind::MinLength(n) => {
            let len = output.chars().count();
            Check::new(len >= *n, format!("have at least {n} characters"))
                .observed(format!("it has {len}"))
        }
        Kind::MaxLength(n) => {
            let len = output.chars().count();
            Check::new(len <= *n, format!("have at most {n} characters"))
                .observed(format!("it has {len}"))
        }
        other => unreachable!("not a text assertion: {other:?}"),
    }
}

/// Edit distance in characters between the output and the expected text, computed only
/// as far as the threshold needs (see `distance`); a comparison too large to decide
/// within the work limit fails whichever way it is negated.
pub(super) fn levenshtein(expected: &str, output: &str, max_distance: f64) -> Check {
    // Distances are whole numbers; `as` saturates a huge threshold.
    let bound = max_distance.floor() as usize;
    let mut cells = 0;
    let expectation = format!(
        "be within edit distance {max_distance} of {}",
        excerpt(expected, EXCERPT)
    );
    match distance::within(expected, output, bound, &mut cells) {
        Distance::Exact(d) => {
            Check::new(d <= bound, expectation).observed(format!("distance is {d}"))
        }
        Distance::MoreThan(b) => {
            Check::new(false, expectation).observed(format!("distance is more than {b}"))
        }
        Distance::TooLarge => Check::undecided(
            expectation,
            format!(
                "not compared: texts of {} and {} characters with this threshold need \
                 more than {} table cells (the limit); lower the threshold or compare a \
                 shorter text",
                expected.chars().count(),
                output.chars().count(),
                distance::MAX_CELLS
            ),
        ),
    }
}
