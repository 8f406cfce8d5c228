//! Terminal cells: widths that count wide (CJK) characters as two, text made safe to
//! print, and hard wrapping of styled pieces to a column width.

use unicode_width::UnicodeWidthChar;

/// How a character is shown: tabs as spaces (their width would depend on the column),
/// control characters as `�` — a model's output may carry escape sequences, and they
/// must not reach the terminal as commands.
fn shown(c: char, out: &mut String) {
    match c {
        '\t' => out.push_str("    "),
        c if c.is_control() => out.push('\u{fffd}'),
        c => out.push(c),
    }
}

/// `s` made safe to print (see [`shown`]).
pub fn safe(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        shown(c, &mut out);
    }
    out
}

pub fn char_width(c: char) -> usize {
    c.width().unwrap_or(0)
}

pub fn width(s: &str) -> usize {
    s.chars().map(char_width).sum()
}

/// Styled pieces `(text, changed)` cut into lines of at most `cols` cells, at a space
/// when the line has one (a word longer than the line is cut where it must be; the
/// space broken at is not repeated at either end). An empty input gives one empty
/// line, so a blank line still takes a row.
pub fn wrap(pieces: &[(&str, bool)], cols: usize) -> Vec<Vec<(String, bool)>> {
    let cols = cols.max(1);
    let mut chars: Vec<(char, bool)> = Vec::new();
    let mut buf = String::new();
    for (text, changed) in pieces {
        buf.clear();
        for c in text.chars() {
            shown(c, &mut buf);
        }
        chars.extend(buf.chars().map(|c| (c, *changed)));
    }
    let mut lines = Vec::new();
    let mut start = 0;
    while start < chars.len() {
        let mut end = start;
        let mut used = 0;
        while end < chars.len() {
            let w = char_width(chars[end].0);
            if used + w > cols && end > start {
                break;
            }
            used += w;
            end += 1;
        }
        let mut next = end;
        if end < chars.len() {
            let mid_word = !chars[end].0.is_whitespace() && !chars[end - 1].0.is_whitespace();
            if mid_word {
                if let Some(k) = (start + 1..end)
                    .rev()
                    .find(|&k| chars[k - 1].0.is_whitespace())
                {
                    end = k;
                    next = k;
                }
            }
            // The one space a line breaks at is the break itself, as in any wrapped
            // paragraph; a space changed on its own stays: it is the whole change.
            let is_break = |k: usize| {
                let (c, changed) = chars[k];
                c == ' '
                    && (!changed
                        || (k > 0 && chars[k - 1].1)
                        || chars.get(k + 1).is_some_and(|n| n.1))
            };
            if end - 1 > start && is_break(end - 1) {
                end -= 1;
            } else if next < chars.len() && is_break(next) {
                next += 1;
            }
        }
        let mut line: Vec<(String, bool)> = Vec::new();
        for &(c, changed) in &chars[start..end] {
            match line.last_mut() {
                Some((s, ch)) if *ch == changed => s.push(c),
                _ => line.push((c.to_string(), changed)),
            }
        }
        lines.push(line);
        start = next;
    }
    if lines.is_empty() {
        lines.push(Vec::new());
    }
    lines
}

/// Cuts `s` to `cols` cells, ending in `…` when cut.
pub fn fit(s: &str, cols: usize) -> String {
    promptwright_core::words::fit(s, cols).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrap_counts_cells_and_keeps_styles() {
        let lines = wrap(&[("abc", false), ("dé", true)], 3);
        assert_eq!(
            lines,
            vec![
                vec![("abc".to_string(), false)],
                vec![("dé".to_string(), true)],
            ]
        );
        // A wide character never straddles the edge.
        let lines = wrap(&[("日本語", false)], 5);
        assert_eq!(lines.len(), 2);
        assert!(lines.iter().all(|l| width(&l[0].0) <= 5));
        assert_eq!(wrap(&[], 10), vec![Vec::<(String, bool)>::new()]);
        // Lines break at a space rather than inside a word, the space being the break;
        // the styles follow the characters.
        let lines = wrap(&[("refund in ", false), ("30 days", true)], 11);
        assert_eq!(
            lines,
            vec![
                vec![("refund in".to_string(), false)],
                vec![("30 days".to_string(), true)],
            ]
        );
        let lines = wrap(&[("refund in 30 days", false)], 12);
        assert_eq!(lines[0], vec![("refund in 30".to_string(), false)]);
        assert_eq!(lines[1], vec![("days".to_string(), false)]);
        // A space changed on its own is kept; one inside a changed run is a break.
        let lines = wrap(&[("ab", false), (" ", true), ("cd", false)], 3);
        assert_eq!(
            lines[0],
            vec![("ab".to_string(), false), (" ".to_string(), true)]
        );
        let lines = wrap(&[("one two", true)], 4);
        assert_eq!(
            lines,
            vec![
                vec![("one".to_string(), true)],
                vec![("two".to_string(), true)]
            ]
        );
    }

    #[test]
    fn control_characters_are_not_printed() {
        assert_eq!(safe("a\u{1b}[31mb\tc"), "a\u{fffd}[31mb    c");
        assert_eq!(fit("abcdef", 4), "abc…");
    }
}
