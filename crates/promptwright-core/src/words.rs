//! Counted nouns for messages: "1 error", "2 errors". One helper, so no message says
//! "1 errors".

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
