//! Shards: `eval --shard I/N` runs the I-th of N disjoint parts of the cases, and
//! `merge` joins the shards' records into one complete run. A case's shard depends on
//! its suite and id alone (a hash), so it lands in the same shard whatever the order of
//! the cases or which others exist, on every machine of a CI matrix.

mod merge;

pub use merge::{MergeError, Merged, merge};

use sha2::{Digest, Sha256};

/// The most shards a run may be split into.
pub const MAX_SHARDS: u32 = 1000;

/// One part of N: `index` counts from 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub index: u32,
    pub count: u32,
}

impl Shard {
    /// The shard (1..=count) that `suite/id` belongs to for `count` shards.
    pub fn of(suite: &str, id: &str, count: u32) -> u32 {
        let digest = Sha256::new()
            .chain_update(suite.as_bytes())
            .chain_update(b"/")
            .chain_update(id.as_bytes())
            .finalize();
        let mut first = [0u8; 8];
        first.copy_from_slice(&digest[..8]);
        (u64::from_be_bytes(first) % u64::from(count)) as u32 + 1
    }

    /// Whether this shard runs case `id` of `suite`.
    pub fn holds(&self, suite: &str, id: &str) -> bool {
        Shard::of(suite, id, self.count) == self.index
    }
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl std::str::FromStr for Shard {
    type Err = String;

    fn from_str(s: &str) -> Result<Shard, String> {
        let bad = || {
            format!("`{s}` is not a shard: write I/N with 1 <= I <= N <= {MAX_SHARDS}, e.g. 2/4")
        };
        let (i, n) = s.split_once('/').ok_or_else(bad)?;
        let index: u32 = i.trim().parse().map_err(|_| bad())?;
        let count: u32 = n.trim().parse().map_err(|_| bad())?;
        if count == 0 || count > MAX_SHARDS {
            return Err(format!(
                "shard count {count} is out of range: N must be 1 to {MAX_SHARDS}"
            ));
        }
        if index == 0 || index > count {
            return Err(format!(
                "shard {index} of {count} does not exist: I must be 1 to {count}"
            ));
        }
        Ok(Shard { index, count })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_hold_every_case_exactly_once() {
        for count in [1, 2, 3, 4, 7] {
            for i in 0..200 {
                let id = format!("case-{i}");
                let holders = (1..=count)
                    .filter(|&index| Shard { index, count }.holds("suite", &id))
                    .count();
                assert_eq!(holders, 1, "{id} of {count} shards");
            }
        }
    }

    #[test]
    fn a_case_keeps_its_shard_and_shards_are_balanced() {
        // Fixed by the hash: the same on every machine and in every release.
        assert_eq!(
            Shard::of("refunds", "refund-window", 4),
            Shard::of("refunds", "refund-window", 4)
        );
        assert_ne!(
            (1..=50)
                .map(|i| Shard::of("a", &i.to_string(), 4))
                .collect::<Vec<_>>(),
            (1..=50)
                .map(|i| Shard::of("b", &i.to_string(), 4))
                .collect::<Vec<_>>(),
            "the suite is part of the key"
        );
        let mut sizes = [0usize; 4];
        for i in 0..4000 {
            sizes[Shard::of("s", &format!("c{i}"), 4) as usize - 1] += 1;
        }
        assert!(sizes.iter().all(|&n| (800..1200).contains(&n)), "{sizes:?}");
    }

    #[test]
    fn shard_text_is_checked() {
        assert_eq!("2/4".parse::<Shard>(), Ok(Shard { index: 2, count: 4 }));
        assert_eq!(
            "1000/1000".parse::<Shard>().map(|s| s.to_string()),
            Ok("1000/1000".into())
        );
        for bad in ["0/3", "4/3", "1/0", "1/1001", "x/3", "3", "-1/3", ""] {
            assert!(bad.parse::<Shard>().is_err(), "{bad}");
        }
        assert!(
            "4/3"
                .parse::<Shard>()
                .unwrap_err()
                .contains("I must be 1 to 3")
        );
    }
}
