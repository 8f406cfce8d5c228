//! The release file: `releases/NAME/vN.toml` and `releases/NAME.toml` (the current one).
//!
//! It is flat: the prompt definition's keys sit at the top level exactly as in a prompt
//! file, so an application loads a release as it would load a prompt, and next to them
//! the release's own keys and its `[evidence]`. Keys are strict, as everywhere.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::template::Templates;
use crate::vocab::{Diagnostic, Message, ResponseFormat, Source, ToolDef};
use crate::workspace::PromptDef;

/// One released version of a prompt.
///
/// Field order is the file's key order: the release's identity first, then the prompt
/// definition, then the evidence (TOML wants plain keys before tables anyway).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReleaseFile {
    pub version: u32,
    /// The version this one replaced as current; absent for v1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_version: Option<u32>,
    /// RFC 3339, UTC.
    pub released_at: String,
    pub author: String,
    pub note: String,
    /// The hash of the prompt definition below (see `PromptDef::content_sha256`): the
    /// same value run records carry, so a release finds the runs that evaluated it.
    pub content_sha256: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub params: BTreeMap<String, Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_choice: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tools: Vec<ToolDef>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response_format: Option<ResponseFormat>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub image_sha256: BTreeMap<String, String>,
    pub messages: Vec<Message>,
    pub evidence: Evidence,
}

/// Why this version was allowed out: the run that evaluated it and the gate's checks.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Evidence {
    pub run_id: String,
    pub suites: Vec<String>,
    pub cases: usize,
    pub passed: usize,
    pub failed: usize,
    pub errors: usize,
    pub pass_rate: f64,
    pub regressions: usize,
    pub fixes: usize,
    /// The version the draft was compared with; absent when there was none (v1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline_version: Option<u32>,
    pub cost_usd: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub p95_latency_ms: Option<u64>,
    /// Samples drawn per case; absent when each case was drawn once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repeats: Option<u32>,
    /// Cases whose samples disagreed (with `repeats`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flaky: Option<usize>,
    /// Passing samples / all samples (with `repeats`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sample_pass_rate: Option<f64>,
    /// Draft minus current pass rate over the cases both ran, with its 95% interval
    /// (paired over cases); absent for a first release.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pass_rate_change: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pass_rate_change_low: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pass_rate_change_high: Option<f64>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub checks: Vec<Check>,
}

/// One gate check as it stood at release: e.g. `min_pass_rate`, required `0.9`, actual
/// `0.95`, passed. Values are numbers, booleans, strings or lists (TOML has no null).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Check {
    pub name: String,
    pub required: Value,
    pub actual: Value,
    pub passed: bool,
}

/// A release's identity, for [`ReleaseFile::assemble`].
#[derive(Debug, Clone, PartialEq)]
pub struct ReleaseInfo {
    pub version: u32,
    pub parent_version: Option<u32>,
    pub released_at: String,
    pub author: String,
    pub note: String,
}

/// Why a release cannot be written as TOML.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum WriteError {
    #[error("{0} is null, which TOML cannot hold")]
    Null(String),
    #[error("cannot serialise the release: {0}")]
    Toml(String),
}

const HEADER: &str = "# A released prompt version, written by `promptwright release`. Do not edit: releases are\n\
# immutable and content_sha256 must match the prompt below. Load it like a prompt file.\n\n";

impl ReleaseFile {
    /// A release of `def`; the content hash is computed here so it cannot disagree.
    pub fn assemble(def: PromptDef, info: ReleaseInfo, evidence: Evidence) -> ReleaseFile {
        ReleaseFile {
            version: info.version,
            parent_version: info.parent_version,
            released_at: info.released_at,
            author: info.author,
            note: info.note,
            content_sha256: def.content_sha256(),
            description: def.description,
            provider: def.provider,
            model: def.model,
            params: def.params,
            tool_choice: def.tool_choice,
            tools: def.tools,
            response_format: def.response_format,
            image_sha256: def.image_sha256,
            messages: def.messages,
            evidence,
        }
    }

    /// The prompt definition this release carries.
    pub fn prompt_def(&self) -> PromptDef {
        PromptDef {
            description: self.description.clone(),
            provider: self.provider.clone(),
            model: self.model.clone(),
            params: self.params.clone(),
            tool_choice: self.tool_choice.clone(),
            tools: self.tools.clone(),
            response_format: self.response_format.clone(),
            image_sha256: self.image_sha256.clone(),
            messages: self.messages.clone(),
        }
    }

