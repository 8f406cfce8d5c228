//! Problems as values a person can act on: `path:line:col: message`, the offending
//! source line, and a `help:` line, rendered in cargo's style. Every loader and every
//! front end speaks in these.

use std::borrow::Cow;
use std::fmt;

/// One problem found while loading a workspace.
#[derive(Debug, Clone, PartialEq)]
pub struct Diagnostic {
    /// Path as shown to the user (relative to the current folder when possible).
    pub path: String,
    /// 1-based; 0 when the problem concerns the whole file.
    pub line: usize,
    /// 1-based, counted in characters.
    pub col: usize,
    pub message: String,
    pub help: Option<String>,
    /// The source line and the width of the marked part, for the snippet.
    pub source_line: Option<(String, usize)>,
}

impl Diagnostic {
    /// A problem with a whole file (it cannot be read, a folder is missing...).
    pub fn file(path: impl Into<String>, message: impl Into<String>) -> Self {
        Diagnostic {
            path: path.into(),
            line: 0,
            col: 0,
            message: message.into(),
            help: None,
            source_line: None,
        }
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Masks, on the snippet line, the value of the `key = value` at the marked position
    /// (the key or the value itself): it may be a secret, such as an API key pasted in
    /// by mistake, and snippets end up in terminals and CI logs.
    pub fn redact_value(mut self) -> Self {
        let col = self.col;
        if let Some((line, width)) = &mut self.source_line {
            let chars: Vec<char> = line.chars().collect();
            let marked = col.saturating_sub(1).min(chars.len());
            let on_value = matches!(chars.get(marked), Some('"' | '\''));
            let start = if on_value {
                Some(marked)
            } else {
                chars[marked..].iter().position(|c| *c == '=').map(|eq| {
                    let mut i = marked + eq + 1;
                    while chars.get(i).is_some_and(|c| c.is_whitespace()) {
                        i += 1;
                    }
                    i
                })
            };
            if let Some(start) = start.filter(|s| *s < chars.len()) {
                let end = match chars[start] {
                    q @ ('"' | '\'') => chars[start + 1..]
                        .iter()
                        .position(|c| *c == q)
                        .map_or(chars.len(), |p| start + 1 + p + 1),
                    _ => chars[start..]
                        .iter()
                        .position(|c| matches!(c, ',' | '}' | '#') || c.is_whitespace())
                        .map_or(chars.len(), |p| start + p),
                };
                let mask = "\"****\"";
                let mut masked: String = chars[..start].iter().collect();
                masked.push_str(mask);
                masked.extend(&chars[end..]);
                *line = masked;
                if on_value {
                    *width = mask.len();
                }
            }
        }
        self
    }

    /// `path:line:col`, or `path` alone when there is no position.
    pub fn location(&self) -> String {
        if self.line == 0 {
            self.path.clone()
        } else {
            format!("{}:{}:{}", self.path, self.line, self.col)
        }
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "error: {}: {}", self.location(), self.message)?;
        if let Some((text, width)) = &self.source_line {
            let num = self.line.to_string();
            let pad = " ".repeat(num.len());
            let (shown, caret_at, width) = snippet_window(text, self.col.saturating_sub(1), *width);
            let lead: String = shown
                .chars()
                .take(caret_at)
                .map(|c| if c == '\t' { '\t' } else { ' ' })
                .collect();
            writeln!(f, "{pad} |")?;
            writeln!(f, "{num} | {shown}")?;
            writeln!(f, "{pad} | {lead}{}", "^".repeat(width.max(1)))?;
        }
        if let Some(help) = &self.help {
            writeln!(f, "help: {help}")?;
        }
        Ok(())
    }
}

/// The part of a long source line worth printing: at most `SNIPPET` characters around
/// the caret (a minified JSON line can be megabytes), with `…` where it was cut. Returns
/// the text, the caret's character offset in it and the caret's width.
fn snippet_window(text: &str, caret: usize, width: usize) -> (Cow<'_, str>, usize, usize) {
    const SNIPPET: usize = 100;
    const BEFORE: usize = 40;
    let len = text.chars().count();
    if len <= SNIPPET + 20 {
        return (Cow::Borrowed(text), caret, width);
    }
    let start = caret
        .saturating_sub(BEFORE)
        .min(len.saturating_sub(SNIPPET));
    let end = (start + SNIPPET).min(len);
    let mut shown: String = if start > 0 {
        "…".into()
    } else {
        String::new()
    };
    shown.extend(text.chars().skip(start).take(end - start));
    if end < len {
        shown.push('…');
    }
    let caret_at = caret - start + usize::from(start > 0);
    let width = width.min(end.saturating_sub(caret).max(1));
    (Cow::Owned(shown), caret_at, width)
}

/// Every problem found in one load: the loader keeps going after the first, as a
/// compiler does, so one `check` shows them all.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LoadErrors(pub Vec<Diagnostic>);

impl LoadErrors {
    pub fn single(d: Diagnostic) -> Self {
        LoadErrors(vec![d])
    }
}

impl fmt::Display for LoadErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, d) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{d}")?;
        }
        Ok(())
    }
}

impl std::error::Error for LoadErrors {}

#[cfg(test)]
mod tests {
    use crate::vocab::Source;

    #[test]
    fn display_has_location_snippet_and_help() {
        let s = Source::new("evals/x.toml", "prompt = \"a\"\ntresh = 1\n");
        let d = s
            .at(13..18, "unknown field `tresh`")
            .with_help("did you mean `threshold`?");
        let text = d.to_string();
        assert!(
            text.starts_with("error: evals/x.toml:2:1: unknown field `tresh`\n"),
            "{text}"
        );
        assert!(text.contains("2 | tresh = 1\n  | ^^^^^\n"), "{text}");
        assert!(
            text.ends_with("help: did you mean `threshold`?\n"),
            "{text}"
        );
    }

    #[test]
    fn a_long_line_is_shown_around_the_caret_only() {
        let line = format!(
            "{{\"id\": \"a\", \"vars\": {{\"x\": \"{}\"}}, \"asert\": []}}",
            "y".repeat(5000)
        );
        let col = line.find("asert").unwrap();
        let s = Source::new("evals/data/cases.jsonl", line.as_str());
        let d = s.at(col..col + 5, "unknown field `asert`");
        let text = d.to_string();
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[2].starts_with("1 | …yyy"), "{text}");
        assert!(lines[2].contains("\"asert\": []}"), "{text}");
        assert!(lines[2].chars().count() < 120, "{text}");
        // The caret still sits under the key.
        let caret = lines[3].find('^').unwrap();
        let under: String = lines[2].chars().skip(caret).take(5).collect();
        assert_eq!(under, "asert", "{text}");
        assert!(lines[3].ends_with("^^^^^"), "{text}");
        // Short lines are shown whole.
        let short = Source::new("a.toml", "tresh = 1\n").at(0..5, "unknown");
        assert!(short.to_string().contains("1 | tresh = 1"));
    }
}
