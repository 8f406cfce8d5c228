//! The keys every file promptwright reads or writes may hold, read off the serde
//! definitions the loaders themselves use: the field list serde derives for a struct is
//! the one `deny_unknown_fields` checks a file against. A test holds the user reference
//! (`docs/reference/`) to these lists, so a key added to a loader cannot go undocumented.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::de::{self, DeserializeOwned, DeserializeSeed, Visitor};

/// The keys of one kind of file.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FileKeys {
    /// The file as users know it, e.g. `workspace.toml`.
    pub file: &'static str,
    /// The reference page that documents it, relative to the repository root.
    pub page: &'static str,
    /// Dotted path of every key, tables included, e.g. `providers.*.kind`: `*` stands
    /// for a name the user chooses. Arrays of tables add no segment (`cases.assert.type`).
    pub keys: BTreeSet<String>,
    /// Keys whose value is one of a fixed set of words: `providers.*.kind` → echo, openai…
    pub words: BTreeMap<String, Vec<&'static str>>,
    /// The Rust structs the keys were read from.
    pub structs: BTreeSet<&'static str>,
}

impl FileKeys {
    /// The last segment of each key: what a reader looks for on the page.
    pub fn names(&self) -> BTreeSet<&str> {
        self.keys
            .iter()
            .filter_map(|k| k.rsplit('.').next())
            .filter(|k| *k != "*")
            .collect()
    }
}

/// Every file format promptwright defines, with its keys.
pub fn files() -> Vec<FileKeys> {
    use crate::provider::replay::Entry;
    use crate::release::file::ReleaseFile;
    use crate::release::gatelog::GateRecord;
    use crate::release::log::{LabelEvent, ReleaseEvent, RollbackEvent};
    use crate::store::cache::CachedAnswer;
    use crate::store::record::{RunHeader, RunRecord};
    use crate::workspace::config::WorkspaceFile;
    use crate::workspace::prompt::PromptFile;
    use crate::workspace::suite::{DatasetLine, SuiteFile};

    let mut out = vec![
        file("workspace.toml", "docs/reference/workspace.md").with::<WorkspaceFile>(),
        file("prompts/NAME.toml", "docs/reference/prompts.md").with::<PromptFile>(),
        file("evals/SUITE.toml", "docs/reference/suites.md").with::<SuiteFile>(),
        file("dataset line", "docs/reference/suites.md").with::<DatasetLine>(),
        file("releases/NAME/vN.toml", "docs/reference/releases.md").with::<ReleaseFile>(),
        file("releases/NAME/log.jsonl", "docs/reference/releases.md")
            .with::<ReleaseEvent>()
            .with::<RollbackEvent>()
            .with::<LabelEvent>(),
        file("cassette", "docs/reference/providers.md").with::<Entry>(),
        file(".promptwright/runs/RUN_ID.jsonl", "docs/reference/runs.md").with::<RunHeader>(),
        file(".promptwright/cache", "docs/reference/runs.md").with::<CachedAnswer>(),
        file(".promptwright/gates.jsonl", "docs/reference/runs.md").with::<GateRecord>(),
        file("eval --format json", "docs/reference/reports.md").with::<RunRecord>(),
        file(
            "~/.config/promptwright/config.toml",
            "docs/reference/security.md",
        )
        .with::<crate::userconfig::File>(),
    ];
    out.retain(|f| !f.keys.is_empty());
    out
}

fn file(file: &'static str, page: &'static str) -> FileKeys {
    FileKeys {
        file,
        page,
        ..FileKeys::default()
    }
}

impl FileKeys {
    /// Adds the keys of `T`. A type the tracer cannot walk is a bug in this module,
    /// caught by its tests, so it panics with the reason.
    pub fn with<T: DeserializeOwned>(mut self) -> FileKeys {
        let trace = RefCell::new(Trace::default());
        if let Err(e) = T::deserialize(Tracer {
            trace: &trace,
            path: String::new(),
        }) {
            panic!(
                "cannot read the keys of {}: {e}",
                std::any::type_name::<T>()
            );
        }
        let trace = trace.into_inner();
        self.keys.extend(trace.keys);
        self.words.extend(trace.words);
        self.structs.extend(trace.structs);
        self
    }
}

