//! A file's text and the positions in it: byte offsets to `line:col`, and diagnostics
//! at a span. Positions come from a line index built once per file, so a file with a
//! hundred thousand cases costs one pass, not one pass per case.

use std::ops::Range;
use std::path::Path;
use std::sync::OnceLock;

use super::Diagnostic;

/// A file's text with its display path, to turn byte spans into diagnostics. The text
/// is read-only once made: the line index describes it.
#[derive(Debug, Clone)]
pub struct Source {
    pub path: String,
    pub text: String,
    /// Byte offset of the start of every line, built on the first position asked for.
    line_starts: OnceLock<Vec<usize>>,
}

/// Why a file could not be read as text.
#[derive(Debug)]
pub enum ReadError {
    Io(std::io::Error),
    /// Not UTF-8: a diagnostic at the first offending byte.
    NotUtf8(Box<Diagnostic>),
}

impl Source {
    pub fn new(path: impl Into<String>, text: impl Into<String>) -> Self {
        Source {
            path: path.into(),
            text: text.into(),
            line_starts: OnceLock::new(),
        }
    }

    /// Reads a text file shown as `shown`. A leading byte-order mark is dropped (Windows
    /// editors write one); bytes that are not UTF-8 are an error at their line and
    /// column, so a stray Latin-1 byte can be found and fixed.
    pub fn read(path: &Path, shown: impl Into<String>) -> Result<Source, ReadError> {
        let shown = shown.into();
        let bytes = std::fs::read(path).map_err(ReadError::Io)?;
        Ok(Source::new(shown.clone(), text_of(bytes, &shown, 1)?))
    }

    fn line_starts(&self) -> &[usize] {
        self.line_starts.get_or_init(|| {
            scanned(self.text.len());
            std::iter::once(0)
                .chain(self.text.match_indices('\n').map(|(i, _)| i + 1))
                .collect()
        })
    }

    /// The text of 1-based line `line` without its line ending ("" past the end).
    fn line_text(&self, line: usize) -> &str {
        let starts = self.line_starts();
        let Some(&start) = starts.get(line.wrapping_sub(1)) else {
            return "";
        };
        let end = starts.get(line).map_or(self.text.len(), |next| next - 1);
        scanned(end - start);
        let text = &self.text[start..end];
        if end < self.text.len() {
            text.strip_suffix('\r').unwrap_or(text)
        } else {
            text
        }
    }

    /// 1-based line and character column of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = floor_char_boundary(&self.text, offset.min(self.text.len()));
        let starts = self.line_starts();
        // The last line starting at or before `offset`.
        let line = starts.partition_point(|s| *s <= offset);
        scanned(offset - starts[line - 1]);
        let col = self.text[starts[line - 1]..offset].chars().count() + 1;
        (line, col)
    }

    /// A diagnostic pointing at `span` (byte range) in this file.
    pub fn at(&self, span: Range<usize>, message: impl Into<String>) -> Diagnostic {
        let (line, col) = self.line_col(span.start);
        let line_text = self.line_text(line);
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
        let offset = match self.line_starts().get(line.wrapping_sub(1)) {
            Some(&start) => {
                let in_line: usize = self.text[start..]
                    .chars()
                    .take_while(|c| *c != '\n')
                    .take(col.saturating_sub(1))
                    .map(char::len_utf8)
                    .sum();
                scanned(in_line);
                start + in_line
            }
            None => self.text.len(),
        };
        let end = (offset + 1).min(self.text.len());
        self.at(offset..end.max(offset), message)
    }
}

/// A diagnostic at `col` of a line read on its own: line `line` of the file shown as
/// `path`, whose text is `text` (for files read a line at a time).
pub fn at_line(
    path: &str,
    line: usize,
    text: &str,
    col: usize,
    message: impl Into<String>,
) -> Diagnostic {
    let mut d = Source::new(path, text).at_line_col(1, col, message);
    d.line = line;
    d
}

