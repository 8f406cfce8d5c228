//! Finding a key's action, and naming keys for the bar and the help.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::{Action, BINDINGS, Binding, Context, Key, falls_back_to_global};

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

/// The action a key press performs where `ctx` sees keys first: the context's own
/// binding, else the global one when the context falls back to global keys.
pub fn resolve(ctx: Context, key: KeyEvent) -> Option<Action> {
    lookup(ctx, key).or_else(|| {
        falls_back_to_global(ctx)
            .then(|| lookup(Context::Global, key))
            .flatten()
    })
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
