//! Every error a person can act on says two things: what went wrong (its `Display`) and
//! what to do about it (`help`). The CLI prints them as `error:` and `help:` lines, the
//! workbench joins them on one line; both go through this trait, so no screen phrases
//! an error its own way.

use std::fmt::Display;

pub trait Explain: Display {
    /// What to run or write to get past this.
    fn help(&self) -> String;

    /// `message — help`: both on one line, as a status line shows them.
    fn one_line(&self) -> String {
        format!("{self} — {}", self.help())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Missing;

    impl std::fmt::Display for Missing {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("no run of `greet`")
        }
    }

    impl Explain for Missing {
        fn help(&self) -> String {
            "run its suites first".into()
        }
    }

    #[test]
    fn one_line_joins_the_message_and_the_help() {
        assert_eq!(
            Missing.one_line(),
            "no run of `greet` — run its suites first"
        );
    }
}
