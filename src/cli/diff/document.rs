//! Prints a diff [`Document`] unified (`-` / `+` lines, as git does) or side by side
//! (aligned columns fitted to the width), with unchanged stretches folded. Styles are
//! always written; anstream strips them when stdout is not a terminal.

use std::fmt::Write as _;
use std::ops::Range;

use anstyle::{AnsiColor, Style};

use super::cells::{self, fit, width, wrap};
use promptwright_core::diff::{Document, Line, Row, RowKind, Sign, UnifiedLine, View, fold};

/// How to print a document.
#[derive(Debug, Clone, Copy)]
pub struct Layout {
    pub view: View,
    /// Total columns available, indent included.
    pub width: usize,
    /// Unchanged lines shown around each change.
    pub context: usize,
    /// Stop after this many printed lines (a case's output diff in a long report).
    pub max_lines: Option<usize>,
    /// Spaces in front of every line.
    pub indent: usize,
}

fn fg(c: AnsiColor) -> Style {
    Style::new().fg_color(Some(c.into()))
}

pub fn style_delete() -> Style {
    fg(AnsiColor::Red)
}

pub fn style_insert() -> Style {
    fg(AnsiColor::Green)
}

pub fn style_header() -> Style {
    fg(AnsiColor::Cyan).bold()
}

pub fn style_dim() -> Style {
    Style::new().dimmed()
}

/// A changed word: the line's colour, reversed and bold, so it reads without colour
/// vision too.
fn emphasised(base: Style) -> Style {
    base.bold().invert()
}

pub fn paint(out: &mut String, text: &str, style: Style) {
    if !text.is_empty() {
        let _ = write!(out, "{style}{text}{style:#}");
    }
}

/// Prints `doc`: every changed section (title, then its changes with context), or for
/// a document without sections, its changes with context. Returns whether anything
/// was cut by `max_lines`.
pub fn render(doc: &Document, layout: &Layout, out: &mut String) -> bool {
    let mut printer = Printer {
        doc,
        layout,
        out,
        printed: 0,
        number_width: number_width(doc),
    };
    if doc.sections.is_empty() {
        let len = doc.len(layout.view);
        return printer.body(0..len);
    }
    for s in doc.sections.iter().filter(|s| s.changed) {
        let range = match layout.view {
            View::SideBySide => s.rows.clone(),
            View::Unified => s.unified.clone(),
        };
        if range.is_empty() {
            continue;
        }
        printer.item(range.start);
        if printer.body(range.start + 1..range.end) {
            return true;
        }
    }
    false
}

/// Digits of the largest line number, for a steady number column.
fn number_width(doc: &Document) -> usize {
    let max = doc
        .rows
        .iter()
        .flat_map(|r| [r.left.as_ref(), r.right.as_ref()])
        .flatten()
        .filter_map(|l| l.number)
        .max()
        .unwrap_or(0);
    max.to_string().len()
}

struct Printer<'a> {
    doc: &'a Document,
    layout: &'a Layout,
    out: &'a mut String,
    printed: usize,
    number_width: usize,
}

