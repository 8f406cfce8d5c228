//! The element every line and word diff here compares: a piece of text whose
//! comparisons and hashes are counted in test builds, so a test can bound the work a
//! diff does by the size of its input, without a clock.

use std::cmp::Ordering;
use std::hash::{Hash, Hasher};

/// A line or a word, as the diff algorithms see it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Piece<'a>(pub(crate) &'a str);

/// The pieces of `texts`, for a diff.
pub(crate) fn pieces<'a>(texts: &[&'a str]) -> Vec<Piece<'a>> {
    texts.iter().map(|t| Piece(t)).collect()
}

impl PartialEq for Piece<'_> {
    fn eq(&self, other: &Self) -> bool {
        work::count();
        self.0 == other.0
    }
}

impl Eq for Piece<'_> {}

impl Hash for Piece<'_> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        work::count();
        self.0.hash(state);
    }
}

impl PartialOrd for Piece<'_> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Piece<'_> {
    fn cmp(&self, other: &Self) -> Ordering {
        work::count();
        self.0.cmp(other.0)
    }
}

/// How many pieces this thread's diffs compared or hashed (test builds only).
#[cfg(test)]
pub(crate) mod work {
    use std::cell::Cell;

    thread_local! {
        static DONE: Cell<u64> = const { Cell::new(0) };
    }

    pub(crate) fn count() {
        DONE.with(|d| d.set(d.get() + 1));
    }

    /// The work `f` did.
    pub(crate) fn of<T>(f: impl FnOnce() -> T) -> (T, u64) {
        let before = DONE.with(Cell::get);
        let out = f();
        (out, DONE.with(Cell::get) - before)
    }
}

#[cfg(not(test))]
mod work {
    #[inline(always)]
    pub(crate) fn count() {}
}
