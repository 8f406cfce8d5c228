//! The diff of two prompt definitions: settings (description, provider, model), params,
//! template variables and messages, as structured changes and as one document to draw.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;
use similar::{Algorithm, DiffTag, capture_diff_slices};

use super::text::{Builder, Document, Line, RowKind, pair_row, push_span};
use crate::template::Templates;
use crate::vocab::{Message, Role};
use crate::workspace::PromptDef;

/// A setting or param that differs; values are shown as they would be written in TOML.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldChange {
    /// `description`, `provider`, `model`, or `params.NAME`.
    pub name: String,
    pub old: Option<String>,
    pub new: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChangeKind {
    Added,
    Removed,
    Changed,
}

impl FieldChange {
    pub fn kind(&self) -> ChangeKind {
        match (&self.old, &self.new) {
            (None, _) => ChangeKind::Added,
            (_, None) => ChangeKind::Removed,
            _ => ChangeKind::Changed,
        }
    }
}

/// Template variables of each side, compared. New variables are a breaking change for
/// the callers that fill them (the gate's `allow_new_variables`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VariableChanges {
    pub added: Vec<String>,
    pub removed: Vec<String>,
    pub kept: Vec<String>,
}

impl VariableChanges {
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MessageStatus {
    Unchanged,
    /// Content or role differs.
    Changed,
    Added,
    Removed,
}

/// One message of either side and what became of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageChange {
    /// 0-based position on the old side.
    pub old_index: Option<usize>,
    /// 0-based position on the new side.
    pub new_index: Option<usize>,
    pub old_role: Option<Role>,
    pub new_role: Option<Role>,
    pub status: MessageStatus,
    /// The same message (role and content) sits at this position on the other side:
    /// it moved rather than being written or deleted.
    pub moved: Option<usize>,
    /// Its section in [`PromptDiff::doc`].
    pub section: usize,
}

impl MessageChange {
    pub fn role_changed(&self) -> bool {
        matches!((self.old_role, self.new_role), (Some(a), Some(b)) if a != b)
    }
}

/// Two prompt definitions compared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PromptDiff {
    /// Settings and params that differ, in the order of the document.
    pub fields: Vec<FieldChange>,
    pub variables: VariableChanges,
    /// Every message of both sides, in document order.
    pub messages: Vec<MessageChange>,
    /// Sections: `settings`, `params`, `variables` (each when either side has any),
    /// then one per message.
    pub doc: Document,
}

impl PromptDiff {
    /// Compares `old` (left) with `new` (right).
    pub fn new(old: &PromptDef, new: &PromptDef) -> PromptDiff {
        let mut b = Builder::default();
        let mut fields = Vec::new();

        let settings = [
            ("description", &old.description, &new.description),
            ("provider", &old.provider, &new.provider),
            ("model", &old.model, &new.model),
        ];
        if settings.iter().any(|(_, a, b)| a.is_some() || b.is_some()) {
            b.section(
                "settings".into(),
                Some(title("settings")),
                Some(title("settings")),
            );
            for (key, a, n) in settings {
                let a = a.as_deref().map(|v| format!("{key} = {}", quoted(v)));
                let n = n.as_deref().map(|v| format!("{key} = {}", quoted(v)));
                field(&mut b, &mut fields, key.to_string(), key, a, n);
            }
        }

        if !old.params.is_empty() || !new.params.is_empty() {
            let side = |p: &BTreeMap<String, Value>| (!p.is_empty()).then(|| title("params"));
            b.section("params".into(), side(&old.params), side(&new.params));
            let keys: BTreeSet<&String> = old.params.keys().chain(new.params.keys()).collect();
            for key in keys {
                let a = old
                    .params
                    .get(key)
                    .map(|v| format!("{key} = {}", toml_value(v)));
                let n = new
                    .params
                    .get(key)
                    .map(|v| format!("{key} = {}", toml_value(v)));
                field(&mut b, &mut fields, format!("params.{key}"), key, a, n);
            }
        }

        tools(&mut b, &mut fields, old, new);

        let old_vars = variables_of(&old.messages);
        let new_vars = variables_of(&new.messages);
        let variables = VariableChanges {
            added: new_vars.difference(&old_vars).cloned().collect(),
            removed: old_vars.difference(&new_vars).cloned().collect(),
            kept: old_vars.intersection(&new_vars).cloned().collect(),
        };
        if !old_vars.is_empty() || !new_vars.is_empty() {
            let side = |v: &BTreeSet<String>| (!v.is_empty()).then(|| title("variables"));
            b.section("variables".into(), side(&old_vars), side(&new_vars));
            for v in old_vars.union(&new_vars) {
                let shown = format!("{{{{ {v} }}}}");
                let a = old_vars.contains(v).then_some(shown.as_str());
                let n = new_vars.contains(v).then_some(shown.as_str());
                if let Some(row) = pair_row(a, n) {
                    b.push(row);
                }
            }
        }

        let messages = messages(&mut b, &old.messages, &new.messages);
        PromptDiff {
            fields,
            variables,
            messages,
            doc: b.finish(),
        }
    }

