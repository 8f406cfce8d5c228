//! `eval --estimate`: the calls, tokens and cost a run would take, with no model called.

use std::process::ExitCode;

use promptwright_core::estimate::{self, Estimate};
use promptwright_core::runner::RunPlan;
use promptwright_core::words::plural;

/// Prints the estimate of every plan, and their total when there are several.
pub fn print(plans: &[RunPlan]) -> ExitCode {
    let estimates: Vec<Estimate> = plans.iter().map(estimate::estimate).collect();
    let mut out = String::new();
    for (e, plan) in estimates.iter().zip(plans) {
        // A batched run is priced at the batch prices (`attach` set them).
        let how = if plan.batch.is_some() {
            " through the batch API, at batch prices"
        } else {
            ""
        };
        out.push_str(&format!(
            "estimate for `{}` on {}/{}{how} (no model called):\n",
            e.prompt, e.provider, e.model
        ));
        out.push_str(&body(e));
    }
    if estimates.len() > 1 {
        let total = Estimate {
            prompt: String::new(),
            provider: String::new(),
            model: String::new(),
            calls: estimates.iter().map(|e| e.calls).sum(),
            cached: estimates.iter().map(|e| e.cached).sum(),
            unrendered: estimates.iter().map(|e| e.unrendered).sum(),
            recorded: estimates.iter().map(|e| e.recorded).sum(),
            input_tokens: estimates.iter().map(|e| e.input_tokens).sum(),
            output_tokens: estimates.iter().map(|e| e.output_tokens).sum(),
            cost_usd: estimates.iter().map(|e| e.cost_usd).sum(),
        };
        out.push_str("estimate in total:\n");
        out.push_str(&body(&total));
    }
    anstream::print!("{out}");
    ExitCode::SUCCESS
}

fn body(e: &Estimate) -> String {
    let mut s = format!("  calls   {}", e.calls);
    if e.cached > 0 {
        s.push_str(&format!(", {} answered from the cache (free)", e.cached));
    }
    s.push('\n');
    if e.recorded > 0 {
        s.push_str(&format!(
            "  resume  {} already recorded, not asked again\n",
            plural(e.recorded, "case", "cases")
        ));
    }
    if e.unrendered > 0 {
        s.push_str(&format!(
            "  errors  {} whose template does not render, not asked\n",
            plural(e.unrendered, "case", "cases")
        ));
    }
    s.push_str(&format!(
        "  tokens  ~{} input, at most {} output\n",
        e.input_tokens, e.output_tokens
    ));
    match e.cost_usd {
        Some(c) => s.push_str(&format!("  cost    ~${c:.6} (an estimate, at most)\n")),
        None => s.push_str(&format!(
            "  cost    unknown: no [pricing] entry for `{}` in workspace.toml\n",
            e.model
        )),
    }
    s
}
