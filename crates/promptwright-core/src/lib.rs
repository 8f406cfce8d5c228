//! promptwright's engine: workspace loading, templates, providers, assertions, the
//! runner, run records, releases and diffs. It knows nothing of terminals or command
//! lines; the `promptwright` binary's CLI and TUI sit on top of it.

#![forbid(unsafe_code)]

pub mod assert;
mod can_sample;
pub mod diff;
pub mod estimate;
pub mod failpoint;
pub mod fsutil;
pub mod grid;
pub mod import;
pub mod keys;
pub mod plan;
pub mod provider;
pub mod release;
pub mod runner;
pub mod sampling;
pub mod shard;
pub mod store;
pub mod template;
pub mod userconfig;
pub mod vocab;
pub mod words;
pub mod workspace;