#[derive(Default)]
struct Trace {
    keys: BTreeSet<String>,
    words: BTreeMap<String, Vec<&'static str>>,
    structs: BTreeSet<&'static str>,
}

/// A deserializer that owns no data: it asks the type for its shape and answers every
/// question with a placeholder, recording each struct field on the way down.
struct Tracer<'t> {
    trace: &'t RefCell<Trace>,
    path: String,
}

impl<'t> Tracer<'t> {
    fn child(&self, segment: &str) -> Tracer<'t> {
        let path = if self.path.is_empty() {
            segment.to_string()
        } else {
            format!("{}.{segment}", self.path)
        };
        Tracer {
            trace: self.trace,
            path,
        }
    }
}

#[derive(Debug)]
pub struct TraceError(String);

impl fmt::Display for TraceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for TraceError {}

impl de::Error for TraceError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        TraceError(msg.to_string())
    }
}

/// toml's `Spanned<T>` is a struct with this name whose `value` field is the `T`: it
/// wraps a value for error positions and adds no key to the file.
fn is_spanned(name: &str) -> bool {
    name.starts_with("$__serde_spanned_private")
}

impl<'de> de::Deserializer<'de> for Tracer<'_> {
    type Error = TraceError;

    /// Free-form values (`serde_json::Value` in vars and params) have no keys of ours.
    fn deserialize_any<V: Visitor<'de>>(self, v: V) -> Result<V::Value, TraceError> {
        v.visit_unit()
    }
    fn deserialize_bool<V: Visitor<'de>>(self, v: V) -> Result<V::Value, TraceError> {
        v.visit_bool(false)
    }
    fn deserialize_i8<V: Visitor<'de>>(self, v: V) -> Result<V::Value, TraceError> {
        v.visit_i64(0)
    }
    fn deserialize_i16<V: Visitor<'de>>(self, v: V) -> Result<V::Value, TraceError> {
        v.visit_i64(0)
    }
    fn deserialize_i32<V: Visitor<'de>>(self, v: V) -> Result<V::Value, TraceError> {
        v.visit_i64(0)
    }
    fn deserialize_i64<V: Visitor<'de>>(self, v: V) -> Result<V::Value, TraceError> {
        v.visit_i64(0)
    }
    fn deserialize_u8<V: Visitor<'de>>(self, v: V) -> Result<V::Value, TraceError> {
        v.visit_u64(0)
    }
    fn deserialize_u16<V: Visitor<'de>>(self, v: V) -> Result<V::Value, TraceError> {
        v.visit_u64(0)
    }
    fn deserialize_u32<V: Visitor<'de>>(self, v: V) -> Result<V::Value, TraceError> {
        v.visit_u64(0)
    }
    fn deserialize_u64<V: Visitor<'de>>(self, v: V) -> Result<V::Value, TraceError> {
        v.visit_u64(0)
    }
    fn deserialize_f32<V: Visitor<'de>>(self, v: V) -> Result<V::Value, TraceError> {
        v.visit_f64(0.0)
    }
    fn deserialize_f64<V: Visitor<'de>>(self, v: V) -> Result<V::Value, TraceError> {
        v.visit_f64(0.0)
    }
    fn deserialize_char<V: Visitor<'de>>(self, v: V) -> Result<V::Value, TraceError> {
        v.visit_char('x')
    }
    fn deserialize_str<V: Visitor<'de>>(self, v: V) -> Result<V::Value, TraceError> {
        v.visit_str("")
    }
    fn deserialize_string<V: Visitor<'de>>(self, v: V) -> Result<V::Value, TraceError> {
        v.visit_str("")
    }
    fn deserialize_bytes<V: Visitor<'de>>(self, v: V) -> Result<V::Value, TraceError> {
        v.visit_bytes(&[])
    }
    fn deserialize_byte_buf<V: Visitor<'de>>(self, v: V) -> Result<V::Value, TraceError> {
        v.visit_bytes(&[])
    }
    fn deserialize_option<V: Visitor<'de>>(self, v: V) -> Result<V::Value, TraceError> {
        v.visit_some(self)
    }
    fn deserialize_unit<V: Visitor<'de>>(self, v: V) -> Result<V::Value, TraceError> {
        v.visit_unit()
    }
    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        v: V,
    ) -> Result<V::Value, TraceError> {
        v.visit_unit()
    }
    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        v: V,
    ) -> Result<V::Value, TraceError> {
        v.visit_newtype_struct(self)
    }
    fn deserialize_seq<V: Visitor<'de>>(self, v: V) -> Result<V::Value, TraceError> {
        v.visit_seq(Elements {
            tracer: self,
            left: 1,
        })
    }
    fn deserialize_tuple<V: Visitor<'de>>(self, len: usize, v: V) -> Result<V::Value, TraceError> {
        v.visit_seq(Elements {
            tracer: self,
            left: len,
        })
    }
    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        len: usize,
        v: V,
    ) -> Result<V::Value, TraceError> {
        self.deserialize_tuple(len, v)
    }
    /// A map's keys are names the user chooses (`[providers.NAME]`): one entry, `*`.
    fn deserialize_map<V: Visitor<'de>>(self, v: V) -> Result<V::Value, TraceError> {
        let value = self.child("*");
        v.visit_map(Fields {
            fields: vec![("*", value)],
        })
    }
    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        v: V,
    ) -> Result<V::Value, TraceError> {
        let spanned = is_spanned(name);
        let fields = fields
            .iter()
            .map(|f| {
                if spanned {
                    let path = self.path.clone();
                    (
                        *f,
                        Tracer {
                            trace: self.trace,
                            path,
                        },
                    )
                } else {
                    let child = self.child(f);
                    self.trace.borrow_mut().keys.insert(child.path.clone());
                    (*f, child)
                }
            })
            .collect();
        if !spanned {
            self.trace.borrow_mut().structs.insert(name);
        }
        v.visit_map(Fields { fields })
    }
    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        variants: &'static [&'static str],
        v: V,
    ) -> Result<V::Value, TraceError> {
        self.trace
            .borrow_mut()
            .words
            .insert(self.path.clone(), variants.to_vec());
        let first = variants
            .first()
            .ok_or_else(|| TraceError(format!("enum at `{}` has no variant", self.path)))?;
        v.visit_enum(Variant {
            name: first,
            tracer: self,
        })
    }
    fn deserialize_identifier<V: Visitor<'de>>(self, v: V) -> Result<V::Value, TraceError> {
        v.visit_str("")
    }
    fn deserialize_ignored_any<V: Visitor<'de>>(self, v: V) -> Result<V::Value, TraceError> {
        v.visit_unit()
    }
}

