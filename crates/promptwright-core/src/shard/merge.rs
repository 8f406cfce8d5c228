//! `merge`: the records of a run's shards joined into one complete run record, refused
//! unless they are of one prompt content, provider, model and repeat and together hold
//! every case of their suites exactly once.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use super::Shard;
use crate::store::{self, CaseResult, Line, RunHeader, RunRecord};
use crate::vocab::Explain;
use crate::workspace::Workspace;

/// Why records cannot be merged: what is wrong and how to fix it.
#[derive(Debug, Clone, PartialEq)]
pub struct MergeError {
    pub message: String,
    pub help: String,
}

impl std::fmt::Display for MergeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl Explain for MergeError {
    fn help(&self) -> String {
        self.help.clone()
    }
}

fn refuse(message: impl Into<String>, help: impl Into<String>) -> MergeError {
    MergeError {
        message: message.into(),
        help: help.into(),
    }
}

/// Cases named in a message: the first few, and how many more.
const NAMED: usize = 10;

fn name_cases(cases: &[(String, String)]) -> String {
    let mut names: Vec<String> = cases
        .iter()
        .take(NAMED)
        .map(|(s, id)| format!("{s}/{id}"))
        .collect();
    if cases.len() > NAMED {
        names.push(format!("and {} more", cases.len() - NAMED));
    }
    names.join(", ")
}

/// One record given to merge.
struct Part {
    path: PathBuf,
    header: RunHeader,
    record: RunRecord,
}

impl Part {
    fn read(path: &Path) -> Result<Part, MergeError> {
        let unreadable = |e: std::io::Error| {
            refuse(
                format!("cannot read run record `{}`: {e}", path.display()),
                "give the .jsonl files `eval` wrote under .promptwright/runs/",
            )
        };
        let header = store::read_header(path).map_err(unreadable)?;
        let record = store::read_run(path).map_err(unreadable)?;
        Ok(Part {
            path: path.to_path_buf(),
            header,
            record,
        })
    }

    fn named(&self) -> String {
        match &self.header.shard {
            Some(s) => format!("`{}` (shard {s})", self.path.display()),
            None => format!("`{}`", self.path.display()),
        }
    }
}

/// Checks that every part ran the same thing as the first.
fn check_same(parts: &[Part]) -> Result<(), MergeError> {
    let first = &parts[0];
    let repeat = |p: &Part| (!p.record.cases.is_empty()).then_some(p.record.summary.repeat);
    for p in &parts[1..] {
        let (a, b) = (&first.header, &p.header);
        let differs = [
            ("prompt", &a.prompt, &b.prompt),
            ("prompt content", &a.content_sha256, &b.content_sha256),
            ("provider", &a.provider, &b.provider),
            ("model", &a.model, &b.model),
        ]
        .into_iter()
        .find(|(_, x, y)| x != y)
        .map(|(what, x, y)| (what, x.clone(), y.clone()))
        .or_else(|| {
            (a.suites != b.suites).then(|| ("suites", a.suites.join(","), b.suites.join(",")))
        })
        .or_else(|| match (repeat(first), repeat(p)) {
            (Some(x), Some(y)) if x != y => Some(("repeat", x.to_string(), y.to_string())),
            _ => None,
        });
        if let Some((what, x, y)) = differs {
            let x = if what == "prompt content" {
                &x[..12.min(x.len())]
            } else {
                &x
            };
            let y = if what == "prompt content" {
                &y[..12.min(y.len())]
            } else {
                &y
            };
            return Err(refuse(
                format!(
                    "{} and {} differ in {what}: `{x}` and `{y}`",
                    first.named(),
                    p.named()
                ),
                "merge only the shards of one run: the same prompt content, provider, model, suites and --repeat",
            ));
        }
    }
    Ok(())
}

/// The merged run, written under `.promptwright/runs/` of the workspace.
pub struct Merged {
    pub path: PathBuf,
    pub record: RunRecord,
}

