//! Pictures of a rendered ratatui [`Buffer`] for the `screenshots/` folder.
//!
//! [`to_text`] gives plain text (diff-friendly, greppable); [`to_svg`] gives a
//! standalone SVG that GitHub displays inline. Both are pure functions of the
//! buffer (no hashing, no clocks) so committed files can be compared
//! byte-for-byte in tests.
//!
//! Colours: `Color::Reset` maps to [`DEFAULT_FG`]/[`DEFAULT_BG`]; the 16 named
//! colours (and `Indexed(0..=15)`) map to [`PALETTE`], a Catppuccin-Mocha-like
//! set; `Indexed(16..=255)` uses the standard xterm-256 cube and grey ramp;
//! `Rgb` is used as is.

use std::fmt::Write as _;

use ratatui::buffer::{Buffer, Cell, CellDiffOption};
use ratatui::style::{Color, Modifier};
use unicode_width::UnicodeWidthStr;

use crate::xml::escape;

/// Background of cells whose background is `Color::Reset`.
pub const DEFAULT_BG: u32 = 0x1e1e2e;
/// Foreground of cells whose foreground is `Color::Reset`.
pub const DEFAULT_FG: u32 = 0xcdd6f4;
/// ANSI order: Black, Red, Green, Yellow, Blue, Magenta, Cyan, Gray,
/// DarkGray, LightRed, LightGreen, LightYellow, LightBlue, LightMagenta,
/// LightCyan, White. Catppuccin Mocha's terminal colours, except White, which
/// is pure white because apps use it for emphasis over the default foreground.
pub const PALETTE: [u32; 16] = [
    0x45475a, 0xf38ba8, 0xa6e3a1, 0xf9e2af, 0x89b4fa, 0xf5c2e7, 0x94e2d5, 0xbac2de, //
    0x585b70, 0xf37799, 0x89d88b, 0xebd391, 0x74a8fc, 0xf2aede, 0x6bd7ca, 0xffffff,
];

// Geometry is kept in tenths of a pixel so coordinates are exact integers and
// print identically everywhere (no float formatting noise like 16.799999).
const CELL_W: u32 = 84; // 8.4 px: DejaVu Sans Mono's advance at 14 px
// 16 px is about ascent + descent of common monospace fonts at 14 px, so
// box-drawing verticals (│) join across rows instead of leaving gaps.
const CELL_H: u32 = 160;
const BASELINE: u32 = 130; // from the top of the cell
const FONT: &str = "ui-monospace, 'DejaVu Sans Mono', Menlo, Consolas, monospace";

/// The buffer as plain text: one line per row, trailing spaces trimmed.
pub fn to_text(buf: &Buffer) -> String {
    let mut out = String::new();
    for row in rows(buf) {
        let line: String = glyphs(row).iter().map(|g| g.symbol).collect();
        out.push_str(line.trim_end_matches(' '));
        out.push('\n');
    }
    out
}

