//! The comparison grid: the same cases on several targets (a provider and a model) and
//! several versions of the prompt (refs). Every ref × target pair is a cell with a run
//! record of its own. The cells are planned together, so cells on one provider share its
//! concurrency limit, and they run together.

use std::fmt;
use std::str::FromStr;

use futures::future::join_all;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::plan::{self, PlanError, PlanRequest, Selected};
use crate::release::refs::{Ref, resolve};
use crate::runner::{self, RunError, RunEvent, RunPlan, StoredRun};
use crate::store::{CaseResult, Summary};
use crate::vocab::Explain;
use crate::workspace::{Price, Prompt, Workspace};

/// `PROVIDER[:MODEL]`: a provider of workspace.toml and, optionally, the model to ask
/// (split at the first `:`, so `local:llama3.2:1b` asks `llama3.2:1b` of `local`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub provider: String,
    pub model: Option<String>,
}

impl FromStr for Target {
    type Err = String;

    fn from_str(s: &str) -> Result<Target, String> {
        let (provider, model) = match s.split_once(':') {
            Some((p, m)) => (p, Some(m)),
            None => (s, None),
        };
        if provider.is_empty() {
            return Err(format!(
                "`{s}` names no provider: use PROVIDER or PROVIDER:MODEL"
            ));
        }
        if model.is_some_and(str::is_empty) {
            return Err(format!(
                "`{s}` names no model after `:`: use PROVIDER or PROVIDER:MODEL"
            ));
        }
        Ok(Target {
            provider: provider.to_string(),
            model: model.map(str::to_string),
        })
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.model {
            Some(m) => write!(f, "{}:{m}", self.provider),
            None => f.write_str(&self.provider),
        }
    }
}

/// A cell's column name: A, B, … Z, then AA, AB… (the CLI's grid and the workbench's).
pub fn column(i: usize) -> String {
    let mut n = i;
    let mut s = String::new();
    loop {
        s.insert(0, char::from(b'A' + (n % 26) as u8));
        if n < 26 {
            return s;
        }
        n = n / 26 - 1;
    }
}

/// One cell of the grid: which version on which target, and its plan.
pub struct Cell {
    pub reference: Ref,
    pub plan: RunPlan,
}

impl Cell {
    /// `draft · local/llama3.2:1b`: what a column or a gauge is titled.
    pub fn label(&self) -> String {
        format!(
            "{} · {}/{}",
            self.reference, self.plan.provider.name, self.plan.model
        )
    }
}

/// The prompt `name` at `reference`, compiled to run.
fn prompt_at(ws: &Workspace, name: &str, reference: Ref) -> Result<Prompt, PlanError> {
    if reference == Ref::Draft {
        if let Some(p) = ws.prompts.get(name) {
            return Ok(p.clone());
        }
    }
    let bad_ref = |message: String, help: String| PlanError::new(message, help);
    let resolved = resolve(&ws.root, name, &reference).map_err(|e| {
        bad_ref(
            format!("--ref {reference}: {e}"),
            format!(
                "{}; --ref takes draft, current or vN of a version that exists (`promptwright history {name}` lists them)",
                e.help()
            ),
        )
    })?;
    let rel = match resolved.version {
        Some(v) => format!("{} (v{v})", resolved.rel_path),
        None => resolved.rel_path.clone(),
    };
    Prompt::from_def(name, &rel, resolved.def).map_err(|errs| {
        let first = errs.first().map_or(String::new(), |e| e.message.clone());
        bad_ref(
            format!("--ref {reference}: {rel} does not compile: {first}"),
            "check it with `promptwright check`".into(),
        )
    })
}

