//! Time to first frame of the TUI: load the workspace, build the app, draw one frame
//! (into a TestBackend, so terminal set-up is left out), on the demo workspace and on a
//! generated one with 200 prompts and 20,000 cases. The TUI reads the results of
//! recorded runs after its first frame; the time until they are in is shown beside it.
//!
//! cargo run --release --example first_frame [WORKSPACE]
//!
//! With a WORKSPACE, only that one is measured (scripts/bench-scale.sh opens the
//! workspace of a 100,000-case run that way).

// A benchmark harness: a failed setup step panics, and the panic is the report.
#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::time::Instant;

use promptwright::tui::{self, app::App, msg::Msg};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

/// Milliseconds to the first frame and to the recorded results, and the prompts.
fn first_frame(root: &Path) -> (f64, f64, usize) {
    let started = Instant::now();
    let mut app = App::from(tui::first_load(root));
    let mut terminal = Terminal::new(TestBackend::new(160, 48)).expect("backend");
    tui::render(&mut terminal, &app).expect("draw");
    let first = started.elapsed().as_secs_f64() * 1000.0;
    app.update(Msg::RecordedLoaded(tui::recorded_results(root)));
    let results = started.elapsed().as_secs_f64() * 1000.0;
    (first, results, app.prompts.entries().len())
}

fn generate(root: &Path, prompts: usize, cases: usize) {
    std::fs::create_dir_all(root.join("prompts")).unwrap();
    std::fs::create_dir_all(root.join("evals/data")).unwrap();
    std::fs::write(
        root.join("workspace.toml"),
        "[workspace]\nname = \"big\"\ndefault_provider = \"local\"\n[providers.local]\nkind = \"echo\"\n",
    )
    .unwrap();
    let per_prompt = cases / prompts;
    for p in 0..prompts {
        std::fs::write(
            root.join(format!("prompts/p{p:03}.toml")),
            format!(
                "description = \"Prompt {p}\"\nmodel = \"m\"\n[params]\ntemperature = 0.2\n[[messages]]\nrole = \"system\"\ncontent = \"\"\"\nYou answer tickets for {{{{ company }}}}.\n{{% for r in rules %}}- {{{{ r }}}}\n{{% endfor %}}\"\"\"\n[[messages]]\nrole = \"user\"\ncontent = \"{{{{ ticket }}}}\"\n"
            ),
        )
        .unwrap();
        std::fs::write(root.join(format!("evals/s{p:03}.toml")), format!("prompt = \"p{p:03}\"\ndataset = \"data/s{p:03}.jsonl\"\n[[assert]]\ntype = \"icontains\"\nvalue = \"ticket\"\n")).unwrap();
        let mut lines = String::new();
        for c in 0..per_prompt {
            lines.push_str(&format!(
                "{{\"id\": \"c{c}\", \"vars\": {{\"company\": \"Acme\", \"rules\": [\"be brief\", \"be kind\"], \"ticket\": \"ticket number {c} about a late parcel\"}}, \"assert\": [{{\"type\": \"max-length\", \"value\": 2000}}]}}\n"
            ));
        }
        std::fs::write(root.join(format!("evals/data/s{p:03}.jsonl")), lines).unwrap();
    }
}

fn main() {
    if let Some(root) = std::env::args_os().nth(1) {
        let root = std::path::PathBuf::from(root);
        report(&root.display().to_string(), &root);
        return;
    }
    let demo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().expect("tempdir");
    generate(dir.path(), 200, 20_000);
    for (label, root) in [
        ("demo workspace", demo),
        ("200 prompts, 20,000 cases", dir.path()),
    ] {
        report(label, root);
    }
}

/// Five first frames of `root`: the median, fastest and slowest.
fn report(label: &str, root: &Path) {
    let runs: Vec<(f64, f64, usize)> = (0..5).map(|_| first_frame(root)).collect();
    let sorted = |pick: fn(&(f64, f64, usize)) -> f64| {
        let mut ms: Vec<f64> = runs.iter().map(pick).collect();
        ms.sort_by(f64::total_cmp);
        ms
    };
    let (first, results) = (sorted(|r| r.0), sorted(|r| r.1));
    println!(
        "{label:<28} {} prompts  first frame: median {:.1} ms (min {:.1}, max {:.1}); recorded results in: median {:.1} ms",
        runs[0].2, first[2], first[0], first[4], results[2]
    );
}
