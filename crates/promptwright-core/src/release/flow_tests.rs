//! The engine's release flow as a front end drives it (the TUI does this without the
//! CLI): propose, plan, run on a runtime, verdict, export; then roll back, read the
//! history, verify. Offline echo provider in a temporary workspace.

use std::path::Path;

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::*;
use crate::plan::PlanRequest;
use crate::runner::RunEvent;
use crate::workspace::Workspace;

const WORKSPACE: &str = r#"[workspace]
name = "flow"
default_provider = "local"

[providers.local]
kind = "echo"

[gate]
min_pass_rate = 1.0
"#;

const PROMPT: &str =
    "[[messages]]\nrole = \"user\"\ncontent = \"Hello {{ name }}, welcome to Acme.\"\n";

const SUITE: &str = r#"prompt = "greet"
[[cases]]
id = "ada"
vars = { name = "Ada" }
[[cases.assert]]
type = "icontains"
value = "acme"
[[cases]]
id = "bob"
vars = { name = "Bob" }
[[cases.assert]]
type = "icontains"
value = "welcome"
"#;

fn write(root: &Path, rel: &str, text: &str) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

/// Gates the draft as a front end would: events streamed, verdict computed.
fn gate(ws: &Workspace, name: &str) -> (Proposal, Verdict, Vec<RunEvent>) {
    let proposal = Proposal::load(ws, name).unwrap();
    let plans = proposal.plans(ws, &PlanRequest::default()).unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let (tx, mut rx) = mpsc::unbounded_channel();
    let runs = rt
        .block_on(run_gate(plans, tx, CancellationToken::new()))
        .unwrap();
    let mut events = Vec::new();
    while let Ok(e) = rx.try_recv() {
        events.push(e);
    }
    let verdict = proposal.verdict(ws, &runs);
    (proposal, verdict, events)
}

