//! promptwright's front ends: the headless CLI and the terminal workbench. Both drive
//! the same engine, `promptwright_core`, so CI enforces exactly what the TUI shows.

#![forbid(unsafe_code)]

pub mod cli;
pub mod tui;
pub mod xml;
