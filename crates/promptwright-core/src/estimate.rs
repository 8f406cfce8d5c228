//! `eval --estimate`: what a run would cost, computed without calling any model. Input
//! tokens are counted from the rendered messages with the echo provider's rough rule
//! (about four characters a token); output tokens are the prompt's `max_tokens` (or
//! `max_completion_tokens`) when set, else [`DEFAULT_OUTPUT_TOKENS`]: a ceiling, so
//! the cost is an upper bound on what the answers may cost. `--budget` uses the same
//! figure for the calls it has not seen answered.

use crate::provider::Request;
use crate::provider::echo::estimate_tokens;
use crate::runner::RunPlan;
use crate::store::Status;
use crate::store::cache::Cache;
use crate::workspace::{Price, ProviderKind};

/// Output tokens assumed for a call whose prompt sets no `max_tokens` (the ceiling the
/// Anthropic provider sends by default).
pub const DEFAULT_OUTPUT_TOKENS: u64 = crate::provider::anthropic::DEFAULT_MAX_TOKENS;

/// The tokens a request is expected to use: its messages in, its ceiling out.
pub fn tokens_of(req: &Request) -> (u64, u64) {
    let input = req
        .messages
        .iter()
        .map(|m| estimate_tokens(&m.content))
        .sum();
    let output = ["max_tokens", "max_completion_tokens"]
        .iter()
        .find_map(|k| req.params.get(*k)?.as_u64())
        .unwrap_or(DEFAULT_OUTPUT_TOKENS);
    (input, output)
}

/// USD for `input` and `output` tokens at `price` (per million tokens).
pub fn priced(input: u64, output: u64, price: Price) -> f64 {
    (input as f64 * price.input + output as f64 * price.output) / 1_000_000.0
}

/// What a run would do.
#[derive(Debug, Clone, PartialEq)]
pub struct Estimate {
    pub prompt: String,
    pub provider: String,
    pub model: String,
    /// Calls the run would make, cached ones included.
    pub calls: usize,
    /// Of those, answered from the response cache: free.
    pub cached: usize,
    /// Cases whose template does not render: they would error, calling nothing.
    pub unrendered: usize,
    /// Cases already recorded by the run `--resume` continues.
    pub recorded: usize,
    pub input_tokens: u64,
    pub output_tokens: u64,
    /// `None` when the model has no `[pricing]` entry (and the provider is not offline).
    pub cost_usd: Option<f64>,
}

/// The estimate of one plan: every case and sample it would ask, nothing asked.
pub fn estimate(plan: &RunPlan) -> Estimate {
    let kind = plan.provider.provider.kind();
    let offline = matches!(kind, ProviderKind::Echo | ProviderKind::Replay);
    let price = if offline {
        Some(Price::new(0.0, 0.0))
    } else {
        plan.provider.price
    };
    let cache = Cache::new(&plan.root);
    let done: std::collections::HashSet<(&str, &str)> = plan
        .resume
        .iter()
        .flat_map(|r| &r.recorded)
        .filter(|c| c.status != Status::Error)
        .map(|c| (c.suite.as_str(), c.id.as_str()))
        .collect();
    let mut e = Estimate {
        prompt: plan.prompt.name.clone(),
        provider: plan.provider.name.clone(),
        model: plan.model.clone(),
        calls: 0,
        cached: 0,
        unrendered: 0,
        recorded: 0,
        input_tokens: 0,
        output_tokens: 0,
        cost_usd: price.map(|_| 0.0),
    };
    for suite in &plan.suites {
        let draws = plan.repeat.unwrap_or(suite.repeat).max(1);
        for case in suite.cases.iter() {
            if done.contains(&(suite.name.as_str(), case.id.as_str())) {
                e.recorded += 1;
                continue;
            }
            let Ok(mut req) = crate::provider::request_for(&plan.prompt, &plan.model, &case.vars)
            else {
                e.unrendered += 1;
                continue;
            };
            for sample in 1..=draws {
                req.sample = sample;
                e.calls += 1;
                let key = plan
                    .provider
                    .cache_scope
                    .as_ref()
                    .map(|scope| crate::store::cache::key(scope, &req));
                if plan.use_cache && key.is_some_and(|k| cache.get(&k).is_some()) {
                    e.cached += 1;
                    continue;
                }
                let (input, output) = tokens_of(&req);
                e.input_tokens += input;
                e.output_tokens += output;
                if let (Some(cost), Some(p)) = (e.cost_usd.as_mut(), price) {
                    *cost += priced(input, output, p);
                }
            }
        }
    }
    e
}
