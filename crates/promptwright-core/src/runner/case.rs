//! One case: render, ask the provider (or the cache, or a cassette), score, grade.

use std::sync::Arc;
use std::time::Instant;

use tokio::sync::OwnedSemaphorePermit;

use crate::assert::graded::{self, Ask};
use crate::assert::{Assertion, AssertionResult, Kind, Observation, combine};
use crate::provider::{ProviderError, Recorder, Request, Response};
use crate::store::cache::{self, Cache, CacheQueue, CachedAnswer};
use crate::store::{CaseResult, Status};
use crate::workspace::{Case, Price, Prompt, Suite};

use super::*;

pub(super) struct Shared {
    /// Workspace root: where `command` programs run.
    pub(super) root: std::path::PathBuf,
    /// Reads the requests' images (the prompt's own once).
    pub(super) images: crate::provider::ImageReader,
    pub(super) embedder: Option<EmbedderPlan>,
    pub(super) prompt: Prompt,
    pub(super) suites: Vec<Suite>,
    pub(super) provider: ProviderPlan,
    pub(super) model: String,
    pub(super) cache: Cache,
    pub(super) cache_queue: CacheQueue,
    pub(super) use_cache: bool,
    pub(super) recorder: Option<Arc<Recorder>>,
    pub(super) grader: Option<GraderPlan>,
}

pub(super) fn cost_of(resp: &Response, price: Option<Price>) -> f64 {
    if let Some(c) = resp.cost_override_usd {
        return c;
    }
    match (resp.tokens, price) {
        (Some(t), Some(p)) => (t.input as f64 * p.input + t.output as f64 * p.output) / 1_000_000.0,
        _ => 0.0,
    }
}

/// One answer, from the cache when allowed, else from the provider (then cached by
/// `remember` once it is known to be usable).
pub(super) struct Answer {
    response: Response,
    latency_ms: u64,
    cached: bool,
    /// The cache key of a fresh answer that may be cached.
    key: Option<String>,
}

/// Caches a fresh answer. A cache that cannot be written costs a repeat call later, not
/// this run.
pub(super) fn remember(shared: &Shared, answer: &Answer) {
    if let Some(k) = &answer.key {
        shared.cache_queue.put(
            k.clone(),
            CachedAnswer {
                output: answer.response.output.clone(),
                tool_calls: answer.response.tool_calls.clone(),
                tokens: answer.response.tokens,
                latency_ms: answer.latency_ms,
            },
        );
    }
}

/// The cache key of `req` sent to `who`, if its answers are cached at all.
pub(super) fn key_for(who: &ProviderPlan, req: &Request) -> Option<String> {
    who.cache_scope.as_ref().map(|scope| cache::key(scope, req))
}

pub(super) async fn ask(
    shared: &Shared,
    who: &ProviderPlan,
    req: &Request,
    key: Option<String>,
) -> Result<Answer, ProviderError> {
    let hit = match &key {
        Some(k) if shared.use_cache => shared.cache.get(k),
        _ => None,
    };
    let answer = match hit {
        Some(hit) => Answer {
            response: Response {
                output: hit.output,
                tool_calls: hit.tool_calls,
                tokens: hit.tokens,
                cost_override_usd: Some(0.0),
            },
            latency_ms: hit.latency_ms,
            cached: true,
            key: None,
        },
        None => {
            let started = Instant::now();
            let response = who.provider.complete(req).await?;
            Answer {
                response,
                latency_ms: started.elapsed().as_millis() as u64,
                cached: false,
                key,
            }
        }
    };
    Ok(answer)
}

/// A case's request, rendered and keyed before it takes a slot, or why it has none.
type Ready = Result<(Request, Option<String>), String>;

/// Draw `sample` (1-based) of a case: the same request, told apart in the cache and in
/// cassettes.
pub(super) fn prepare(shared: &Shared, case: &Case, sample: u32) -> Ready {
    let mut request = crate::provider::request_for(&shared.prompt, &shared.model, &case.vars)
        .map_err(|e| format!("template: {e}"))?;
    shared.images.load(&mut request)?;
    request.sample = sample;
    let key = key_for(&shared.provider, &request);
    Ok((request, key))
}

