//! The allowed range of every number a workspace file may hold. A value outside its
//! range is an error at its position, with a help line giving the range: a timeout of
//! 1e20 seconds or a concurrency of four billion is a typo or an attack, never a setting.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value;
use toml::Spanned;

use super::config::ProviderKind;
use crate::vocab::{Diagnostic, Source};

/// A closed range of numbers, optionally whole numbers only, with its unit for messages.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bound {
    pub min: f64,
    /// The minimum itself is not allowed (`timeout_s` must be more than 0).
    pub min_exclusive: bool,
    pub max: f64,
    pub whole: bool,
    /// "seconds", "USD"...; "" when the number has no unit.
    pub unit: &'static str,
}

impl Bound {
    pub const fn new(min: f64, max: f64) -> Bound {
        Bound {
            min,
            min_exclusive: false,
            max,
            whole: false,
            unit: "",
        }
    }

    pub const fn whole(min: f64, max: f64) -> Bound {
        Bound {
            whole: true,
            ..Bound::new(min, max)
        }
    }

    pub const fn above(self) -> Bound {
        Bound {
            min_exclusive: true,
            ..self
        }
    }

    pub const fn unit(self, unit: &'static str) -> Bound {
        Bound { unit, ..self }
    }

    pub fn contains(&self, v: f64) -> bool {
        let low = if self.min_exclusive {
            v > self.min
        } else {
            v >= self.min
        };
        v.is_finite() && low && v <= self.max && (!self.whole || v.fract() == 0.0)
    }

    /// "a whole number from 1 to 1000", "more than 0 and at most 86400 seconds".
    pub fn describe(&self) -> String {
        let what = if self.whole {
            "a whole number"
        } else {
            "a number"
        };
        let unit = if self.unit.is_empty() {
            String::new()
        } else {
            format!(" {}", self.unit)
        };
        if self.min_exclusive {
            format!(
                "{what} more than {} and at most {}{unit}",
                self.min, self.max
            )
        } else {
            format!("{what} from {} to {}{unit}", self.min, self.max)
        }
    }
}

/// `[providers.*] concurrency`: requests in flight at once.
pub const CONCURRENCY: Bound = Bound::whole(1.0, 1000.0);
/// `[providers.*] timeout_s`: one request, up to a day.
pub const TIMEOUT_S: Bound = Bound::new(0.0, 86_400.0).above().unit("seconds");
/// `[providers.*] max_retries`: the backoff doubles each time, capped at 30 s a wait.
pub const MAX_RETRIES: Bound = Bound::whole(0.0, 20.0);
/// `[providers.*] rpm`: requests a minute; the largest vendors' tiers stop well below.
pub const RPM: Bound = Bound::whole(1.0, 1_000_000.0);
/// `[providers.*] tpm`: tokens a minute. Below 100 not one ordinary request fits.
pub const TPM: Bound = Bound::whole(100.0, 1_000_000_000.0);
/// `[providers.*] max_response_mb`: a gigabyte of JSON is no model's answer; above
/// this the cap protects nothing.
pub const MAX_RESPONSE_MB: Bound = Bound::new(0.0, 1024.0).above().unit("MiB");
/// `[pricing]` input and output: USD per million tokens.
pub const PRICE: Bound = Bound::new(0.0, 10_000.0).unit("USD per million tokens");
/// Pass rates and score thresholds.
pub const RATE: Bound = Bound::new(0.0, 1.0);
/// `repeat` of a suite, `--repeat`, `[gate] repeats`: samples drawn per case. Each is
/// a paid call; past a hundred the answer to "is this case flaky" does not change.
pub const REPEAT: Bound = Bound::whole(1.0, 100.0);
/// `min_pass_fraction`: the share of a case's samples that must pass.
pub const PASS_FRACTION: Bound = Bound::new(0.0, 1.0).above();
/// `[gate] regression_alpha`: a false-block rate per case; above one half a coin toss
/// would block.
pub const ALPHA: Bound = Bound::new(0.0, 0.5).above();
/// `[gate] max_cost_usd`.
pub const COST_USD: Bound = Bound::new(0.0, 1_000_000.0).unit("USD");

/// A diagnostic when `value` (of `key`, written at its span) is outside `bound`.
pub fn check(
    src: &Source,
    key: &str,
    value: &Spanned<impl Copy + Into<f64>>,
    bound: Bound,
    errors: &mut Vec<Diagnostic>,
) {
    let v: f64 = (*value.get_ref()).into();
    if !bound.contains(v) {
        errors.push(out_of_range(src, key, value.span(), bound));
    }
}

/// The value itself is on the snippet line, as written: `1e20` rather than its digits.
fn out_of_range(src: &Source, key: &str, span: std::ops::Range<usize>, bound: Bound) -> Diagnostic {
    src.at(span, format!("`{key}` is out of range"))
        .with_help(format!("`{key}` must be {}", bound.describe()))
}

/// The range of a numeric model parameter in `[params]`, by provider kind (`None`: the
/// provider is not known yet, or offline: the widest of the vendors' ranges). Unknown
/// and non-numeric parameters are the vendors' to judge.
pub fn param_bound(name: &str, kind: Option<ProviderKind>) -> Option<Bound> {
    let anthropic = kind == Some(ProviderKind::Anthropic);
    Some(match name {
        "temperature" if anthropic => Bound::new(0.0, 1.0),
        "temperature" => Bound::new(0.0, 2.0),
        "top_p" => Bound::new(0.0, 1.0),
        "top_k" => Bound::whole(0.0, 1_000_000.0),
        "max_tokens" | "max_completion_tokens" => Bound::whole(1.0, 10_000_000.0),
        "presence_penalty" | "frequency_penalty" => Bound::new(-2.0, 2.0),
        "top_logprobs" => Bound::whole(0.0, 20.0),
        "n" => Bound::whole(1.0, 128.0),
        "seed" => Bound::whole(-9.2e18, 9.2e18),
        _ => return None,
    })
}

/// Checks the numeric `[params]` of a prompt file. The file is read again for the
/// positions of the values (a small file; the definition keeps plain values).
pub fn check_params(src: &Source, kind: Option<ProviderKind>, errors: &mut Vec<Diagnostic>) {
    #[derive(Deserialize)]
    struct Params {
        #[serde(default)]
        params: BTreeMap<String, Spanned<Value>>,
    }
    let Ok(file) = toml::from_str::<Params>(&src.text) else {
        return; // the prompt's own parse reports the syntax
    };
    for (name, value) in &file.params {
        let Some(bound) = param_bound(name, kind) else {
            continue;
        };
        match value.get_ref() {
            Value::Number(n) => {
                let v = n.as_f64().unwrap_or(f64::NAN);
                if !bound.contains(v) {
                    errors.push(out_of_range(src, name, value.span(), bound));
                }
            }
            _ => errors.push(
                src.at(value.span(), format!("`{name}` must be a number"))
                    .with_help(format!("`{name}` must be {}", bound.describe())),
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_hold_their_ends_and_refuse_the_rest() {
        assert!(TIMEOUT_S.contains(86_400.0) && TIMEOUT_S.contains(0.5));
        for bad in [0.0, -1.0, 1e20, f64::NAN, f64::INFINITY] {
            assert!(!TIMEOUT_S.contains(bad), "{bad}");
        }
        assert!(CONCURRENCY.contains(1.0) && !CONCURRENCY.contains(1.5));
        assert_eq!(
            TIMEOUT_S.describe(),
            "a number more than 0 and at most 86400 seconds"
        );
        assert_eq!(CONCURRENCY.describe(), "a whole number from 1 to 1000");
    }
}
