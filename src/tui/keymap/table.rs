//! The binding table: one row per binding, in the order the status bar and the help list
//! them (the first row of a context that holds a key wins).

use ratatui::crossterm::event::{KeyCode, KeyModifiers};

use super::Action::*;
use super::Context::*;
use super::{Binding, Key};

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

/// Shown in the status bar of its context (and in the help).
const BAR: bool = true;
/// Shown in the help only.
const HELP: bool = false;

const fn bind(
    ctx: super::Context,
    keys: &'static [Key],
    action: super::Action,
    label: &'static str,
    in_bar: bool,
    help: &'static str,
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

// Columns: context, keys, action, status-bar label, shown in the bar, help sentence.
#[rustfmt::skip]
pub const BINDINGS: &[Binding] = &[
    bind(Global,       &[plain('q')],                                 Quit,           "quit",                   BAR,  "Quit (asks when there are unsaved edits)"),
    bind(Global,       &[ctrl('c')],                                  Quit,           "quit",                   HELP, "Quit, from anywhere"),
    bind(Global,       &[plain('?')],                                 ToggleHelp,     "help",                   BAR,  "Show this help"),
    bind(Global,       &[plain('!')],                                 ToggleProblems, "problems",               HELP, "List load errors (file:line:col); Enter opens one in the editor"),
    bind(Problems,     &[code(KeyCode::Enter)],                       OpenProblem,    "open",                   BAR,  "Open the problem's file in the editor at its line and column (workspace.toml, a suite, a prompt, a dataset)"),
    bind(Problems,     &[code(KeyCode::Esc), plain('!'), plain('q')], ToggleProblems, "close",                  BAR,  "Close the problems"),
    bind(Problems,     &[code(KeyCode::Up), plain('k')],              Up,             "select",                 BAR,  "Select the previous problem"),
    bind(Problems,     &[code(KeyCode::Down), plain('j')],            Down,           "select",                 BAR,  "Select the next problem"),
    bind(Global,       &[plain('1')],                                 Tab(0),         "prompts",                HELP, "Go to the Prompts pane"),
    bind(Global,       &[plain('2')],                                 Tab(1),         "evals",                  HELP, "Go to the Evals pane"),
    bind(Global,       &[plain('3')],                                 Tab(2),         "diff",                   HELP, "Go to the Diff pane"),
    bind(Global,       &[plain('4')],                                 Tab(3),         "release",                HELP, "Go to the Release pane"),
    bind(Global,       &[code(KeyCode::Tab)],                         NextTab,        "next pane",              HELP, "Next pane"),
    bind(Global,       &[code(KeyCode::BackTab)],                     PrevTab,        "previous pane",          HELP, "Previous pane"),
    bind(PromptList,   &[code(KeyCode::Up), plain('k')],              Up,             "up",                     HELP, "Select the previous prompt"),
    bind(PromptList,   &[code(KeyCode::Down), plain('j')],            Down,           "down",                   HELP, "Select the next prompt"),
    bind(PromptList,   &[code(KeyCode::Enter), plain('e')],           Edit,           "edit",                   BAR,  "Edit the selected prompt"),
    bind(PromptList,   &[plain('c')],                                 NextCase,       "next case",              BAR,  "Preview the next eval case"),
    bind(PromptList,   &[plain('C')],                                 PrevCase,       "previous case",          HELP, "Preview the previous eval case"),
    bind(PromptList,   &[ctrl('s')],                                  Save,           "save",                   HELP, "Save the selected prompt"),
    bind(PromptList,   &[plain('o')],                                 OpenExternal,   "$EDITOR",                BAR,  "Open the file in $VISUAL or $EDITOR (unsaved edits are saved first), then reload it"),
    bind(PromptList,   &[plain('r')],                                 Reload,         "reload",                 HELP, "Reload a prompt changed on disk"),
    bind(Editor,       &[code(KeyCode::Esc)],                         LeaveEditor,    "back",                   BAR,  "Leave the editor (edits are kept)"),
    bind(Editor,       &[ctrl('s')],                                  Save,           "save",                   BAR,  "Save the file (atomic write)"),
    bind(Editor,       &[ctrl('n')],                                  NextCase,       "cases",                  BAR,  "Preview the next eval case"),
    bind(Editor,       &[ctrl('p')],                                  PrevCase,       "cases",                  BAR,  "Preview the previous eval case"),
    bind(Editor,       &[ctrl('z')],                                  Undo,           "undo/redo",              BAR,  "Undo the last edit"),
    bind(Editor,       &[ctrl('y')],                                  Redo,           "undo/redo",              BAR,  "Redo what was undone"),
    bind(Editor,       &[ctrl('f')],                                  StartSearch,    "find",                   BAR,  "Search the text (ignoring case); matches are highlighted"),
    bind(Editor,       &[ctrl('g')],                                  StartGoTo,      "line",                   BAR,  "Go to a line by its number"),
    bind(Editor,       &[ctrl('o')],                                  OpenExternal,   "$EDITOR",                BAR,  "Open the file in $VISUAL or $EDITOR (unsaved edits are saved first), then reload it"),
    bind(Editor,       &[ctrl('c')],                                  Quit,           "quit",                   BAR,  "Quit (asks when there are unsaved edits)"),
    bind(EditorBar,    &[code(KeyCode::Enter)],                       BarConfirm,     "next match / go",        BAR,  "Search: the next match · Go to line: go there"),
    bind(EditorBar,    &[code(KeyCode::Up)],                          SearchPrev,     "previous match",         BAR,  "Search: the previous match"),
    bind(EditorBar,    &[code(KeyCode::Esc)],                         CloseBar,       "close",                  BAR,  "Close the bar (a search stops highlighting)"),
    bind(Help,         &[code(KeyCode::Esc), plain('?'), plain('q')], ToggleHelp,     "close",                  BAR,  "Close the help"),
    bind(Help,         &[code(KeyCode::Up), plain('k')],              Up,             "scroll up",              HELP, "Scroll the help up"),
    bind(Help,         &[code(KeyCode::Down), plain('j')],            Down,           "scroll down",            HELP, "Scroll the help down"),
    bind(Confirm,      &[plain('s'), plain('y')],                     ConfirmSave,    "save and quit",          BAR,  "Save every edited file, then quit"),
    // Throwing work away takes its own key: `n` ("no, don't quit") only cancels.
    bind(Confirm,      &[plain('d')],                                 ConfirmDiscard, "discard edits and quit", BAR,  "Quit and lose the unsaved edits"),
    bind(Confirm,      &[code(KeyCode::Esc), plain('n'), plain('c')], ConfirmCancel,  "stay",                   BAR,  "Do not quit; the edits stay in the editor"),
    bind(PromptList,   &[code(KeyCode::PageUp)],                      PageUp,         "page up",                HELP, "Scroll the preview up"),
    bind(PromptList,   &[code(KeyCode::PageDown)],                    PageDown,       "page down",              HELP, "Scroll the preview down"),
    bind(EvalsList,    &[plain('r')],                                 RunSuite,       "run suite",              BAR,  "Run the selected suite (same runner, records and cache as eval)"),
    bind(EvalsList,    &[plain('R')],                                 RunPrompt,      "run prompt",             HELP, "Run every suite of the selected suite's prompt"),
    bind(EvalsList,    &[plain('c')],                                 CancelRun,      "cancel",                 HELP, "Cancel the run in progress (the record is kept, incomplete)"),
    bind(EvalsList,    &[plain('u')],                                 ResumeRun,      "resume",                 HELP, "Resume the last incomplete run"),
    bind(EvalsList,    &[code(KeyCode::Up), plain('k')],              Up,             "up",                     HELP, "Previous case (or suite)"),
    bind(EvalsList,    &[code(KeyCode::Down), plain('j')],            Down,           "down",                   HELP, "Next case (or suite)"),
    bind(EvalsList,    &[code(KeyCode::PageUp)],                      PageUp,         "page up",                HELP, "A page of cases up"),
    bind(EvalsList,    &[code(KeyCode::PageDown)],                    PageDown,       "page down",              HELP, "A page of cases down"),
    bind(EvalsList,    &[code(KeyCode::Left), plain('h')],            FocusLeft,      "suites",                 HELP, "Focus the suites"),
    bind(EvalsList,    &[code(KeyCode::Right), plain('l')],           FocusRight,     "cases",                  HELP, "Focus the cases"),
    bind(EvalsList,    &[code(KeyCode::Enter)],                       Open,           "detail",                 BAR,  "Open the case: vars, rendered prompt, output, every assertion"),
    bind(EvalsList,    &[plain('f')],                                 FailuresOnly,   "failures",               BAR,  "Show only failures and errors; again: only flaky cases, when some are; again: all"),
    bind(EvalsList,    &[plain('n')],                                 NextFailure,    "next failure",           BAR,  "Jump to the next failure"),
    bind(EvalsList,    &[plain('p')],                                 PrevFailure,    "previous failure",       HELP, "Jump to the previous failure"),
    bind(EvalsList,    &[plain('/')],                                 StartFilter,    "filter",                 BAR,  "Filter cases by id or text"),
    bind(EvalsList,    &[plain('e')],                                 EditCase,       "edit prompt",            HELP, "Open the case's prompt in the editor, this case in the preview"),
    bind(EvalsList,    &[plain('.')],                                 RerunCase,      "rerun case",             HELP, "Rerun this one case without the cache"),
    bind(EvalsList,    &[plain('C')],                                 OpenCompare,    "compare",                HELP, "Compare targets and versions of this suite's prompt side by side: a grid of cells"),
    bind(Compare,      &[code(KeyCode::Esc)],                         Close,          "back",                   BAR,  "Close the open case, then the compare view"),
    bind(Compare,      &[code(KeyCode::Char(' '))],                   ToggleItem,     "pick",                   BAR,  "Pick or drop the target or version under the cursor"),
    bind(Compare,      &[code(KeyCode::Enter)],                       Open,           "run / open",             BAR,  "Run the grid of what is picked; then open the case: every cell's output side by side"),
    bind(Compare,      &[code(KeyCode::Up), plain('k')],              Up,             "up",                     HELP, "Previous item or case"),
    bind(Compare,      &[code(KeyCode::Down), plain('j')],            Down,           "down",                   HELP, "Next item or case"),
    bind(Compare,      &[code(KeyCode::Left), plain('h')],            FocusLeft,      "previous cell",          HELP, "The cell to the left"),
    bind(Compare,      &[code(KeyCode::Right), plain('l')],           FocusRight,     "next cell",              HELP, "The cell to the right"),
    bind(Compare,      &[plain('c')],                                 CancelRun,      "cancel",                 HELP, "Cancel the grid's runs (their records are kept, incomplete)"),
    bind(EvalsDetail,  &[code(KeyCode::Esc), code(KeyCode::Enter)],   Close,          "back",                   BAR,  "Back to the cases"),
    bind(EvalsDetail,  &[plain('n')],                                 NextFailure,    "next failure",           BAR,  "Next failure, without going back"),
    bind(EvalsDetail,  &[plain('p')],                                 PrevFailure,    "previous failure",       BAR,  "Previous failure"),
    bind(EvalsDetail,  &[code(KeyCode::Up), plain('k')],              Up,             "scroll up",              HELP, "Scroll up"),
    bind(EvalsDetail,  &[code(KeyCode::Down), plain('j')],            Down,           "scroll down",            HELP, "Scroll down"),
    bind(EvalsDetail,  &[code(KeyCode::PageUp)],                      PageUp,         "page up",                HELP, "A page up"),
    bind(EvalsDetail,  &[code(KeyCode::PageDown)],                    PageDown,       "page down",              HELP, "A page down"),
    bind(EvalsDetail,  &[plain(']'), code(KeyCode::Right)],           NextSample,     "next sample",            HELP, "A case drawn more than once: its next draw (after the last: the whole case)"),
    bind(EvalsDetail,  &[plain('['), code(KeyCode::Left)],            PrevSample,     "previous sample",        HELP, "Its previous draw"),
    bind(EvalsDetail,  &[plain('e')],                                 EditCase,       "edit prompt",            HELP, "Open the case's prompt in the editor, this case in the preview"),
    bind(EvalsDetail,  &[plain('.')],                                 RerunCase,      "rerun",                  HELP, "Rerun this case without the cache"),
    bind(FilterInput,  &[code(KeyCode::Enter)],                       ApplyFilter,    "apply",                  BAR,  "Keep the filter and go back to the cases"),
    bind(FilterInput,  &[code(KeyCode::Esc)],                         ClearFilter,    "clear",                  BAR,  "Clear the filter"),
    bind(Diff,         &[plain('f')],                                 CycleFrom,      "from",                   BAR,  "Change the left side: draft, current, v1, v2…"),
    bind(Diff,         &[plain('t')],                                 CycleTo,        "to",                     BAR,  "Change the right side: draft, current, v1, v2…"),
    bind(Diff,         &[plain('s')],                                 ToggleView,     "split/unified",          BAR,  "Toggle side-by-side and unified"),
    bind(Diff,         &[plain('o')],                                 ToggleOutputs,  "outputs",                BAR,  "Toggle the prompt diff and the per-case output changes"),
    bind(Diff,         &[plain('n')],                                 NextHunk,       "next",                   BAR,  "Next hunk (or regression / fix in the outputs)"),
    bind(Diff,         &[plain('p')],                                 PrevHunk,       "previous change",        HELP, "Previous hunk (or regression / fix)"),
    bind(Diff,         &[code(KeyCode::Up), plain('k')],              Up,             "up",                     HELP, "Scroll up (or previous case)"),
    bind(Diff,         &[code(KeyCode::Down), plain('j')],            Down,           "down",                   HELP, "Scroll down (or next case)"),
    bind(Diff,         &[code(KeyCode::PageUp)],                      PageUp,         "page up",                HELP, "A page up"),
    bind(Diff,         &[code(KeyCode::PageDown)],                    PageDown,       "page down",              HELP, "A page down"),
    bind(Diff,         &[code(KeyCode::Enter)],                       Open,           "case outputs",           HELP, "Show the selected case's two outputs side by side"),
    bind(Diff,         &[code(KeyCode::Esc)],                         Close,          "back",                   HELP, "Back to the list of cases"),
    bind(Diff,         &[plain('R')],                                 RunCurrent,     "run current",            BAR,  "Run the current release on its suites (to compare outputs; the draft runs in Evals)"),
    bind(Diff,         &[plain('c')],                                 CancelRun,      "cancel",                 HELP, "Cancel the current release's run"),
    bind(Diff,         &[plain('r')],                                 Refresh,        "refresh",                HELP, "Compute the diff again (after new runs or releases)"),
    bind(Release,      &[plain('g')],                                 RunGate,        "gate",                   BAR,  "Run the gate: the draft and the current release on every suite"),
    bind(Release,      &[plain('m')],                                 EditNote,       "note",                   BAR,  "Write the release note"),
    bind(Release,      &[plain('x')],                                 Export,         "export",                 BAR,  "Export the release (only when every check holds)"),
    bind(Release,      &[plain('b')],                                 StartRollback,  "rollback",               BAR,  "Roll back to the version before the current one (shows the diff first)"),
    bind(Release,      &[plain('l')],                                 NextLabel,      "label",                  HELP, "Select the next label ([labels] of workspace.toml)"),
    bind(Release,      &[plain('p')],                                 PromoteLabel,   "promote",                HELP, "Promote the current release to the selected label: a fresh gated run, then a reason"),
    bind(Release,      &[plain('B')],                                 RollbackLabel,  "label back",             HELP, "Move the selected label back to the version it held before"),
    bind(Release,      &[plain('c')],                                 CancelRun,      "cancel",                 HELP, "Cancel the gate in progress"),
    bind(Release,      &[code(KeyCode::Up), plain('k')],              Up,             "up",                     HELP, "Previous regression"),
    bind(Release,      &[code(KeyCode::Down), plain('j')],            Down,           "down",                   HELP, "Next regression"),
    bind(Release,      &[code(KeyCode::Enter)],                       Open,           "output diff",            HELP, "Show the selected regression's two outputs side by side"),
    bind(Release,      &[code(KeyCode::Esc)],                         Close,          "back",                   HELP, "Back from the output diff"),
    bind(Release,      &[plain('r')],                                 Refresh,        "refresh",                HELP, "Read the proposal and the history again"),
    bind(ReleaseInput, &[code(KeyCode::Enter)],                       ConfirmInput,   "done",                   BAR,  "Keep the note (or confirm the rollback or label move with this reason)"),
    bind(ReleaseInput, &[code(KeyCode::Esc)],                         CancelInput,    "cancel",                 BAR,  "Stop typing (a rollback or label move is cancelled)"),
];
