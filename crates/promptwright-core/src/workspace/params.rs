//! A prompt's `[params]`: checked against the request parameters its provider's API
//! documents, so `temprature = 0.0` is a typo reported at its key, not a parameter the
//! server silently ignores (or rejects case by case at run time). A parameter
//! promptwright does not list yet goes in `[params.extra]`, sent as written.

use std::collections::BTreeMap;

use serde_json::Value;

use super::config::ProviderKind;

/// The escape table: its entries go into the request body unchecked.
pub const EXTRA: &str = "extra";

/// OpenAI chat completions (also what OpenAI-compatible servers accept).
pub const OPENAI: &[&str] = &[
    "temperature",
    "top_p",
    "max_tokens",
    "max_completion_tokens",
    "stop",
    "seed",
    "presence_penalty",
    "frequency_penalty",
    "logit_bias",
    "logprobs",
    "top_logprobs",
    "n",
    "reasoning_effort",
    "verbosity",
    "service_tier",
    "user",
    "parallel_tool_calls",
    "store",
    "metadata",
];

/// Anthropic messages.
pub const ANTHROPIC: &[&str] = &[
    "max_tokens",
    "temperature",
    "top_p",
    "top_k",
    "stop_sequences",
    "thinking",
    "metadata",
    "service_tier",
];

/// Body fields promptwright writes itself: `[params.extra]` may not replace them.
const RESERVED: &[&str] = &["model", "messages", "system", "stream"];

/// The parameters a provider kind takes. Offline kinds (echo, replay) take either
/// API's: a prompt is written for the model it will ship with.
pub fn known(kind: Option<ProviderKind>) -> Vec<&'static str> {
    let mut names: Vec<&str> = match kind {
        Some(ProviderKind::Openai) => OPENAI.to_vec(),
        Some(ProviderKind::Anthropic) => ANTHROPIC.to_vec(),
        Some(ProviderKind::Echo | ProviderKind::Replay) | None => {
            OPENAI.iter().chain(ANTHROPIC).copied().collect()
        }
    };
    names.sort_unstable();
    names.dedup();
    names
}

/// A problem with one key of `[params]` (or of `[params.extra]`, `in_extra`).
#[derive(Debug, Clone, PartialEq)]
pub struct ParamError {
    pub key: String,
    pub in_extra: bool,
    pub message: String,
    pub help: String,
}

/// Checks `params` for a provider of `kind` (`None`: not known, e.g. an undefined
/// provider reported elsewhere; then either API's names pass).
pub fn check(
    params: &BTreeMap<String, Value>,
    kind: Option<ProviderKind>,
    provider: Option<&str>,
) -> Vec<ParamError> {
    let names = known(kind);
    let api = match kind {
        Some(ProviderKind::Openai) => "OpenAI chat completions",
        Some(ProviderKind::Anthropic) => "Anthropic messages",
        _ => "OpenAI chat completions or Anthropic messages",
    };
    let mut out = Vec::new();
    for (key, value) in params {
        if key == EXTRA {
            match value {
                Value::Object(extra) => {
                    for k in extra.keys() {
                        if RESERVED.contains(&k.as_str()) {
                            out.push(ParamError {
                                key: k.clone(),
                                in_extra: true,
                                message: format!("`{k}` cannot be set in [params.extra]"),
                                help: format!(
                                    "promptwright writes `{k}` itself; set the model with `model = \"...\"` at the top of the prompt"
                                ),
                            });
                        } else if names.contains(&k.as_str()) {
                            out.push(ParamError {
                                key: k.clone(),
                                in_extra: true,
                                message: format!("`{k}` is a known parameter"),
                                help: format!(
                                    "move `{k} = ...` from [params.extra] to [params], where it is checked"
                                ),
                            });
                        }
                    }
                }
                _ => out.push(ParamError {
                    key: key.clone(),
                    in_extra: false,
                    message: "`extra` must be a table".into(),
                    help: "write parameters promptwright does not know yet under [params.extra], e.g.\n\n[params.extra]\nmin_p = 0.05".into(),
                }),
            }
            continue;
        }
        if names.contains(&key.as_str()) {
            continue;
        }
        let hint = match crate::vocab::did_you_mean(key, names.iter().copied()) {
            Some(s) => format!("did you mean `{s}`? "),
            None => String::new(),
        };
        out.push(ParamError {
            key: key.clone(),
            in_extra: false,
            message: match provider {
                Some(p) => format!("unknown parameter `{key}` for provider `{p}` ({api})"),
                None => format!("unknown parameter `{key}` ({api})"),
            },
            help: format!(
                "{hint}known: {}; a parameter promptwright does not know yet goes under [params.extra] and is sent as written",
                names.join(", ")
            ),
        });
    }
    out
}