/// Plans every cell of `refs` × `targets` for the one prompt of the selection (named by
/// `args.prompts`, or the only one `args.suites` belong to), ref by ref. Every problem (an unknown provider,
/// a ref that does not exist, a key that is not set) is found here, before any call.
/// No target: the prompt's own provider and model; no ref: the draft.
pub fn plan(
    ws: &Workspace,
    args: &PlanRequest,
    targets: &[Target],
    refs: &[Ref],
) -> Result<Vec<Cell>, PlanError> {
    // One prompt: named, or the only one the selected suites have.
    let selected = plan::select(ws, args)?;
    let name = match args.prompts.as_slice() {
        [name] => name.clone(),
        [] if selected.len() == 1 => selected.keys().next().cloned().unwrap_or_default(),
        _ => {
            return Err(PlanError::new(
                format!(
                    "a comparison runs one prompt; the selection has {}: {}",
                    selected.len(),
                    selected.keys().cloned().collect::<Vec<_>>().join(", ")
                ),
                "name it with --prompt NAME",
            ));
        }
    };
    let name = &name;
    for t in targets {
        if !ws.config.providers.contains_key(&t.provider) {
            return Err(plan::unknown(
                "provider",
                &t.provider,
                ws.config.providers.keys(),
            ));
        }
    }
    let refs = if refs.is_empty() {
        &[Ref::Draft][..]
    } else {
        refs
    };
    let targets: Vec<Option<Target>> = if targets.is_empty() {
        vec![None]
    } else {
        targets.iter().cloned().map(Some).collect()
    };
    for (i, t) in targets.iter().enumerate() {
        if targets[..i].contains(t) {
            let shown = t.as_ref().map_or(String::new(), Target::to_string);
            return Err(PlanError::new(
                format!("--target {shown} is given twice"),
                "name each target once",
            ));
        }
    }
    for (i, r) in refs.iter().enumerate() {
        if refs[..i].contains(r) {
            return Err(PlanError::new(
                format!("--ref {r} is given twice"),
                "name each ref once",
            ));
        }
    }
    let suites = selected.get(name).cloned().unwrap_or_default();
    let mut selection = Vec::new();
    let mut order = Vec::new();
    for &reference in refs {
        let prompt = prompt_at(ws, name, reference)?;
        for target in &targets {
            selection.push(Selected {
                prompt: prompt.clone(),
                suites: suites.clone(),
                target: target.clone(),
            });
            order.push(reference);
        }
    }
    let plans = plan::build(ws, args, selection)?;
    Ok(order
        .into_iter()
        .zip(plans)
        .map(|(reference, plan)| Cell { reference, plan })
        .collect())
}

/// Runs every cell at once, each under its provider's limit, its events tagged with
/// the cell's index. A cancel stops them all (their records are kept, incomplete).
pub async fn run(
    plans: Vec<RunPlan>,
    events: mpsc::UnboundedSender<(usize, RunEvent)>,
    cancel: CancellationToken,
) -> Result<Vec<StoredRun>, RunError> {
    let runs = plans.into_iter().enumerate().map(|(i, plan)| {
        let (tx, mut rx) = mpsc::unbounded_channel();
        let events = events.clone();
        let forward = async move {
            while let Some(ev) = rx.recv().await {
                let _ = events.send((i, ev));
            }
        };
        let run = runner::run_stored(plan, tx, cancel.clone());
        async move { tokio::join!(run, forward).0 }
    });
    join_all(runs).await.into_iter().collect()
}

/// What a case's answer cost, or would have cost had it not come from the cache: its
/// tokens at the model's `price`. What cells are compared by, so a cached re-run
/// compares as the first run did (an offline provider stays free).
pub fn list_cost(c: &CaseResult, price: Option<Price>) -> f64 {
    match (c.cached, c.tokens, price) {
        (true, Some(t), Some(p)) => {
            (t.input as f64 * p.input + t.output as f64 * p.output) / 1_000_000.0
        }
        _ => c.cost_usd,
    }
}