/// Merges the records at `paths` into one complete run of `ws`. The cases of the run are
/// those of its suites in the workspace now: each must be in exactly one record.
pub fn merge(ws: &Workspace, paths: &[PathBuf]) -> Result<Merged, MergeError> {
    if paths.is_empty() {
        return Err(refuse(
            "no run record to merge",
            "give the shards' records: `promptwright merge a.jsonl b.jsonl ...`",
        ));
    }
    let parts = paths
        .iter()
        .map(|p| Part::read(p))
        .collect::<Result<Vec<_>, _>>()?;
    check_same(&parts)?;
    let first = &parts[0].header;
    let mut expected: Vec<(String, String)> = Vec::new();
    for name in &first.suites {
        let suite = ws.suites.get(name).ok_or_else(|| {
            refuse(
                format!("the records ran suite `{name}`, which the workspace does not have"),
                "merge in the workspace (and at the commit) the shards ran in",
            )
        })?;
        expected.extend(suite.cases.iter().map(|c| (name.clone(), c.id.clone())));
    }
    let wanted: HashMap<&(String, String), usize> =
        expected.iter().enumerate().map(|(i, k)| (k, i)).collect();
    let mut placed: Vec<Option<(usize, &CaseResult)>> = vec![None; expected.len()];
    let mut doubled = Vec::new();
    let mut unknown = Vec::new();
    for (n, part) in parts.iter().enumerate() {
        for case in &part.record.cases {
            let key = (case.suite.clone(), case.id.clone());
            match wanted.get(&key) {
                None => unknown.push(key),
                Some(&i) => match placed[i] {
                    Some((m, _)) => doubled.push((key, m, n)),
                    None => placed[i] = Some((n, case)),
                },
            }
        }
    }
    if !doubled.is_empty() {
        let keys: Vec<_> = doubled.iter().map(|(k, _, _)| k.clone()).collect();
        let (_, a, b) = doubled[0];
        return Err(refuse(
            format!(
                "{} held twice: {} (first in {} and {})",
                crate::words::plural(keys.len(), "case is", "cases are"),
                name_cases(&keys),
                parts[a].named(),
                parts[b].named()
            ),
            "give each shard's record once, and shards of one count N only",
        ));
    }
    if !unknown.is_empty() {
        return Err(refuse(
            format!(
                "the records hold cases their suites no longer have: {}",
                name_cases(&unknown)
            ),
            "merge in the workspace (and at the commit) the shards ran in",
        ));
    }
    let missing: Vec<(String, String)> = expected
        .iter()
        .zip(&placed)
        .filter(|(_, p)| p.is_none())
        .map(|(k, _)| k.clone())
        .collect();
    if !missing.is_empty() {
        return Err(refuse(
            format!(
                "{} missing: {}{}",
                crate::words::plural(missing.len(), "case is", "cases are"),
                name_cases(&missing),
                why_missing(&parts, &missing)
            ),
            "give every shard's record, each of a finished run (`promptwright eval --shard I/N --resume` finishes one)",
        ));
    }
    if let Some(p) = parts.iter().find(|p| !p.record.complete) {
        return Err(refuse(
            format!("{} is of an unfinished run", p.named()),
            "finish it with `promptwright eval --shard I/N --resume`, then merge again",
        ));
    }
    let cases: Vec<CaseResult> = placed
        .into_iter()
        .flatten()
        .map(|(_, c)| c.clone())
        .collect();
    let header = RunHeader {
        run_id: crate::runner::new_run_id(),
        started_at: parts
            .iter()
            .map(|p| p.header.started_at.clone())
            .min()
            .unwrap_or_default(),
        total: cases.len(),
        shard: None,
        ..first.clone()
    };
    let path = write(ws, &header, &cases).map_err(|e| {
        refuse(
            format!("cannot write the merged run record: {e}"),
            "check that .promptwright/runs/ in the workspace is writable",
        )
    })?;
    Ok(Merged {
        path,
        record: RunRecord::new(&header, true, cases),
    })
}

/// Which shards the missing cases belong to: not given, or given unfinished.
fn why_missing(parts: &[Part], missing: &[(String, String)]) -> String {
    let shards: Vec<Shard> = parts
        .iter()
        .filter_map(|p| p.header.shard.as_deref()?.parse().ok())
        .collect();
    let Some(count) = shards.first().map(|s| s.count) else {
        return String::new();
    };
    if shards.iter().any(|s| s.count != count) {
        return String::new();
    }
    let mut of: BTreeMap<u32, usize> = BTreeMap::new();
    for (suite, id) in missing {
        *of.entry(Shard::of(suite, id, count)).or_default() += 1;
    }
    let notes: Vec<String> = of
        .into_iter()
        .map(|(index, n)| {
            let shard = Shard { index, count };
            let given = parts
                .iter()
                .any(|p| p.header.shard.as_deref() == Some(&shard.to_string()));
            let state = if given {
                "is unfinished"
            } else {
                "was not given"
            };
            format!("shard {shard} {state} ({n})")
        })
        .collect();
    format!(" ({})", notes.join("; "))
}

/// Writes the merged record whole (temp file and rename): no reader sees half of it.
fn write(ws: &Workspace, header: &RunHeader, cases: &[CaseResult]) -> std::io::Result<PathBuf> {
    store::check_state_dir(&ws.root)?;
    let dir = store::runs_dir(&ws.root);
    std::fs::create_dir_all(&dir)?;
    store::ensure_gitignore(&ws.root.join(store::STATE_DIR))?;
    let mut buf = Vec::new();
    let mut line = |l: &Line| -> std::io::Result<()> {
        serde_json::to_writer(&mut buf, l).map_err(std::io::Error::other)?;
        buf.push(b'\n');
        Ok(())
    };
    line(&Line::Run(header.clone()))?;
    for c in cases {
        line(&Line::Case(Box::new(c.clone())))?;
    }
    line(&Line::End {
        complete: true,
        finished_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
    })?;
    let path = dir.join(format!("{}.jsonl", header.run_id));
    crate::fsutil::write_atomic_new(&path, &buf)?;
    Ok(path)
}
