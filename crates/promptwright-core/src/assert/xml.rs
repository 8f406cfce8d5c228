//! `is-xml` and `contains-xml`: the output is (or holds) one well-formed XML element, and
//! optionally has the named elements, written as dotted paths from the root
//! (`analysis.classification`), as promptfoo's `requiredElements` are.

use roxmltree::{Document, Node};

use super::Check;

/// How many places `contains-xml` tries as the start of an element: an answer with
/// thousands of `<` is prose with comparisons in it, not XML worth searching for.
const MAX_STARTS: usize = 64;

/// Checks the whole output (`whole`) or the first XML element found in it.
pub(super) fn check(whole: bool, required: &[String], output: &str) -> Check {
    let expectation = match (whole, required.is_empty()) {
        (true, true) => "be well-formed XML".to_string(),
        (false, true) => "contain well-formed XML".to_string(),
        (true, false) => format!("be XML with {}", required.join(", ")),
        (false, false) => format!("contain XML with {}", required.join(", ")),
    };
    let parsed = if whole {
        Document::parse(output.trim()).map_err(|e| format!("it does not parse: {e}"))
    } else {
        find(output).ok_or_else(|| "no well-formed XML element was found".to_string())
    };
    let doc = match parsed {
        Ok(d) => d,
        Err(why) => return Check::new(false, expectation).observed(why),
    };
    let missing: Vec<&str> = required
        .iter()
        .filter(|path| !has_path(doc.root_element(), path))
        .map(String::as_str)
        .collect();
    if missing.is_empty() {
        Check::new(true, expectation)
    } else {
        Check::new(false, expectation).observed(format!("missing {}", missing.join(", ")))
    }
}

/// The first XML element inside `text`: from an opening tag to the last closing tag of
/// the same name (or a self-closing tag).
fn find(text: &str) -> Option<Document<'_>> {
    let starts = text
        .match_indices('<')
        .map(|(i, _)| i)
        .filter(|&i| {
            text[i + 1..]
                .chars()
                .next()
                .is_some_and(|c| c.is_alphabetic() || c == '_')
        })
        .take(MAX_STARTS);
    for start in starts {
        let rest = &text[start + 1..];
        let name_len = rest
            .find(|c: char| c.is_whitespace() || c == '>' || c == '/')
            .unwrap_or(rest.len());
        let name = &rest[..name_len];
        let close = format!("</{name}>");
        let end = match text[start..].rfind(&close) {
            Some(e) => start + e + close.len(),
            None => match text[start..].find("/>") {
                Some(e) => start + e + 2,
                None => continue,
            },
        };
        if let Ok(doc) = Document::parse(&text[start..end]) {
            return Some(doc);
        }
    }
    None
}

/// Whether `root` matches the path's first name and has the rest beneath it.
fn has_path(root: Node<'_, '_>, path: &str) -> bool {
    let mut names = path.split('.');
    if names.next() != Some(root.tag_name().name()) {
        return false;
    }
    let mut level = vec![root];
    for name in names {
        level = level
            .iter()
            .flat_map(|n| n.children())
            .filter(|c| c.is_element() && c.tag_name().name() == name)
            .collect();
        if level.is_empty() {
            return false;
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paths(p: &[&str]) -> Vec<String> {
        p.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn is_xml_takes_the_whole_output_only() {
        assert!(check(true, &[], "  <a><b>x</b></a>\n").ok);
        let c = check(true, &[], "Here: <a>x</a>");
        assert!(!c.ok);
        assert!(c.observed.unwrap().contains("does not parse"));
        assert!(!check(true, &[], "<a><b></a>").ok, "mismatched tags");
    }

    #[test]
    fn contains_xml_finds_an_element_in_prose() {
        assert!(check(false, &[], "Sure!\n<answer><v>4</v></answer>\nBye").ok);
        assert!(check(false, &[], "a < b and <br/> here").ok);
        assert!(!check(false, &[], "if a < b then c > d").ok);
        assert!(!check(false, &[], "<a><b></a>").ok);
    }

    #[test]
    fn required_elements_are_dotted_paths_from_the_root() {
        let xml = "<analysis><classification>spam</classification><score>1</score></analysis>";
        assert!(
            check(
                true,
                &paths(&["analysis.classification", "analysis.score"]),
                xml
            )
            .ok
        );
        let c = check(true, &paths(&["analysis.reason", "analysis.score"]), xml);
        assert!(!c.ok);
        assert_eq!(c.observed.as_deref(), Some("missing analysis.reason"));
        assert!(
            !check(true, &paths(&["classification"]), xml).ok,
            "paths start at the root"
        );
        assert!(check(false, &paths(&["analysis.score"]), &format!("ok: {xml}")).ok);
    }

    #[test]
    fn starts_are_bounded() {
        let noise = "<x ".repeat(10_000);
        assert!(!check(false, &[], &format!("{noise}<a>1</a>")).ok);
    }
}