/// What picking a cell weighs: how often it passes, what it costs, how fast it is.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Standing {
    pub cases: usize,
    /// Exact pass rate (not the rounded one reports print).
    pub rate: f64,
    /// What its answers cost at the pricing table, cached or not, so a cached re-run
    /// compares as the first run did.
    pub cost_usd: f64,
    pub p95_latency_ms: Option<u64>,
}

impl Standing {
    /// `summary`'s figures, costed at `list_cost_usd`.
    pub fn of(summary: &Summary, list_cost_usd: f64) -> Standing {
        Standing {
            cases: summary.cases,
            rate: summary.tally().rate(),
            cost_usd: list_cost_usd,
            p95_latency_ms: summary.p95_latency_ms,
        }
    }
}

/// The cell a reader should look at first: the cheapest of those that reach `bar`
/// (ties: the faster p95), or with no bar, the cheapest of those with the best pass
/// rate. `None` when no cell reaches the bar.
pub fn best(cells: &[Standing], bar: Option<f64>) -> Option<usize> {
    let top = cells.iter().map(|s| s.rate).fold(0.0_f64, f64::max);
    let bar = bar.unwrap_or(top);
    cells
        .iter()
        .enumerate()
        .filter(|(_, s)| s.cases > 0 && s.rate + 1e-9 >= bar)
        .min_by(|(_, a), (_, b)| {
            a.cost_usd
                .total_cmp(&b.cost_usd)
                .then(a.p95_latency_ms.cmp(&b.p95_latency_ms))
        })
        .map(|(i, _)| i)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_are_lettered_past_z() {
        let names: Vec<String> = [0, 1, 25, 26, 27, 51, 52].map(column).to_vec();
        assert_eq!(names, ["A", "B", "Z", "AA", "AB", "AZ", "BA"]);
    }

    #[test]
    fn a_target_splits_at_its_first_colon() {
        let t: Target = "local:llama3.2:1b".parse().unwrap();
        assert_eq!(
            (t.provider.as_str(), t.model.as_deref()),
            ("local", Some("llama3.2:1b"))
        );
        assert_eq!(t.to_string(), "local:llama3.2:1b");
        let bare: Target = "openai".parse().unwrap();
        assert_eq!(bare.model, None);
        assert!(":m".parse::<Target>().is_err());
        assert!("p:".parse::<Target>().is_err());
    }

    fn standing(passed: usize, cases: usize, cost: f64, p95: u64) -> Standing {
        Standing {
            cases,
            rate: passed as f64 / cases as f64,
            cost_usd: cost,
            p95_latency_ms: Some(p95),
        }
    }

    #[test]
    fn a_cached_answer_costs_its_tokens_at_list_price_and_a_fresh_one_what_it_cost() {
        let mut c = CaseResult::new("s", "c", Default::default());
        c.tokens = Some(crate::provider::Tokens {
            input: 1_000_000,
            output: 500_000,
        });
        c.cost_usd = 0.25;
        let price = Some(Price::new(1.0, 2.0));
        assert_eq!(list_cost(&c, price), 0.25, "fresh: what it cost");
        c.cached = true;
        c.cost_usd = 0.0;
        assert_eq!(list_cost(&c, price), 2.0, "cached: 1 + 0.5 × 2");
        assert_eq!(list_cost(&c, None), 0.0, "no price known");
    }

    #[test]
    fn the_best_cell_is_the_cheapest_that_reaches_the_bar() {
        let cells = [
            standing(10, 10, 0.50, 900),
            standing(9, 10, 0.05, 300),
            standing(10, 10, 0.20, 800),
            standing(10, 10, 0.20, 700),
        ];
        assert_eq!(
            best(&cells, None),
            Some(3),
            "top rate, cheapest, then fastest"
        );
        assert_eq!(
            best(&cells, Some(0.9)),
            Some(1),
            "the cheap one reaches 0.9"
        );
        assert_eq!(best(&[standing(5, 10, 0.1, 10)], Some(0.9)), None);
    }
}
