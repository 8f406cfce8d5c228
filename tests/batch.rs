//! `eval --batch` against a local server speaking both vendors' batch APIs: the same
//! verdicts as a synchronous run, the jobs in the run record at once, a killed run
//! resumed onto the same jobs, failed lines as errored cases, batch prices, the
//! refusals, and the key kept from a results URL on a foreign host.

// Integration tests: a failed setup step panics, and the panic is the report.
#![allow(clippy::unwrap_used)]

use std::process::Stdio;

mod common;

use common::batch_api::{BatchApi, Vendor, failure, word};
use common::record::{record_lines, wait_for_lines};
use common::server::*;
use serde_json::Value;

const KEY: &str = "sk-batch-test-secret-0042";

/// Six cases: c3 fails its own assertion, c4's request fails at the provider.
fn suite() -> String {
    let mut s = String::from("prompt = \"p\"\n[[assert]]\ntype = \"icontains\"\nvalue = \"say\"\n");
    for i in 1..=6 {
        s.push_str(&format!(
            "[[cases]]\nid = \"c{i}\"\nvars = {{ word = \"w{i}\" }}\n"
        ));
        if i == 3 {
            s.push_str("[[cases.assert]]\ntype = \"contains\"\nvalue = \"nope\"\n");
        }
    }
    s
}

fn provider(vendor: Vendor, url: &str) -> String {
    let (kind, base) = match vendor {
        Vendor::OpenAi => ("openai", format!("{url}/v1")),
        Vendor::Anthropic => ("anthropic", url.to_string()),
    };
    format!(
        "[providers.real]\nkind = \"{kind}\"\nbase_url = \"{base}\"\napi_key_env = \"PW_BATCH_KEY\"\ntimeout_s = 10\nmax_retries = 1\n\n[pricing]\nm1 = {{ input = 2.0, output = 4.0 }}\n"
    )
}

fn env() -> Vec<(&'static str, &'static str)> {
    vec![("PW_BATCH_KEY", KEY), ("PROMPTWRIGHT_BATCH_POLL_S", "0.02")]
}

fn run(root: &std::path::Path, args: &[&str]) -> Run {
    eval_env(root, args, &env())
}

/// (id, status) of every case of a run.
fn verdicts(r: &Run) -> Vec<(String, String)> {
    r.cases()
        .iter()
        .map(|c| {
            (
                c["id"].as_str().unwrap().into(),
                c["status"].as_str().unwrap().into(),
            )
        })
        .collect()
}

fn batch_gives_the_synchronous_verdicts(vendor: Vendor) {
    let api = BatchApi::start(3, &["w4"]);
    let ws = workspace(&provider(vendor, &api.server.url), PROMPT, &suite());
    let root = ws.path();

    let sync = run(root, &["--no-cache"]);
    assert_eq!(sync.code(), 1, "{}", sync.stderr());
    let sync_bodies: Vec<Value> = api.server.hits().into_iter().map(|h| h.body).collect();
    assert_eq!(sync_bodies.len(), 6);

    let batched = run(root, &["--batch", "--no-cache"]);
    assert_eq!(batched.code(), 1, "{}", batched.stderr());
    assert_eq!(verdicts(&batched), verdicts(&sync));
    let expected: Vec<&str> = ["pass", "pass", "fail", "error", "pass", "pass"].to_vec();
    let got: Vec<String> = verdicts(&batched).into_iter().map(|(_, s)| s).collect();
    assert_eq!(got, expected);
    assert!(
        batched.error("c4").contains(&failure("w4")),
        "{}",
        batched.error("c4")
    );
    assert_eq!(batched.case("c1")["output"], "echo Say w1");
    // A log gets a line each time the jobs change: sent, running, ended.
    let ended = if vendor == Vendor::OpenAi {
        "completed"
    } else {
        "ended"
    };
    for state in [
        "batch 1/1 submitted 0/6",
        "batch 1/1 in_progress",
        &format!("batch 1/1 {ended} 6/6"),
    ] {
        assert!(
            batched.stderr().contains(state),
            "{state}: {}",
            batched.stderr()
        );
    }

    // One job, each line the exact body of the synchronous call, ids of the vendor's form.
    let jobs = api.jobs();
    assert_eq!(jobs.len(), 1);
    assert_eq!(jobs[0].lines.len(), 6);
    for (_, body) in &jobs[0].lines {
        let same = sync_bodies.iter().find(|b| word(b) == word(body)).unwrap();
        assert_eq!(body, same, "the batch line's body is the synchronous body");
    }
    // Half the price of the synchronous calls: 10 in, 4 out a call at 2 and 4 per million.
    let cost = |r: &Run| r.run0()["summary"]["cost_usd"].as_f64().unwrap();
    assert!((cost(&sync) - 5.0 * 36e-6).abs() < 1e-12, "{}", cost(&sync));
    assert!(
        (cost(&batched) - 5.0 * 18e-6).abs() < 1e-12,
        "{}",
        cost(&batched)
    );

    // The job is in the record; the key is nowhere in it.
    let (_, lines) = record_lines_of(root, batched.run0()["run_id"].as_str().unwrap());
    let recorded: Vec<&Value> = lines.iter().filter(|l| l["type"] == "batch").collect();
    assert_eq!(recorded.len(), 1);
    assert_eq!(recorded[0]["id"], "batch_1");
    assert_eq!(recorded[0]["custom_ids"].as_array().unwrap().len(), 6);
    assert!(!lines.iter().any(|l| l.to_string().contains(KEY)));
    // Every call carried the key (to loopback, which may receive it).
    assert!(
        api.server
            .hits()
            .iter()
            .all(|h| h.key_header().contains(KEY))
    );
}

