//! TOML and serde errors in the words of the file formats: a position that points at
//! the real mistake, the Rust type names replaced, and a `help:` line with an example.

use crate::vocab::{Diagnostic, Source, did_you_mean};

impl Source {
    /// Turns a TOML parse/deserialise error into a diagnostic with a helpful hint.
    pub fn toml_error(&self, err: &toml::de::Error) -> Diagnostic {
        if let Some(d) = self
            .unclosed_multiline(err)
            .or_else(|| self.key_too_deep(err))
        {
            return d;
        }
        let message = humanize(err.message().trim(), "table");
        let mut d = match err.span() {
            Some(span) => self.at(span, message.clone()),
            None => Diagnostic::file(self.path.clone(), message.clone()),
        };
        // toml reports a key missing from the top-level table with an empty span at 0
        // (and from any other table with the span of its header).
        let at_top = err.span().is_none_or(|s| s.is_empty() && s.start == 0);
        let line = d.source_line.as_ref().map(|(l, _)| l.as_str());
        d.help = Some(field_help(&message, at_top, line).unwrap_or_else(|| {
            "fix the TOML syntax here; see https://toml.io for the format".into()
        }));
        if unknown_field(&message).is_some_and(looks_secret) {
            d = d.redact_value();
        }
        d
    }
}

impl Source {
    /// toml reports a multi-line string that is never closed at the end of the file,
    /// where nothing is wrong: point at the opening quotes instead. Strings before it are
    /// closed, so the unclosed one opens at the last delimiter in the file.
    fn unclosed_multiline(&self, err: &toml::de::Error) -> Option<Diagnostic> {
        let delimiter = match err.message() {
            m if m.contains("invalid multi-line basic string") => "\"\"\"",
            m if m.contains("invalid multi-line literal string") => "'''",
            _ => return None,
        };
        let at_end = err.span()?.start >= self.text.trim_end().len();
        let open = self.text.rfind(delimiter).filter(|_| at_end)?;
        let mut d = self.at(
            open..open + 3,
            format!("this multi-line string is never closed with {delimiter}"),
        );
        d.help = Some(format!(
            "end the text with {delimiter} (everything after the opening {delimiter} is inside the string until then)"
        ));
        Some(d)
    }
}

impl Source {
    /// toml refuses a dotted key of 80 parts or more with no position: find it.
    fn key_too_deep(&self, err: &toml::de::Error) -> Option<Diagnostic> {
        if err.span().is_some() || err.message().trim() != "recursion limit" {
            return None;
        }
        let (n, line, parts) = self
            .text
            .lines()
            .enumerate()
            .map(|(i, l)| {
                let key = l.split('=').next().unwrap_or(l);
                (i + 1, l, key.matches('.').count() + 1)
            })
            .find(|(_, _, parts)| *parts >= 80)?;
        let col = line.chars().take_while(|c| c.is_whitespace()).count() + 1;
        let mut d = self.at_line_col(
            n,
            col,
            format!("this key nests {parts} tables deep; at most 79 are read"),
        );
        d.help = Some("use fewer levels of nesting".into());
        Some(d)
    }
}

/// Names listed in serde's "expected one of `a`, `b`" messages.
fn expected_names(message: &str) -> Vec<&str> {
    let Some(idx) = message.find("expected") else {
        return Vec::new();
    };
    message[idx..].split('`').skip(1).step_by(2).collect()
}

/// Rust type names in serde messages, and the words of the file formats for them
/// (`{map}`: "table" in TOML, "object" in JSON).
const TYPE_WORDS: &[(&str, &str)] = &[
    ("expected f64", "expected a number"),
    ("expected f32", "expected a number"),
    ("expected u8", "expected a whole number from 0 to 255"),
    ("expected u16", "expected a whole number from 0 to 65535"),
    (
        "expected u32",
        "expected a whole number from 0 to 4294967295",
    ),
    ("expected u64", "expected a whole number of 0 or more"),
    ("expected usize", "expected a whole number of 0 or more"),
    ("expected i32", "expected a whole number"),
    ("expected i64", "expected a whole number"),
    ("expected a map", "expected {a map}"),
    ("expected a sequence", "expected an array"),
    ("invalid type: map", "invalid type: {map}"),
    ("invalid type: sequence", "invalid type: array"),
];

/// Rewrites serde's `expected f64` or `invalid type: map` in the words a person uses;
/// `map_word` names a map: "table" for TOML, "object" for JSON.
pub(crate) fn humanize(message: &str, map_word: &str) -> String {
    let mut out = message.to_string();
    for (rust, words) in TYPE_WORDS {
        let article = if map_word.starts_with(['a', 'e', 'i', 'o', 'u']) {
            "an"
        } else {
            "a"
        };
        let words = &words
            .replace("{a map}", &format!("{article} {map_word}"))
            .replace("{map}", map_word);
        let mut result = String::new();
        let mut rest = out.as_str();
        while let Some(i) = rest.find(rust) {
            let after = &rest[i + rust.len()..];
            let whole_word = !after.starts_with(|c: char| c.is_alphanumeric() || c == '_');
            result.push_str(&rest[..i]);
            result.push_str(if whole_word { words } else { rust });
            rest = after;
        }
        result.push_str(rest);
        out = result;
    }
    out
}

/// The key named by an `unknown field `X`` message.
pub(crate) fn unknown_field(message: &str) -> Option<&str> {
    message.strip_prefix("unknown field `")?.split('`').next()
}

