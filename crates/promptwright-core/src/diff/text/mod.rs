//! Line diffs with word-level spans: the one machinery behind prompt diffs and output
//! diffs. Rows come out ready for side-by-side (left and right aligned) and for unified
//! (`-` / `+` / context) rendering, with the changed words of a changed line marked.

use std::ops::Range;

pub(crate) mod piece;
mod rows;
pub(super) mod tokens;

pub(crate) use rows::{Builder, pair_row};
pub(crate) use tokens::push_span;

/// A piece of a line's text, as a byte range into [`Line::text`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Span {
    pub range: Range<usize>,
    /// This piece differs from the other side (a changed word, or a whole added line).
    pub changed: bool,
}

/// One side's line of a row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    /// 1-based line number inside its message or output; `None` for synthesised lines
    /// (section titles, settings, variables).
    pub number: Option<usize>,
    pub text: String,
    /// Cover `text` in order, with no gaps; adjacent spans differ in `changed`. Empty
    /// for an empty line.
    pub spans: Vec<Span>,
}

impl Line {
    /// A line whose text is all one kind.
    pub fn whole(number: Option<usize>, text: impl Into<String>, changed: bool) -> Line {
        let text = text.into();
        let spans = if text.is_empty() {
            Vec::new()
        } else {
            vec![Span {
                range: 0..text.len(),
                changed,
            }]
        };
        Line {
            number,
            text,
            spans,
        }
    }

    /// The text cut into (piece, changed) pairs, for a renderer to style.
    pub fn segments(&self) -> impl Iterator<Item = (&str, bool)> + '_ {
        self.spans
            .iter()
            .map(|s| (&self.text[s.range.clone()], s.changed))
    }

    pub fn has_changes(&self) -> bool {
        self.spans.iter().any(|s| s.changed)
    }
}

/// What a side-by-side row shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RowKind {
    /// A section title (settings, params, variables, a message). Its sides carry each
    /// side's own title; a side is `None` when the section exists only on the other.
    Header,
    /// The same line on both sides.
    Equal,
    /// A line only on the left (old) side.
    Delete,
    /// A line only on the right (new) side.
    Insert,
    /// A line on each side, paired because they are alike; changed words are marked.
    Replace,
}

/// One aligned row of a side-by-side view.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub kind: RowKind,
    pub left: Option<Line>,
    pub right: Option<Line>,
}

impl Row {
    /// The row's text on the new side, else the old: what a one-column list shows.
    pub fn text(&self) -> &str {
        self.right
            .as_ref()
            .or(self.left.as_ref())
            .map_or("", |l| l.text.as_str())
    }

    /// Whether the row is part of a change (what `n` / `p` jump between). A header is a
    /// change when its section was added, removed, or changed role.
    pub fn is_change(&self) -> bool {
        match self.kind {
            RowKind::Equal => false,
            RowKind::Delete | RowKind::Insert | RowKind::Replace => true,
            RowKind::Header => {
                self.left.is_none()
                    || self.right.is_none()
                    || self.left.as_ref().is_some_and(Line::has_changes)
                    || self.right.as_ref().is_some_and(Line::has_changes)
            }
        }
    }
}

/// The mark in front of a unified line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Sign {
    Header,
    Context,
    Delete,
    Insert,
}

impl Sign {
    /// `-`, `+`, a space for context; `@` for headers (renderers usually draw their own).
    pub fn as_char(self) -> char {
        match self {
            Sign::Header => '@',
            Sign::Context => ' ',
            Sign::Delete => '-',
            Sign::Insert => '+',
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnifiedLine {
    pub sign: Sign,
    pub line: Line,
}

impl UnifiedLine {
    pub fn is_change(&self) -> bool {
        match self.sign {
            Sign::Delete | Sign::Insert => true,
            Sign::Context => false,
            Sign::Header => self.line.has_changes(),
        }
    }
}

/// A titled part of a document (settings, params, variables, one message), located in
/// both views.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    pub title: String,
    /// Rows of the side-by-side view, header included.
    pub rows: Range<usize>,
    /// Lines of the unified view, header included.
    pub unified: Range<usize>,
    /// Something in the section differs.
    pub changed: bool,
}

/// Which rendering of a document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum View {
    SideBySide,
    Unified,
}

/// A diff ready to draw: the side-by-side rows and the unified lines, computed once, so
/// a view scrolls by slicing (`rows[top..top + height]`) and never re-diffs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Document {
    pub rows: Vec<Row>,
    pub unified: Vec<UnifiedLine>,
    /// Start of each change in `rows`, ascending: targets of `n` / `p`.
    pub row_hunks: Vec<usize>,
    /// Start of each change in `unified`, ascending.
    pub unified_hunks: Vec<usize>,
    /// Empty for a plain text diff (one case's outputs).
    pub sections: Vec<Section>,
}

impl Document {
    /// The diff of two texts, line by line, with no section headers.
    pub fn of_text(old: &str, new: &str) -> Document {
        let mut b = Builder::default();
        b.text(old, new);
        b.finish()
    }

    /// No row differs.
    pub fn is_identical(&self) -> bool {
        self.row_hunks.is_empty()
    }

    pub fn len(&self, view: View) -> usize {
        match view {
            View::SideBySide => self.rows.len(),
            View::Unified => self.unified.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    pub fn hunks(&self, view: View) -> &[usize] {
        match view {
            View::SideBySide => &self.row_hunks,
            View::Unified => &self.unified_hunks,
        }
    }

    /// The first hunk starting after `from` (`n`).
    pub fn next_hunk(&self, view: View, from: usize) -> Option<usize> {
        let hunks = self.hunks(view);
        hunks.get(hunks.partition_point(|&h| h <= from)).copied()
    }

    /// The last hunk starting before `from` (`p`).
    pub fn prev_hunk(&self, view: View, from: usize) -> Option<usize> {
        let hunks = self.hunks(view);
        hunks
            .partition_point(|&h| h < from)
            .checked_sub(1)
            .map(|i| hunks[i])
    }

    /// Whether item `i` of a view is part of a change.
    pub fn is_change(&self, view: View, i: usize) -> bool {
        match view {
            View::SideBySide => self.rows.get(i).is_some_and(Row::is_change),
            View::Unified => self.unified.get(i).is_some_and(UnifiedLine::is_change),
        }
    }

    /// Counts of removed and added lines (a replaced line counts once each way).
    pub fn line_stats(&self) -> (usize, usize) {
        let mut removed = 0;
        let mut added = 0;
        for r in &self.rows {
            match r.kind {
                RowKind::Delete => removed += 1,
                RowKind::Insert => added += 1,
                RowKind::Replace => {
                    removed += 1;
                    added += 1;
                }
                RowKind::Equal | RowKind::Header => {}
            }
        }
        (removed, added)
    }
}

/// The items of `range` to show with `context` unchanged items around each change; the
/// gaps between the returned ranges are what a renderer folds ("⋯ 12 unchanged lines").
pub fn fold(
    range: Range<usize>,
    context: usize,
    is_change: impl Fn(usize) -> bool,
) -> Vec<Range<usize>> {
    let mut out: Vec<Range<usize>> = Vec::new();
    for i in range.clone() {
        if !is_change(i) {
            continue;
        }
        let start = i.saturating_sub(context).max(range.start);
        let end = (i + 1 + context).min(range.end);
        match out.last_mut() {
            Some(last) if start <= last.end => last.end = last.end.max(end),
            _ => out.push(start..end),
        }
    }
    out
}
