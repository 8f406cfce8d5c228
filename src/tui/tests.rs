//! The TUI driven by key scripts: state and commands from `update`, and frames rendered
//! into TestBackend and snapshotted with insta.

use std::path::Path;

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{
    KeyCode, KeyEvent, KeyModifiers, MouseButton, MouseEvent, MouseEventKind,
};

use super::app::{App, Overlay, Tab};
use super::keymap::{self, Action, BINDINGS, Context};
use super::msg::{Cmd, Msg};
use super::panes::prompts::Focus;
use super::testing::{ch, ctrl, echo_workspace, key, write};
use super::widgets::help;
use promptwright_core::runner::RunEvent;
use promptwright_core::store::{CaseResult, RunHeader, RunRecord, Status};

const PROMPT: &str = r#"description = "Greets a customer"
model = "m1"

[[messages]]
role = "system"
content = "You work for {{ company }}."

[[messages]]
role = "user"
content = "Hello, I am {{ name }}."
"#;

/// A small workspace: two prompts, one suite with two cases for `greet`.
fn workspace() -> tempfile::TempDir {
    let dir = echo_workspace("");
    let root = dir.path();
    write(root, "prompts/greet.toml", PROMPT);
    write(
        root,
        "prompts/summary.toml",
        "[[messages]]\nrole = \"user\"\ncontent = \"Summarise {{ text }}\"\n",
    );
    write(
        root,
        "evals/greet.toml",
        "prompt = \"greet\"\n[[cases]]\nid = \"ada\"\nvars = { company = \"Acme\", name = \"Ada\" }\n[[cases]]\nid = \"no-name\"\nvars = { company = \"Acme\" }\n",
    );
    dir
}

fn app_for(root: &Path) -> App {
    let mut app = App::from(super::load(root));
    app.update(Msg::Resize(100, 30));
    app
}

fn click(x: u16, y: u16) -> Msg {
    Msg::Mouse(MouseEvent {
        kind: MouseEventKind::Down(MouseButton::Left),
        column: x,
        row: y,
        modifiers: KeyModifiers::NONE,
    })
}

fn frame(app: &App, w: u16, h: u16) -> Terminal<TestBackend> {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    super::render(&mut t, app).unwrap();
    t
}

/// Types text into the editor and lets the debounce fire.
fn type_text(app: &mut App, text: &str) {
    let mut last = Vec::new();
    for c in text.chars() {
        last = app.update(if c == '\n' {
            key(KeyCode::Enter)
        } else {
            ch(c)
        });
    }
    if let Some(Cmd::ScheduleValidate {
        prompt, generation, ..
    }) = last.pop()
    {
        app.update(Msg::ValidateDue { prompt, generation });
    }
}

#[test]
fn opens_on_the_prompts_pane_with_list_editor_and_preview() {
    let ws = workspace();
    let app = app_for(ws.path());
    assert_eq!(app.tab, Tab::Prompts);
    assert_eq!(app.prompts.entries().len(), 2);
    let t = frame(&app, 100, 30);
    insta::assert_snapshot!("prompts_pane", t.backend());
}

#[test]
fn tabs_switch_by_number_tab_and_mouse() {
    let ws = workspace();
    let mut app = app_for(ws.path());
    let cmds = app.update(ch('4'));
    assert_eq!(app.tab, Tab::Release);
    assert!(
        matches!(cmds.as_slice(), [Cmd::LoadRelease { prompt, .. }] if prompt == "greet"),
        "{cmds:?}"
    );
    app.update(ch('3'));
    assert_eq!(app.tab, Tab::Diff);
    app.update(ch('2'));
    assert_eq!(app.tab, Tab::Evals);
    app.update(key(KeyCode::Tab));
    assert_eq!(app.tab, Tab::Diff);
    app.update(key(KeyCode::BackTab));
    assert_eq!(app.tab, Tab::Evals);
    // The tab bar reads " 1 Prompts  2 Evals  3 Diff  4 Release ": click on "Release".
    let line = " ".to_string()
        + &Tab::ALL
            .iter()
            .enumerate()
            .map(|(i, t)| format!(" {} {} ", i + 1, t.title()))
            .collect::<Vec<_>>()
            .join(" ");
    let x = line.find("Release").unwrap() as u16;
    app.update(click(x, 0));
    assert_eq!(app.tab, Tab::Release);
    app.update(click(2, 0));
    assert_eq!(app.tab, Tab::Prompts);
}