/// The buffer as a standalone SVG image.
pub fn to_svg(buf: &Buffer) -> String {
    let (cols, nrows) = (u32::from(buf.area.width), u32::from(buf.area.height));
    let (w, h) = (px(cols * CELL_W), px(nrows * CELL_H));
    let mut bg = String::new();
    let mut fg = String::new();
    for (y, row) in rows(buf).enumerate() {
        let top = y as u32 * CELL_H;
        let glyphs = glyphs(row);
        let looks: Vec<Look> = glyphs.iter().map(|g| Look::of(g.cell)).collect();

        for run in runs(&glyphs, |a, b| looks[a].bg == looks[b].bg) {
            let colour = looks[run.start].bg;
            if colour != DEFAULT_BG {
                let (x, n) = (glyphs[run.start].col, span(&glyphs[run.clone()]));
                let (x, y, w, h) = (px(x * CELL_W), px(top), px(n * CELL_W), px(CELL_H));
                let fill = hex(colour);
                let _ = writeln!(
                    bg,
                    r#"<rect x="{x}" y="{y}" width="{w}" height="{h}" fill="{fill}"/>"#
                );
            }
        }

        // A wide glyph gets a run of its own: fallback fonts (CJK, emoji)
        // rarely have exactly two cells' advance, and textLength on a mixed
        // run would squeeze its narrow neighbours off the grid instead.
        let same_text = |a: usize, b: usize| {
            looks[a].same_text(looks[b]) && glyphs[a].width == 1 && glyphs[b].width == 1
        };
        for run in runs(&glyphs, same_text) {
            let look = looks[run.start];
            let mut part = &glyphs[run];
            if !look.modifier.intersects(LINES) {
                // Undecorated blanks draw nothing; dropping them keeps the file small.
                let first = part.iter().position(|g| g.symbol != " ");
                let last = part.iter().rposition(|g| g.symbol != " ");
                let (Some(first), Some(last)) = (first, last) else {
                    continue;
                };
                part = &part[first..=last];
            }
            let text: String = part.iter().map(|g| escape(g.symbol)).collect();
            let (x, y, len) = (
                px(part[0].col * CELL_W),
                px(top + BASELINE),
                px(span(part) * CELL_W),
            );
            let attrs = look.attrs();
            let _ = writeln!(
                fg,
                r#"<text x="{x}" y="{y}" textLength="{len}" lengthAdjust="spacingAndGlyphs"{attrs} xml:space="preserve">{text}</text>"#
            );
        }
    }
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\">\n\
         <rect width=\"{w}\" height=\"{h}\" fill=\"{}\"/>\n\
         <g shape-rendering=\"crispEdges\">\n{bg}</g>\n\
         <g font-family=\"{FONT}\" font-size=\"14\" fill=\"{}\">\n{fg}</g>\n</svg>\n",
        hex(DEFAULT_BG),
        hex(DEFAULT_FG),
    )
}

#[rustfmt::skip]
const NAMED: [Color; 16] = [
    Color::Black, Color::Red, Color::Green, Color::Yellow, Color::Blue, Color::Magenta,
    Color::Cyan, Color::Gray, Color::DarkGray, Color::LightRed, Color::LightGreen,
    Color::LightYellow, Color::LightBlue, Color::LightMagenta, Color::LightCyan, Color::White,
];

/// Maps a ratatui colour to `0xRRGGBB`, with `Reset` meaning `default`.
pub fn rgb(color: Color, default: u32) -> u32 {
    match color {
        Color::Reset => default,
        Color::Rgb(r, g, b) => u32::from(r) << 16 | u32::from(g) << 8 | u32::from(b),
        Color::Indexed(n) => indexed(n),
        named_colour => NAMED
            .iter()
            .position(|&c| c == named_colour)
            .map_or(default, |i| PALETTE[i]),
    }
}

fn indexed(n: u8) -> u32 {
    match n {
        0..=15 => PALETTE[usize::from(n)],
        16..=231 => {
            let level = |v: u8| if v == 0 { 0 } else { 55 + 40 * u32::from(v) };
            let i = n - 16;
            level(i / 36) << 16 | level(i / 6 % 6) << 8 | level(i % 6)
        }
        232..=255 => (8 + 10 * u32::from(n - 232)) * 0x01_01_01,
    }
}

/// A visible character: a wide one covers `width` cells, and the cells it
/// hides (which ratatui resets to " ") produce nothing.
struct Glyph<'a> {
    col: u32,
    width: u32,
    symbol: &'a str,
    cell: &'a Cell,
}

fn rows(buf: &Buffer) -> impl Iterator<Item = &[Cell]> {
    buf.content().chunks(usize::from(buf.area.width).max(1))
}

