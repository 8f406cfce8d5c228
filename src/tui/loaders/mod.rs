//! The TUI's I/O: everything that reads or writes files, or runs plans, on behalf of a
//! pane. Only the effects executor (`effects.rs`) calls these; the panes hold results.

pub mod diff;
pub mod files;
pub mod release;