impl Printer<'_> {
    fn indent(&mut self) {
        for _ in 0..self.layout.indent {
            self.out.push(' ');
        }
    }

    /// The changes of `range` with their context; folded stretches become one line.
    /// Returns true when `max_lines` cut it short.
    fn body(&mut self, range: Range<usize>) -> bool {
        let view = self.layout.view;
        let shown = fold(range.clone(), self.layout.context, |i| {
            self.doc.is_change(view, i)
        });
        let mut at = range.start;
        for r in &shown {
            if r.start > at {
                self.folded(r.start - at);
            }
            for i in r.clone() {
                if self.layout.max_lines.is_some_and(|m| self.printed >= m) {
                    let left: usize = shown.iter().map(|s| s.end.max(i) - s.start.max(i)).sum();
                    self.indent();
                    paint(
                        self.out,
                        &format!("  ⋯ {left} more line{}", if left == 1 { "" } else { "s" }),
                        style_dim(),
                    );
                    self.out.push('\n');
                    return true;
                }
                self.item(i);
            }
            at = r.end;
        }
        if range.end > at && !shown.is_empty() {
            self.folded(range.end - at);
        }
        false
    }

    fn folded(&mut self, n: usize) {
        self.indent();
        paint(
            self.out,
            &format!("  ⋯ {n} unchanged line{}", if n == 1 { "" } else { "s" }),
            style_dim(),
        );
        self.out.push('\n');
        self.printed += 1;
    }

    fn item(&mut self, i: usize) {
        match self.layout.view {
            View::Unified => {
                let u = &self.doc.unified[i];
                self.unified(u);
            }
            View::SideBySide => {
                let r = &self.doc.rows[i];
                self.row(r);
            }
        }
    }

    fn unified(&mut self, u: &UnifiedLine) {
        self.indent();
        let (base, sign) = match u.sign {
            Sign::Header => {
                let style = style_header();
                paint(self.out, "@@ ", style);
                segments(self.out, &u.line, style);
                paint(self.out, " @@", style);
                self.out.push('\n');
                self.printed += 1;
                return;
            }
            Sign::Context => (Style::new(), " "),
            Sign::Delete => (style_delete(), "-"),
            Sign::Insert => (style_insert(), "+"),
        };
        paint(self.out, sign, base);
        segments(self.out, &u.line, base);
        self.out.push('\n');
        self.printed += 1;
    }

    /// One side-by-side row: each side wrapped to its column, the taller side setting
    /// the row's height.
    fn row(&mut self, r: &Row) {
        let total = self.layout.width.saturating_sub(self.layout.indent);
        let col = total.saturating_sub(3) / 2;
        let nw = self.number_width;
        // number, space, sign, space, then the text.
        let text_cols = col.saturating_sub(nw + 3).max(4);
        let sep = (" │ ".to_string(), style_dim());
        if r.kind == RowKind::Header {
            let title = |l: &Option<Line>| match l {
                Some(l) => {
                    let t = fit(&format!("── {} ", cells::safe(&l.text)), col);
                    let fill = col.saturating_sub(width(&t));
                    format!("{t}{}", "─".repeat(fill))
                }
                None => " ".repeat(col),
            };
            let line = vec![
                (title(&r.left), style_header()),
                sep,
                (title(&r.right), style_header()),
            ];
            self.physical(line);
            return;
        }
        let (ls, rs) = match r.kind {
            RowKind::Delete => ("-", " "),
            RowKind::Insert => (" ", "+"),
            RowKind::Replace => ("-", "+"),
            _ => (" ", " "),
        };
        let side = |l: &Option<Line>| -> Vec<Vec<(String, bool)>> {
            match l {
                Some(l) => {
                    let pieces: Vec<(&str, bool)> = l.segments().collect();
                    wrap(&pieces, text_cols)
                }
                None => Vec::new(),
            }
        };
        let left = side(&r.left);
        let right = side(&r.right);
        let height = left.len().max(right.len()).max(1);
        let plain = r.kind == RowKind::Equal;
        let left_style = if plain { Style::new() } else { style_delete() };
        let right_style = if plain { Style::new() } else { style_insert() };
        let left_cols = nw + 3 + text_cols;
        for k in 0..height {
            let mut line = half(r.left.as_ref(), ls, &left, k, left_style, nw);
            let used: usize = line.iter().map(|(t, _)| width(t)).sum();
            line.push((" ".repeat(left_cols.saturating_sub(used)), Style::new()));
            line.push(sep.clone());
            line.extend(half(r.right.as_ref(), rs, &right, k, right_style, nw));
            self.physical(line);
        }
    }

    /// Prints one physical line of styled pieces. Trailing blanks are dropped unless
    /// they are a highlighted change: padding and wrap points must not leave spaces at
    /// line ends (they would only show up in copied text and snapshots).
    fn physical(&mut self, mut line: Vec<(String, Style)>) {
        while let Some((text, style)) = line.last_mut() {
            if *style == emphasised(style_delete()) || *style == emphasised(style_insert()) {
                break;
            }
            let kept = text.trim_end().len();
            text.truncate(kept);
            if !text.is_empty() {
                break;
            }
            line.pop();
        }
        self.indent();
        for (text, style) in &line {
            paint(self.out, text, *style);
        }
        self.out.push('\n');
        self.printed += 1;
    }
}

/// Physical line `k` of one side of a row: number and sign on the first, then the
/// wrapped text with changed pieces emphasised.
fn half(
    line: Option<&Line>,
    sign: &str,
    wrapped: &[Vec<(String, bool)>],
    k: usize,
    base: Style,
    nw: usize,
) -> Vec<(String, Style)> {
    let Some(l) = line else {
        return Vec::new();
    };
    let number = match (k, l.number) {
        (0, Some(n)) => format!("{n:>nw$}"),
        _ => " ".repeat(nw),
    };
    let mut out = vec![
        (number, style_dim()),
        (" ".to_string(), Style::new()),
        ((if k == 0 { sign } else { " " }).to_string(), base),
        (" ".to_string(), Style::new()),
    ];
    if let Some(pieces) = wrapped.get(k) {
        for (text, changed) in pieces {
            let style = if *changed { emphasised(base) } else { base };
            out.push((text.clone(), style));
        }
    }
    out
}

/// A line's pieces, changed ones emphasised, made safe to print.
fn segments(out: &mut String, line: &Line, base: Style) {
    for (text, changed) in line.segments() {
        let style = if changed { emphasised(base) } else { base };
        paint(out, &cells::safe(text), style);
    }
}
