//! The handlers, the status bar and the `?` help must agree on where the global keys
//! work: all three read `falls_back_to_global`.

use ratatui::crossterm::event::KeyEvent;

use super::{Context, bindings, falls_back_to_global, lookup, resolve};
use crate::tui::app::App;
use crate::tui::testing::{ch, echo_workspace, key, write};
use crate::tui::widgets::{help, status_bar};

/// Fails to compile when a context is added without being listed in `Context::ALL`.
fn listed(ctx: Context) -> bool {
    match ctx {
        Context::Global
        | Context::PromptList
        | Context::Editor
        | Context::EditorBar
        | Context::EvalsList
        | Context::EvalsDetail
        | Context::FilterInput
        | Context::Compare
        | Context::Diff
        | Context::Release
        | Context::ReleaseInput
        | Context::Help
        | Context::Confirm
        | Context::Problems => Context::ALL.contains(&ctx),
    }
}

/// Whether the global keys that `ctx` leaves unbound reach their global action.
fn handler_falls_back(ctx: Context) -> bool {
    let mut reached = Vec::new();
    for b in bindings(Context::Global) {
        for k in b.keys {
            let ev = KeyEvent::new(k.code, k.mods);
            if lookup(ctx, ev).is_none() {
                reached.push(resolve(ctx, ev) == Some(b.action));
            }
        }
    }
    assert!(!reached.is_empty(), "{ctx:?} binds every global key");
    let all = reached.iter().all(|r| *r);
    assert!(
        all || reached.iter().all(|r| !*r),
        "{ctx:?} passes some global keys on and not others"
    );
    all
}

fn bar_shows_global(ctx: Context) -> bool {
    status_bar::hints(ctx)
        .iter()
        .any(|(keys, label)| keys == "1-4" && *label == "panes")
}

fn help_shows_global(ctx: Context) -> bool {
    help::lines(ctx, 200)
        .iter()
        .any(|l| l.to_string() == "Everywhere")
}

#[test]
fn handlers_status_bar_and_help_agree_on_global_keys_in_every_context() {
    let mut falling_back = Vec::new();
    // `Global` is the layer the others fall back to, never where a key is pressed.
    for ctx in Context::ALL.into_iter().filter(|c| *c != Context::Global) {
        assert!(listed(ctx));
        let rule = falls_back_to_global(ctx);
        assert_eq!(
            (
                handler_falls_back(ctx),
                bar_shows_global(ctx),
                help_shows_global(ctx)
            ),
            (rule, rule, rule),
            "{ctx:?}: (handler, status bar, help) disagree with the rule"
        );
        if rule {
            falling_back.push(ctx);
        }
    }
    // Before the rule, the Release pane's bar hid the global keys its handler took, and
    // the help listed them over the editor and the text inputs, which type them.
    assert_eq!(
        falling_back,
        [
            Context::PromptList,
            Context::EvalsList,
            Context::EvalsDetail,
            Context::Compare,
            Context::Diff,
            Context::Release
        ]
    );
}

#[test]
fn the_release_pane_takes_the_global_keys_its_status_bar_names() {
    let ws = echo_workspace("");
    write(
        ws.path(),
        "prompts/greet.toml",
        "[prompt]\nname = \"greet\"\n[[message]]\nrole = \"user\"\ncontent = \"hi\"\n",
    );
    let mut app = App::from(crate::tui::load(ws.path()));
    app.update(ch('4'));
    assert_eq!(app.context(), Context::Release);
    let hints = status_bar::hints(app.context());
    assert!(
        hints.iter().any(|(k, l)| k == "?" && *l == "help"),
        "{hints:?}"
    );
    app.update(ch('?'));
    assert_eq!(app.context(), Context::Help);
    app.update(key(ratatui::crossterm::event::KeyCode::Esc));
    app.update(ch('1'));
    assert_eq!(app.context(), Context::PromptList);
}