    /// The file's text. Deterministic (fixed key order, params sorted) and faithful:
    /// `ReleaseFile::parse` of it gives back an equal value.
    pub fn to_toml(&self) -> Result<String, WriteError> {
        for (k, v) in &self.params {
            no_null(v, &format!("params.{k}"))?;
        }
        for t in &self.tools {
            no_null(&t.parameters, &format!("tools `{}` parameters", t.name))?;
        }
        if let Some(schema) = self
            .response_format
            .as_ref()
            .and_then(|f| f.schema.as_ref())
        {
            no_null(schema, "response_format.schema")?;
        }
        for c in &self.evidence.checks {
            no_null(
                &c.required,
                &format!("evidence.checks `{}` required", c.name),
            )?;
            no_null(&c.actual, &format!("evidence.checks `{}` actual", c.name))?;
        }
        let body = toml::to_string_pretty(self).map_err(|e| WriteError::Toml(e.to_string()))?;
        Ok(format!("{HEADER}{body}"))
    }

    /// Parses and validates a release file's text. `src.path` is how the file is named
    /// in messages.
    pub fn parse(src: &Source) -> Result<ReleaseFile, Vec<Diagnostic>> {
        let file: ReleaseFile = toml::from_str(&src.text).map_err(|e| vec![src.toml_error(&e)])?;
        let mut errors = Vec::new();
        let at = |key: &str, message: String, help: &str| {
            let d = match key_span(&src.text, key) {
                Some(span) => src.at(span, message),
                None => Diagnostic::file(src.path.clone(), message),
            };
            d.with_help(help.to_string())
        };
        if file.version == 0 {
            errors.push(at(
                "version",
                "version must be 1 or more".into(),
                "versions count from v1",
            ));
        }
        if let Some(parent) = file.parent_version {
            if parent >= file.version {
                errors.push(at(
                    "parent_version",
                    format!(
                        "parent_version {parent} is not below version {}",
                        file.version
                    ),
                    "a release's parent is the version it replaced: an earlier one",
                ));
            }
        }
        if chrono::DateTime::parse_from_rfc3339(&file.released_at).is_err() {
            errors.push(at(
                "released_at",
                format!("released_at `{}` is not an RFC 3339 time", file.released_at),
                "write it like \"2026-11-25T14:03:00Z\"",
            ));
        }
        if file.messages.is_empty() {
            errors.push(
                Diagnostic::file(src.path.clone(), "the release has no messages").with_help(
                    "a release carries the whole prompt definition, with at least one [[messages]]",
                ),
            );
        }
        let contents = file.prompt_def().template_sources();
        if let Err(errs) = Templates::compile(&contents) {
            for e in errs {
                errors.push(
                    Diagnostic::file(
                        src.path.clone(),
                        format!(
                            "template syntax error in message {}, line {}: {}",
                            e.message_index + 1,
                            e.line,
                            e.message
                        ),
                    )
                    .with_help("releases are immutable: release a fixed draft as a new version"),
                );
            }
        }
        let actual = file.prompt_def().content_sha256();
        if errors.is_empty() && file.content_sha256 != actual {
            errors.push(at(
                "content_sha256",
                "content_sha256 does not match the prompt definition in this file".into(),
                "the file was edited after it was released; releases are immutable: restore it from git, \
                 or release the change as a new version",
            ));
        }
        if errors.is_empty() {
            Ok(file)
        } else {
            Err(errors)
        }
    }
}

fn no_null(v: &Value, what: &str) -> Result<(), WriteError> {
    match v {
        Value::Null => Err(WriteError::Null(what.to_string())),
        Value::Array(items) => items.iter().try_for_each(|i| no_null(i, what)),
        Value::Object(map) => map.values().try_for_each(|i| no_null(i, what)),
        _ => Ok(()),
    }
}

/// The byte span of a top-level `key = ...` line's key, to point a message at it.
pub(crate) fn key_span(text: &str, key: &str) -> Option<std::ops::Range<usize>> {
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim_start();
        if trimmed.starts_with('[') {
            // Top-level keys come before the first table.
            return None;
        }
        if let Some(rest) = trimmed.strip_prefix(key) {
            if rest.trim_start().starts_with('=') {
                let start = offset + (line.len() - trimmed.len());
                return Some(start..start + key.len());
            }
        }
        offset += line.len();
    }
    None
}
