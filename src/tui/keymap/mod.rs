//! One table of key bindings (`table`) and one rule for which contexts fall back to the
//! global keys (`falls_back_to_global`). The handlers (`resolve`), the status-bar hints and
//! the `?` overlay all read both, so the three cannot drift apart.

#[cfg(test)]
mod agreement_tests;
mod lookup;
mod table;

use ratatui::crossterm::event::{KeyCode, KeyModifiers};

pub use lookup::{bindings, key_name, keys_label, lookup, resolve};
pub use table::BINDINGS;

/// Where a key is pressed. Layers are tried from the top: an overlay sees a key before
/// the pane, and the editor before the global keys (typing `q` in the editor types `q`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Context {
    Global,
    PromptList,
    Editor,
    EditorBar,
    EvalsList,
    EvalsDetail,
    FilterInput,
    Compare,
    Diff,
    Release,
    ReleaseInput,
    Help,
    Confirm,
    Problems,
}

impl Context {
    pub const ALL: [Context; 14] = [
        Context::Global,
        Context::PromptList,
        Context::Editor,
        Context::EditorBar,
        Context::EvalsList,
        Context::EvalsDetail,
        Context::FilterInput,
        Context::Compare,
        Context::Diff,
        Context::Release,
        Context::ReleaseInput,
        Context::Help,
        Context::Confirm,
        Context::Problems,
    ];
}

/// Whether a key this context does not bind goes on to the global bindings (`q`, `?`,
/// `1`-`4`, Tab...). The panes that take no typed text do; where text is typed every
/// other key is text, overlays swallow the rest, and `Global` is the global layer itself.
pub fn falls_back_to_global(ctx: Context) -> bool {
    match ctx {
        Context::PromptList
        | Context::EvalsList
        | Context::EvalsDetail
        | Context::Compare
        | Context::Diff
        | Context::Release => true,
        Context::Global
        | Context::Editor
        | Context::EditorBar
        | Context::FilterInput
        | Context::ReleaseInput
        | Context::Help
        | Context::Confirm
        | Context::Problems => false,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Quit,
    ToggleHelp,
    Tab(usize),
    NextTab,
    PrevTab,
    Up,
    Down,
    PageUp,
    PageDown,
    Edit,
    LeaveEditor,
    Save,
    NextCase,
    PrevCase,
    Reload,
    ConfirmSave,
    ConfirmDiscard,
    ConfirmCancel,
    FocusLeft,
    FocusRight,
    Open,
    Close,
    RunSuite,
    RunPrompt,
    CancelRun,
    ResumeRun,
    FailuresOnly,
    OpenCompare,
    ToggleItem,
    NextSample,
    PrevSample,
    NextFailure,
    PrevFailure,
    StartFilter,
    ApplyFilter,
    ClearFilter,
    EditCase,
    RerunCase,
    CycleFrom,
    CycleTo,
    ToggleView,
    ToggleOutputs,
    NextHunk,
    PrevHunk,
    Refresh,
    RunGate,
    EditNote,
    Export,
    StartRollback,
    NextLabel,
    PromoteLabel,
    RollbackLabel,
    ConfirmInput,
    CancelInput,
    ToggleProblems,
    Undo,
    Redo,
    StartSearch,
    StartGoTo,
    BarConfirm,
    SearchPrev,
    CloseBar,
    OpenExternal,
    RunCurrent,
    OpenProblem,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Key {
    pub code: KeyCode,
    pub mods: KeyModifiers,
}

pub struct Binding {
    pub ctx: Context,
    pub keys: &'static [Key],
    pub action: Action,
    /// Short label for the status bar.
    pub label: &'static str,
    /// Sentence for the help overlay.
    pub help: &'static str,
    /// Shown in the status bar of its context.
    pub in_bar: bool,
}
