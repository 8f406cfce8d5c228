//! promptwright's engine: workspace loading, templates, providers, assertions, the
//! runner and run records. It knows nothing of terminals; the CLI and TUI sit on top.

pub mod assert;
pub mod cli;
pub mod diff;
pub mod failpoint;
pub mod fsutil;
pub mod keys;
pub mod plan;
pub mod provider;
pub mod release;
pub mod runner;
pub mod store;
pub mod template;
pub mod tui;
pub mod userconfig;
pub mod words;
pub mod workspace;
pub mod xml;
