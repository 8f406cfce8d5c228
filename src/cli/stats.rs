//! `promptwright stats [NAME]`: regression incidents (caught by gates, and rollbacks
//! after a release), eval pass rate per release and over recent runs, rollback
//! frequency.

use std::fmt::Write as _;
use std::path::Path;
use std::process::ExitCode;

use anstyle::Style;
use clap::Args;
use clap::builder::TypedValueParser as _;

use super::history::{ListFormat, known_prompt};
use super::{CliError, workspace_root};
use promptwright_core::release::stats::{self, PromptStats, RECENT_RUNS};
use promptwright_core::vocab::LoadErrors;
use promptwright_core::words::plural;

pub const LONG_ABOUT: &str = "The numbers that say whether releasing prompts is under control, per prompt:\n\n\
- regression incidents: drafts a gate blocked with at least one regression (each draft counted once; from \
.promptwright/gates.jsonl, so gates run in this clone), plus rollbacks after a release (regressions that got \
out; from releases/NAME/log.jsonl);\n\
- eval pass rate: of each release (its evidence) and the mean over the latest complete runs;\n\
- rollback frequency: rollbacks per release.";

#[derive(Debug, Args)]
pub struct StatsArgs {
    /// Only this prompt (default: every prompt)
    #[arg(value_name = "NAME")]
    pub name: Option<String>,

    /// How many recent runs the pass-rate trend covers
    #[arg(long, value_name = "N", default_value_t = RECENT_RUNS, value_parser = clap::value_parser!(u64).range(1..).map(|n| n as usize))]
    pub runs: usize,

    /// Output format
    #[arg(long, value_enum, default_value_t = ListFormat::Table)]
    pub format: ListFormat,
}

pub fn run(dir: Option<&Path>, args: &StatsArgs) -> Result<ExitCode, CliError> {
    let root = workspace_root(dir)?;
    let names = match &args.name {
        Some(n) => {
            known_prompt(&root, n)?;
            vec![n.clone()]
        }
        None => promptwright_core::release::prompt_names(&root),
    };
    let shown = |rel: &str| rel.to_string();
    let mut all = Vec::new();
    for n in &names {
        all.push(
            stats::load(&root, n, args.runs, &shown).map_err(|d| CliError::Load(LoadErrors(d)))?,
        );
    }
    match args.format {
        ListFormat::Json => {
            let text = serde_json::to_string_pretty(&serde_json::json!({ "prompts": all }))
                .unwrap_or_default();
            anstream::println!("{text}");
        }
        ListFormat::Table => anstream::print!("{}", table(&all)),
    }
    Ok(ExitCode::SUCCESS)
}

/// One block character per rate, from ▁ (0%) to █ (100%): the trend at a glance.
pub(crate) fn sparkline(rates: &[f64]) -> String {
    const BLOCKS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    rates
        .iter()
        .map(|r| BLOCKS[(r.clamp(0.0, 1.0) * 7.0).round() as usize])
        .collect()
}

fn pct(r: f64) -> String {
    format!("{:.1}%", r * 100.0)
}

fn table(all: &[PromptStats]) -> String {
    let bold = Style::new().bold();
    let mut out = String::new();
    for (i, s) in all.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let current = match s.current_version {
            Some(v) => format!("current v{v}"),
            None => "never released".into(),
        };
        let _ = writeln!(out, "{bold}{}{bold:#} ({current})", s.prompt);
        let _ = writeln!(
            out,
            "  regression incidents  {}: {} caught by the gate, {} after a release",
            s.regression_incidents,
            s.regressions_caught,
            plural(s.regressions_escaped, "rollback", "rollbacks")
        );
        let per_release = if s.releases.is_empty() {
            "no releases".to_string()
        } else {
            s.releases
                .iter()
                .map(|r| format!("v{} {}", r.version, pct(r.pass_rate)))
                .collect::<Vec<_>>()
                .join(" · ")
        };
        let _ = writeln!(out, "  pass rate, releases   {per_release}");
        if s.releases.len() > 1 {
            let rates: Vec<f64> = s.releases.iter().map(|r| r.pass_rate).collect();
            let _ = writeln!(
                out,
                "  pass-rate trend       {} v{} → v{}",
                sparkline(&rates),
                s.releases[0].version,
                s.releases[s.releases.len() - 1].version
            );
        }
        let recent = match (s.recent_pass_rate, s.recent_runs.first()) {
            (Some(mean), Some(newest)) => format!(
                "{} mean of the last {} (newest {}{})",
                pct(mean),
                plural(s.recent_runs.len(), "run", "runs"),
                pct(newest.pass_rate),
                newest.version.map_or(String::new(), |v| format!(", v{v}"))
            ),
            _ => "no complete runs yet".into(),
        };
        let _ = writeln!(out, "  pass rate, recent     {recent}");
        let freq = match s.rollback_frequency {
            Some(f) => format!(
                "{} in {} ({f:.2} per release)",
                plural(s.rollbacks, "rollback", "rollbacks"),
                plural(s.releases.len(), "release", "releases")
            ),
            None => "no releases".into(),
        };
        let _ = writeln!(out, "  rollback frequency    {freq}");
        if !s.labels.is_empty() {
            let at: Vec<String> = s.labels.iter().map(|(l, v)| format!("{l} v{v}")).collect();
            let _ = writeln!(
                out,
                "  labels                {} · {}, {} undone",
                at.join(" · "),
                plural(s.promotions, "promotion", "promotions"),
                s.label_rollbacks
            );
        }
        let _ = writeln!(
            out,
            "  gates run here        {}, {} blocked",
            s.gates, s.blocked
        );
    }
    if all.len() > 1 {
        let incidents: usize = all.iter().map(|s| s.regression_incidents).sum();
        let caught: usize = all.iter().map(|s| s.regressions_caught).sum();
        let rollbacks: usize = all.iter().map(|s| s.rollbacks).sum();
        let releases: usize = all.iter().map(|s| s.releases.len()).sum();
        let _ = writeln!(
            out,
            "\n{bold}all prompts{bold:#}: {incidents} regression incident{} ({caught} caught, {rollbacks} escaped) · {} · {}",
            if incidents == 1 { "" } else { "s" },
            plural(releases, "release", "releases"),
            plural(rollbacks, "rollback", "rollbacks"),
        );
    }
    if all.is_empty() {
        out.push_str("no prompts yet\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::sparkline;

    #[test]
    fn sparkline_maps_rates_to_block_heights() {
        assert_eq!(sparkline(&[0.0, 0.5, 1.0, 1.7, -1.0]), "▁▅██▁");
        assert_eq!(sparkline(&[]), "");
    }
}