#[test]
fn help_overlay_lists_the_focused_keys_and_closes() {
    let ws = workspace();
    let mut app = app_for(ws.path());
    app.update(ch('?'));
    assert_eq!(app.overlay, Some(Overlay::Help { scroll: 0 }));
    insta::assert_snapshot!("help_overlay", frame(&app, 100, 40).backend());
    // Keys under the overlay do not reach the panes.
    app.update(ch('2'));
    assert_eq!(app.tab, Tab::Prompts);
    app.update(key(KeyCode::Esc));
    assert_eq!(app.overlay, None);
}

#[test]
fn every_binding_is_in_the_help_and_dispatches_to_its_action() {
    for b in BINDINGS {
        let label = keymap::keys_label(b);
        let under = match b.ctx {
            Context::Help | Context::Confirm => Context::PromptList,
            c => c,
        };
        let text: String = help::lines(under, 400)
            .iter()
            .map(|l| l.to_string() + "\n")
            .collect();
        if b.ctx != Context::Confirm {
            assert!(
                text.contains(&label) && text.contains(b.help),
                "{label} ({:?}) missing from the help",
                b.ctx
            );
        }
        for k in b.keys {
            let ev = KeyEvent::new(k.code, k.mods);
            assert_eq!(
                keymap::lookup(b.ctx, ev),
                Some(b.action),
                "{} in {:?} is shadowed",
                keymap::key_name(k),
                b.ctx
            );
        }
    }
    // Every action of the table has a handler that does something observable, from a
    // state where it can.
    let ws = workspace();
    for b in BINDINGS {
        let mut app = app_for(ws.path());
        type_in_editor_then_leave(&mut app);
        match b.action {
            Action::Tab(i) => app.tab = Tab::ALL[(i + 1) % 4],
            Action::Up => app.prompts.select(1),
            Action::PageUp => {
                // A page down the preview, so a page up has somewhere to go.
                app.act(Action::PageDown);
            }
            Action::Reload => {
                app.update(Msg::Saved {
                    prompt: "greet".into(),
                    result: Ok(app.prompts.entries()[0].text()),
                });
                app.update(Msg::FileChanged {
                    prompt: "greet".into(),
                    text: PROMPT.into(),
                });
            }
            _ => {}
        }
        if matches!(
            b.ctx,
            Context::EvalsList | Context::EvalsDetail | Context::FilterInput
        ) {
            prepare_evals(&mut app, b.action);
        }
        if b.ctx == Context::Diff {
            prepare_diff(&mut app, ws.path(), b.action);
        }
        if b.ctx == Context::Compare {
            prepare_compare(&mut app, b.action);
        }
        if matches!(b.ctx, Context::Release | Context::ReleaseInput) {
            prepare_release(&mut app, ws.path(), b.action, b.ctx);
        }
        match b.ctx {
            Context::EvalsDetail => {
                app.act(Action::Open);
                // Scrolled down, so scrolling up has somewhere to go.
                for _ in 0..5 {
                    app.act(Action::Down);
                }
            }
            Context::FilterInput => {
                app.update(ch('/'));
            }
            Context::Help => {
                app.update(ch('?'));
                app.overlay = Some(Overlay::Help { scroll: 5 });
            }
            Context::Confirm => {
                app.update(ch('q'));
            }
            Context::Problems => {
                app.ws.load_errors = ["workspace.toml", "evals/a.toml", "evals/b.toml"]
                    .map(|p| promptwright_core::vocab::Diagnostic::file(p, "broken"))
                    .to_vec();
                app.overlay = Some(Overlay::Problems { selected: 1 });
            }
            Context::Editor => {
                app.update(key(KeyCode::Enter));
            }
            Context::EditorBar => {
                app.update(key(KeyCode::Enter));
                app.update(ctrl('f'));
            }
            _ => {}
        }
        let before = snapshot_state(&app);
        let cmds = app.act(b.action);
        let after = snapshot_state(&app);
        assert!(
            !cmds.is_empty() || after != before,
            "{:?} in {:?} did nothing",
            b.action,
            b.ctx
        );
    }
}

