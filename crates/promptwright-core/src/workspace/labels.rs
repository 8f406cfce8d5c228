//! `[labels.NAME]` of workspace.toml: the named pointers applications load
//! (`releases/PROMPT@NAME.toml`) and what a version must show to be moved there.

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;

use super::config::{SuiteGate, is_valid_name};
use super::ranges;
use crate::vocab::{Diagnostic, Source, did_you_mean};

/// Names a label cannot take: they are REFs already.
pub const RESERVED_LABELS: &[&str] = &["draft", "current"];

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct LabelFile {
    after: Option<Spanned<String>>,
    min_pass_rate: Option<Spanned<f64>>,
    max_errors: Option<u64>,
    repeats: Option<Spanned<u32>>,
    #[serde(default)]
    suite: BTreeMap<String, Spanned<LabelSuiteFile>>,
}

/// `[labels.NAME.suite.X]` as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct LabelSuiteFile {
    min_pass_rate: Option<Spanned<f64>>,
    max_errors: Option<u64>,
}

/// One label as configured; unset thresholds are `None` (then `[gate]`'s apply).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LabelConfig {
    pub name: String,
    /// A label the version must have held before it may move here.
    pub after: Option<String>,
    pub min_pass_rate: Option<f64>,
    pub max_errors: Option<u64>,
    /// Samples per case on the fresh run (1 when unset).
    pub repeats: Option<u32>,
    pub suite: BTreeMap<String, SuiteGate>,
    /// Where each `[labels.NAME.suite.X]` is, to report one that names no suite.
    pub(crate) suite_spans: BTreeMap<String, std::ops::Range<usize>>,
}

/// Whether `s` could name a label: a name, not a REF (`draft`, `current`, `v3`).
pub fn is_label_name(s: &str) -> bool {
    is_valid_name(s)
        && !RESERVED_LABELS.contains(&s)
        && !s
            .strip_prefix('v')
            .is_some_and(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()))
}

/// Checks the `[labels]` tables and returns them; problems go to `errors`.
pub(crate) fn parse(
    src: &Source,
    labels: BTreeMap<String, Spanned<LabelFile>>,
    errors: &mut Vec<Diagnostic>,
) -> BTreeMap<String, LabelConfig> {
    let names: Vec<String> = labels.keys().cloned().collect();
    let mut out = BTreeMap::new();
    for (name, spanned) in labels {
        let span = spanned.span();
        let l = spanned.into_inner();
        if !is_label_name(&name) {
            errors.push(
                src.at(span.clone(), format!("`{name}` cannot be a label name"))
                    .with_help(
                        "labels use lowercase letters, digits, `-` and `_`, and are not `draft`, `current` or vN, e.g. [labels.production]",
                    ),
            );
        }
        if let Some(after) = &l.after {
            let a = after.get_ref();
            if *a == name {
                errors.push(
                    src.at(
                        after.span(),
                        format!("label `{name}` cannot come after itself"),
                    )
                    .with_help("name another label, e.g. after = \"staging\", or remove `after`"),
                );
            } else if !names.contains(a) {
                let help = match did_you_mean(a, names.iter().map(String::as_str)) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None => format!("define [labels.{a}] or remove `after`"),
                };
                errors.push(
                    src.at(
                        after.span(),
                        format!("`after` names `{a}`, which is not a label"),
                    )
                    .with_help(help),
                );
            }
        }
        if let Some(r) = &l.min_pass_rate {
            ranges::check(src, "min_pass_rate", r, ranges::RATE, errors);
        }
        if let Some(r) = &l.repeats {
            ranges::check(src, "repeats", r, ranges::REPEAT, errors);
        }
        let mut suite = BTreeMap::new();
        let mut suite_spans = BTreeMap::new();
        for (s, v) in l.suite {
            suite_spans.insert(s.clone(), v.span());
            let v = v.into_inner();
            if let Some(r) = &v.min_pass_rate {
                ranges::check(src, "min_pass_rate", r, ranges::RATE, errors);
            }
            suite.insert(
                s,
                SuiteGate {
                    min_pass_rate: v.min_pass_rate.map(Spanned::into_inner),
                    max_regressions: None,
                    max_errors: v.max_errors,
                },
            );
        }
        out.insert(
            name.clone(),
            LabelConfig {
                name,
                after: l.after.map(Spanned::into_inner),
                min_pass_rate: l.min_pass_rate.map(Spanned::into_inner),
                max_errors: l.max_errors,
                repeats: l.repeats.map(Spanned::into_inner),
                suite,
                suite_spans,
            },
        );
    }
    // A cycle of `after` would make every label in it unreachable.
    for start in out.keys() {
        let mut seen = vec![start.as_str()];
        let mut at = start.as_str();
        while let Some(next) = out.get(at).and_then(|l| l.after.as_deref()) {
            if next == start {
                errors.push(
                    Diagnostic::file(
                        src.path.clone(),
                        format!(
                            "the labels' `after` go round in a circle: {} → {start}",
                            seen.join(" → ")
                        ),
                    )
                    .with_help("no version could ever reach them: remove one `after`"),
                );
                return out;
            }
            if seen.contains(&next) || !out.contains_key(next) {
                break;
            }
            seen.push(next);
            at = next;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refs_are_not_label_names() {
        for bad in ["draft", "current", "v3", "v10", "Prod", "a@b", ""] {
            assert!(!is_label_name(bad), "{bad}");
        }
        for good in ["staging", "production", "v", "vip", "eu-west_1"] {
            assert!(is_label_name(good), "{good}");
        }
    }
}
