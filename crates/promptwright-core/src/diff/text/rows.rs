//! Building a document: sections, rows of a line diff, and which changed lines share a
//! row (pairing alike lines so their word changes can be marked).

use std::ops::Range;

use similar::{Algorithm, DiffTag, capture_diff_slices};

use super::piece::pieces;

use super::tokens::{ALIKE, likeness, word_spans};
use super::{Document, Line, Row, RowKind, Section, Sign, Span, UnifiedLine};

/// Assembles a document section by section.
#[derive(Debug, Default)]
pub(crate) struct Builder {
    rows: Vec<Row>,
    sections: Vec<Section>,
}

impl Builder {
    /// Starts a section: a header row with each side's title (`None`: the section is
    /// absent on that side).
    pub(crate) fn section(&mut self, title: String, left: Option<Line>, right: Option<Line>) {
        self.close_section();
        let start = self.rows.len();
        self.rows.push(Row {
            kind: RowKind::Header,
            left,
            right,
        });
        self.sections.push(Section {
            title,
            rows: start..start,
            unified: 0..0,
            changed: false,
        });
    }

    fn close_section(&mut self) {
        let end = self.rows.len();
        if let Some(s) = self.sections.last_mut() {
            s.rows.end = end;
            s.changed = self.rows[s.rows.clone()].iter().any(Row::is_change);
        }
    }

    pub(crate) fn section_count(&self) -> usize {
        self.sections.len()
    }

    pub(crate) fn push(&mut self, row: Row) {
        self.rows.push(row);
    }

    /// Rows comparing two texts line by line; line numbers start at 1 on each side.
    pub(crate) fn text(&mut self, old: &str, new: &str) {
        let old_lines = split_lines(old);
        let new_lines = split_lines(new);
        let ops = capture_diff_slices(Algorithm::Myers, &pieces(&old_lines), &pieces(&new_lines));
        for op in ops {
            let (tag, o, n) = op.as_tag_tuple();
            match tag {
                DiffTag::Equal => {
                    for (i, j) in o.zip(n) {
                        self.rows.push(Row {
                            kind: RowKind::Equal,
                            left: Some(Line::whole(Some(i + 1), old_lines[i], false)),
                            right: Some(Line::whole(Some(j + 1), new_lines[j], false)),
                        });
                    }
                }
                DiffTag::Delete => {
                    for i in o {
                        self.rows.push(deleted(Some(i + 1), old_lines[i]));
                    }
                }
                DiffTag::Insert => {
                    for j in n {
                        self.rows.push(inserted(Some(j + 1), new_lines[j]));
                    }
                }
                DiffTag::Replace => self.replace_block(&old_lines, o, &new_lines, n),
            }
        }
    }

    /// A run of old lines replaced by a run of new ones: alike lines are paired on one
    /// row (so a line inserted above an edited one does not shift the pairing), and the
    /// unpaired rest shares rows where it can, to keep the view compact.
    fn replace_block(&mut self, old: &[&str], o: Range<usize>, new: &[&str], n: Range<usize>) {
        if o.len() * n.len() > PAIRING_LIMIT {
            // Too large to compare every line with every other: pair by position (each
            // pair still gets word spans when its lines are alike), the rest one-sided.
            let common = o.len().min(n.len());
            for k in 0..common {
                let (a, b) = (o.start + k, n.start + k);
                self.rows.push(replaced(a + 1, old[a], b + 1, new[b], true));
            }
            for (k, text) in old[o.start + common..o.end].iter().enumerate() {
                self.rows
                    .push(deleted(Some(o.start + common + k + 1), text));
            }
            for (k, text) in new[n.start + common..n.end].iter().enumerate() {
                self.rows
                    .push(inserted(Some(n.start + common + k + 1), text));
            }
            return;
        }
        let pairs = pair_alike(&old[o.clone()], &new[n.clone()]);
        let (mut i, mut j) = (0, 0);
        let olen = o.len();
        let nlen = n.len();
        for (pi, pj) in pairs.into_iter().chain(std::iter::once((olen, nlen))) {
            // The unpaired lines before this pair: zip them, then the leftovers.
            let gap = (pi - i).min(pj - j);
            for k in 0..gap {
                let (a, b) = (o.start + i + k, n.start + j + k);
                self.rows
                    .push(replaced(a + 1, old[a], b + 1, new[b], false));
            }
            for k in gap..pi - i {
                let a = o.start + i + k;
                self.rows.push(deleted(Some(a + 1), old[a]));
            }
            for k in gap..pj - j {
                let b = n.start + j + k;
                self.rows.push(inserted(Some(b + 1), new[b]));
            }
            if pi < olen {
                let (a, b) = (o.start + pi, n.start + pj);
                self.rows.push(replaced(a + 1, old[a], b + 1, new[b], true));
            }
            i = pi + 1;
            j = pj + 1;
        }
    }