/// The compare view open on `greet` (the draft, v1 and current on offer), in the phase
/// where `action` has an effect.
fn prepare_compare(app: &mut App, action: Action) {
    app.act(Action::Tab(1));
    app.update(Msg::CompareReady {
        prompt: "greet".into(),
        versions: vec![1],
        current: true,
    });
    match action {
        Action::Up => {
            app.act(Action::Down);
        }
        Action::FocusLeft | Action::FocusRight => {
            app.act(Action::Open);
            app.update(Msg::GridPlanned(vec![
                ("draft · a/m".into(), "m".into()),
                ("v1 · a/m".into(), "m".into()),
            ]));
            app.update(Msg::GridDone(Ok(())));
            if action == Action::FocusLeft {
                app.act(Action::FocusRight);
            }
        }
        Action::CancelRun => {
            app.act(Action::Open);
        }
        _ => {}
    }
}

/// The Evals pane with a result for each case (one an error), the cursor on the second
/// case, and whatever the action needs to have an effect.
fn prepare_evals(app: &mut App, action: Action) {
    app.act(Action::Tab(1));
    let mut result = |id: &str, status: Status| {
        app.update(Msg::Run(RunEvent::CaseScored(Box::new(CaseResult {
            suite: "greet".into(),
            id: id.into(),
            status,
            score: 0.0,
            vars: Default::default(),
            output: Some("out".into()),
            tool_calls: Vec::new(),
            error: None,
            cached: false,
            latency_ms: Some(1),
            tokens: None,
            cost_usd: 0.0,
            assertions: Vec::new(),
            samples: Vec::new(),
        }))));
    };
    result("ada", Status::Pass);
    result("no-name", Status::Error);
    // The cursor on the second case, or on the first for the moves down and the jumps
    // to a failure (the second case is the only one).
    app.act(Action::Down);
    match action {
        Action::FocusRight => {
            app.act(Action::FocusLeft);
        }
        Action::NextFailure | Action::PrevFailure | Action::Down | Action::PageDown => {
            app.act(Action::Up);
        }
        Action::CancelRun | Action::ResumeRun => {
            let header = RunHeader {
                run_id: "r1".into(),
                prompt: "greet".into(),
                content_sha256: String::new(),
                provider: "local".into(),
                model: "m".into(),
                started_at: String::new(),
                suites: vec!["greet".into()],
                total: 2,
                shard: None,
            };
            app.update(Msg::Run(RunEvent::Started(header.clone())));
            if action == Action::ResumeRun {
                app.update(Msg::Run(RunEvent::Finished(std::sync::Arc::new(
                    RunRecord::new(&header, false, Vec::new()),
                ))));
            }
        }
        _ => {}
    }
}

