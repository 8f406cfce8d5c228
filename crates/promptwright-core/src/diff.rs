//! The pure diff model, no I/O: two prompt definitions or two runs in, rows out.
//!
//! - [`PromptDiff`]: settings, params, template variables and messages of two prompt
//!   definitions, with structured changes and a [`Document`] to draw.
//! - [`OutputDiff`]: two runs' cases matched by (suite, id), in review order
//!   (regressions first), each with its own output [`Document`] on request.
//! - [`Document`]: aligned side-by-side [`Row`]s and [`UnifiedLine`]s, computed once,
//!   with word-level [`Span`]s inside changed lines and hunk starts for `n` / `p`;
//!   a view draws a slice of them, so scrolling never re-diffs.

mod outputs;
mod prompt;
pub(crate) mod text;

pub use outputs::{CaseChange, CaseCounts, CaseDiff, CaseKind, OutputDiff};
pub use prompt::{
    ChangeKind, FieldChange, MessageChange, MessageStatus, PromptDiff, VariableChanges,
};
pub use text::{Document, Line, Row, RowKind, Section, Sign, Span, UnifiedLine, View, fold};

#[cfg(test)]
mod tests;