/// Runs one case. `slot` is its place among the cases in flight, given back as soon as
/// the model has answered: scoring, caching and recording need no slot, and holding it
/// through them would leave the provider idle.
pub(super) async fn run_case(
    shared: &Shared,
    suite: &Suite,
    case: &Case,
    ready: Ready,
    slot: OwnedSemaphorePermit,
) -> CaseResult {
    let mut result = errored(suite, case, None);
    let (request, key) = match ready {
        Ok(r) => r,
        Err(e) => {
            result.error = Some(e);
            return result;
        }
    };
    let answer = match ask(shared, &shared.provider, &request, key).await {
        Ok(a) => a,
        Err(e) => {
            result.error = Some(format!("provider `{}`: {e}", shared.provider.name));
            return result;
        }
    };
    drop(slot);
    // Let the task waiting for the slot send its request before this one scores.
    tokio::task::yield_now().await;
    remember(shared, &answer);
    if let Some(rec) = &shared.recorder {
        if let Err(e) = rec.record(&request, &answer.response) {
            result.error = Some(format!("cannot record to {}: {e}", rec.path.display()));
            return result;
        }
    }
    let response = answer.response;
    result.cached = answer.cached;
    result.latency_ms = Some(answer.latency_ms);
    result.cost_usd = if answer.cached {
        0.0
    } else {
        cost_of(&response, shared.provider.price)
    };
    result.tokens = response.tokens;
    let obs = Observation {
        output: &response.output,
        tool_calls: &response.tool_calls,
        tools: &shared.prompt.def.tools,
        latency_ms: answer.latency_ms,
        cost_usd: result.cost_usd,
    };
    let mut scored = Vec::new();
    for a in suite.assertions_for(case) {
        let r = match (&a.kind, a.kind.grader_ask()) {
            (_, Some((ask, text))) => {
                let judged = Judged {
                    ask,
                    type_name: &a.type_name,
                    text,
                    threshold: a.threshold,
                    question: last_user(&request),
                };
                grade(shared, judged, &response.output, &mut result.cost_usd).await
            }
            (Kind::Similar(reference), _) => similar(shared, a, reference, &response.output).await,
            (Kind::Command(program), _) => {
                run_command(shared, a, program, case, &response.output).await
            }
            _ => score_off_worker(a, &obs),
        };
        match r {
            Ok(mut r) => {
                r.metric.clone_from(&a.metric);
                scored.push((a.weight, r));
            }
            Err(e) => {
                result.error = Some(e);
                result.output = Some(response.output);
                result.tool_calls = response.tool_calls;
                return result;
            }
        }
    }
    let score = combine(scored, suite.threshold_for(case));
    result.status = if score.passed {
        Status::Pass
    } else {
        Status::Fail
    };
    result.score = score.score;
    result.assertions = score.results;
    result.output = Some(response.output);
    result.tool_calls = response.tool_calls;
    result
}

/// Scores one assertion. Scoring that may take long (an edit distance, a schema, a
/// long answer) hands the worker's other tasks off for the duration, so requests in
/// flight keep moving. The rest scores inline: a handoff starts a thread when none is
/// idle, and at `-j 256` handing off every `icontains` kept a hundred threads (and
/// their allocator arenas, tens of MB) alive for microseconds of work each.
pub(super) fn score_off_worker(
    a: &crate::assert::Assertion,
    obs: &Observation<'_>,
) -> Result<AssertionResult, String> {
    if may_take_long(&a.kind, obs.output) {
        off_worker(|| a.score(obs))
    } else {
        a.score(obs)
    }
}

/// Answers up to this size are scanned inline by the linear checks (tens of
/// microseconds at most).
const INLINE_OUTPUT_MAX: usize = 64 * 1024;

/// Whether scoring `kind` on `output` may keep a worker busy long enough to stall the
/// requests it drives.
pub(super) fn may_take_long(kind: &Kind, output: &str) -> bool {
    output.len() > INLINE_OUTPUT_MAX
        || matches!(
            kind,
            Kind::Levenshtein(_) | Kind::RougeN(_) | Kind::Bleu(_) | Kind::JsonSchema(_)
        )
}

/// Runs blocking work `f` without holding up the async worker it is called on.
pub(super) fn off_worker<T>(f: impl FnOnce() -> T) -> T {
    use tokio::runtime::{Handle, RuntimeFlavor};
    match Handle::try_current().map(|h| h.runtime_flavor()) {
        Ok(RuntimeFlavor::MultiThread) => tokio::task::block_in_place(f),
        _ => f(),
    }
}

/// A case's result before it is answered: an error, with `error` as the reason.
pub(super) fn errored(suite: &Suite, case: &Case, error: impl Into<Option<String>>) -> CaseResult {
    CaseResult {
        error: error.into(),
        ..CaseResult::new(&suite.name, &case.id, case.vars.to_map())
    }
}

/// The error of a case whose work panicked, with the panic's message.
pub(super) fn internal_error(panic: &(dyn std::any::Any + Send)) -> String {
    let message = panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "no message".into());
    format!("internal error: {message} (a bug in promptwright: please report it)")
}

/// What the grader is asked to judge.
pub(super) struct Judged<'a> {
    pub(super) ask: Ask,
    pub(super) type_name: &'a str,
    /// The rubric, expert answer or criterion.
    pub(super) text: &'a str,
    pub(super) threshold: Option<f64>,
    /// The last user message the model saw: the question a reference answer answers.
    pub(super) question: &'a str,
}