/// The Release pane with a proposal, and a verdict holding one regression (computed by
/// the gate's pure function from two hand-made runs).
fn prepare_release(app: &mut App, root: &Path, action: Action, ctx: Context) {
    use super::panes::release::{Input, Shared};
    app.act(Action::Tab(3));
    let loaded =
        super::loaders::release::load(Ok(app.workspace.as_deref().unwrap()), root, "greet");
    app.update(Msg::ReleaseLoaded(Box::new(loaded)));
    let case = |status: Status| CaseResult {
        suite: "greet".into(),
        id: "ada".into(),
        status,
        score: 1.0,
        vars: Default::default(),
        output: Some(format!("{status:?}")),
        tool_calls: Vec::new(),
        error: None,
        cached: false,
        latency_ms: Some(1),
        tokens: None,
        cost_usd: 0.0,
        assertions: Vec::new(),
        samples: Vec::new(),
    };
    let header = |sha: &str| RunHeader {
        run_id: "r".into(),
        prompt: "greet".into(),
        content_sha256: sha.into(),
        provider: "local".into(),
        model: "m".into(),
        started_at: String::new(),
        suites: vec!["greet".into()],
        total: 1,
        shard: None,
    };
    let draft = RunRecord::new(&header("d"), true, vec![case(Status::Fail)]);
    let base = RunRecord::new(&header("b"), true, vec![case(Status::Pass)]);
    let vars = std::collections::BTreeSet::new();
    let config = promptwright_core::workspace::GateConfig::default();
    let verdict =
        promptwright_core::release::gate::evaluate(&promptwright_core::release::GateInput {
            draft: &draft,
            draft_variables: &vars,
            baseline: Some(promptwright_core::release::Baseline {
                version: 1,
                run: &base,
                variables: &vars,
            }),
            config: &config,
            suites: &["greet".to_string()],
        });
    assert_eq!(verdict.regressions.len(), 1);
    app.release.verdict = Some(Shared(std::sync::Arc::new(verdict)));
    match action {
        Action::Up => {
            // Two regressions to move between.
            let mut v = (*app.release.verdict.take().unwrap().0).clone();
            v.regressions.push(v.regressions[0].clone());
            app.release.verdict = Some(Shared(std::sync::Arc::new(v)));
            app.release.cursor = 1;
        }
        Action::Down => {
            let mut v = (*app.release.verdict.take().unwrap().0).clone();
            v.regressions.push(v.regressions[0].clone());
            app.release.verdict = Some(Shared(std::sync::Arc::new(v)));
        }
        Action::Close => app.release.case_open = true,
        Action::CancelRun => app.release.gating = Some(super::panes::release::Gating::new(app.now)),
        _ => {}
    }
    if ctx == Context::ReleaseInput {
        app.release.input = Some(Input::Note);
    }
}

/// The Diff pane on draft against draft, with a run so the outputs view has cases.
fn prepare_diff(app: &mut App, root: &Path, action: Action) {
    let ws = promptwright_core::workspace::Workspace::load(root).unwrap();
    let plans =
        promptwright_core::plan::plans(&ws, &promptwright_core::plan::PlanRequest::default())
            .unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        for p in plans {
            let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();
            promptwright_core::runner::run(p, tx, tokio_util::sync::CancellationToken::new())
                .await
                .unwrap();
        }
    });
    // The diff below is greet's: scrolling needs the pane to show it.
    app.prompts.select(0);
    app.act(Action::Tab(2));
    app.diff.from = promptwright_core::release::Ref::Draft;
    let loaded = super::loaders::diff::load(root, "greet", app.diff.from, app.diff.to, None);
    app.update(Msg::DiffLoaded(Box::new(loaded)));
    match action {
        Action::Up | Action::PageUp => app.diff.scroll = 1,
        Action::Open => app.diff.mode = super::panes::diff::DiffMode::Outputs,
        Action::Close => {
            app.diff.mode = super::panes::diff::DiffMode::Outputs;
            app.diff.case_open = true;
        }
        _ => {}
    }
}

fn type_in_editor_then_leave(app: &mut App) {
    app.update(key(KeyCode::Enter));
    type_text(app, "# edited\n");
    app.update(key(KeyCode::Esc));
}

fn snapshot_state(app: &App) -> String {
    format!(
        "{:?} {:?} {:?} {:?} {:?} {} {:?} {:?} {:?} {:?} {} {} {} {:?} {:?}",
        app.evals.focus(),
        app.evals.current_case(),
        app.evals.detail(),
        app.evals.is_filtering(),
        app.evals.failures_only(),
        app.evals.filter(),
        app.prompts.current().map(|e| e.text()),
        app.tab,
        app.overlay,
        app.prompts.focus(),
        app.prompts.selected(),
        app.prompts.preview_scroll(),
        app.prompts.current().map_or(0, |e| e.case_index),
        app.note,
        app.evals.run().map(|r| r.cancelling)
    ) + &format!(" {:?}", app.prompts.bar().cloned())
        + &format!(" {:?}", app.evals.compare().map(|c| c.describe()))
        + &format!(
            " {:?} {:?} {} {} {} {:?} {:?}",
            app.diff.view,
            app.diff.mode,
            app.diff.scroll,
            app.diff.cursor,
            app.diff.case_open,
            app.diff.from,
            app.diff.to
        )
        + &format!(
            " | {:?} {:?} {} {} {} {} {}",
            app.release.input,
            app.release.message,
            app.release.cursor,
            app.release.case_open,
            app.release.gating.is_some(),
            app.release.rollback.is_some(),
            app.release.note
        )
}

