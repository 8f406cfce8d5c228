//! How long a 5,000-line prompt diff takes to compute (target: under 50 ms in release).
//!
//! `cargo run --release --example diff_bench`
//!
//! Three shapes: a typical review (5% of lines edited word-wise, blocks inserted and
//! deleted, one message added), a rewrite (every line different: the worst case for
//! pairing lines and marking words), and identical sides. Each is computed several
//! times; the median and the worst are printed.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use promptwright_core::diff::{OutputDiff, PromptDiff};
use promptwright_core::vocab::{Message, Role};
use promptwright_core::workspace::PromptDef;

const WORDS: &[&str] = &[
    "refund", "window", "customer", "ticket", "policy", "agent", "delivery", "order", "quote",
    "exactly", "never", "always", "answer", "language", "escalate", "manager", "card", "password",
    "days", "calm", "specific", "reply", "sign", "team", "data",
];

/// A deterministic pseudo-random line of prose (xorshift, so runs compare).
fn line(seed: &mut u64, n: usize) -> String {
    let mut words = Vec::new();
    let len = 6 + (n % 14);
    for _ in 0..len {
        *seed ^= *seed << 13;
        *seed ^= *seed >> 7;
        *seed ^= *seed << 17;
        words.push(WORDS[(*seed % WORDS.len() as u64) as usize]);
    }
    format!("- Rule {n}: {} {{{{ var_{} }}}}.", words.join(" "), n % 40)
}

fn prompt(messages: Vec<(Role, String)>, temperature: f64) -> PromptDef {
    let mut params = BTreeMap::new();
    params.insert("temperature".to_string(), serde_json::json!(temperature));
    PromptDef {
        description: Some("bench".into()),
        provider: None,
        model: Some("m".into()),
        params,
        messages: messages
            .into_iter()
            .map(|(role, content)| Message::new(role, content))
            .collect(),
        ..PromptDef::default()
    }
}

fn time(label: &str, runs: usize, mut f: impl FnMut() -> usize) {
    let mut times: Vec<Duration> = Vec::with_capacity(runs);
    let mut rows = 0;
    for _ in 0..runs {
        let t = Instant::now();
        rows = std::hint::black_box(f());
        times.push(t.elapsed());
    }
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "{label:<34} median {:>7.2} ms   worst {:>7.2} ms   ({rows} rows)",
        ms(times[runs / 2]),
        ms(times[runs - 1])
    );
}

fn main() {
    let mut seed = 0x2545_f491_4f6c_dd1d_u64;
    let old_lines: Vec<String> = (0..5000).map(|n| line(&mut seed, n)).collect();

    // A review-sized change: every 20th line edited by a word or two, a block of 40
    // lines inserted, one of 40 deleted, one message added.
    let mut new_lines = Vec::new();
    for (n, l) in old_lines.iter().enumerate() {
        if (1000..1040).contains(&n) {
            continue;
        }
        if n == 3000 {
            new_lines.extend((0..40).map(|k| line(&mut seed, 9000 + k)));
        }
        if n % 20 == 7 {
            new_lines.push(
                l.replacen("refund", "return", 1)
                    .replacen("never", "rarely", 1)
                    + " (v2)",
            );
        } else {
            new_lines.push(l.clone());
        }
    }
    let split = |lines: &[String]| -> Vec<(Role, String)> {
        vec![
            (Role::System, lines[..4000].join("\n")),
            (Role::User, lines[4000..].join("\n")),
        ]
    };
    let old = prompt(split(&old_lines), 0.2);
    let mut new_messages = split(&new_lines);
    new_messages.insert(1, (Role::Assistant, "An example answer.".into()));
    let new = prompt(new_messages, 0.4);

    let rewritten: Vec<String> = (0..5000).map(|n| line(&mut seed, n + 20_000)).collect();
    let rewrite = prompt(split(&rewritten), 0.2);

    println!("5,000-line prompt diffs (PromptDiff::new: rows, unified lines, word spans, hunks)");
    time("review (5% edited, blocks moved)", 21, || {
        PromptDiff::new(&old, &new).doc.rows.len()
    });
    time("rewrite (every line different)", 11, || {
        PromptDiff::new(&old, &rewrite).doc.rows.len()
    });
    time("identical", 21, || {
        PromptDiff::new(&old, &old).doc.rows.len()
    });

    // Listing a large output comparison: texts are diffed only when a case is opened.
    let cases = |suffix: &str| -> Vec<promptwright_core::store::CaseResult> {
        (0..20_000)
            .map(|i| promptwright_core::store::CaseResult {
                suite: format!("s{}", i % 10),
                id: format!("case-{i}"),
                status: if i % 7 == 0 {
                    promptwright_core::store::Status::Fail
                } else {
                    promptwright_core::store::Status::Pass
                },
                score: 1.0,
                vars: serde_json::Map::new(),
                output: Some(format!("answer {i}{suffix}")),
                tool_calls: Vec::new(),
                error: None,
                cached: false,
                latency_ms: Some(10),
                tokens: None,
                cost_usd: 0.0,
                assertions: vec![],
                samples: Vec::new(),
            })
            .collect()
    };
    let (a, b) = (cases(""), cases(" v2"));
    time("outputs: 20,000 cases compared", 11, || {
        OutputDiff::new(&a, &b).cases.len()
    });
}