fn last_user(req: &Request) -> &str {
    req.messages
        .iter()
        .rev()
        .find(|m| m.role == crate::vocab::Role::User)
        .map_or("", |m| m.content.as_str())
}

/// Runs a `command` assertion's program, or takes its verdict on this same output from
/// the cache.
async fn run_command(
    shared: &Shared,
    a: &Assertion,
    program: &crate::assert::command::Program,
    case: &Case,
    output: &str,
) -> Result<AssertionResult, String> {
    let vars = serde_json::Value::Object(case.vars.to_map()).to_string();
    let key = program.cache_key(&vars, output);
    let cached = shared
        .use_cache
        .then(|| shared.cache.get(&key))
        .flatten()
        .and_then(|hit| serde_json::from_str::<AssertionResult>(&hit.output).ok());
    if let Some(mut r) = cached {
        r.type_name.clone_from(&a.type_name);
        return Ok(r);
    }
    let r = program
        .run(&a.type_name, &shared.root, &vars, output, a.threshold)
        .await?;
    if let Ok(json) = serde_json::to_string(&r) {
        shared.cache_queue.put(
            key,
            CachedAnswer {
                output: json,
                tool_calls: Vec::new(),
                tokens: None,
                latency_ms: 0,
            },
        );
    }
    Ok(r)
}

/// Scores a `similar` assertion: the cosine of the two texts' embeddings, each vector
/// cached by embedder and text.
async fn similar(
    shared: &Shared,
    a: &Assertion,
    reference: &str,
    output: &str,
) -> Result<AssertionResult, String> {
    let plan = shared.embedder.as_ref().ok_or_else(|| {
        format!(
            "`{}` needs an embedder: add [embedder] with provider and model to workspace.toml",
            a.type_name
        )
    })?;
    let key = |text: &str| {
        use sha2::{Digest, Sha256};
        let mut h = Sha256::new();
        h.update(b"embedding\0");
        h.update(plan.scope.as_bytes());
        h.update(b"\0");
        h.update(text.as_bytes());
        format!("{:x}", h.finalize())
    };
    let texts = [reference, output];
    let mut vectors: Vec<Option<Vec<f64>>> = texts
        .iter()
        .map(|t| {
            shared
                .use_cache
                .then(|| shared.cache.get(&key(t)))
                .flatten()
                .and_then(|hit| serde_json::from_str(&hit.output).ok())
        })
        .collect();
    let missing: Vec<&str> = texts
        .iter()
        .zip(&vectors)
        .filter(|(_, v)| v.is_none())
        .map(|(t, _)| *t)
        .collect();
    if !missing.is_empty() {
        let fresh = plan
            .embedder
            .embed(&missing)
            .await
            .map_err(|e| format!("embedder `{}`: {e}", plan.embedder.model))?;
        let mut fresh = fresh.into_iter();
        for (t, slot) in texts.iter().zip(vectors.iter_mut()) {
            if slot.is_none() {
                let v = fresh.next().unwrap_or_default();
                shared.cache_queue.put(
                    key(t),
                    CachedAnswer {
                        output: serde_json::to_string(&v).unwrap_or_default(),
                        tool_calls: Vec::new(),
                        tokens: None,
                        latency_ms: 0,
                    },
                );
                *slot = Some(v);
            }
        }
    }
    let (r, o) = (
        vectors[0].take().unwrap_or_default(),
        vectors[1].take().unwrap_or_default(),
    );
    Ok(crate::assert::similar_result(
        a,
        crate::provider::embed::cosine(&r, &o),
    ))
}

/// Asks the grader to judge `output`; its cost is added to the case's.
pub(super) async fn grade(
    shared: &Shared,
    judged: Judged<'_>,
    output: &str,
    cost: &mut f64,
) -> Result<AssertionResult, String> {
    let type_name = judged.type_name;
    let grader = shared.grader.as_ref().ok_or_else(|| {
        format!(
            "`{type_name}` needs a grader: add [grader] with provider and model to workspace.toml"
        )
    })?;
    let req = graded::request(
        &grader.model,
        judged.ask,
        judged.text,
        judged.question,
        output,
    );
    let key = key_for(&grader.provider, &req);
    let answer = ask(shared, &grader.provider, &req, key)
        .await
        .map_err(|e| format!("grader `{}`: {e}", grader.provider.name))?;
    if !answer.cached {
        *cost += cost_of(&answer.response, grader.provider.price);
    }
    let verdict = graded::judge(
        judged.ask,
        type_name,
        &answer.response.output,
        judged.threshold,
    )?;
    // Only a verdict that could be read is cached or recorded: an unreadable one is
    // asked again.
    remember(shared, &answer);
    if let Some(rec) = &shared.recorder {
        rec.record(&req, &answer.response)
            .map_err(|e| format!("cannot record to {}: {e}", rec.path.display()))?;
    }
    Ok(verdict)
}