    /// Nothing differs: settings, params, variables and every message are the same.
    pub fn is_identical(&self) -> bool {
        self.fields.is_empty()
            && self.variables.is_empty()
            && self
                .messages
                .iter()
                .all(|m| m.status == MessageStatus::Unchanged)
    }
}

/// The `tools` section: `tool_choice`, each tool by name (its description and schema
/// as one value) and `response_format`, each a setting that changes as a whole.
fn tools(b: &mut Builder, fields: &mut Vec<FieldChange>, old: &PromptDef, new: &PromptDef) {
    let has = |d: &PromptDef| {
        (!d.tools.is_empty() || d.tool_choice.is_some() || d.response_format.is_some())
            .then(|| title("tools"))
    };
    if has(old).is_none() && has(new).is_none() {
        return;
    }
    b.section("tools".into(), has(old), has(new));
    let choice = |d: &PromptDef| {
        d.tool_choice
            .as_deref()
            .map(|c| format!("tool_choice = {}", quoted(c)))
    };
    field(
        b,
        fields,
        "tool_choice".into(),
        "tool_choice",
        choice(old),
        choice(new),
    );
    let names: BTreeSet<&str> = old
        .tools
        .iter()
        .chain(&new.tools)
        .map(|t| t.name.as_str())
        .collect();
    for name in names {
        let key = format!("tools.{name}");
        let row = |d: &PromptDef| {
            d.tools.iter().find(|t| t.name == name).map(|t| {
                let v = serde_json::to_value(t).unwrap_or_default();
                format!("{key} = {}", toml_value(&v))
            })
        };
        field(b, fields, key.clone(), &key, row(old), row(new));
    }
    let format = |d: &PromptDef| {
        d.response_format.as_ref().map(|f| {
            let v = serde_json::to_value(f).unwrap_or_default();
            format!("response_format = {}", toml_value(&v))
        })
    };
    field(
        b,
        fields,
        "response_format".into(),
        "response_format",
        format(old),
        format(new),
    );
}

fn title(text: &str) -> Line {
    Line::whole(None, text, false)
}

/// Adds a settings/params row and records the change when the sides differ.
fn field(
    b: &mut Builder,
    fields: &mut Vec<FieldChange>,
    name: String,
    key: &str,
    old: Option<String>,
    new: Option<String>,
) {
    let Some(row) = pair_row(old.as_deref(), new.as_deref()) else {
        return;
    };
    if row.kind != RowKind::Equal {
        // The value alone, without the `key = ` written in the row.
        let value = |s: Option<String>| s.map(|s| s[key.len() + 3..].to_string());
        fields.push(FieldChange {
            name,
            old: value(old),
            new: value(new),
        });
    }
    b.push(row);
}

/// A string as TOML writes it (JSON's escapes are TOML's).
fn quoted(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| format!("\"{s}\""))
}

/// A param value in TOML-like notation: `0.2`, `"x"`, `["a", "b"]`, `{ k = 1 }`.
fn toml_value(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => quoted(s),
        Value::Array(items) => format!(
            "[{}]",
            items.iter().map(toml_value).collect::<Vec<_>>().join(", ")
        ),
        Value::Object(map) => {
            if map.is_empty() {
                return "{}".into();
            }
            let inner: Vec<String> = map
                .iter()
                .map(|(k, v)| format!("{k} = {}", toml_value(v)))
                .collect();
            format!("{{ {} }}", inner.join(", "))
        }
    }
}

/// Variables the messages' templates read. A definition whose templates do not compile
/// contributes none: loaders reject such files before they reach a diff.
fn variables_of(messages: &[Message]) -> BTreeSet<String> {
    let contents: Vec<String> = messages.iter().map(|m| m.content.clone()).collect();
    Templates::compile(&contents)
        .map(|t| t.variables())
        .unwrap_or_default()
}

fn message_title(index: usize, role: Role) -> String {
    format!("message {} · {}", index + 1, role.as_str())
}