/// Whether a key's name suggests it holds a secret that must not be echoed.
fn looks_secret(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    ["key", "token", "secret", "password"]
        .iter()
        .any(|w| k.contains(w))
}

/// An example for a required key, to show in `help:` when it is missing.
fn example(field: &str) -> String {
    match field {
        "workspace" => "a [workspace] table with name = \"my-workspace\"".into(),
        "name" => "name = \"my-workspace\"".into(),
        "kind" => "kind = \"echo\" (or openai, anthropic, replay)".into(),
        "prompt" => "prompt = \"NAME\", naming the file prompts/NAME.toml".into(),
        "role" => "role = \"user\" (or system, assistant)".into(),
        "content" => "content = \"...\"".into(),
        "type" => "type = \"contains\" (see the assertion types in the docs)".into(),
        "provider" => "provider = \"NAME\", naming a [providers.NAME] table".into(),
        other => format!("`{other} = ...`"),
    }
}

/// A `help:` for the serde messages shared by TOML files and JSONL datasets: unknown
/// keys and variants, missing keys, wrong types. `None` when the message is none of them.
/// `at_top`: the problem concerns the top-level table; `line`: the source line.
pub(crate) fn field_help(message: &str, at_top: bool, line: Option<&str>) -> Option<String> {
    if let Some(field) = unknown_field(message) {
        let expected = expected_names(message);
        if looks_secret(field) && expected.contains(&"api_key_env") {
            return Some(
                "keys never go in files: put the key in an environment variable and name that \
                 variable with api_key_env, e.g. api_key_env = \"OPENAI_API_KEY\""
                    .into(),
            );
        }
        return Some(match did_you_mean(field, expected.iter().copied()) {
            Some(s) => format!(
                "did you mean `{s}`? Unknown keys are errors because they are usually typos"
            ),
            None if expected.is_empty() => "remove this key: it is not part of the format".into(),
            None => format!("remove `{field}` or use one of: {}", expected.join(", ")),
        });
    }
    if let Some(rest) = message.strip_prefix("unknown variant `") {
        let variant = rest.split('`').next().unwrap_or("");
        let expected = expected_names(message);
        if let Some(s) = did_you_mean(variant, expected.iter().copied()) {
            return Some(format!("did you mean `{s}`?"));
        }
        return Some(format!("use one of: {}", expected.join(", ")));
    }
    if let Some(rest) = message.strip_prefix("missing field `") {
        let field = rest.split('`').next().unwrap_or("");
        let example = example(field);
        return Some(if at_top {
            format!("at the top of the file, before any [table], add {example}")
        } else {
            format!("add to this table: {example}")
        });
    }
    if message.starts_with("invalid type") {
        // `[x]` written where `[[x]]` (an array of tables) is expected, or the reverse.
        let header = line.map(str::trim).filter(|l| l.starts_with('['));
        if let Some(h) = header {
            let name = h
                .trim_start_matches('[')
                .split(']')
                .next()
                .unwrap_or("")
                .trim();
            if message.starts_with("invalid type: table, expected an array") {
                return Some(format!(
                    "write [[{name}]] with double brackets: it is a list, and each [[{name}]] adds an entry"
                ));
            }
            if message.starts_with("invalid type: array, expected a table") {
                return Some(format!(
                    "write [{name}] with single brackets: there is only one"
                ));
            }
        }
        return Some(
            "change the value to the expected type (strings need quotes, numbers do not)".into(),
        );
    }
    if message.starts_with("invalid value") {
        return Some("the value has the right type but is out of range; use one that fits".into());
    }
    if message.contains("duplicate key") {
        return Some("each key may appear once per table; remove or rename one of them".into());
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unclosed_multiline_string_points_at_its_opening_quotes() {
        for (q, text) in [
            (
                "\"\"\"",
                "model = \"m\"\n[[messages]]\nrole = \"system\"\ncontent = \"\"\"\nBe brief.\n\n",
            ),
            ("'''", "a = '''x'''\nb = '''\nnever closed\n"),
        ] {
            let s = Source::new("prompts/p.toml", text);
            let err = toml::from_str::<toml::Table>(text).unwrap_err();
            let d = s.toml_error(&err);
            let (line, col) = if q == "\"\"\"" { (4, 11) } else { (2, 5) };
            assert_eq!((d.line, d.col), (line, col), "{d}");
            assert!(d.message.contains("never closed"), "{d}");
            assert!(d.help.as_deref().unwrap().contains(q), "{d}");
        }
        // Other string errors keep toml's own position.
        let text = "a = \"\"\"ok\"\"\"\nb = \"\\q\"\n";
        let err = toml::from_str::<toml::Table>(text).unwrap_err();
        assert_eq!(Source::new("p.toml", text).toml_error(&err).line, 2);
    }

    #[test]
    fn a_key_nested_too_deep_is_found_by_line() {
        let deep = vec!["a"; 500].join(".");
        for text in [
            format!("[workspace]\nname = \"w\"\n\n[{deep}]\nx = 1\n"),
            format!("x = 1\n{deep} = 2\n\n"),
        ] {
            let err = toml::from_str::<toml::Table>(&text).unwrap_err();
            let d = Source::new("workspace.toml", text.as_str()).toml_error(&err);
            let line = text.lines().position(|l| l.contains("a.a")).unwrap() + 1;
            assert_eq!((d.line, d.col), (line, 1), "{d}");
            assert!(d.message.contains("500 tables deep"), "{d}");
        }
    }
}