struct Elements<'t> {
    tracer: Tracer<'t>,
    left: usize,
}

impl<'de> de::SeqAccess<'de> for Elements<'_> {
    type Error = TraceError;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, TraceError> {
        if self.left == 0 {
            return Ok(None);
        }
        self.left -= 1;
        let tracer = Tracer {
            trace: self.tracer.trace,
            path: self.tracer.path.clone(),
        };
        seed.deserialize(tracer).map(Some)
    }
}

/// The entries of a struct (its fields) or of a map (one `*` entry), in order.
struct Fields<'t> {
    fields: Vec<(&'static str, Tracer<'t>)>,
}

impl<'de> de::MapAccess<'de> for Fields<'_> {
    type Error = TraceError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, TraceError> {
        match self.fields.first() {
            Some((name, _)) => seed
                .deserialize(de::value::BorrowedStrDeserializer::new(name))
                .map(Some),
            None => Ok(None),
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(
        &mut self,
        seed: V,
    ) -> Result<V::Value, TraceError> {
        if self.fields.is_empty() {
            return Err(TraceError("a value was asked for before its key".into()));
        }
        let (_, tracer) = self.fields.remove(0);
        seed.deserialize(tracer)
    }
}

/// An enum answers with its first variant; the others are recorded as words.
struct Variant<'t> {
    name: &'static str,
    tracer: Tracer<'t>,
}

