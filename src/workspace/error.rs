//! Load errors as values a person can act on: `path:line:col: message`, the offending
//! source line, and a `help:` line, rendered in cargo's style.

use std::fmt;
use std::ops::Range;

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
            let lead: String = text
                .chars()
                .take(self.col.saturating_sub(1))
                .map(|c| if c == '\t' { '\t' } else { ' ' })
                .collect();
            writeln!(f, "{pad} |")?;
            writeln!(f, "{num} | {text}")?;
            writeln!(f, "{pad} | {lead}{}", "^".repeat((*width).max(1)))?;
        }
        if let Some(help) = &self.help {
            writeln!(f, "help: {help}")?;
        }
        Ok(())
    }
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

/// A file's text with its display path, to turn byte spans into diagnostics.
#[derive(Debug, Clone)]
pub struct Source {
    pub path: String,
    pub text: String,
}

impl Source {
    pub fn new(path: impl Into<String>, text: impl Into<String>) -> Self {
        Source {
            path: path.into(),
            text: text.into(),
        }
    }

    /// 1-based line and character column of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = floor_char_boundary(&self.text, offset.min(self.text.len()));
        let before = &self.text[..offset];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let col = self.text[line_start..offset].chars().count() + 1;
        (line, col)
    }

    /// A diagnostic pointing at `span` (byte range) in this file.
    pub fn at(&self, span: Range<usize>, message: impl Into<String>) -> Diagnostic {
        let (line, col) = self.line_col(span.start);
        let line_text = self.text.lines().nth(line - 1).unwrap_or("").to_string();
        let end = floor_char_boundary(&self.text, span.end.min(self.text.len()));
        let start = floor_char_boundary(&self.text, span.start.min(end));
        // Mark at most the rest of the first line of the span.
        let marked = self.text[start..end].lines().next().unwrap_or("");
        let width = marked.chars().count();
        let rest_of_line = line_text.chars().count().saturating_sub(col - 1);
        Diagnostic {
            path: self.path.clone(),
            line,
            col,
            message: message.into(),
            help: None,
            source_line: Some((line_text.replace('\t', " "), width.min(rest_of_line))),
        }
    }

    /// A diagnostic at a 1-based line and column (for JSON errors and templates).
    pub fn at_line_col(&self, line: usize, col: usize, message: impl Into<String>) -> Diagnostic {
        let mut offset = self.text.len();
        let mut seen = 0;
        for (i, l) in self.text.split_inclusive('\n').enumerate() {
            if i + 1 == line {
                let col_bytes: usize = l
                    .chars()
                    .take(col.saturating_sub(1))
                    .map(char::len_utf8)
                    .sum();
                offset = seen + col_bytes;
                break;
            }
            seen += l.len();
        }
        let end = (offset + 1).min(self.text.len());
        self.at(offset..end.max(offset), message)
    }

    /// Turns a TOML parse/deserialise error into a diagnostic with a helpful hint.
    pub fn toml_error(&self, err: &toml::de::Error) -> Diagnostic {
        let message = err.message().trim().to_string();
        let mut d = match err.span() {
            Some(span) => self.at(span, message.clone()),
            None => Diagnostic::file(self.path.clone(), message.clone()),
        };
        d.help = Some(toml_help(
            &message,
            d.source_line.as_ref().map(|(l, _)| l.as_str()),
        ));
        d
    }
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// The closest of `candidates` to `word`, if it is close enough to be a likely typo.
pub fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (strsim::jaro_winkler(word, c), c))
        .filter(|(score, _)| *score > 0.7)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

/// Names listed in serde's "expected one of `a`, `b`" messages.
fn expected_names(message: &str) -> Vec<&str> {
    let Some(idx) = message.find("expected") else {
        return Vec::new();
    };
    message[idx..].split('`').skip(1).step_by(2).collect()
}

fn toml_help(message: &str, _line: Option<&str>) -> String {
    if let Some(rest) = message.strip_prefix("unknown field `") {
        let field = rest.split('`').next().unwrap_or("");
        let expected = expected_names(message);
        return match did_you_mean(field, expected.iter().copied()) {
            Some(s) => format!(
                "did you mean `{s}`? Unknown keys are errors because they are usually typos"
            ),
            None if expected.is_empty() => "remove this key: it is not part of the format".into(),
            None => format!("remove `{field}` or use one of: {}", expected.join(", ")),
        };
    }
    if let Some(rest) = message.strip_prefix("unknown variant `") {
        let variant = rest.split('`').next().unwrap_or("");
        let expected = expected_names(message);
        if let Some(s) = did_you_mean(variant, expected.iter().copied()) {
            return format!("did you mean `{s}`?");
        }
        return format!("use one of: {}", expected.join(", "));
    }
    if let Some(rest) = message.strip_prefix("missing field `") {
        let field = rest.split('`').next().unwrap_or("");
        return format!("add `{field} = ...` to this table");
    }
    if message.starts_with("invalid type") {
        return "change the value to the expected type (strings need quotes, numbers do not)"
            .into();
    }
    if message.contains("duplicate key") {
        return "each key may appear once per table; remove or rename one of them".into();
    }
    "fix the TOML syntax here; see https://toml.io for the format".into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_characters() {
        let s = Source::new("a.toml", "x = 1\nnäme = 2\n");
        assert_eq!(s.line_col(0), (1, 1));
        assert_eq!(s.line_col(6), (2, 1));
        // byte 9 is after "nä" (ä is two bytes)
        assert_eq!(s.line_col(9), (2, 3));
    }

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
    fn suggestions_for_typos() {
        assert_eq!(
            did_you_mean("treshold", ["threshold", "prompt"]),
            Some("threshold")
        );
        assert_eq!(did_you_mean("zzz", ["threshold", "prompt"]), None);
    }
}
