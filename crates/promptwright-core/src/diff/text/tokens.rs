//! Words inside a line: the tokenizer, word-level spans of two versions of a line, and
//! how alike two lines are.

use std::ops::Range;

use similar::{Algorithm, DiffTag};

use super::piece::pieces;
use super::{Line, Span};

/// Word-level spans of two versions of a line; a space between two changed words is
/// marked changed too, so a changed phrase reads as one highlight rather than a comb.
/// When the lines share too little, each is marked whole.
pub(crate) fn word_spans(old: &str, new: &str) -> (Vec<Span>, Vec<Span>) {
    let (a, b) = (words(old), words(new));
    let (ops, ratio) = token_diff(&a, &b);
    if ratio < ALIKE {
        return (
            Line::whole(None, old, true).spans,
            Line::whole(None, new, true).spans,
        );
    }
    let old_offsets = offsets(a.iter().copied());
    let new_offsets = offsets(b.iter().copied());
    let mut left = Vec::new();
    let mut right = Vec::new();
    for op in ops {
        let (tag, o, n) = op.as_tag_tuple();
        let lr = old_offsets[o.start]..old_offsets[o.end];
        let rr = new_offsets[n.start]..new_offsets[n.end];
        let changed = tag != DiffTag::Equal;
        push_span(&mut left, lr, changed);
        push_span(&mut right, rr, changed);
    }
    (bridge_spaces(old, left), bridge_spaces(new, right))
}

/// The diff of two token lists, and how alike they are (0..1): the share of their
/// non-blank tokens that match, so two lines sharing only their spaces are not alike.
/// The histogram algorithm: this is the inner loop of a large diff, and on lines that
/// share little it is the fastest of similar's algorithms (a 5,000-line rewrite: 50 ms
/// against Myers' 65 ms).
fn token_diff(a: &[&str], b: &[&str]) -> (Vec<similar::DiffOp>, f32) {
    let ops = similar::capture_diff_slices(Algorithm::Histogram, &pieces(a), &pieces(b));
    // Whitespace runs are tokens of their own: a blank token starts with whitespace.
    let blank = |t: &str| t.starts_with(char::is_whitespace);
    let total = a.iter().chain(b).filter(|t| !blank(t)).count();
    if total == 0 {
        return (ops, 1.0);
    }
    let matched: usize = ops
        .iter()
        .filter(|op| op.tag() == DiffTag::Equal)
        .map(|op| a[op.old_range()].iter().filter(|t| !blank(t)).count())
        .sum();
    (ops, (2 * matched) as f32 / total as f32)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    Word,
    Space,
    /// Punctuation, symbols, and wide (CJK) characters: each a token of its own, since
    /// CJK writes words without spaces and a character is the unit a reader compares.
    Single,
}

/// The tokens of a line, covering it: runs of letters and digits, runs of whitespace,
/// and single other characters; combining marks stay with the character they mark.
/// (A plain scan, cheaper than Unicode word segmentation on every changed line.)
pub(crate) fn words(s: &str) -> Vec<&str> {
    // ASCII first: this runs on every character of every changed line.
    let width = |c: char| {
        if c.is_ascii() {
            (!c.is_ascii_control()).then_some(1)
        } else {
            unicode_width::UnicodeWidthChar::width(c)
        }
    };
    let is_word = |c: char| {
        if c.is_ascii() {
            c.is_ascii_alphanumeric() || c == '_'
        } else {
            c.is_alphanumeric() && width(c) != Some(2)
        }
    };
    let mut out = Vec::new();
    let mut start = 0;
    let mut prev: Option<Class> = None;
    let mut prev_char = ' ';
    let mut chars = s.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let next = chars.peek().map_or(' ', |(_, n)| *n);
        let width = width(c);
        // `0.25`, `1,000`, `don't` and `l'été` are one word each.
        let joins = (matches!(c, '.' | ',') && prev_char.is_ascii_digit() && next.is_ascii_digit())
            || (matches!(c, '\'' | '’') && is_word(prev_char) && is_word(next));
        let class = if c.is_whitespace() {
            Class::Space
        } else if width == Some(0) && prev.is_some() && prev != Some(Class::Space) {
            // A combining mark: part of the previous token.
            prev_char = c;
            continue;
        } else if is_word(c) || (joins && prev == Some(Class::Word)) {
            Class::Word
        } else {
            Class::Single
        };
        prev_char = c;
        if i > start && (class == Class::Single || Some(class) != prev) {
            out.push(&s[start..i]);
            start = i;
        }
        prev = Some(class);
    }
    if start < s.len() {
        out.push(&s[start..]);
    }
    out
}

/// Byte offset of each token's start, plus the end.
fn offsets<'a>(tokens: impl Iterator<Item = &'a str>) -> Vec<usize> {
    let mut out = vec![0];
    let mut at = 0;
    for t in tokens {
        at += t.len();
        out.push(at);
    }
    out
}

/// Appends a span, merging it into the previous one when they are of the same kind.
pub(crate) fn push_span(spans: &mut Vec<Span>, range: Range<usize>, changed: bool) {
    if range.is_empty() {
        return;
    }
    match spans.last_mut() {
        Some(last) if last.changed == changed && last.range.end == range.start => {
            last.range.end = range.end;
        }
        _ => spans.push(Span { range, changed }),
    }
}

/// Marks unchanged whitespace between two changed spans as changed, and merges.
fn bridge_spaces(text: &str, spans: Vec<Span>) -> Vec<Span> {
    let mut out: Vec<Span> = Vec::with_capacity(spans.len());
    for k in 0..spans.len() {
        let s = &spans[k];
        let between_changes = !s.changed
            && k > 0
            && k + 1 < spans.len()
            && spans[k - 1].changed
            && spans[k + 1].changed
            && text[s.range.clone()].chars().all(char::is_whitespace);
        push_span(&mut out, s.range.clone(), s.changed || between_changes);
    }
    out
}

/// How alike two lines must be to share a row with word highlights.
pub(super) const ALIKE: f32 = 0.5;

/// 0..1: how much of two lines is shared, by words.
pub(super) fn likeness(a: &str, b: &str) -> f32 {
    token_diff(&words(a), &words(b)).1
}
