//! workspace.toml: providers, pricing, grader and gate thresholds.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use toml::Spanned;

use super::ranges;
use crate::vocab::{Diagnostic, Source, did_you_mean};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ProviderKind {
    Echo,
    Openai,
    Anthropic,
    Replay,
}

impl ProviderKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ProviderKind::Echo => "echo",
            ProviderKind::Openai => "openai",
            ProviderKind::Anthropic => "anthropic",
            ProviderKind::Replay => "replay",
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct WorkspaceFile {
    workspace: WorkspaceSection,
    #[serde(default)]
    providers: BTreeMap<String, Spanned<ProviderFile>>,
    #[serde(default)]
    pricing: BTreeMap<String, Spanned<Price>>,
    grader: Option<GraderFile>,
    embedder: Option<GraderFile>,
    #[serde(default)]
    gate: GateFile,
    #[serde(default)]
    labels: BTreeMap<String, Spanned<super::labels::LabelFile>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct WorkspaceSection {
    name: String,
    default_provider: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ProviderFile {
    kind: ProviderKind,
    base_url: Option<Spanned<String>>,
    api_key_env: Option<Spanned<String>>,
    concurrency: Option<Spanned<u32>>,
    timeout_s: Option<Spanned<f64>>,
    max_retries: Option<Spanned<u32>>,
    max_response_mb: Option<Spanned<f64>>,
    rpm: Option<Spanned<u32>>,
    tpm: Option<Spanned<u32>>,
    adaptive: Option<Spanned<bool>>,
    cassette: Option<Spanned<String>>,
}

/// USD per million tokens.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Price {
    pub input: f64,
    pub output: f64,
    /// The prices of a provider's batch API (`eval --batch`); half the others when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batch_input: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batch_output: Option<f64>,
}

impl Price {
    pub const fn new(input: f64, output: f64) -> Price {
        Price {
            input,
            output,
            batch_input: None,
            batch_output: None,
        }
    }

    /// What a call through the batch API costs: the batch prices when given, else half
    /// the others (what both vendors charge).
    pub fn batch(self) -> Price {
        Price::new(
            self.batch_input.unwrap_or(self.input / 2.0),
            self.batch_output.unwrap_or(self.output / 2.0),
        )
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct GraderFile {
    provider: Spanned<String>,
    model: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct GateFile {
    min_pass_rate: Option<Spanned<f64>>,
    max_regressions: Option<u64>,
    max_errors: Option<u64>,
    max_cost_usd: Option<Spanned<f64>>,
    max_p95_latency_ms: Option<u64>,
    allow_new_variables: Option<bool>,
    repeats: Option<Spanned<u32>>,
    max_flaky: Option<u64>,
    regression_alpha: Option<Spanned<f64>>,
    #[serde(default)]
    suite: BTreeMap<String, Spanned<SuiteGateFile>>,
}

/// `[gate.suite.X]` as written, with the position of its rate for messages.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct SuiteGateFile {
    min_pass_rate: Option<Spanned<f64>>,
    max_regressions: Option<u64>,
    max_errors: Option<u64>,
}

/// Per-suite overrides of the gate.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SuiteGate {
    pub min_pass_rate: Option<f64>,
    pub max_regressions: Option<u64>,
    pub max_errors: Option<u64>,
}

/// A provider as configured, with the defaults of its kind applied.
#[derive(Debug, Clone, PartialEq)]
pub struct ProviderConfig {
    pub name: String,
    pub kind: ProviderKind,
    pub base_url: Option<String>,
    /// Name of the environment variable holding the key; never the key itself.
    pub api_key_env: Option<String>,
    pub concurrency: u32,
    pub timeout_s: f64,
    pub max_retries: u32,
    /// The largest answer body read, in MiB; a larger one is an errored case.
    pub max_response_mb: f64,
    /// Requests per minute, started evenly spaced; unlimited when unset.
    pub rpm: Option<u32>,
    /// Tokens (in and out) per minute, estimated before each request and corrected by
    /// the usage its answer reports; unlimited when unset.
    pub tpm: Option<u32>,
    /// Concurrency halves on a 429 and climbs back by one after a run of successes.
    pub adaptive: bool,
    /// Absolute path of the replay cassette.
    pub cassette: Option<std::path::PathBuf>,
    /// Where `base_url` is written (a diagnostic with no message yet), for problems found
    /// after loading, such as a host refused the key.
    pub base_url_at: Option<Diagnostic>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Grader {
    pub provider: String,
    pub model: String,
}

/// `[gate] regression_alpha` when unset.
pub const DEFAULT_REGRESSION_ALPHA: f64 = 0.05;

/// The `[gate]` thresholds as written; unset keys are `None`.
#[derive(Debug, Clone, PartialEq)]
pub struct GateConfig {
    pub min_pass_rate: Option<f64>,
    pub max_regressions: Option<u64>,
    pub max_errors: Option<u64>,
    pub max_cost_usd: Option<f64>,
    pub max_p95_latency_ms: Option<u64>,
    pub allow_new_variables: Option<bool>,
    /// Samples drawn per case on each side of a gate (1: one draw, the old rule).
    pub repeats: u32,
    /// Most cases allowed whose draft samples disagree; unchecked when unset.
    pub max_flaky: Option<u64>,
    /// How unlikely under noise a case's drop in pass fraction must be to count as a
    /// regression when `repeats` > 1.
    pub regression_alpha: f64,
    pub suite: BTreeMap<String, SuiteGate>,
    /// Where each `[gate.suite.X]` table is, to report one that names no suite.
    pub(crate) suite_spans: BTreeMap<String, std::ops::Range<usize>>,
}

impl Default for GateConfig {
    fn default() -> GateConfig {
        GateConfig {
            min_pass_rate: None,
            max_regressions: None,
            max_errors: None,
            max_cost_usd: None,
            max_p95_latency_ms: None,
            allow_new_variables: None,
            repeats: 1,
            max_flaky: None,
            regression_alpha: DEFAULT_REGRESSION_ALPHA,
            suite: BTreeMap::new(),
            suite_spans: BTreeMap::new(),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    pub name: String,
    pub default_provider: Option<String>,
    pub providers: BTreeMap<String, ProviderConfig>,
    pub pricing: BTreeMap<String, Price>,
    pub grader: Option<Grader>,
    /// `[embedder]`: the provider and model `similar` assertions take embeddings from.
    pub embedder: Option<Grader>,
    pub gate: GateConfig,
    /// `[labels.NAME]`, by name.
    pub labels: BTreeMap<String, super::labels::LabelConfig>,
}

pub(crate) fn is_valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_lowercase() || c.is_ascii_digit())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-')
}

const DEFAULT_CONCURRENCY: u32 = 8;
const DEFAULT_TIMEOUT_S: f64 = 60.0;
const DEFAULT_MAX_RETRIES: u32 = 4;
pub const DEFAULT_MAX_RESPONSE_MB: f64 = 8.0;

/// Parses and validates workspace.toml. `root` resolves the cassette path.
pub fn parse(src: &Source, root: &std::path::Path) -> Result<Config, Vec<Diagnostic>> {
    let file: WorkspaceFile = toml::from_str(&src.text).map_err(|e| vec![src.toml_error(&e)])?;
    let mut errors = Vec::new();
    let mut providers = BTreeMap::new();
    for (name, spanned) in file.providers {
        let span = spanned.span();
        let p = spanned.into_inner();
        if !is_valid_name(&name) {
            errors.push(
                src.at(span.clone(), format!("invalid provider name `{name}`"))
                    .with_help("names use lowercase letters, digits, `-` and `_`, starting with a letter or digit"),
            );
        }
        let kind = p.kind;
        let unused =
            |field: &str, at: Option<std::ops::Range<usize>>, errors: &mut Vec<Diagnostic>| {
                if let Some(at) = at {
                    errors.push(
                        src.at(
                            at,
                            format!(
                                "`{field}` has no meaning for a provider of kind `{}`",
                                kind.as_str()
                            ),
                        )
                        .with_help(format!("remove `{field}` from [providers.{name}]")),
                    );
                }
            };
        if matches!(kind, ProviderKind::Echo | ProviderKind::Replay) {
            unused(
                "base_url",
                p.base_url.as_ref().map(Spanned::span),
                &mut errors,
            );
            unused(
                "api_key_env",
                p.api_key_env.as_ref().map(Spanned::span),
                &mut errors,
            );
            let cap = p.max_response_mb.as_ref().map(Spanned::span);
            unused("max_response_mb", cap, &mut errors);
            unused("rpm", p.rpm.as_ref().map(Spanned::span), &mut errors);
            unused("tpm", p.tpm.as_ref().map(Spanned::span), &mut errors);
            let adaptive = p.adaptive.as_ref().map(Spanned::span);
            unused("adaptive", adaptive, &mut errors);
        }
        match kind {
            ProviderKind::Echo => {
                unused(
                    "cassette",
                    p.cassette.as_ref().map(Spanned::span),
                    &mut errors,
                );
            }
            ProviderKind::Replay => {
                if p.cassette.is_none() {
                    errors.push(
                        src.at(span.clone(), format!("provider `{name}` of kind `replay` needs a `cassette`"))
                            .with_help("add cassette = \"evals/cassettes/NAME.jsonl\" (recorded by `eval --record`)"),
                    );
                }
            }
            ProviderKind::Openai | ProviderKind::Anthropic => {
                unused(
                    "cassette",
                    p.cassette.as_ref().map(Spanned::span),
                    &mut errors,
                );
                if let Some(url) = &p.base_url {
                    errors.extend(base_url_problem(src, url));
                }
            }
        }
        if let Some(mb) = &p.max_response_mb {
            ranges::check(
                src,
                "max_response_mb",
                mb,
                ranges::MAX_RESPONSE_MB,
                &mut errors,
            );
        }
        if let Some(c) = &p.concurrency {
            ranges::check(src, "concurrency", c, ranges::CONCURRENCY, &mut errors);
        }
        if let Some(t) = &p.timeout_s {
            ranges::check(src, "timeout_s", t, ranges::TIMEOUT_S, &mut errors);
        }
        if let Some(r) = &p.max_retries {
            ranges::check(src, "max_retries", r, ranges::MAX_RETRIES, &mut errors);
        }
        if let Some(r) = &p.rpm {
            ranges::check(src, "rpm", r, ranges::RPM, &mut errors);
        }
        if let Some(t) = &p.tpm {
            ranges::check(src, "tpm", t, ranges::TPM, &mut errors);
        }
        if let Some(env) = &p.api_key_env {
            let v = env.get_ref();
            let is_name = v.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
                && v.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
            if !is_name {
                // The value may be a real key pasted in: never echo it.
                errors.push(
                    src.at(
                        env.span(),
                        "api_key_env must name an environment variable, not hold a key",
                    )
                    .with_help(
                        "for example: api_key_env = \"OPENAI_API_KEY\"; keys never go in files",
                    )
                    .redact_value(),
                );
            }
        }
        let base_url_at = p.base_url.as_ref().map(|u| src.at(u.span(), String::new()));
        // Confined to the workspace: `--record` appends to it.
        let cassette = p.cassette.and_then(|c| {
            match super::confine::inside(root, std::path::Path::new(c.get_ref())) {
                Ok(real) => Some(real),
                Err(e) => {
                    errors.push(
                        src.at(c.span(), format!("cassette `{}` {e}", c.get_ref()))
                            .with_help(e.help("a cassette")),
                    );
                    None
                }
            }
        });
        let base_url = p.base_url.map(Spanned::into_inner).or(match kind {
            ProviderKind::Openai => Some("https://api.openai.com/v1".into()),
            ProviderKind::Anthropic => Some("https://api.anthropic.com".into()),
            _ => None,
        });
        providers.insert(
            name.clone(),
            ProviderConfig {
                name,
                kind,
                base_url: base_url.map(|u| u.trim_end_matches('/').to_string()),
                api_key_env: p.api_key_env.map(Spanned::into_inner),
                concurrency: p
                    .concurrency
                    .map_or(DEFAULT_CONCURRENCY, Spanned::into_inner),
                timeout_s: p.timeout_s.map_or(DEFAULT_TIMEOUT_S, Spanned::into_inner),
                max_retries: p
                    .max_retries
                    .map_or(DEFAULT_MAX_RETRIES, Spanned::into_inner),
                max_response_mb: p
                    .max_response_mb
                    .map_or(DEFAULT_MAX_RESPONSE_MB, Spanned::into_inner),
                rpm: p.rpm.map(Spanned::into_inner),
                tpm: p.tpm.map(Spanned::into_inner),
                adaptive: p.adaptive.is_some_and(|a| *a.get_ref()),
                cassette,
                base_url_at,
            },
        );
    }
    let mut check_provider = |name: &Spanned<String>, what: &str| {
        if !providers.contains_key(name.get_ref()) {
            let help = match did_you_mean(name.get_ref(), providers.keys().map(String::as_str)) {
                Some(s) => format!("did you mean `{s}`?"),
                None if providers.is_empty() => {
                    "define it as a [providers.NAME] table with a `kind`".into()
                }
                None => format!(
                    "define [providers.{}] or use one of: {}",
                    name.get_ref(),
                    providers.keys().cloned().collect::<Vec<_>>().join(", ")
                ),
            };
            errors.push(
                src.at(
                    name.span(),
                    format!("{what} `{}` is not defined", name.get_ref()),
                )
                .with_help(help),
            );
        }
    };
    if let Some(d) = &file.workspace.default_provider {
        check_provider(d, "default provider");
    }
    if let Some(g) = &file.grader {
        check_provider(&g.provider, "grader provider");
    }
    if let Some(e) = &file.embedder {
        check_provider(&e.provider, "embedder provider");
        // Embeddings come from an OpenAI-compatible `/embeddings` endpoint only.
        if let Some(p) = providers.get(e.provider.get_ref()) {
            if p.kind != ProviderKind::Openai {
                errors.push(
                    src.at(
                        e.provider.span(),
                        format!(
                            "embedder provider `{}` is of kind `{}`; embeddings need kind `openai`",
                            e.provider.get_ref(),
                            p.kind.as_str()
                        ),
                    )
                    .with_help("name a provider of kind \"openai\" (any OpenAI-compatible server with /embeddings)"),
                );
            }
        }
    }
    for (model, price) in &file.pricing {
        let p = *price.get_ref();
        let batch = [p.batch_input, p.batch_output].into_iter().flatten();
        let all_in_range = [p.input, p.output]
            .into_iter()
            .chain(batch)
            .all(|v| ranges::PRICE.contains(v));
        if !all_in_range {
            errors.push(
                src.at(
                    price.span(),
                    format!("pricing for `{model}` is out of range"),
                )
                .with_help(format!(
                    "input and output must each be {} (batch_input and batch_output too, when given), e.g. {{ input = 0.15, output = 0.60 }}",
                    ranges::PRICE.describe()
                )),
            );
        }
    }
    let labels = super::labels::parse(src, file.labels, &mut errors);
    let gate = file.gate;
    if let Some(r) = &gate.min_pass_rate {
        if !(0.0..=1.0).contains(r.get_ref()) {
            errors.push(
                src.at(r.span(), "min_pass_rate must be between 0 and 1")
                    .with_help("for example: min_pass_rate = 0.9 (90% of cases pass)"),
            );
        }
    }
    if let Some(c) = &gate.max_cost_usd {
        ranges::check(src, "max_cost_usd", c, ranges::COST_USD, &mut errors);
    }
    if let Some(r) = &gate.repeats {
        ranges::check(src, "repeats", r, ranges::REPEAT, &mut errors);
    }
    if let Some(a) = &gate.regression_alpha {
        ranges::check(src, "regression_alpha", a, ranges::ALPHA, &mut errors);
    }
    for s in gate.suite.values() {
        if let Some(r) = &s.get_ref().min_pass_rate {
            if !(0.0..=1.0).contains(r.get_ref()) {
                errors.push(
                    src.at(r.span(), "min_pass_rate must be between 0 and 1")
                        .with_help("for example: min_pass_rate = 1.0 (every case passes)"),
                );
            }
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(Config {
        name: file.workspace.name,
        default_provider: file.workspace.default_provider.map(Spanned::into_inner),
        providers,
        pricing: file
            .pricing
            .into_iter()
            .map(|(model, price)| (model, price.into_inner()))
            .collect(),
        grader: file.grader.map(|g| Grader {
            provider: g.provider.into_inner(),
            model: g.model,
        }),
        embedder: file.embedder.map(|g| Grader {
            provider: g.provider.into_inner(),
            model: g.model,
        }),
        labels,
        gate: GateConfig {
            min_pass_rate: gate.min_pass_rate.map(Spanned::into_inner),
            max_regressions: gate.max_regressions,
            max_errors: gate.max_errors,
            max_cost_usd: gate.max_cost_usd.map(Spanned::into_inner),
            max_p95_latency_ms: gate.max_p95_latency_ms,
            allow_new_variables: gate.allow_new_variables,
            repeats: gate.repeats.map_or(1, Spanned::into_inner),
            max_flaky: gate.max_flaky,
            regression_alpha: gate
                .regression_alpha
                .map_or(DEFAULT_REGRESSION_ALPHA, Spanned::into_inner),
            suite_spans: gate
                .suite
                .iter()
                .map(|(k, v)| (k.clone(), v.span()))
                .collect(),
            suite: gate
                .suite
                .into_iter()
                .map(|(k, v)| {
                    let v = v.into_inner();
                    let gate = SuiteGate {
                        min_pass_rate: v.min_pass_rate.map(Spanned::into_inner),
                        max_regressions: v.max_regressions,
                        max_errors: v.max_errors,
                    };
                    (k, gate)
                })
                .collect(),
        },
    })
}

/// What is wrong with a `base_url`, if anything: it must be an http(s) URL to a host,
/// with no credentials (those come from `api_key_env`), query or fragment (the API path
/// is appended to it).
fn base_url_problem(src: &Source, url: &Spanned<String>) -> Option<Diagnostic> {
    let example = "for example: base_url = \"https://api.openai.com/v1\"";
    let at = |message: String| src.at(url.span(), message);
    let parsed = match reqwest::Url::parse(url.get_ref()) {
        Ok(u) => u,
        Err(e) => return Some(at(format!("base_url is not a URL: {e}")).with_help(example)),
    };
    let problem = if !matches!(parsed.scheme(), "http" | "https") {
        format!(
            "base_url must be an http:// or https:// URL, not `{}:`",
            parsed.scheme()
        )
    } else if !parsed.username().is_empty() || parsed.password().is_some() {
        // The value holds a credential: never echo it.
        return Some(
            at("base_url must not hold a user name or password".into())
                .with_help("keys come from the environment variable named by api_key_env")
                .redact_value(),
        );
    } else if parsed.query().is_some() || parsed.fragment().is_some() {
        "base_url must not have a query (?...) or fragment (#...): the API path is appended to it"
            .into()
    } else if parsed.host().is_none() {
        "base_url names no host".into()
    } else {
        return None;
    };
    Some(at(problem).with_help(example))
}