impl<'de, 't> de::EnumAccess<'de> for Variant<'t> {
    type Error = TraceError;
    type Variant = Tracer<'t>;

    fn variant_seed<S: DeserializeSeed<'de>>(
        self,
        seed: S,
    ) -> Result<(S::Value, Tracer<'t>), TraceError> {
        let name = de::value::BorrowedStrDeserializer::<TraceError>::new(self.name);
        Ok((seed.deserialize(name)?, self.tracer))
    }
}

impl<'de> de::VariantAccess<'de> for Tracer<'_> {
    type Error = TraceError;

    fn unit_variant(self) -> Result<(), TraceError> {
        Ok(())
    }
    fn newtype_variant_seed<S: DeserializeSeed<'de>>(
        self,
        seed: S,
    ) -> Result<S::Value, TraceError> {
        seed.deserialize(self)
    }
    fn tuple_variant<V: Visitor<'de>>(self, len: usize, v: V) -> Result<V::Value, TraceError> {
        de::Deserializer::deserialize_tuple(self, len, v)
    }
    fn struct_variant<V: Visitor<'de>>(
        self,
        fields: &'static [&'static str],
        v: V,
    ) -> Result<V::Value, TraceError> {
        de::Deserializer::deserialize_struct(self, "", fields, v)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use serde::Deserialize;
    use toml::Spanned;

    use super::*;

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Outer {
        name: Spanned<String>,
        #[serde(rename = "assert")]
        asserts: Vec<Inner>,
        #[serde(default)]
        tables: BTreeMap<String, Spanned<Inner>>,
        free: Option<serde_json::Value>,
        kind: Kind,
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Inner {
        weight: Option<Spanned<f64>>,
        count: u32,
    }

    #[derive(Deserialize)]
    #[serde(rename_all = "lowercase")]
    #[allow(dead_code)]
    enum Kind {
        Echo,
        Openai,
    }

    #[test]
    fn traces_fields_through_spans_lists_maps_and_options() {
        let f = file("x.toml", "docs/x.md").with::<Outer>();
        let keys: Vec<&str> = f.keys.iter().map(String::as_str).collect();
        assert_eq!(
            keys,
            [
                "assert",
                "assert.count",
                "assert.weight",
                "free",
                "kind",
                "name",
                "tables",
                "tables.*.count",
                "tables.*.weight"
            ]
        );
        assert_eq!(f.words["kind"], ["echo", "openai"]);
        assert_eq!(f.structs, BTreeSet::from(["Outer", "Inner"]));
        assert!(f.names().contains("weight") && !f.names().contains("*"));
    }

    #[test]
    fn every_file_of_the_product_traces() {
        let files = files();
        let workspace = files.iter().find(|f| f.file == "workspace.toml").unwrap();
        for key in [
            "providers.*.kind",
            "gate.suite.*.max_errors",
            "grader.model",
        ] {
            assert!(
                workspace.keys.contains(key),
                "{key} in {:?}",
                workspace.keys
            );
        }
        assert!(workspace.words["providers.*.kind"].contains(&"replay"));
        let suite = files.iter().find(|f| f.file == "evals/SUITE.toml").unwrap();
        assert!(suite.keys.contains("cases.assert.threshold"));
        assert_eq!(files.len(), 12, "every file kind has keys");
    }
}
