//! Whether a provider can give a repeated case different draws: the echo provider
//! answers the same every time, and a cassette can only replay the draws it recorded.
//! Found before any call, so `--repeat` on either is a configuration error.

use crate::plan::PlanError;
use crate::provider::{ImageReader, Replay, request_for};
use crate::workspace::{Prompt, ProviderConfig, ProviderKind, Suite};

/// `Err` when `cfg` cannot draw the samples asked of `suites` (samples per case, by
/// suite); `overridden`: the count comes from `--repeat` or `[gate] repeats`, not from
/// the suites' own `repeat`.
pub(crate) fn check(
    cfg: &ProviderConfig,
    prompt: &Prompt,
    model: &str,
    suites: &[(&Suite, u32)],
    overridden: bool,
    root: &std::path::Path,
) -> Result<(), PlanError> {
    let Some((suite, most)) = suites.iter().max_by_key(|(_, n)| *n) else {
        return Ok(());
    };
    if *most <= 1 {
        return Ok(());
    }
    let how = if overridden {
        "drop --repeat (for a gate: set repeats = 1 in [gate] of workspace.toml), or use a provider whose model samples (--provider NAME)".to_string()
    } else {
        format!(
            "set repeat = 1 in {}, or use a provider whose model samples (--provider NAME)",
            suite.rel_path
        )
    };
    match cfg.kind {
        ProviderKind::Echo => Err(PlanError::new(
            format!(
                "provider `{}` (echo) gives the same answer every time: {most} samples of a case would be one answer {most} times",
                cfg.name
            ),
            how,
        )),
        ProviderKind::Replay => {
            let Some(path) = &cfg.cassette else {
                return Ok(());
            };
            // A cassette that cannot be read is reported when the provider is built.
            let Ok(replay) = Replay::open(path) else {
                return Ok(());
            };
            let images = ImageReader::new(root, prompt);
            for (suite, n) in suites {
                for case in suite.cases.iter() {
                    let Ok(mut req) = request_for(prompt, model, &case.vars) else {
                        continue; // the case reports its template error itself
                    };
                    // A cassette knows an image by its bytes.
                    if images.load(&mut req).is_err() {
                        continue; // the case reports its image itself
                    }
                    for k in 1..=*n {
                        req.sample = k;
                        if !replay.has(&req) {
                            return Err(PlanError::new(
                                format!(
                                    "cassette {} holds no sample {k} of case `{}` in suite `{}`: it cannot replay {n} samples a case",
                                    path.display(),
                                    case.id,
                                    suite.name
                                ),
                                format!(
                                    "record the samples with `promptwright eval --provider REAL --record --repeat {n}`, or {how}"
                                ),
                            ));
                        }
                    }
                }
            }
            Ok(())
        }
        _ => Ok(()),
    }
}
