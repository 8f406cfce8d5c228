//! Counted nouns for messages: "1 error", "2 errors". One helper, so no message says
//! "1 errors". And text cut to a width in terminal cells, marked `…` where it was cut,
//! for every front end's tables.

use std::borrow::Cow;

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// Cuts `s` to `width` cells, ending in `…` when cut.
pub fn fit(s: &str, width: usize) -> Cow<'_, str> {
    if s.width() <= width {
        return Cow::Borrowed(s);
    }
    let mut out = String::new();
    let mut used = 0;
    for c in s.chars() {
        let w = c.width().unwrap_or(0);
        if used + w + 1 > width {
            break;
        }
        used += w;
        out.push(c);
    }
    out.push('…');
    Cow::Owned(out)
}

/// `n` and the noun in the form its count needs.
pub fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

#[cfg(test)]
mod tests {
    #[test]
    fn one_is_singular_and_zero_is_plural() {
        assert_eq!(super::plural(1, "error", "errors"), "1 error");
        assert_eq!(super::plural(0, "error", "errors"), "0 errors");
        assert_eq!(super::plural(2, "fix", "fixes"), "2 fixes");
    }
}
