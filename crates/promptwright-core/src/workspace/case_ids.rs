//! The duplicate check of a suite's case ids without a second copy of every id: a hash
//! of each id points at the case that holds it. A tree of the ids themselves cost about
//! 100 bytes a case while a dataset loaded, and that memory, freed, stayed with the
//! process for the whole run.

use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasher, BuildHasherDefault, DefaultHasher};

use super::Case;

#[derive(Default)]
pub(crate) struct CaseIds {
    /// Hash of an id → the place in the suite's cases of the first case with it.
    first: HashMap<u64, usize>,
    /// Ids whose hash an earlier, different id has (almost never any).
    collided: HashSet<String>,
}

impl CaseIds {
    /// Whether `id` is new in the suite, for the case about to be pushed onto `cases`
    /// (every case before it was offered here first, in order).
    pub fn insert(&mut self, id: &str, cases: &[Case]) -> bool {
        let hash = BuildHasherDefault::<DefaultHasher>::default().hash_one(id);
        self.insert_hashed(hash, id, cases)
    }

    fn insert_hashed(&mut self, hash: u64, id: &str, cases: &[Case]) -> bool {
        match self.first.entry(hash) {
            Entry::Vacant(e) => {
                e.insert(cases.len());
                true
            }
            Entry::Occupied(e) => {
                let holder = cases.get(*e.get()).map(|c| c.id.as_str());
                holder != Some(id) && self.collided.insert(id.to_string())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workspace::Vars;
    use crate::workspace::suite::Origin;

    fn case(id: &str) -> Case {
        Case {
            id: id.into(),
            description: None,
            vars: Vars::default(),
            threshold: None,
            assertions: Vec::new(),
            origin: Origin {
                file: "s.toml".into(),
                line: 1,
            },
        }
    }

    #[test]
    fn duplicates_are_found_and_a_shared_hash_is_not_a_duplicate() {
        let mut ids = CaseIds::default();
        let mut cases = Vec::new();
        for id in ["a", "b", "a", "c", "b"] {
            let new = ids.insert(id, &cases);
            assert_eq!(new, !cases.iter().any(|c: &Case| c.id == id), "{id}");
            cases.push(case(id));
        }
        // Three ids with one hash: each is new once, then a duplicate.
        let mut ids = CaseIds::default();
        let mut cases = Vec::new();
        let mut seen = Vec::new();
        for id in ["x", "y", "z", "y", "x", "z"] {
            seen.push(ids.insert_hashed(7, id, &cases));
            cases.push(case(id));
        }
        assert_eq!(seen, [true, true, true, false, false, false]);
    }
}