    /// Computes the unified view and the hunks from the rows.
    pub(crate) fn finish(mut self) -> Document {
        self.close_section();
        let rows = self.rows;
        let mut sections = self.sections;
        let mut unified = Vec::with_capacity(rows.len() + rows.len() / 4);
        let mut row_to_unified = Vec::with_capacity(rows.len() + 1);
        let mut i = 0;
        while i < rows.len() {
            let row = &rows[i];
            match row.kind {
                RowKind::Header => {
                    row_to_unified.push(unified.len());
                    unified.push(UnifiedLine {
                        sign: Sign::Header,
                        line: merged_header(row),
                    });
                    i += 1;
                }
                RowKind::Equal => {
                    row_to_unified.push(unified.len());
                    let line = row.right.clone().or_else(|| row.left.clone());
                    unified.push(UnifiedLine {
                        sign: Sign::Context,
                        line: line.unwrap_or_else(|| Line::whole(None, "", false)),
                    });
                    i += 1;
                }
                RowKind::Delete | RowKind::Insert | RowKind::Replace => {
                    // A block of changed rows: all its old lines, then all its new ones,
                    // as git prints them.
                    let end = rows[i..]
                        .iter()
                        .position(|r| matches!(r.kind, RowKind::Equal | RowKind::Header))
                        .map_or(rows.len(), |p| i + p);
                    let block_start = unified.len();
                    for r in &rows[i..end] {
                        row_to_unified.push(block_start);
                        if let Some(l) = &r.left {
                            unified.push(UnifiedLine {
                                sign: Sign::Delete,
                                line: l.clone(),
                            });
                        }
                    }
                    for r in &rows[i..end] {
                        if let Some(l) = &r.right {
                            unified.push(UnifiedLine {
                                sign: Sign::Insert,
                                line: l.clone(),
                            });
                        }
                    }
                    i = end;
                }
            }
        }
        row_to_unified.push(unified.len());
        for s in &mut sections {
            s.unified = row_to_unified[s.rows.start]..row_to_unified[s.rows.end];
        }
        let row_hunks = starts(rows.len(), |k| rows[k].is_change());
        let unified_hunks = starts(unified.len(), |k| unified[k].is_change());
        Document {
            rows,
            unified,
            row_hunks,
            unified_hunks,
            sections,
        }
    }
}

/// Indices where a run of changed items begins.
fn starts(len: usize, is_change: impl Fn(usize) -> bool) -> Vec<usize> {
    (0..len)
        .filter(|&k| is_change(k) && (k == 0 || !is_change(k - 1)))
        .collect()
}

/// One title for the unified view from the two sides' titles: `message 2 · user` when
/// they agree, `message 2 · user → assistant` style when they do not.
fn merged_header(row: &Row) -> Line {
    match (&row.left, &row.right) {
        (Some(l), Some(r)) if l.text == r.text => Line::whole(None, l.text.clone(), false),
        (Some(l), Some(r)) => {
            // Keep the common prefix plain and mark what each side says differently.
            let prefix = common_prefix_at_word(&l.text, &r.text);
            let mut text = l.text[..prefix].to_string();
            let mut spans = Vec::new();
            if prefix > 0 {
                spans.push(Span {
                    range: 0..prefix,
                    changed: false,
                });
            }
            let changed_start = text.len();
            text.push_str(&l.text[prefix..]);
            text.push_str(" → ");
            text.push_str(&r.text[prefix..]);
            spans.push(Span {
                range: changed_start..text.len(),
                changed: true,
            });
            Line {
                number: None,
                text,
                spans,
            }
        }
        (Some(only), None) | (None, Some(only)) => Line::whole(None, only.text.clone(), true),
        (None, None) => Line::whole(None, "", false),
    }
}