/// Aligns the two message lists, then diffs each pair. Identical messages anchor the
/// alignment, so a message inserted or deleted in the middle does not make every later
/// one look changed; between anchors, messages pair by position (a changed role is a
/// change of that message).
fn messages(b: &mut Builder, old: &[Message], new: &[Message]) -> Vec<MessageChange> {
    fn key(m: &Message) -> (&'static str, &str) {
        (m.role.as_str(), m.content.as_str())
    }
    let old_keys: Vec<_> = old.iter().map(key).collect();
    let new_keys: Vec<_> = new.iter().map(key).collect();
    let mut pairs: Vec<(Option<usize>, Option<usize>)> = Vec::new();
    for op in capture_diff_slices(Algorithm::Myers, &old_keys, &new_keys) {
        let (tag, o, n) = op.as_tag_tuple();
        match tag {
            DiffTag::Equal | DiffTag::Replace => {
                let common = o.len().min(n.len());
                for k in 0..common {
                    pairs.push((Some(o.start + k), Some(n.start + k)));
                }
                pairs.extend((o.start + common..o.end).map(|i| (Some(i), None)));
                pairs.extend((n.start + common..n.end).map(|j| (None, Some(j))));
            }
            DiffTag::Delete => pairs.extend(o.map(|i| (Some(i), None))),
            DiffTag::Insert => pairs.extend(n.map(|j| (None, Some(j)))),
        }
    }
    // A removed message that reappears unchanged elsewhere was moved.
    let added: Vec<usize> = pairs
        .iter()
        .filter_map(|p| match p {
            (None, Some(j)) => Some(*j),
            _ => None,
        })
        .collect();
    let removed: Vec<usize> = pairs
        .iter()
        .filter_map(|p| match p {
            (Some(i), None) => Some(*i),
            _ => None,
        })
        .collect();
    let mut taken = vec![false; added.len()];
    let mut moved_to: BTreeMap<usize, usize> = BTreeMap::new();
    for &i in &removed {
        if let Some(k) = (0..added.len()).find(|&k| !taken[k] && new[added[k]] == old[i]) {
            taken[k] = true;
            moved_to.insert(i, added[k]);
        }
    }
    let moved_from: BTreeMap<usize, usize> = moved_to.iter().map(|(i, j)| (*j, *i)).collect();

    let mut out = Vec::with_capacity(pairs.len());
    for (oi, ni) in pairs {
        let om = oi.map(|i| &old[i]);
        let nm = ni.map(|j| &new[j]);
        let status = match (om, nm) {
            (Some(a), Some(c)) if a == c => MessageStatus::Unchanged,
            (Some(_), Some(_)) => MessageStatus::Changed,
            (Some(_), None) => MessageStatus::Removed,
            _ => MessageStatus::Added,
        };
        let moved = match (oi, ni) {
            (Some(i), None) => moved_to.get(&i).copied(),
            (None, Some(j)) => moved_from.get(&j).copied(),
            _ => None,
        };
        let section = b.section_count();
        message_section(b, oi, om, ni, nm, moved);
        out.push(MessageChange {
            old_index: oi,
            new_index: ni,
            old_role: om.map(|m| m.role),
            new_role: nm.map(|m| m.role),
            status,
            moved,
            section,
        });
    }
    out
}

/// A message's section: its title on each side (the role marked when it changed, a note
/// when it moved), then its lines.
fn message_section(
    b: &mut Builder,
    oi: Option<usize>,
    om: Option<&Message>,
    ni: Option<usize>,
    nm: Option<&Message>,
    moved: Option<usize>,
) {
    let role_changed = matches!((om, nm), (Some(a), Some(c)) if a.role != c.role);
    let side = |index: Option<usize>, m: Option<&Message>, note: Option<String>| {
        let (i, m) = (index?, m?);
        let mut text = message_title(i, m.role);
        let role_at = text.len() - m.role.as_str().len();
        let mut spans = Vec::new();
        push_span(&mut spans, 0..role_at, false);
        push_span(&mut spans, role_at..text.len(), role_changed);
        if let Some(note) = note {
            let start = text.len();
            text.push_str(&note);
            push_span(&mut spans, start..text.len(), false);
        }
        Some(Line {
            number: None,
            text,
            spans,
        })
    };
    let (left_note, right_note) = match (oi, ni, moved) {
        (Some(_), None, Some(j)) => (Some(format!(" (moved to {})", j + 1)), None),
        (Some(_), None, None) => (Some(" (removed)".to_string()), None),
        (None, Some(_), Some(i)) => (None, Some(format!(" (moved from {})", i + 1))),
        (None, Some(_), None) => (None, Some(" (added)".to_string())),
        _ => (None, None),
    };
    let left = side(oi, om, left_note);
    let right = side(ni, nm, right_note);
    let title = match (&left, &right) {
        (Some(l), Some(r)) if l.text == r.text => l.text.clone(),
        (Some(l), Some(r)) => format!("{} → {}", l.text, r.text),
        (Some(only), None) | (None, Some(only)) => only.text.clone(),
        (None, None) => String::new(),
    };
    b.section(title, left, right);
    b.text(
        om.map_or("", |m| m.content.as_str()),
        nm.map_or("", |m| m.content.as_str()),
    );
}