fn started(events: &[RunEvent]) -> Vec<String> {
    events
        .iter()
        .filter_map(|e| match e {
            RunEvent::Started(h) => Some(h.content_sha256.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn propose_gate_export_rollback_history_verify() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "workspace.toml", WORKSPACE);
    write(root, "prompts/greet.toml", PROMPT);
    write(root, "evals/greet-basic.toml", SUITE);
    let shown = |rel: &str| rel.to_string();

    // First release: one run, no baseline.
    let ws = Workspace::load(root).unwrap();
    let (p1, v1, events) = gate(&ws, "greet");
    assert_eq!((p1.next_version, p1.baseline_version()), (1, None));
    assert_eq!(p1.suites, ["greet-basic"]);
    assert!(v1.passed && v1.first_release, "{:#?}", v1.checks);
    assert_eq!(
        started(&events),
        std::slice::from_ref(&p1.draft.content_sha256)
    );
    let req = ReleaseRequest {
        note: "first".into(),
        author: "Ada".into(),
        released_at: "2026-11-26T10:00:00Z".into(),
    };
    let out = export(root, &p1, &v1, &req).unwrap();
    assert_eq!(
        out.written,
        [
            "releases/greet/v1.toml",
            "releases/greet/log.jsonl",
            "releases/greet.toml"
        ]
    );
    assert_eq!(out.release.evidence.run_id, v1.draft.run_id);
    // Exporting the same proposal again: the releases moved on.
    assert!(matches!(
        export(root, &p1, &v1, &req),
        Err(ReleaseError::Unchanged { .. }) | Err(ReleaseError::Stale { .. })
    ));

    // The unchanged draft: the proposal knows, and export refuses.
    let ws = Workspace::load(root).unwrap();
    let (p, v, _) = gate(&ws, "greet");
    assert!(p.is_unchanged());
    assert_eq!(
        export(root, &p, &v, &req),
        Err(ReleaseError::Unchanged {
            name: "greet".into(),
            version: 1
        })
    );

    // A draft that regresses `ada` (no "Acme" any more): blocked, and export refuses.
    write(
        root,
        "prompts/greet.toml",
        &PROMPT.replace("to Acme", "aboard"),
    );
    let ws = Workspace::load(root).unwrap();
    let (p, v, events) = gate(&ws, "greet");
    assert_eq!((p.next_version, p.baseline_version()), (2, Some(1)));
    // The draft runs first, then the current release.
    assert_eq!(
        started(&events),
        [
            p.draft.content_sha256.clone(),
            p.current.as_ref().unwrap().release.content_sha256.clone()
        ]
    );
    assert!(!v.passed);
    assert_eq!(v.regressions.len(), 1);
    assert_eq!(v.regressions[0].id, "ada");
    match export(root, &p, &v, &req) {
        Err(ReleaseError::Blocked { failing, .. }) => {
            assert_eq!(failing, ["min_pass_rate", "max_regressions"])
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(versions(root, "greet"), [1]);

    // A passing second draft: v2 with parent 1 and a baseline.
    write(root, "prompts/greet.toml", &PROMPT.replace("Hello", "Hi"));
    let ws = Workspace::load(root).unwrap();
    let (p2, v2, _) = gate(&ws, "greet");
    assert!(v2.passed, "{:#?}", v2.failing().collect::<Vec<_>>());
    let out = export(root, &p2, &v2, &ReleaseRequest::now("second", "Ada")).unwrap();
    assert_eq!(out.release.version, 2);
    assert_eq!(out.release.parent_version, Some(1));
    assert_eq!(out.release.evidence.baseline_version, Some(1));

    // Roll back to v1: the current file becomes a copy of v1.
    let plan = plan_rollback(root, "greet", None).unwrap();
    assert_eq!((plan.from.version, plan.to.version), (2, 1));
    assert!(!plan.diff().is_identical());
    rollback(root, &plan, "the old greeting tested better", "Ada").unwrap();
    assert_eq!(
        std::fs::read(root.join("releases/greet.toml")).unwrap(),
        std::fs::read(root.join("releases/greet/v1.toml")).unwrap()
    );
    assert!(matches!(
        plan_rollback(root, "greet", Some(1)),
        Err(ReleaseError::AlreadyCurrent { version: 1, .. })
    ));
    assert!(matches!(
        plan_rollback(root, "greet", None),
        Err(ReleaseError::NoTarget { .. })
    ));
    // The plan made before the rollback is stale now.
    assert_eq!(
        rollback(root, &plan, "again", "Ada"),
        Err(ReleaseError::Stale {
            name: "greet".into()
        })
    );

    let h = history(root, Some("greet"), &shown).unwrap();
    let kinds: Vec<(&str, u32)> = h.iter().map(|e| (e.kind(), e.version())).collect();
    assert_eq!(kinds, [("rollback", 1), ("release", 2), ("release", 1)]);

    let check = verify(root, &shown);
    assert!(check.errors.is_empty(), "{:#?}", check.errors);
    assert_eq!(check.versions, 2);

    let gates = read_gates(root);
    assert!(gates.is_empty(), "the engine records gates only when asked");
    let s = stats::load(root, "greet", 10, &shown).unwrap();
    assert_eq!(
        (s.releases.len(), s.rollbacks, s.current_version),
        (2, 1, Some(1))
    );
    assert_eq!(s.rollback_frequency, Some(0.5));
}

#[test]
fn a_release_without_suites_or_with_a_broken_current_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "workspace.toml", WORKSPACE);
    write(root, "prompts/greet.toml", PROMPT);
    let ws = Workspace::load(root).unwrap();
    assert_eq!(
        Proposal::load(&ws, "greet").unwrap_err(),
        ReleaseError::NoSuites {
            name: "greet".into()
        }
    );
    assert!(matches!(
        Proposal::load(&ws, "gret").unwrap_err(),
        ReleaseError::Ref(RefError::UnknownPrompt { .. })
    ));
    write(root, "evals/greet-basic.toml", SUITE);
    write(root, "releases/greet.toml", "version = 1\n");
    let ws = Workspace::load(root).unwrap();
    assert!(matches!(
        Proposal::load(&ws, "greet").unwrap_err(),
        ReleaseError::Invalid(_)
    ));
}
