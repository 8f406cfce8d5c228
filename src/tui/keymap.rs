//! One table of key bindings. It drives the handlers (`lookup`), the status-bar hints
//! and the `?` overlay, so the three cannot drift apart.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// Where a key is pressed. Layers are tried from the top: an overlay sees a key before
/// the pane, and the editor before the global keys (typing `q` in the editor types `q`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Context {
    Global,
    PromptList,
    Editor,
    EvalsList,
    EvalsDetail,
    FilterInput,
    Diff,
    Release,
    ReleaseInput,
    Help,
    Confirm,
    Problems,
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
    ConfirmInput,
    CancelInput,
    ToggleProblems,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Key {
    pub code: KeyCode,
    pub mods: KeyModifiers,
}

const fn plain(c: char) -> Key {
    Key {
        code: KeyCode::Char(c),
        mods: KeyModifiers::NONE,
    }
}

const fn ctrl(c: char) -> Key {
    Key {
        code: KeyCode::Char(c),
        mods: KeyModifiers::CONTROL,
    }
}

const fn code(code: KeyCode) -> Key {
    Key {
        code,
        mods: KeyModifiers::NONE,
    }
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

const fn bind(
    ctx: Context,
    keys: &'static [Key],
    action: Action,
    label: &'static str,
    help: &'static str,
    in_bar: bool,
) -> Binding {
    Binding {
        ctx,
        keys,
        action,
        label,
        help,
        in_bar,
    }
}

use Context::*;

pub const BINDINGS: &[Binding] = &[
    bind(
        Global,
        &[plain('q')],
        Action::Quit,
        "quit",
        "Quit (asks when there are unsaved edits)",
        true,
    ),
    bind(
        Global,
        &[ctrl('c')],
        Action::Quit,
        "quit",
        "Quit, from anywhere",
        false,
    ),
    bind(
        Global,
        &[plain('?')],
        Action::ToggleHelp,
        "help",
        "Show this help",
        true,
    ),
    bind(
        Global,
        &[plain('!')],
        Action::ToggleProblems,
        "problems",
        "List the workspace's load errors (file:line:col)",
        false,
    ),
    bind(
        Problems,
        &[code(KeyCode::Esc), plain('!'), plain('q')],
        Action::ToggleProblems,
        "close",
        "Close the problems",
        true,
    ),
    bind(
        Problems,
        &[code(KeyCode::Up), plain('k')],
        Action::Up,
        "scroll up",
        "Scroll the problems up",
        false,
    ),
    bind(
        Problems,
        &[code(KeyCode::Down), plain('j')],
        Action::Down,
        "scroll down",
        "Scroll the problems down",
        false,
    ),
    bind(
        Global,
        &[plain('1')],
        Action::Tab(0),
        "prompts",
        "Go to the Prompts pane",
        false,
    ),
    bind(
        Global,
        &[plain('2')],
        Action::Tab(1),
        "evals",
        "Go to the Evals pane",
        false,
    ),
    bind(
        Global,
        &[plain('3')],
        Action::Tab(2),
        "diff",
        "Go to the Diff pane",
        false,
    ),
    bind(
        Global,
        &[plain('4')],
        Action::Tab(3),
        "release",
        "Go to the Release pane",
        false,
    ),
    bind(
        Global,
        &[code(KeyCode::Tab)],
        Action::NextTab,
        "next pane",
        "Next pane",
        false,
    ),
    bind(
        Global,
        &[code(KeyCode::BackTab)],
        Action::PrevTab,
        "previous pane",
        "Previous pane",
        false,
    ),
    bind(
        PromptList,
        &[code(KeyCode::Up), plain('k')],
        Action::Up,
        "up",
        "Select the previous prompt",
        false,
    ),
    bind(
        PromptList,
        &[code(KeyCode::Down), plain('j')],
        Action::Down,
        "down",
        "Select the next prompt",
        false,
    ),
    bind(
        PromptList,
        &[code(KeyCode::Enter), plain('e')],
        Action::Edit,
        "edit",
        "Edit the selected prompt",
        true,
    ),
    bind(
        PromptList,
        &[plain('c')],
        Action::NextCase,
        "next case",
        "Preview the next eval case",
        true,
    ),
    bind(
        PromptList,
        &[plain('C')],
        Action::PrevCase,
        "previous case",
        "Preview the previous eval case",
        false,
    ),
    bind(
        PromptList,
        &[ctrl('s')],
        Action::Save,
        "save",
        "Save the selected prompt",
        false,
    ),
    bind(
        PromptList,
        &[plain('r')],
        Action::Reload,
        "reload",
        "Reload a prompt changed on disk",
        false,
    ),
    bind(
        Editor,
        &[code(KeyCode::Esc)],
        Action::LeaveEditor,
        "leave editor",
        "Leave the editor (edits are kept)",
        true,
    ),
    bind(
        Editor,
        &[ctrl('s')],
        Action::Save,
        "save",
        "Save the file (atomic write)",
        true,
    ),
    bind(
        Editor,
        &[ctrl('n')],
        Action::NextCase,
        "next case",
        "Preview the next eval case",
        true,
    ),
    bind(
        Editor,
        &[ctrl('p')],
        Action::PrevCase,
        "previous case",
        "Preview the previous eval case",
        false,
    ),
    bind(
        Editor,
        &[ctrl('c')],
        Action::Quit,
        "quit",
        "Quit (asks when there are unsaved edits)",
        false,
    ),
    bind(
        Help,
        &[code(KeyCode::Esc), plain('?'), plain('q')],
        Action::ToggleHelp,
        "close",
        "Close the help",
        true,
    ),
    bind(
        Help,
        &[code(KeyCode::Up), plain('k')],
        Action::Up,
        "scroll up",
        "Scroll the help up",
        false,
    ),
    bind(
        Help,
        &[code(KeyCode::Down), plain('j')],
        Action::Down,
        "scroll down",
        "Scroll the help down",
        false,
    ),
    bind(
        Confirm,
        &[plain('s'), plain('y')],
        Action::ConfirmSave,
        "save and quit",
        "Save every edited file, then quit",
        true,
    ),
    // Throwing work away takes its own key: `n` ("no, don't quit") only cancels.
    bind(
        Confirm,
        &[plain('d')],
        Action::ConfirmDiscard,
        "discard edits and quit",
        "Quit and lose the unsaved edits",
        true,
    ),
    bind(
        Confirm,
        &[code(KeyCode::Esc), plain('n'), plain('c')],
        Action::ConfirmCancel,
        "stay",
        "Do not quit; the edits stay in the editor",
        true,
    ),
    bind(
        PromptList,
        &[code(KeyCode::PageUp)],
        Action::PageUp,
        "page up",
        "Scroll the preview up",
        false,
    ),
    bind(
        PromptList,
        &[code(KeyCode::PageDown)],
        Action::PageDown,
        "page down",
        "Scroll the preview down",
        false,
    ),
    bind(
        EvalsList,
        &[plain('r')],
        Action::RunSuite,
        "run suite",
        "Run the selected suite (same runner, records and cache as eval)",
        true,
    ),
    bind(
        EvalsList,
        &[plain('R')],
        Action::RunPrompt,
        "run prompt",
        "Run every suite of the selected suite's prompt",
        false,
    ),
    bind(
        EvalsList,
        &[plain('c')],
        Action::CancelRun,
        "cancel",
        "Cancel the run in progress (the record is kept, incomplete)",
        false,
    ),
    bind(
        EvalsList,
        &[plain('u')],
        Action::ResumeRun,
        "resume",
        "Resume the last incomplete run",
        false,
    ),
    bind(
        EvalsList,
        &[code(KeyCode::Up), plain('k')],
        Action::Up,
        "up",
        "Previous case (or suite)",
        false,
    ),
    bind(
        EvalsList,
        &[code(KeyCode::Down), plain('j')],
        Action::Down,
        "down",
        "Next case (or suite)",
        false,
    ),
    bind(
        EvalsList,
        &[code(KeyCode::PageUp)],
        Action::PageUp,
        "page up",
        "A page of cases up",
        false,
    ),
    bind(
        EvalsList,
        &[code(KeyCode::PageDown)],
        Action::PageDown,
        "page down",
        "A page of cases down",
        false,
    ),
    bind(
        EvalsList,
        &[code(KeyCode::Left), plain('h')],
        Action::FocusLeft,
        "suites",
        "Focus the suites",
        false,
    ),
    bind(
        EvalsList,
        &[code(KeyCode::Right), plain('l')],
        Action::FocusRight,
        "cases",
        "Focus the cases",
        false,
    ),
    bind(
        EvalsList,
        &[code(KeyCode::Enter)],
        Action::Open,
        "detail",
        "Open the case: vars, rendered prompt, output, every assertion",
        true,
    ),
    bind(
        EvalsList,
        &[plain('f')],
        Action::FailuresOnly,
        "failures",
        "Show only failures and errors (again: all)",
        true,
    ),
    bind(
        EvalsList,
        &[plain('n')],
        Action::NextFailure,
        "next failure",
        "Jump to the next failure",
        true,
    ),
    bind(
        EvalsList,
        &[plain('p')],
        Action::PrevFailure,
        "previous failure",
        "Jump to the previous failure",
        false,
    ),
    bind(
        EvalsList,
        &[plain('/')],
        Action::StartFilter,
        "filter",
        "Filter cases by id or text",
        true,
    ),
    bind(
        EvalsList,
        &[plain('e')],
        Action::EditCase,
        "edit prompt",
        "Open the case's prompt in the editor, this case in the preview",
        false,
    ),
    bind(
        EvalsList,
        &[plain('.')],
        Action::RerunCase,
        "rerun case",
        "Rerun this one case without the cache",
        false,
    ),
    bind(
        EvalsDetail,
        &[code(KeyCode::Esc), code(KeyCode::Enter)],
        Action::Close,
        "back",
        "Back to the cases",
        true,
    ),
    bind(
        EvalsDetail,
        &[plain('n')],
        Action::NextFailure,
        "next failure",
        "Next failure, without going back",
        true,
    ),
    bind(
        EvalsDetail,
        &[plain('p')],
        Action::PrevFailure,
        "previous failure",
        "Previous failure",
        true,
    ),
    bind(
        EvalsDetail,
        &[code(KeyCode::Up), plain('k')],
        Action::Up,
        "scroll up",
        "Scroll up",
        false,
    ),
    bind(
        EvalsDetail,
        &[code(KeyCode::Down), plain('j')],
        Action::Down,
        "scroll down",
        "Scroll down",
        false,
    ),
    bind(
        EvalsDetail,
        &[code(KeyCode::PageUp)],
        Action::PageUp,
        "page up",
        "A page up",
        false,
    ),
    bind(
        EvalsDetail,
        &[code(KeyCode::PageDown)],
        Action::PageDown,
        "page down",
        "A page down",
        false,
    ),
    bind(
        EvalsDetail,
        &[plain('e')],
        Action::EditCase,
        "edit prompt",
        "Open the case's prompt in the editor, this case in the preview",
        false,
    ),
    bind(
        EvalsDetail,
        &[plain('.')],
        Action::RerunCase,
        "rerun",
        "Rerun this case without the cache",
        false,
    ),
    bind(
        FilterInput,
        &[code(KeyCode::Enter)],
        Action::ApplyFilter,
        "apply",
        "Keep the filter and go back to the cases",
        true,
    ),
    bind(
        FilterInput,
        &[code(KeyCode::Esc)],
        Action::ClearFilter,
        "clear",
        "Clear the filter",
        true,
    ),
    bind(
        Diff,
        &[plain('f')],
        Action::CycleFrom,
        "from",
        "Change the left side: draft, current, v1, v2…",
        true,
    ),
    bind(
        Diff,
        &[plain('t')],
        Action::CycleTo,
        "to",
        "Change the right side: draft, current, v1, v2…",
        true,
    ),
    bind(
        Diff,
        &[plain('s')],
        Action::ToggleView,
        "side-by-side/unified",
        "Toggle side-by-side and unified",
        true,
    ),
    bind(
        Diff,
        &[plain('o')],
        Action::ToggleOutputs,
        "prompt/outputs",
        "Toggle the prompt diff and the per-case output changes",
        true,
    ),
    bind(
        Diff,
        &[plain('n')],
        Action::NextHunk,
        "next change",
        "Next hunk (or regression / fix in the outputs)",
        true,
    ),
    bind(
        Diff,
        &[plain('p')],
        Action::PrevHunk,
        "previous change",
        "Previous hunk (or regression / fix)",
        false,
    ),
    bind(
        Diff,
        &[code(KeyCode::Up), plain('k')],
        Action::Up,
        "up",
        "Scroll up (or previous case)",
        false,
    ),
    bind(
        Diff,
        &[code(KeyCode::Down), plain('j')],
        Action::Down,
        "down",
        "Scroll down (or next case)",
        false,
    ),
    bind(
        Diff,
        &[code(KeyCode::PageUp)],
        Action::PageUp,
        "page up",
        "A page up",
        false,
    ),
    bind(
        Diff,
        &[code(KeyCode::PageDown)],
        Action::PageDown,
        "page down",
        "A page down",
        false,
    ),
    bind(
        Diff,
        &[code(KeyCode::Enter)],
        Action::Open,
        "case outputs",
        "Show the selected case's two outputs side by side",
        false,
    ),
    bind(
        Diff,
        &[code(KeyCode::Esc)],
        Action::Close,
        "back",
        "Back to the list of cases",
        false,
    ),
    bind(
        Diff,
        &[plain('r')],
        Action::Refresh,
        "refresh",
        "Compute the diff again (after new runs or releases)",
        false,
    ),
    bind(
        Release,
        &[plain('g')],
        Action::RunGate,
        "gate",
        "Run the gate: the draft and the current release on every suite",
        true,
    ),
    bind(
        Release,
        &[plain('m')],
        Action::EditNote,
        "note",
        "Write the release note",
        true,
    ),
    bind(
        Release,
        &[plain('x')],
        Action::Export,
        "export",
        "Export the release (only when every check holds)",
        true,
    ),
    bind(
        Release,
        &[plain('b')],
        Action::StartRollback,
        "rollback",
        "Roll back to the version before the current one (shows the diff first)",
        true,
    ),
    bind(
        Release,
        &[plain('c')],
        Action::CancelRun,
        "cancel",
        "Cancel the gate in progress",
        false,
    ),
    bind(
        Release,
        &[code(KeyCode::Up), plain('k')],
        Action::Up,
        "up",
        "Previous regression",
        false,
    ),
    bind(
        Release,
        &[code(KeyCode::Down), plain('j')],
        Action::Down,
        "down",
        "Next regression",
        false,
    ),
    bind(
        Release,
        &[code(KeyCode::Enter)],
        Action::Open,
        "output diff",
        "Show the selected regression's two outputs side by side",
        false,
    ),
    bind(
        Release,
        &[code(KeyCode::Esc)],
        Action::Close,
        "back",
        "Back from the output diff",
        false,
    ),
    bind(
        Release,
        &[plain('r')],
        Action::Refresh,
        "refresh",
        "Read the proposal and the history again",
        false,
    ),
    bind(
        ReleaseInput,
        &[code(KeyCode::Enter)],
        Action::ConfirmInput,
        "done",
        "Keep the note (or confirm the rollback with this reason)",
        true,
    ),
    bind(
        ReleaseInput,
        &[code(KeyCode::Esc)],
        Action::CancelInput,
        "cancel",
        "Stop typing (a rollback is cancelled)",
        true,
    ),
];

/// Shift is part of the character for printable keys (`?`, `C`): ignore it there.
fn normalize(key: KeyEvent) -> Key {
    let mut mods = key.modifiers;
    if matches!(key.code, KeyCode::Char(_) | KeyCode::BackTab) {
        mods.remove(KeyModifiers::SHIFT);
    }
    Key {
        code: key.code,
        mods,
    }
}

/// The action bound to `key` in exactly this context.
pub fn lookup(ctx: Context, key: KeyEvent) -> Option<Action> {
    let k = normalize(key);
    BINDINGS
        .iter()
        .find(|b| b.ctx == ctx && b.keys.contains(&k))
        .map(|b| b.action)
}

/// Bindings of a context, in table order.
pub fn bindings(ctx: Context) -> impl Iterator<Item = &'static Binding> {
    BINDINGS.iter().filter(move |b| b.ctx == ctx)
}

pub fn key_name(k: &Key) -> String {
    let base = match k.code {
        KeyCode::Char(' ') => "Space".to_string(),
        KeyCode::Char(c) => c.to_string(),
        KeyCode::Enter => "Enter".into(),
        KeyCode::Esc => "Esc".into(),
        KeyCode::Tab => "Tab".into(),
        KeyCode::BackTab => "Shift-Tab".into(),
        KeyCode::Up => "↑".into(),
        KeyCode::Down => "↓".into(),
        KeyCode::Left => "←".into(),
        KeyCode::Right => "→".into(),
        KeyCode::PageUp => "PgUp".into(),
        KeyCode::PageDown => "PgDn".into(),
        other => format!("{other:?}"),
    };
    if k.mods.contains(KeyModifiers::CONTROL) {
        format!("Ctrl-{}", base.to_uppercase())
    } else {
        base
    }
}

/// All keys of a binding, e.g. `↑/k`.
pub fn keys_label(b: &Binding) -> String {
    b.keys.iter().map(key_name).collect::<Vec<_>>().join("/")
}