/// The lines of the run record `run_id` under `root`.
fn record_lines_of(root: &std::path::Path, run_id: &str) -> (String, Vec<Value>) {
    let text =
        std::fs::read_to_string(root.join(format!(".promptwright/runs/{run_id}.jsonl"))).unwrap();
    (
        run_id.into(),
        text.lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect(),
    )
}

#[test]
fn openai_batch_gives_the_synchronous_verdicts_at_half_price() {
    batch_gives_the_synchronous_verdicts(Vendor::OpenAi);
}

#[test]
fn anthropic_batch_gives_the_synchronous_verdicts_at_half_price() {
    batch_gives_the_synchronous_verdicts(Vendor::Anthropic);
}

fn killed_between_submit_and_completion_resumes_onto_the_same_job(vendor: Vendor) {
    let api = BatchApi::start(usize::MAX, &[]);
    let ws = workspace(&provider(vendor, &api.server.url), PROMPT, &suite());
    let root = ws.path();
    let mut cmd = bin(root);
    cmd.args(["eval", "--batch", "--format", "json"])
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    for (k, v) in env() {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().unwrap();
    wait_for_lines(root, &mut child, "a batch job in the record", |lines| {
        lines.iter().any(|l| l["type"] == "batch")
    });
    // A few looks at the job, then a real kill.
    let polled = |api: &BatchApi| api.jobs().first().map_or(0, |j| j.polls);
    while polled(&api) < 2 {
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(api.creates(), 1);
    let (run_id, _) = record_lines(root).unwrap();

    api.set(|s| s.polls_to_end = 1);
    // Resumed without --batch, as a user would after a kill: it goes on as a batch.
    let args: &[&str] = match vendor {
        Vendor::OpenAi => &["--batch", "--resume"],
        Vendor::Anthropic => &["--resume"],
    };
    let resumed = run(root, args);
    assert_eq!(resumed.code(), 1, "c3 fails: {}", resumed.stderr());
    let sync_calls = api
        .server
        .hits()
        .iter()
        .filter(|h| h.path.ends_with("/messages") || h.path.ends_with("/completions"))
        .count();
    assert_eq!(
        sync_calls, 0,
        "no case was asked again with an ordinary call"
    );
    if vendor == Vendor::Anthropic {
        assert!(
            resumed.stderr().contains("continuing it with --batch"),
            "{}",
            resumed.stderr()
        );
    }
    assert!(
        resumed.stderr().contains(&format!("resuming run {run_id}")),
        "{}",
        resumed.stderr()
    );
    assert_eq!(
        api.creates(),
        1,
        "the resumed run re-attached; nothing was sent twice"
    );
    assert_eq!(resumed.run0()["run_id"], run_id.as_str());
    assert_eq!(resumed.run0()["complete"], true);
    assert_eq!(resumed.run0()["summary"]["passed"], 5);
    if vendor == Vendor::OpenAi {
        assert_eq!(
            api.server
                .hits()
                .iter()
                .filter(|h| h.path == "/v1/files")
                .count(),
            1
        );
    }
}

#[test]
fn a_killed_openai_batch_run_resumes_onto_the_same_job() {
    killed_between_submit_and_completion_resumes_onto_the_same_job(Vendor::OpenAi);
}

#[test]
fn a_killed_anthropic_batch_run_resumes_onto_the_same_job() {
    killed_between_submit_and_completion_resumes_onto_the_same_job(Vendor::Anthropic);
}

fn expired_requests_error_and_resume_sends_only_them(vendor: Vendor) {
    let api = BatchApi::start(2, &[]);
    api.set(|s| s.expire = true);
    let ws = workspace(&provider(vendor, &api.server.url), PROMPT, &suite());
    let root = ws.path();
    let first = run(root, &["--batch"]);
    assert_eq!(first.code(), 1);
    for id in ["c1", "c6"] {
        assert!(
            first.error(id).contains("expired") || first.error(id).contains("completion window"),
            "{}",
            first.error(id)
        );
    }
    assert_eq!(first.run0()["complete"], false, "left resumable");
    api.set(|s| s.expire = false);
    let again = run(root, &["--batch", "--resume"]);
    assert_eq!(again.run0()["run_id"], first.run0()["run_id"]);
    assert_eq!(
        api.creates(),
        2,
        "the expired requests were sent again, once"
    );
    assert_eq!(api.jobs()[1].lines.len(), 6);
    assert_eq!(again.run0()["summary"]["passed"], 5, "{}", again.stderr());
    assert_eq!(again.run0()["complete"], true);
    // A third resume has nothing left to ask.
    let third = run(root, &["--batch", "--resume"]);
    assert_eq!(api.creates(), 2, "{}", third.stderr());
}

#[test]
fn an_expired_openai_job_errs_its_cases_and_resume_sends_them_again() {
    expired_requests_error_and_resume_sends_only_them(Vendor::OpenAi);
}

#[test]
fn an_expired_anthropic_job_errs_its_cases_and_resume_sends_them_again() {
    expired_requests_error_and_resume_sends_only_them(Vendor::Anthropic);
}

#[test]
fn requests_over_a_jobs_limit_go_in_several_jobs_each_recorded_and_resumed() {
    for vendor in [Vendor::OpenAi, Vendor::Anthropic] {
        let api = BatchApi::start(usize::MAX, &["w4"]);
        let ws = workspace(&provider(vendor, &api.server.url), PROMPT, &suite());
        let root = ws.path();
        let mut cmd = bin(root);
        cmd.args(["eval", "--batch", "--format", "json"])
            .env("PROMPTWRIGHT_TEST_FAILPOINT", "batch-max-requests=4")
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        for (k, v) in env() {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().unwrap();
        wait_for_lines(root, &mut child, "two batch jobs in the record", |lines| {
            lines.iter().filter(|l| l["type"] == "batch").count() == 2
        });
        child.kill().unwrap();
        child.wait().unwrap();
        let sizes: Vec<usize> = api.jobs().iter().map(|j| j.lines.len()).collect();
        assert_eq!(sizes, [4, 2], "{vendor:?}");

        api.set(|s| s.polls_to_end = 1);
        let resumed = eval_env(
            root,
            &["--batch", "--resume"],
            &[
                env(),
                vec![("PROMPTWRIGHT_TEST_FAILPOINT", "batch-max-requests=4")],
            ]
            .concat(),
        );
        assert_eq!(api.creates(), 2, "{vendor:?}: both jobs re-attached");
        assert_eq!(resumed.run0()["complete"], true, "{}", resumed.stderr());
        let got: Vec<String> = verdicts(&resumed).into_iter().map(|(_, s)| s).collect();
        assert_eq!(got, ["pass", "pass", "fail", "error", "pass", "pass"]);
        let ended = if vendor == Vendor::OpenAi {
            "completed"
        } else {
            "ended"
        };
        let line = format!("batch 1/2 {ended} 4/4 · batch 2/2 {ended} 2/2");
        assert!(resumed.stderr().contains(&line), "{}", resumed.stderr());
    }
}

#[test]
fn an_anthropic_structured_answer_is_read_as_the_synchronous_reply_reads_it() {
    let api = BatchApi::start(1, &[]);
    api.set(|s| s.answer_tool = Some("said".into()));
    let prompt = PROMPT.replace(
        "model = \"m1\"\n",
        "model = \"m1\"\n\n[response_format]\ntype = \"json_schema\"\nname = \"said\"\nschema = \"../evals/said.json\"\n",
    );
    let ws = workspace(
        &provider(Vendor::Anthropic, &api.server.url),
        &prompt,
        &suite(),
    );
    let schema = r#"{"type": "object", "properties": {"said": {"type": "string"}}}"#;
    common::write(ws.path(), "evals/said.json", schema);
    let r = run(ws.path(), &["--batch"]);
    assert_eq!(r.run0()["summary"]["passed"], 5, "{}", r.stderr());
    let c1 = r.case("c1");
    assert_eq!(c1["tool_calls"], serde_json::json!([]), "{c1:#}");
    let said: Value = serde_json::from_str(c1["output"].as_str().unwrap()).unwrap();
    assert_eq!(said, serde_json::json!({"said": "echo Say w1"}));
    let params = &api.jobs()[0].lines[0].1;
    assert_eq!(params["tool_choice"]["name"], "said", "{params:#}");
}

#[test]
fn cached_and_recorded_cases_are_not_sent_and_repeats_are_a_line_a_draw() {
    let api = BatchApi::start(1, &[]);
    let ws = workspace(&provider(Vendor::OpenAi, &api.server.url), PROMPT, &suite());
    let root = ws.path();
    let first = run(root, &["--batch"]);
    assert_eq!(first.code(), 1);
    // Every answer is cached now: a second batched run sends no job.
    let second = run(root, &["--batch"]);
    assert_eq!(verdicts(&second), verdicts(&first));
    assert_eq!(api.creates(), 1);
    assert!(second.cases().iter().all(|c| c["cached"] == true));

    let repeated = run(root, &["--batch", "--no-cache", "--repeat", "3"]);
    assert_eq!(repeated.code(), 1, "{}", repeated.stderr());
    let job = &api.jobs()[1];
    assert_eq!(job.lines.len(), 18, "six cases, three draws each");
    assert_eq!(repeated.case("c1")["samples"].as_array().unwrap().len(), 3);
}

#[test]
fn a_failed_line_is_an_errored_case_with_the_providers_message_and_no_key() {
    for vendor in [Vendor::OpenAi, Vendor::Anthropic] {
        let api = BatchApi::start(1, &["w2", "w5"]);
        api.set(|s| s.echo_key = true);
        let ws = workspace(&provider(vendor, &api.server.url), PROMPT, &suite());
        let r = run(ws.path(), &["--batch"]);
        assert_eq!(r.code(), 1);
        for (id, w) in [("c2", "w2"), ("c5", "w5")] {
            let e = r.error(id);
            assert!(
                e.contains(&failure(w)) && e.contains("[redacted]"),
                "{vendor:?}: {e}"
            );
            assert!(!e.contains(KEY), "{vendor:?}: {e}");
        }
        assert_eq!(r.run0()["summary"]["errors"], 2);
        assert_eq!(
            r.run0()["complete"],
            true,
            "a failed line is an answer, as a 400 is"
        );
        assert_eq!(r.run0()["summary"]["passed"], 3);
    }
}

#[test]
fn a_short_outage_while_waiting_is_waited_out() {
    let api = BatchApi::start(2, &[]);
    // Three failed requests: with one retry each, a look fails, then one more request.
    api.set(|s| s.outage = 3);
    let ws = workspace(&provider(Vendor::OpenAi, &api.server.url), PROMPT, &suite());
    let r = run(ws.path(), &["--batch"]);
    assert_eq!(r.run0()["summary"]["passed"], 5, "{}", r.stderr());
    assert_eq!(r.run0()["complete"], true);
    assert!(r.stderr().contains("unreachable"), "{}", r.stderr());
}

#[test]
fn a_results_url_on_a_foreign_host_gets_no_key() {
    let api = BatchApi::start(1, &[]);
    api.set(|s| s.results_base = Some("https://results.example.com".into()));
    let ws = workspace(
        &provider(Vendor::Anthropic, &api.server.url),
        PROMPT,
        &suite(),
    );
    let root = ws.path();
    let r = run(root, &["--batch"]);
    assert_eq!(r.code(), 1);
    let e = r.error("c1");
    assert!(
        e.contains("results.example.com") && e.contains("may not go"),
        "{e}"
    );
    assert!(!e.contains(KEY));
    assert!(
        !api.server
            .hits()
            .iter()
            .any(|h| h.path.ends_with("/results"))
    );
    // The answers may exist: a resumed run looks at the job again, sends nothing anew.
    let again = run(root, &["--batch", "--resume"]);
    assert!(
        again.error("c1").contains("may not go"),
        "{}",
        again.stderr()
    );
    assert_eq!(api.creates(), 1);
}

/// Arguments, extra environment, and what the refusal says.
type Refused<'a> = (&'a [&'a str], &'a [(&'a str, &'a str)], &'a str);

#[test]
fn batch_refuses_what_it_cannot_do_before_any_call_and_writes_nothing() {
    let api = BatchApi::start(1, &[]);
    let providers =
        provider(Vendor::OpenAi, &api.server.url) + "\n[providers.local]\nkind = \"echo\"\n";
    let ws = workspace(&providers, PROMPT, &suite());
    let root = ws.path();
    let cases: [Refused; 4] = [
        (&["--batch", "--provider", "local"], &[], "no batch API"),
        (
            &["--batch", "--target", "real", "--target", "local"],
            &[],
            "--target",
        ),
        (&["--batch", "--budget", "1"], &[], "--budget"),
        (
            &["--batch"],
            &[("PROMPTWRIGHT_BATCH_POLL_S", "0")],
            "PROMPTWRIGHT_BATCH_POLL_S",
        ),
    ];
    for (args, extra, says) in cases {
        let mut all = env();
        all.extend_from_slice(extra);
        let r = eval_env(root, args, &all);
        assert_eq!(r.code(), 2, "{args:?}: {}", r.stderr());
        assert!(
            r.stderr().contains(says) && r.stderr().contains("help:"),
            "{args:?}: {}",
            r.stderr()
        );
    }
    assert_eq!(api.server.count(), 0);
    assert!(!root.join(".promptwright/runs").exists());
}

#[test]
fn estimate_with_batch_prices_at_batch_prices() {
    let api = BatchApi::start(1, &[]);
    let providers = provider(Vendor::OpenAi, &api.server.url).replace(
        "{ input = 2.0, output = 4.0 }",
        "{ input = 2.0, output = 4.0, batch_input = 0.5, batch_output = 1.0 }",
    );
    let ws = workspace(&providers, PROMPT, &suite());
    let out = |args: &[&str]| {
        let mut c = bin(ws.path());
        c.args(["eval"]).args(args).env("PW_BATCH_KEY", KEY);
        stdout_of(&output_or_hang(&mut c))
    };
    let cost = |text: &str| -> f64 {
        let line = text
            .lines()
            .find(|l| l.trim_start().starts_with("cost"))
            .unwrap();
        line.split('$')
            .nth(1)
            .unwrap()
            .split_whitespace()
            .next()
            .unwrap()
            .parse()
            .unwrap()
    };
    let sync = out(&["--estimate"]);
    let batched = out(&["--estimate", "--batch"]);
    assert!(batched.contains("batch prices"), "{batched}");
    // batch_input and batch_output are a quarter of the list prices here.
    assert!(
        (cost(&sync) / 4.0 - cost(&batched)).abs() < 1e-6,
        "{sync}\n{batched}"
    );
    assert_eq!(api.server.count(), 0);
}

fn stdout_of(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}