/// The longest common prefix of `a` and `b` that ends just after a space.
fn common_prefix_at_word(a: &str, b: &str) -> usize {
    let mut last_space = 0;
    for ((i, ca), cb) in a.char_indices().zip(b.chars()) {
        if ca != cb {
            break;
        }
        if ca == ' ' {
            last_space = i + 1;
        }
    }
    last_space
}

/// Lines of a text without their terminators; an empty text has none, and a final
/// newline does not make an extra empty line.
pub(crate) fn split_lines(text: &str) -> Vec<&str> {
    text.lines().collect()
}

fn deleted(number: Option<usize>, text: &str) -> Row {
    Row {
        kind: RowKind::Delete,
        left: Some(Line::whole(number, text, true)),
        right: None,
    }
}

fn inserted(number: Option<usize>, text: &str) -> Row {
    Row {
        kind: RowKind::Insert,
        left: None,
        right: Some(Line::whole(number, text, true)),
    }
}

/// A replaced pair; `alike` pairs get word spans, the rest are marked whole (word
/// highlights on unrelated lines are noise).
fn replaced(a_no: usize, a: &str, b_no: usize, b: &str, alike: bool) -> Row {
    let (left, right) = if alike {
        let (ls, rs) = word_spans(a, b);
        (
            Line {
                number: Some(a_no),
                text: a.to_string(),
                spans: ls,
            },
            Line {
                number: Some(b_no),
                text: b.to_string(),
                spans: rs,
            },
        )
    } else {
        (
            Line::whole(Some(a_no), a, true),
            Line::whole(Some(b_no), b, true),
        )
    };
    Row {
        kind: RowKind::Replace,
        left: Some(left),
        right: Some(right),
    }
}

/// A row comparing two single lines of synthesised text (a setting, a title): equal,
/// replaced with word spans, or present on one side only.
pub(crate) fn pair_row(old: Option<&str>, new: Option<&str>) -> Option<Row> {
    Some(match (old, new) {
        (Some(a), Some(b)) if a == b => Row {
            kind: RowKind::Equal,
            left: Some(Line::whole(None, a, false)),
            right: Some(Line::whole(None, b, false)),
        },
        (Some(a), Some(b)) => {
            let (ls, rs) = word_spans(a, b);
            Row {
                kind: RowKind::Replace,
                left: Some(Line {
                    number: None,
                    text: a.to_string(),
                    spans: ls,
                }),
                right: Some(Line {
                    number: None,
                    text: b.to_string(),
                    spans: rs,
                }),
            }
        }
        (Some(a), None) => deleted(None, a),
        (None, Some(b)) => inserted(None, b),
        (None, None) => return None,
    })
}

/// Blocks larger than this (old lines × new lines) are paired by position: pairing by
/// likeness compares every line with every other (400 word diffs at most).
const PAIRING_LIMIT: usize = 400;

/// Order-preserving pairs (old index, new index) of alike lines that maximise total
/// likeness (a small sequence alignment).
fn pair_alike(old: &[&str], new: &[&str]) -> Vec<(usize, usize)> {
    let (m, n) = (old.len(), new.len());
    let sim: Vec<Vec<f32>> = old
        .iter()
        .map(|a| new.iter().map(|b| likeness(a, b)).collect())
        .collect();
    // best[i][j]: the best total for old[i..] and new[j..].
    let mut best = vec![vec![0f32; n + 1]; m + 1];
    for i in (0..m).rev() {
        for j in (0..n).rev() {
            let mut v = best[i + 1][j].max(best[i][j + 1]);
            if sim[i][j] >= ALIKE {
                v = v.max(best[i + 1][j + 1] + sim[i][j]);
            }
            best[i][j] = v;
        }
    }
    let mut pairs = Vec::new();
    let (mut i, mut j) = (0, 0);
    while i < m && j < n {
        if sim[i][j] >= ALIKE && best[i][j] == best[i + 1][j + 1] + sim[i][j] {
            pairs.push((i, j));
            i += 1;
            j += 1;
        } else if best[i][j] == best[i + 1][j] {
            i += 1;
        } else {
            j += 1;
        }
    }
    pairs
}