fn glyphs(row: &[Cell]) -> Vec<Glyph<'_>> {
    let mut out = Vec::new();
    let mut col = 0;
    while col < row.len() {
        let cell = &row[col];
        let natural = match cell.diff_option {
            CellDiffOption::ForcedWidth(w) => usize::from(w.get()),
            _ => cell.symbol().width(),
        };
        // Zero-width symbols still own their cell (else the line would shift);
        // a wide glyph in the last column is clipped like a terminal does.
        let width = natural.clamp(1, row.len() - col);
        // Control characters (escape sequences smuggled in via set_symbol) are
        // not allowed in XML 1.0 and garble text files; ratatui's own
        // set_string drops such graphemes the same way.
        let symbol = match cell.symbol() {
            "" => " ",
            s if s.contains(char::is_control) => " ",
            _ if cell.modifier.contains(Modifier::HIDDEN) => " ",
            s => s,
        };
        out.push(Glyph {
            col: col as u32,
            width: width as u32,
            symbol,
            cell,
        });
        col += width;
    }
    out
}

/// Maximal runs of consecutive glyph indices where `same(prev, next)` holds.
fn runs(glyphs: &[Glyph], same: impl Fn(usize, usize) -> bool) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    let mut start = 0;
    for i in 1..=glyphs.len() {
        if i == glyphs.len() || !same(i - 1, i) {
            out.push(start..i);
            start = i;
        }
    }
    out
}

fn span(glyphs: &[Glyph]) -> u32 {
    glyphs.iter().map(|g| g.width).sum()
}

/// A cell's resolved colours and the modifiers SVG can draw.
#[derive(Clone, Copy, PartialEq)]
struct Look {
    fg: u32,
    bg: u32,
    modifier: Modifier,
}

impl Look {
    fn of(cell: &Cell) -> Self {
        let (mut fg, mut bg) = (rgb(cell.fg, DEFAULT_FG), rgb(cell.bg, DEFAULT_BG));
        // Swap after resolving Reset: a reversed default cell is a light block.
        if cell.modifier.contains(Modifier::REVERSED) {
            std::mem::swap(&mut fg, &mut bg);
        }
        let drawn = Modifier::BOLD | Modifier::ITALIC | Modifier::DIM | LINES;
        let modifier = cell.modifier & drawn;
        Look { fg, bg, modifier }
    }

    fn same_text(self, other: Self) -> bool {
        (self.fg, self.modifier) == (other.fg, other.modifier)
    }

