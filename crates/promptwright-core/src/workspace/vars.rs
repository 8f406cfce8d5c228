//! A case's variables, held compactly: a suite can have a million cases, and a map per
//! case (a tree node of several hundred bytes for two variables) would cost more than
//! the cases' own text.

use std::collections::HashSet;
use std::fmt;
use std::sync::Arc;

use serde::de::{MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

/// Variables sorted by name, as a JSON object read into a map (a repeated name keeps
/// its last value); names are shared between the cases of a file.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Vars(Box<[(Arc<str>, Value)]>);

impl Vars {
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.0
            .binary_search_by(|(k, _)| (**k).cmp(name))
            .ok()
            .map(|i| &self.0[i].1)
    }

    pub fn contains_key(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &Value)> {
        self.0.iter().map(|(k, v)| (&**k, v))
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The variables as a JSON map (what a case's result records).
    pub fn to_map(&self) -> Map<String, Value> {
        self.iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect()
    }

    /// Shares the names with earlier cases' (`names` holds those seen so far).
    pub(crate) fn share_names(&mut self, names: &mut HashSet<Arc<str>>) {
        for (k, _) in self.0.iter_mut() {
            match names.get(&**k) {
                Some(shared) => *k = shared.clone(),
                None => {
                    names.insert(k.clone());
                }
            }
        }
    }

    fn from_pairs(mut pairs: Vec<(Arc<str>, Value)>) -> Vars {
        // Stable: of a repeated name, the last value stays last, and is kept.
        pairs.sort_by(|a, b| a.0.cmp(&b.0));
        let mut out: Vec<(Arc<str>, Value)> = Vec::with_capacity(pairs.len());
        for (k, v) in pairs {
            match out.last_mut() {
                Some(last) if last.0 == k => last.1 = v,
                _ => out.push((k, v)),
            }
        }
        Vars(out.into_boxed_slice())
    }
}

impl From<Map<String, Value>> for Vars {
    fn from(map: Map<String, Value>) -> Vars {
        Vars(map.into_iter().map(|(k, v)| (k.into(), v)).collect())
    }
}

impl Serialize for Vars {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in self.iter() {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

impl<'de> Deserialize<'de> for Vars {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Vars, D::Error> {
        struct Pairs;
        impl<'de> Visitor<'de> for Pairs {
            type Value = Vars;
            // As a `Map` says it, so messages about a malformed `vars` do not change.
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a map")
            }
            fn visit_unit<E>(self) -> Result<Vars, E> {
                Ok(Vars::default())
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Vars, A::Error> {
                let mut pairs = Vec::new();
                while let Some((k, v)) = map.next_entry::<String, Value>()? {
                    pairs.push((Arc::from(k), v));
                }
                Ok(Vars::from_pairs(pairs))
            }
        }
        d.deserialize_map(Pairs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_and_writes_like_a_json_map() {
        let text = r#"{"b": 1, "a": {"x": [1, 2]}, "b": "last", "c": null}"#;
        let vars: Vars = serde_json::from_str(text).unwrap();
        let map: Map<String, Value> = serde_json::from_str(text).unwrap();
        assert_eq!(vars.to_map(), map);
        assert_eq!(
            serde_json::to_string(&vars).unwrap(),
            serde_json::to_string(&map).unwrap()
        );
        assert_eq!(vars.get("b"), Some(&Value::from("last")));
        assert!(vars.contains_key("c") && !vars.contains_key("d"));
        assert_eq!(Vars::from(map.clone()), vars);
        let wrong = |t: &str| {
            let a = serde_json::from_str::<Vars>(t).unwrap_err().to_string();
            let b = serde_json::from_str::<Map<String, Value>>(t)
                .unwrap_err()
                .to_string();
            assert_eq!(a, b);
        };
        wrong("[1]");
        wrong("\"x\"");
        wrong("null");
    }

    #[test]
    fn cases_of_a_file_share_their_variable_names() {
        let mut names = HashSet::new();
        let mut one: Vars = serde_json::from_str(r#"{"n": 1, "text": "a"}"#).unwrap();
        let mut two: Vars = serde_json::from_str(r#"{"n": 2, "text": "b"}"#).unwrap();
        one.share_names(&mut names);
        two.share_names(&mut names);
        assert!(Arc::ptr_eq(&one.0[0].0, &two.0[0].0));
        assert!(Arc::ptr_eq(&one.0[1].0, &two.0[1].0));
        assert_eq!(two.get("text"), Some(&Value::from("b")));
    }
}
