//! Messages in, commands out. Key presses, mouse, paste, timers and the results of
//! background work all become a `Msg`; `App::update` answers with `Cmd`s the event loop
//! performs (I/O, timers), so update itself never blocks or touches a file.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use ratatui::crossterm::event::{KeyEvent, MouseEvent};

use super::panes::diff::DiffLoaded;
use super::panes::files::Opened;
use super::panes::release::{ReleaseLoaded, Shared};
use promptwright_core::grid::Target;
use promptwright_core::plan::PlanRequest;
use promptwright_core::release::Ref;
use promptwright_core::release::{LabelRollbackPlan, PromotePlan, Proposal, RollbackPlan, Verdict};
use promptwright_core::runner::RunEvent;
use promptwright_core::store::CaseResult;
use promptwright_core::vocab::LoadErrors;
use promptwright_core::workspace::{Config, PromptDef, Workspace};

#[derive(Debug, Clone)]
pub enum Msg {
    Key(KeyEvent),
    Mouse(MouseEvent),
    Paste(String),
    Resize(u16, u16),
    /// The debounce timer of an edit fired; stale when `generation` moved on.
    ValidateDue {
        prompt: String,
        generation: u64,
    },
    /// A save finished: the text written, or why it failed.
    Saved {
        prompt: String,
        result: Result<String, String>,
    },
    /// Another program changed a prompt file; its new text.
    FileChanged {
        prompt: String,
        text: String,
    },
    /// workspace.toml or a suite changed on disk: read the workspace again.
    WorkspaceFilesChanged,
    /// `$EDITOR` exited: the file's text now, or why it could not run.
    ExternalEdited {
        prompt: String,
        result: Result<String, String>,
    },
    /// A file a problem names was read to be edited (`Cmd::OpenFile`), or why not.
    FileOpened {
        result: Result<Opened, String>,
        line: usize,
        col: usize,
    },
    /// The results of the recent run records (`Cmd::LoadRecorded`).
    RecordedLoaded(Vec<CaseResult>),
    /// A run reported progress.
    Run(RunEvent),
    /// A run could not start (bad selection, missing key...), or failed to write.
    RunFailed(String),
    /// The clock, while a run is in progress (for the ETA and the filtered rows).
    Tick(Instant),
    /// The workspace was read again (after a save); when it does not load, its
    /// workspace.toml alone if that parses (the providers, for the prompts' validation).
    WorkspaceLoaded {
        result: Result<Arc<Workspace>, LoadErrors>,
        config: Option<Box<Config>>,
    },
    /// A diff asked for with `Cmd::LoadDiff` is ready.
    DiffLoaded(Box<DiffLoaded>),
    /// The Release pane's proposal and history.
    ReleaseLoaded(Box<ReleaseLoaded>),
    /// Progress of the gate's runs.
    GateEvent(RunEvent),
    /// The gate's verdict, or why it could not run.
    GateDone(Result<Shared<Verdict>, String>),
    /// Progress of the current release's run from the Diff pane.
    DiffRunEvent(RunEvent),
    /// That run finished (what ran), or why it could not.
    DiffRunDone(Result<String, String>),
    /// What an export wrote, or why it did not.
    Exported(Result<String, String>),
    /// A rollback's dry run, or why there is none.
    RollbackPlanned(Result<Shared<RollbackPlan>, String>),
    /// A rollback done, or why not.
    RolledBack(Result<String, String>),
    /// What the compare view of `prompt` can offer: its released versions (ascending)
    /// and whether one is current.
    CompareReady {
        prompt: String,
        versions: Vec<u32>,
        current: bool,
    },
    /// The comparison grid was planned: each cell's label and model, in order.
    GridPlanned(Vec<(String, String)>),
    /// Progress of one cell of the grid (by index).
    GridEvent((usize, RunEvent)),
    /// The grid's runs ended, or why they could not run.
    GridDone(Result<(), String>),
    /// A promotion's fresh run and verdict (the dry run), or why there is none.
    PromoteGated(Result<(Shared<PromotePlan>, Shared<Verdict>), String>),
    /// A label rollback's plan, or why there is none.
    LabelRollbackPlanned(Result<Shared<LabelRollbackPlan>, String>),
    /// A label moved (promoted or rolled back), or why not.
    LabelMoved(Result<String, String>),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Cmd {
    Quit,
    /// Read the results of the recent run records, then report `Msg::RecordedLoaded`.
    LoadRecorded,
    /// Write `text` to `path` atomically, then report `Msg::Saved`.
    Save {
        prompt: String,
        path: PathBuf,
        text: String,
    },
    /// Send `Msg::ValidateDue` after `after` (debounce of live validation).
    ScheduleValidate {
        prompt: String,
        generation: u64,
        after: Duration,
    },
    /// Suspend the TUI and edit `path` in `$VISUAL`/`$EDITOR`, after writing `unsaved`
    /// (the editor's unsaved text) to it; `Msg::ExternalEdited` reports the file after.
    EditExternally {
        prompt: String,
        path: PathBuf,
        unsaved: Option<String>,
    },
    /// Plan and start a run on `ws` (the workspace as the editor shows it); its events
    /// come back as `Msg::Run`.
    StartRun {
        ws: Shared<Workspace>,
        request: PlanRequest,
    },
    /// Read what versions `prompt` has, to open the compare view
    /// (`Msg::CompareReady`).
    OpenCompare {
        prompt: String,
    },
    /// Plan and run the comparison grid of `request`'s prompt: `refs` × `targets`;
    /// `Msg::GridPlanned`, then `Msg::GridEvent`s, then `Msg::GridDone`.
    StartGrid {
        ws: Shared<Workspace>,
        request: PlanRequest,
        targets: Vec<Target>,
        refs: Vec<Ref>,
    },
    /// Cancel the run in progress: requests in flight are dropped, the record is kept.
    CancelRun,
    /// Read the workspace again, to run what was just saved.
    ReloadWorkspace,
    /// Read the file a problem names (as messages show it) to edit it at `line`:`col`;
    /// `Msg::FileOpened` answers.
    OpenFile {
        shown: String,
        line: usize,
        col: usize,
    },
    /// Compute the diff of two sides of a prompt; `draft` is the editor's parsed text.
    LoadDiff {
        prompt: String,
        from: Ref,
        to: Ref,
        draft: Option<PromptDef>,
    },
    /// Read the proposal and history of a prompt for the Release pane; the draft is the
    /// prompt in `ws` (the editor's text), or `ws` says why there is none.
    LoadRelease {
        ws: Result<Shared<Workspace>, String>,
        prompt: String,
    },
    /// Run the gate of a proposal on `ws` (cancelled by `CancelRun`).
    RunGate {
        ws: Shared<Workspace>,
        proposal: Shared<Proposal>,
    },
    /// Run the current release of `prompt` on its suites (cancelled by `CancelRun`);
    /// its events come back as `Msg::DiffRunEvent`.
    RunCurrent {
        ws: Shared<Workspace>,
        prompt: String,
    },
    /// Export a release whose verdict passed.
    Export {
        proposal: Shared<Proposal>,
        verdict: Shared<Verdict>,
        note: String,
    },
    /// Plan the rollback of a prompt to the version before the current one.
    PlanRollback {
        prompt: String,
    },
    /// Perform a planned rollback.
    Rollback {
        plan: Shared<RollbackPlan>,
        reason: String,
    },
    /// Plan moving `label` of `prompt` to its current release and run it afresh against
    /// the label's thresholds (cancelled by `CancelRun`); events come as `GateEvent`.
    PromoteGate {
        ws: Shared<Workspace>,
        prompt: String,
        label: String,
    },
    /// Move the label, on the passing verdict of its fresh run.
    Promote {
        plan: Shared<PromotePlan>,
        verdict: Shared<Verdict>,
        reason: String,
    },
    /// Plan moving `label` back to the version it held before.
    PlanLabelRollback {
        prompt: String,
        label: String,
    },
    /// Perform a planned label rollback.
    RollbackLabel {
        plan: Shared<LabelRollbackPlan>,
        reason: String,
    },
}