    fn attrs(self) -> String {
        let m = self.modifier;
        let mut s = String::new();
        if self.fg != DEFAULT_FG {
            let _ = write!(s, r#" fill="{}""#, hex(self.fg));
        }
        if m.contains(Modifier::BOLD) {
            s.push_str(r#" font-weight="bold""#);
        }
        if m.contains(Modifier::ITALIC) {
            s.push_str(r#" font-style="italic""#);
        }
        match (
            m.contains(Modifier::UNDERLINED),
            m.contains(Modifier::CROSSED_OUT),
        ) {
            (true, true) => s.push_str(r#" text-decoration="underline line-through""#),
            (true, false) => s.push_str(r#" text-decoration="underline""#),
            (false, true) => s.push_str(r#" text-decoration="line-through""#),
            (false, false) => {}
        }
        if m.contains(Modifier::DIM) {
            s.push_str(r#" opacity="0.6""#);
        }
        s
    }
}

/// Modifiers that draw lines, so even blank cells carrying them are visible.
const LINES: Modifier = Modifier::UNDERLINED.union(Modifier::CROSSED_OUT);

fn hex(colour: u32) -> String {
    format!("#{colour:06x}")
}

fn px(tenths: u32) -> String {
    match tenths % 10 {
        0 => (tenths / 10).to_string(),
        frac => format!("{}.{frac}", tenths / 10),
    }
}

#[cfg(test)]
mod tests {
    use ratatui::layout::Rect;
    use ratatui::style::Style;

    use super::*;

    fn buffer(w: u16, h: u16) -> Buffer {
        Buffer::empty(Rect::new(0, 0, w, h))
    }

    #[track_caller]
    fn assert_has(svg: &str, needle: &str) {
        assert!(svg.contains(needle), "missing {needle}\nin:\n{svg}");
    }

    /// Minimal well-formedness check: tags nest and close, text holds no raw
    /// `<`, only known entities after `&`, and no control characters.
    fn assert_well_formed(xml: &str) {
        assert!(
            !xml.chars().any(|c| c.is_control() && c != '\n'),
            "control char in XML"
        );
        let mut stack: Vec<&str> = Vec::new();
        let mut rest = xml;
        while let Some(open) = rest.find(['<', '&']) {
            let after = &rest[open..];
            if let Some(entity) = after.strip_prefix('&') {
                let ok = ["amp;", "lt;", "gt;", "quot;", "apos;"]
                    .iter()
                    .any(|e| entity.starts_with(e));
                assert!(ok, "bad entity at {after:.20}");
                rest = entity;
                continue;
            }
            let close = after.find('>').expect("unterminated tag");
            let tag = &after[1..close];
            assert!(!tag.contains('<'), "raw < inside {tag}");
            assert_eq!(
                tag.matches('"').count() % 2,
                0,
                "unbalanced quotes in {tag}"
            );
            let name = tag
                .trim_start_matches('/')
                .split([' ', '/'])
                .next()
                .unwrap();
            if let Some(closing) = tag.strip_prefix('/') {
                assert_eq!(stack.pop(), Some(closing.trim()), "mismatched </{closing}>");
            } else if !tag.ends_with('/') {
                stack.push(name);
            }
            rest = &after[close + 1..];
        }
        assert!(stack.is_empty(), "unclosed: {stack:?}");
    }

    #[test]
    fn text_trims_trailing_spaces() {
        let mut buf = buffer(8, 3);
        buf.set_string(0, 0, "ab", Style::new());
        buf.set_string(2, 2, "c  ", Style::new().red());
        assert_eq!(to_text(&buf), "ab\n\n  c\n");
    }

    #[test]
    fn text_skips_cells_hidden_by_wide_chars() {
        let mut buf = buffer(8, 1);
        buf.set_string(0, 0, "日本x🦀|", Style::new());
        assert_eq!(to_text(&buf), "日本x🦀|\n");
    }

    #[test]
    fn svg_background_run_is_one_rect() {
        let mut buf = buffer(10, 2);
        buf.set_string(2, 1, "abc", Style::new().bg(Color::Rgb(1, 2, 3)));
        let svg = to_svg(&buf);
        assert_has(
            &svg,
            r##"<rect x="16.8" y="16" width="25.2" height="16" fill="#010203"/>"##,
        );
        assert_eq!(
            svg.matches("<rect").count(),
            2,
            "only the canvas and the run: {svg}"
        );
    }

    #[test]
    fn svg_bold_run() {
        let mut buf = buffer(12, 1);
        buf.set_string(0, 0, "Hi", Style::new().bold());
        buf.set_string(3, 0, "there", Style::new());
        let svg = to_svg(&buf);
        assert_has(
            &svg,
            r#"<text x="0" y="13" textLength="16.8" lengthAdjust="spacingAndGlyphs" font-weight="bold" xml:space="preserve">Hi</text>"#,
        );
        assert_has(
            &svg,
            r#"<text x="25.2" y="13" textLength="42" lengthAdjust="spacingAndGlyphs" xml:space="preserve">there</text>"#,
        );
    }

    #[test]
    fn svg_reversed_swaps_colours() {
        let mut buf = buffer(4, 2);
        buf.set_string(0, 0, "x", Style::new().red().on_blue().reversed());
        buf.set_string(0, 1, "y", Style::new().reversed());
        let svg = to_svg(&buf);
        assert_has(&svg, r##"width="8.4" height="16" fill="#f38ba8"/>"##);
        assert_has(&svg, r##" fill="#89b4fa" xml:space="preserve">x<"##);
        assert_has(&svg, r##"y="16" width="8.4" height="16" fill="#cdd6f4"/>"##);
        assert_has(&svg, r##" fill="#1e1e2e" xml:space="preserve">y<"##);
    }

    #[test]
    fn svg_escapes_markup() {
        let mut buf = buffer(8, 1);
        buf.set_string(0, 0, "<&>\"'", Style::new());
        buf[(6, 0)].set_symbol("\x07"); // set_string filters controls; set_symbol doesn't
        let svg = to_svg(&buf);
        assert_has(&svg, ">&lt;&amp;&gt;&quot;&apos;</text>");
        assert_eq!(to_text(&buf), "<&>\"'\n");
        assert_well_formed(&svg);
    }

    #[test]
    fn colour_mapping() {
        assert_eq!(rgb(Color::Reset, 0xabcdef), 0xabcdef);
        assert_eq!(rgb(Color::Red, 0), PALETTE[1]);
        assert_eq!(rgb(Color::White, 0), PALETTE[15]);
        assert_eq!(rgb(Color::Indexed(9), 0), PALETTE[9]);
        assert_eq!(rgb(Color::Indexed(16), 0), 0x000000);
        assert_eq!(rgb(Color::Indexed(67), 0), 0x5f87af);
        assert_eq!(rgb(Color::Indexed(196), 0), 0xff0000);
        assert_eq!(rgb(Color::Indexed(231), 0), 0xffffff);
        assert_eq!(rgb(Color::Indexed(232), 0), 0x080808);
        assert_eq!(rgb(Color::Indexed(255), 0), 0xeeeeee);
        assert_eq!(rgb(Color::Rgb(0x12, 0x34, 0x56), 0), 0x123456);

        let mut buf = buffer(4, 1);
        buf.set_string(0, 0, "a", Style::new().fg(Color::Indexed(196)));
        buf.set_string(1, 0, "b", Style::new().fg(Color::Rgb(0x12, 0x34, 0x56)));
        let svg = to_svg(&buf);
        assert_has(&svg, r##"fill="#ff0000" xml:space="preserve">a<"##);
        assert_has(&svg, r##"fill="#123456" xml:space="preserve">b<"##);
    }

    #[test]
    fn svg_wide_chars_keep_the_grid() {
        let mut buf = buffer(6, 1);
        buf.set_string(0, 0, "日x", Style::new().on_green());
        let svg = to_svg(&buf);
        assert_has(
            &svg,
            r#"<text x="0" y="13" textLength="16.8" lengthAdjust="spacingAndGlyphs" xml:space="preserve">日</text>"#,
        );
        assert_has(&svg, r#"<text x="16.8" y="13" textLength="8.4""#);
        // The hidden cell after 日 was reset to the default bg by ratatui, but
        // the terminal paints the wide glyph's bg across both columns.
        assert_has(
            &svg,
            r##"<rect x="0" y="0" width="25.2" height="16" fill="#a6e3a1"/>"##,
        );
    }

    #[test]
    fn svg_is_well_formed_and_deterministic() {
        let mut buf = buffer(20, 3);
        buf.set_string(0, 0, "┌ plain ─ <tag> ┐", Style::new().cyan());
        buf.set_string(1, 1, "under", Style::new().underlined().italic().dim());
        buf.set_string(8, 1, "struck", Style::new().crossed_out().on_dark_gray());
        buf.set_string(0, 2, "🦀 & 日本", Style::new().light_magenta().bold());
        let svg = to_svg(&buf);
        assert_well_formed(&svg);
        assert_has(
            &svg,
            r#"font-style="italic" text-decoration="underline" opacity="0.6""#,
        );
        assert_has(&svg, r#"text-decoration="line-through""#);
        assert_eq!(svg, to_svg(&buf.clone()));
        assert!(
            svg.starts_with(r#"<svg xmlns="http://www.w3.org/2000/svg" width="168" height="48""#)
        );
    }
}
