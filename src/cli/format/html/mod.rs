//! The self-contained HTML report of `eval` and `gate`: one file with its style, script,
//! data and pictures inside, so a reviewer opens it from disk with no server and no
//! network. The summary, verdict, charts and diffs are written here as HTML; the case
//! table is drawn by the page's script from one JSON block, a page of rows at a time,
//! so a report of 10,000 cases opens at once.
//!
//! Safety: every text from a run goes through [`esc`] (HTML) or [`script_json`] (the
//! data block); the script only ever sets `textContent`. The Content-Security-Policy
//! allows nothing but this page's own style and script, named by their hashes.

mod cases;
mod eval;
mod gate;
mod svg;

use std::fmt::Write as _;

use base64::Engine as _;
use sha2::{Digest, Sha256};

pub use cases::PromptOf;
pub use eval::write as write_eval;
pub use gate::{GateReport, render as render_gate};

const CSS: &str = include_str!("assets/report.css");
const JS: &str = include_str!("assets/report.js");

/// Escapes text for HTML content and quoted attribute values.
pub(crate) fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// JSON safe inside a `<script>` element: `<`, `>` and `&` become `\u` escapes (so no
/// `</script>` or `<!--` can end the block early), as do U+2028/9. All of these occur
/// only inside JSON strings, where the escapes mean the same characters.
pub(crate) fn script_json(json: &str) -> String {
    let mut out = String::with_capacity(json.len() + json.len() / 16);
    for ch in json.chars() {
        match ch {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out
}

/// `'sha256-…'`: a CSP source allowing exactly this inline element's text.
fn csp_hash(text: &str) -> String {
    let digest = Sha256::digest(text.as_bytes());
    format!(
        "'sha256-{}'",
        base64::engine::general_purpose::STANDARD.encode(digest)
    )
}

/// The policy: nothing from anywhere (no network, no plug-ins, no forms, no base URL),
/// except the page's one style element and one script element.
pub(crate) fn csp() -> String {
    format!(
        "default-src 'none'; style-src {}; script-src {}; base-uri 'none'; form-action 'none'",
        csp_hash(CSS),
        csp_hash(JS)
    )
}

/// The page around `body` (already escaped HTML), with the case data and the script.
/// `filters` are the extra status filters (`regression`, `fix`) the gate report offers.
pub(crate) fn page(title: &str, body: &str, data_json: &str, filters: &[&str]) -> String {
    let mut out = String::with_capacity(body.len() + data_json.len() + CSS.len() + JS.len() + 4096);
    let _ = write!(
        out,
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"{csp}\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"color-scheme\" content=\"light dark\">\n\
         <meta name=\"generator\" content=\"promptwright {version}\">\n\
         <title>{title}</title>\n<style>{CSS}</style>\n</head>\n<body>\n{body}",
        csp = csp(),
        version = env!("CARGO_PKG_VERSION"),
        title = esc(title),
    );
    out.push_str(&case_table(filters));
    out.push_str("<script type=\"application/json\" id=\"pw-data\">");
    out.push_str(&script_json(data_json));
    out.push_str("</script>\n<script>");
    out.push_str(JS);
    out.push_str("</script>\n</body>\n</html>\n");
    out
}

/// The case table's frame; its rows come from the script.
fn case_table(filters: &[&str]) -> String {
    let mut options = String::from("<option value=\"all\">all statuses</option>");
    for f in ["pass", "fail", "error"].iter().chain(filters) {
        let _ = write!(options, "<option value=\"{f}\">{f}</option>");
    }
    format!(
        "<section id=\"cases\">\n<h2>Cases</h2>\n\
         <div class=\"controls\"><label>Status <select id=\"f-status\">{options}</select></label>\
         <input type=\"search\" id=\"f-q\" placeholder=\"Search ids, outputs, reasons, variables\" aria-label=\"Search cases\">\
         <span id=\"case-info\" class=\"muted\"></span></div>\n\
         <noscript><p>The case table needs JavaScript; everything above it is complete without.</p></noscript>\n\
         <table id=\"case-table\"><thead><tr><th>status</th><th>suite</th><th>case</th><th>why</th><th>output</th>\
         <th class=\"num\">latency</th><th class=\"num\">cost</th></tr></thead><tbody id=\"case-rows\"></tbody></table>\n\
         <div class=\"controls pager\"><button id=\"p-prev\" type=\"button\">‹ previous</button>\
         <button id=\"p-next\" type=\"button\">next ›</button></div>\n</section>\n"
    )
}

/// One labelled number of a summary.
pub(crate) fn card(out: &mut String, value: &str, label: &str) {
    let _ = write!(
        out,
        "<div class=\"card\"><b>{}</b><span>{}</span></div>",
        esc(value),
        esc(label)
    );
}

#[cfg(test)]
mod tests;