/// `bytes` as text; bytes that are not UTF-8 are an error at their line and column.
/// `first_line` numbers the first line of `bytes` (they may be one line of a file read
/// a line at a time); at line 1, the start of the file, a byte-order mark is dropped.
pub fn text_of(bytes: Vec<u8>, shown: &str, first_line: usize) -> Result<String, ReadError> {
    match String::from_utf8(bytes) {
        Ok(text) => Ok(match text.strip_prefix('\u{feff}') {
            Some(rest) if first_line == 1 => rest.to_string(),
            _ => text,
        }),
        Err(e) => {
            let mut d = not_utf8(
                shown.to_string(),
                e.as_bytes(),
                e.utf8_error().valid_up_to(),
            );
            d.line += first_line - 1;
            Err(ReadError::NotUtf8(Box::new(d)))
        }
    }
}

/// The diagnostic for a file whose byte at `offset` is not UTF-8.
fn not_utf8(path: String, bytes: &[u8], offset: usize) -> Diagnostic {
    // A byte-order mark is not shown, nor counted in the column.
    let bom = if bytes.starts_with(b"\xef\xbb\xbf") {
        3
    } else {
        0
    };
    let line_start = bytes[..offset]
        .iter()
        .rposition(|b| *b == b'\n')
        .map_or(bom, |i| i + 1);
    let line = bytes[..offset].iter().filter(|b| **b == b'\n').count() + 1;
    let line_end = bytes[offset..]
        .iter()
        .position(|b| *b == b'\n')
        .map_or(bytes.len(), |i| offset + i);
    // The bytes before it on its line are valid UTF-8 (it is the first invalid one).
    let col = String::from_utf8_lossy(&bytes[line_start..offset])
        .chars()
        .count()
        + 1;
    let text = String::from_utf8_lossy(&bytes[line_start..line_end])
        .trim_end_matches('\r')
        .replace('\t', " ");
    let utf16 = bytes.starts_with(&[0xff, 0xfe]) || bytes.starts_with(&[0xfe, 0xff]);
    Diagnostic {
        path,
        line,
        col,
        message: format!("the file is not UTF-8 text (byte 0x{:02X})", bytes[offset]),
        help: Some(if utf16 {
            "the file looks like UTF-16 (as PowerShell's `>` writes it): save it as UTF-8".into()
        } else {
            "save the file as UTF-8; this byte is likely Latin-1 or Windows-1252".into()
        }),
        source_line: Some((text, 1)),
    }
}

#[cfg(test)]
thread_local! {
    /// Bytes of source text visited to compute positions, on this thread: tests check
    /// that loading stays linear by counting work rather than timing it.
    pub(crate) static SCANNED: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

fn scanned(_bytes: usize) {
    #[cfg(test)]
    SCANNED.with(|s| s.set(s.get() + _bytes));
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
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
        // The end of the text is the start of the empty last line.
        assert_eq!(s.line_col(100), (3, 1));
    }

    #[test]
    fn positions_agree_with_a_plain_scan() {
        let text = "a = 1\r\n\nb = \"é\"\n\tc = [1,\n  2]\nlast";
        let s = Source::new("f.toml", text);
        for offset in 0..=text.len() + 2 {
            let o = floor_char_boundary(text, offset.min(text.len()));
            let before = &text[..o];
            let line = before.matches('\n').count() + 1;
            let start = before.rfind('\n').map_or(0, |i| i + 1);
            let col = text[start..o].chars().count() + 1;
            assert_eq!(s.line_col(offset), (line, col), "offset {offset}");
            let d = s.at(offset..offset + 1, "m");
            let shown = text.lines().nth(line - 1).unwrap_or("").replace('\t', " ");
            assert_eq!(d.source_line.unwrap().0, shown, "offset {offset}");
        }
        for (line, col) in [(1, 1), (1, 4), (3, 6), (4, 2), (6, 5), (7, 1), (9, 9)] {
            let d = s.at_line_col(line, col, "m");
            let expected = if line <= 6 { (line, col) } else { (6, 5) };
            assert_eq!((d.line, d.col), expected, "{line}:{col}");
        }
    }

    #[test]
    fn a_line_read_on_its_own_keeps_its_file_line() {
        let d = at_line("data.jsonl", 41, "{\"id\": 1}", 8, "bad id");
        assert_eq!((d.line, d.col), (41, 8));
        assert_eq!(d.source_line.unwrap().0, "{\"id\": 1}");
        let Err(ReadError::NotUtf8(d)) = text_of(b"ok \xff".to_vec(), "data.jsonl", 7) else {
            panic!("not UTF-8 is an error");
        };
        assert_eq!((d.line, d.col), (7, 4));
    }
}