#[test]
fn the_editor_validates_live_and_shows_errors_at_line_and_col() {
    let ws = workspace();
    let mut app = app_for(ws.path());
    app.update(key(KeyCode::Enter));
    assert_eq!(app.context(), Context::Editor);
    // Move to line 6 (the system content) and break its template.
    for _ in 0..5 {
        app.update(key(KeyCode::Down));
    }
    app.update(key(KeyCode::End));
    app.update(key(KeyCode::Left));
    type_text(&mut app, " {{ oops");
    let e = app.prompts.current().unwrap();
    assert!(e.is_dirty());
    assert_eq!(e.errors.len(), 1, "{:?}", e.errors);
    assert_eq!(e.errors[0].line, 6);
    assert!(
        e.errors[0].message.contains("template syntax error"),
        "{}",
        e.errors[0].message
    );
    insta::assert_snapshot!("editor_with_error", frame(&app, 100, 30).backend());
    // A stale debounce (an older generation) does not re-validate.
    let g = app.prompts.current().unwrap().generation;
    app.update(key(KeyCode::Backspace));
    app.update(Msg::ValidateDue {
        prompt: "greet".into(),
        generation: g,
    });
    assert_eq!(app.prompts.current().unwrap().validated, g);
}

#[test]
fn live_validation_reports_an_unknown_filter_at_its_name() {
    let ws = workspace();
    let mut app = app_for(ws.path());
    app.update(key(KeyCode::Enter));
    for _ in 0..5 {
        app.update(key(KeyCode::Down));
    }
    app.update(key(KeyCode::End));
    app.update(key(KeyCode::Left));
    type_text(&mut app, " {{ company | truncate(3) }}");
    let e = app.prompts.current().unwrap();
    assert_eq!(e.errors.len(), 1, "{:?}", e.errors);
    let line6 = e.text().lines().nth(5).unwrap().to_string();
    let col = line6[..line6.find("truncate").unwrap()].chars().count() + 1;
    assert_eq!((e.errors[0].line, e.errors[0].col), (6, col), "{line6}");
    assert!(
        e.errors[0].message.contains("unknown filter `truncate`"),
        "{}",
        e.errors[0].message
    );
}

#[test]
fn typing_q_in_the_editor_types_it_and_keys_there_are_text() {
    let ws = workspace();
    let mut app = app_for(ws.path());
    app.update(key(KeyCode::Enter));
    let cmds = app.update(ch('q'));
    assert!(
        matches!(cmds.as_slice(), [Cmd::ScheduleValidate { .. }]),
        "{cmds:?}"
    );
    app.update(ch('2'));
    assert_eq!(app.tab, Tab::Prompts, "digits are text in the editor");
    assert!(
        app.prompts
            .current()
            .unwrap()
            .text()
            .starts_with("q2description")
    );
}

#[test]
fn the_preview_renders_a_case_and_names_missing_variables() {
    let ws = workspace();
    let mut app = app_for(ws.path());
    let t = frame(&app, 120, 24);
    let text = t.backend().to_string();
    assert!(text.contains("greet/ada (1/2)"), "{text}");
    assert!(text.contains("You work for Acme."), "{text}");
    assert!(text.contains("Hello, I am Ada."), "{text}");
    app.update(ch('c'));
    let t = frame(&app, 120, 24);
    insta::assert_snapshot!("preview_missing_variable", t.backend());
    assert!(t.backend().to_string().contains("missing variable `name`"));
    app.update(ch('C'));
    assert_eq!(app.prompts.current().unwrap().case_index, 0);
}