/// The request body's parameters: `[params]` as written, with the entries of
/// `[params.extra]` beside them (never replacing a checked one).
pub fn body_params(params: &BTreeMap<String, Value>) -> serde_json::Map<String, Value> {
    let mut body = serde_json::Map::new();
    if let Some(Value::Object(extra)) = params.get(EXTRA) {
        for (k, v) in extra {
            if !RESERVED.contains(&k.as_str()) {
                body.insert(k.clone(), v.clone());
            }
        }
    }
    for (k, v) in params {
        if k != EXTRA {
            body.insert(k.clone(), v.clone());
        }
    }
    body
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn params(v: Value) -> BTreeMap<String, Value> {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn a_misspelt_key_gets_a_did_you_mean_for_its_kind() {
        let errs = check(
            &params(json!({"temprature": 0.0})),
            Some(ProviderKind::Openai),
            Some("openai"),
        );
        assert_eq!(errs.len(), 1);
        assert_eq!(
            errs[0].message,
            "unknown parameter `temprature` for provider `openai` (OpenAI chat completions)"
        );
        assert!(
            errs[0].help.starts_with("did you mean `temperature`?"),
            "{}",
            errs[0].help
        );
        assert!(errs[0].help.contains("[params.extra]"));
    }

    #[test]
    fn each_kind_takes_its_own_parameters_and_offline_kinds_take_both() {
        let openai_only = params(json!({"max_completion_tokens": 10, "reasoning_effort": "low"}));
        let anthropic_only = params(json!({"top_k": 5, "stop_sequences": ["x"]}));
        assert!(check(&openai_only, Some(ProviderKind::Openai), Some("o")).is_empty());
        assert_eq!(
            check(&openai_only, Some(ProviderKind::Anthropic), Some("a")).len(),
            2
        );
        assert!(check(&anthropic_only, Some(ProviderKind::Anthropic), Some("a")).is_empty());
        assert_eq!(
            check(&anthropic_only, Some(ProviderKind::Openai), Some("o")).len(),
            2
        );
        for kind in [ProviderKind::Echo, ProviderKind::Replay] {
            assert!(check(&openai_only, Some(kind), Some("x")).is_empty());
            assert!(check(&anthropic_only, Some(kind), Some("x")).is_empty());
        }
    }

    #[test]
    fn extra_is_passed_through_beside_the_checked_params() {
        let p = params(json!({"temperature": 0.2, "extra": {"min_p": 0.05, "model": "evil"}}));
        let body = body_params(&p);
        assert_eq!(body.get("min_p"), Some(&json!(0.05)));
        assert_eq!(body.get("temperature"), Some(&json!(0.2)));
        assert!(!body.contains_key("extra") && !body.contains_key("model"));
        // The reserved key is reported, and a known one belongs in [params].
        let errs = check(
            &params(json!({"extra": {"model": "x", "temperature": 1, "min_p": 0.1}})),
            Some(ProviderKind::Openai),
            Some("o"),
        );
        let keys: Vec<(&str, bool)> = errs.iter().map(|e| (e.key.as_str(), e.in_extra)).collect();
        assert_eq!(keys, [("model", true), ("temperature", true)]);
        let errs = check(&params(json!({"extra": 1})), None, None);
        assert_eq!(errs[0].message, "`extra` must be a table");
    }
}