#[test]
fn save_writes_through_a_command_and_clears_the_marker() {
    let ws = workspace();
    let mut app = app_for(ws.path());
    app.update(key(KeyCode::Enter));
    type_text(&mut app, "# note\n");
    let cmds = app.update(ctrl('s'));
    let [Cmd::Save { prompt, path, text }] = cmds.as_slice() else {
        panic!("{cmds:?}")
    };
    assert_eq!(prompt, "greet");
    assert_eq!(path, &ws.path().join("prompts/greet.toml"));
    assert!(text.starts_with("# note\ndescription"));
    // Nothing is written by update itself.
    assert_eq!(std::fs::read_to_string(path).unwrap(), PROMPT);
    app.update(Msg::Saved {
        prompt: prompt.clone(),
        result: Ok(text.clone()),
    });
    assert!(!app.prompts.current().unwrap().is_dirty());
    assert_eq!(app.note.as_deref(), Some("saved prompts/greet.toml"));
}

#[test]
fn quit_asks_when_there_are_unsaved_edits() {
    let ws = workspace();
    let mut app = app_for(ws.path());
    assert_eq!(
        app.update(ch('q')),
        vec![Cmd::Quit],
        "nothing to lose: quit at once"
    );
    type_in_editor_then_leave(&mut app);
    assert!(app.update(ch('q')).is_empty());
    assert_eq!(app.overlay, Some(Overlay::ConfirmQuit));
    insta::assert_snapshot!("quit_confirmation", frame(&app, 100, 30).backend());
    app.update(key(KeyCode::Esc));
    assert_eq!(app.overlay, None);
    app.update(ch('q'));
    let cmds = app.update(ch('s'));
    assert!(matches!(cmds.as_slice(), [Cmd::Save { .. }]), "{cmds:?}");
    // The quit happens once the save is confirmed.
    let Cmd::Save { prompt, text, .. } = cmds[0].clone() else {
        unreachable!()
    };
    assert_eq!(
        app.update(Msg::Saved {
            prompt,
            result: Ok(text)
        }),
        vec![Cmd::Quit]
    );
    let mut app = app_for(ws.path());
    type_in_editor_then_leave(&mut app);
    app.update(ch('q'));
    // `n` answers "no, do not quit": it never throws the edits away.
    assert!(app.update(ch('n')).is_empty());
    assert_eq!(app.overlay, None);
    assert!(app.prompts.current().unwrap().is_dirty());
    app.update(ch('q'));
    assert_eq!(app.update(ch('d')), vec![Cmd::Quit]);
}

#[test]
fn a_file_changed_on_disk_is_offered_for_reload() {
    let ws = workspace();
    let mut app = app_for(ws.path());
    let new_text = PROMPT.replace("m1", "m2");
    app.update(Msg::FileChanged {
        prompt: "greet".into(),
        text: new_text.clone(),
    });
    assert!(
        frame(&app, 100, 30)
            .backend()
            .to_string()
            .contains("press r to reload")
    );
    app.update(ch('r'));
    let e = app.prompts.current().unwrap();
    assert_eq!(e.saved_text, new_text);
    assert!(e.text().contains("model = \"m2\""));
    assert!(!e.is_dirty());
    // With unsaved edits, a reload is refused rather than losing them.
    type_in_editor_then_leave(&mut app);
    app.update(Msg::FileChanged {
        prompt: "greet".into(),
        text: PROMPT.to_string(),
    });
    app.update(ch('r'));
    assert!(
        app.prompts
            .current()
            .unwrap()
            .text()
            .starts_with("# edited")
    );
    assert!(app.note.as_deref().unwrap().contains("unsaved edits"));
}

#[test]
fn paste_goes_into_the_editor_only() {
    let ws = workspace();
    let mut app = app_for(ws.path());
    assert!(app.update(Msg::Paste("x".into())).is_empty());
    app.update(key(KeyCode::Enter));
    app.update(Msg::Paste("# a\r\n# b\r\n".into()));
    assert!(
        app.prompts
            .current()
            .unwrap()
            .text()
            .starts_with("# a\n# b\ndescription")
    );
}

#[test]
fn list_navigation_and_mouse_selection() {
    let ws = workspace();
    let mut app = app_for(ws.path());
    app.update(ch('j'));
    assert_eq!(app.prompts.current().unwrap().name, "summary");
    app.update(ch('j'));
    assert_eq!(app.prompts.selected(), 1, "stays on the last");
    app.update(ch('k'));
    assert_eq!(app.prompts.selected(), 0);
    // Second row inside the list's border (y = 1 is the border, tabs at y = 0).
    app.update(click(5, 3));
    assert_eq!(app.prompts.selected(), 1);
    app.update(click(60, 10));
    assert_eq!(app.prompts.focus(), Focus::Editor);
}

#[test]
fn tiny_terminals_never_panic_and_say_so() {
    let ws = workspace();
    let mut app = app_for(ws.path());
    insta::assert_snapshot!("too_small", frame(&app, 30, 6).backend());
    for tab in 0..4 {
        app.act(Action::Tab(tab));
        for overlay in [
            None,
            Some(Overlay::Help { scroll: 0 }),
            Some(Overlay::ConfirmQuit),
        ] {
            app.overlay = overlay;
            for w in [1, 2, 5, 20, 39, 40, 41, 60, 69, 70, 89, 90, 130] {
                for h in [1, 2, 5, 9, 10, 11, 13, 14, 23, 24, 40] {
                    frame(&app, w, h);
                }
            }
        }
    }
}

#[test]
fn a_broken_workspace_still_opens_the_editor() {
    let ws = workspace();
    write(
        ws.path(),
        "evals/bad.toml",
        "prompt = \"greet\"\ntresh = 1\n",
    );
    write(
        ws.path(),
        "prompts/broken.toml",
        "[[messages]]\nrole = \"bot\"\ncontent = \"x\"\n",
    );
    let app = app_for(ws.path());
    assert_eq!(app.prompts.entries().len(), 3);
    let broken = app
        .prompts
        .entries()
        .iter()
        .find(|e| e.name == "broken")
        .unwrap();
    assert_eq!(broken.errors[0].line, 2);
    let text = frame(&app, 140, 30).backend().to_string();
    assert!(text.contains("workspace: 2 errors"), "{text}");
}

#[test]
fn screenshots_are_fresh() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = root.join("screenshots");
    for shot in super::shots::all(root).unwrap() {
        for word in shot.shows {
            assert!(
                shot.text.contains(word),
                "{} does not show `{word}`, so it is not in the state its name promises:\n{}",
                shot.name,
                shot.text
            );
        }
        for (ext, content) in [("txt", &shot.text), ("svg", &shot.svg)] {
            let path = dir.join(format!("{}.{ext}", shot.name));
            let committed = std::fs::read_to_string(&path).unwrap_or_default();
            assert!(
                committed == *content,
                "{} is stale: run `cargo run -- screenshots` and commit screenshots/",
                path.display()
            );
        }
    }
}

#[test]
fn the_file_watch_reports_changes_by_other_programs_only() {
    let ws = workspace();
    let app = app_for(ws.path());
    let mut watch = super::watch::FileWatch::new(&app, ws.path());
    assert!(watch.changes().is_empty(), "nothing changed yet");
    let path = ws.path().join("prompts/greet.toml");
    // Our own save is expected, so it is not news.
    watch.expect(&path, "# ours\n");
    std::fs::write(&path, "# ours\n").unwrap();
    bump_mtime(&path);
    assert!(watch.changes().is_empty());
    std::fs::write(&path, "# theirs\n").unwrap();
    bump_mtime(&path);
    let changes = watch.changes();
    assert!(
        matches!(changes.as_slice(), [Msg::FileChanged { prompt, text }] if prompt == "greet" && text == "# theirs\n"),
        "{changes:?}"
    );
}

/// Moves a file's mtime forward, so the test does not depend on the clock's resolution.
fn bump_mtime(path: &Path) {
    let f = std::fs::File::options().write(true).open(path).unwrap();
    let now = std::fs::metadata(path).unwrap().modified().unwrap();
    f.set_modified(now + std::time::Duration::from_secs(2))
        .unwrap();
}
