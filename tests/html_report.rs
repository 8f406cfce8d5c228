//! The HTML report in a real browser: reports of real runs (the offline echo provider)
//! loaded in headless Chromium, and what is on the page checked after the script ran.
// A panic is the report.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::Path;
use std::time::Instant;

use common::browser::{self, count};
use common::{code, run_in, stderr, write};

/// Echo answers with the rendered messages, so a case's output holds its variables.
const WORKSPACE: &str = "[workspace]\nname = \"t\"\ndefault_provider = \"e\"\n\
[providers.e]\nkind = \"echo\"\n[gate]\nmin_pass_rate = 0.0\n";
const PROMPT: &str = "[[messages]]\nrole = \"user\"\ncontent = \"About {{ topic }}: {{ note }}\"\n";

/// A pass, a failing refund case, and a case whose output carries markup that would
/// change the page's title if it ever ran.
const SUITE: &str = r#"prompt = "p"
[[cases]]
id = "refund-ok"
vars = { topic = "refund", note = "fine" }
[[cases.assert]]
type = "contains"
value = "refund"
[[cases]]
id = "refund-late"
vars = { topic = "refund window", note = "late" }
[[cases.assert]]
type = "contains"
value = "30 days"
[[cases]]
id = "hostile"
vars = { topic = "markup", note = "<script>document.title='pwned'</script><img src=x onerror=\"document.title='pwned'\"></script><script>document.title='pwned'</script>" }
[[cases.assert]]
type = "contains"
value = "markup"
"#;

fn workspace(dir: &Path) {
    write(dir, "workspace.toml", WORKSPACE);
    write(dir, "prompts/p.toml", PROMPT);
    write(dir, "evals/s.toml", SUITE);
}

fn title(dom: &str) -> &str {
    let start = dom.find("<title>").unwrap() + "<title>".len();
    &dom[start..start + dom[start..].find("</title>").unwrap()]
}

fn assert_quiet(page: &browser::Page) {
    assert!(page.console.is_empty(), "console: {:#?}", page.console);
}

#[test]
fn html_needs_an_output_file() {
    let dir = tempfile::tempdir().unwrap();
    workspace(dir.path());
    for args in [
        &["eval", "--format", "html"][..],
        &["gate", "p", "--format", "html"][..],
    ] {
        let o = run_in(dir.path(), args);
        assert_eq!(code(&o), 2, "{args:?}: {}", stderr(&o));
        assert!(
            stderr(&o).contains("--format html needs -o FILE"),
            "{}",
            stderr(&o)
        );
        assert!(stderr(&o).contains("help: "), "{}", stderr(&o));
        assert!(o.stdout.is_empty());
        assert!(
            !dir.path().join(".promptwright/runs").exists(),
            "nothing ran"
        );
    }
}

#[test]
fn eval_report_filters_searches_and_shows_hostile_output_as_text() {
    let dir = tempfile::tempdir().unwrap();
    workspace(dir.path());
    let report = dir.path().join("report.html");
    let o = run_in(
        dir.path(),
        &["eval", "--format", "html", "-o", "report.html"],
    );
    assert_eq!(code(&o), 1, "a case fails: {}", stderr(&o));
    let html = std::fs::read_to_string(&report).unwrap();
    // Self-contained: the page (its data block aside, which is never markup) names
    // nothing to fetch from anywhere.
    let data = html.find("<script type=\"application/json\"").unwrap();
    let page = format!(
        "{}{}",
        &html[..data],
        &html[data + html[data..].find("</script>").unwrap()..]
    );
    let svg_ns = count(&page, "xmlns=\"http://www.w3.org/2000/svg\"");
    assert!(svg_ns > 0);
    assert_eq!(count(&page, "http://"), svg_ns, "only the SVG namespace");
    for outside in [
        "src=", "href=", "https://", "@import", "url(", "<link", "<img", "<iframe",
    ] {
        assert_eq!(count(&page, outside), 0, "`{outside}` in the report");
    }
    assert!(html.contains("Content-Security-Policy"));
    assert!(html.contains("default-src 'none'"));
    // Only the two script elements of the page end; the data block cannot be cut short.
    assert_eq!(count(&html, "</script>"), 2);

    let Some(chromium) = browser::chromium() else {
        return;
    };
    let page = browser::load(&chromium, &report, "filter=fail&q=refund");
    assert_quiet(&page);
    assert_eq!(title(&page.dom), "promptwright eval · p");
    assert_eq!(count(&page.dom, "<tr class=\"case\""), 1, "{}", page.dom);
    assert!(page.dom.contains("refund-late"));
    assert!(page.dom.contains("expected output to contain \"30 days\""));
    assert!(
        !page.dom.contains(">refund-ok<"),
        "a passing case is filtered out"
    );
    assert!(page.dom.contains("Cases 1–1 of 1 matching (3 in all)."));
    assert!(page.dom.contains("pass rate"));
    assert!(page.dom.contains("66.7%") || page.dom.contains("33.3%"));
    // Pictures drawn by the page itself.
    assert!(page.dom.contains("Pass rate per suite"));
    assert!(page.dom.contains("p50"));

    // The hostile case, opened: its output, variables and message shown as text, and
    // nothing in them ran (the title would say so).
    let page = browser::load(&chromium, &report, "q=pwned&open=first");
    assert_quiet(&page);
    assert_eq!(title(&page.dom), "promptwright eval · p");
    assert_eq!(count(&page.dom, "<tr class=\"case\""), 1);
    assert!(
        page.dom
            .contains("&lt;script&gt;document.title='pwned'&lt;/script&gt;")
    );
    assert!(
        !page.dom.contains("<img"),
        "markup from an output became an element"
    );
    assert!(page.dom.contains("Messages sent"));
    assert!(page.dom.contains("About markup: &lt;script&gt;"));
    assert!(page.dom.contains("Variables"));
}

#[test]
fn gate_report_shows_the_verdict_regressions_side_by_side_and_the_trend() {
    let dir = tempfile::tempdir().unwrap();
    workspace(dir.path());
    let o = run_in(dir.path(), &["release", "p", "--note", "first"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    // The draft drops the topic: `refund-ok` no longer says "refund".
    write(
        dir.path(),
        "prompts/p.toml",
        "[[messages]]\nrole = \"user\"\ncontent = \"About {{ topic | replace('refund', 'money') }}: {{ note }}\"\n",
    );
    let report = dir.path().join("gate.html");
    let o = run_in(
        dir.path(),
        &["gate", "p", "--format", "html", "-o", "gate.html"],
    );
    assert_eq!(code(&o), 1, "a regression blocks: {}", stderr(&o));
    assert!(stderr(&o).contains("BLOCKED"), "{}", stderr(&o));
    assert!(o.stdout.is_empty(), "the report went to the file");
    // -o takes every gate format, not only html.
    let o = run_in(
        dir.path(),
        &["gate", "p", "--format", "json", "-o", "gate.json"],
    );
    assert_eq!(code(&o), 1);
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("gate.json")).unwrap()).unwrap();
    assert_eq!(json["passed"], false);
    assert_eq!(json["regressions"].as_array().unwrap().len(), 1);

    let Some(chromium) = browser::chromium() else {
        return;
    };
    let page = browser::load(&chromium, &report, "filter=regression");
    assert_quiet(&page);
    let dom = &page.dom;
    let verdict = dom.find("class=\"verdict fail\"").expect("the verdict");
    assert!(
        verdict < dom.find("Checks").unwrap(),
        "the verdict comes first"
    );
    assert!(dom.contains("BLOCKED, 1 of"));
    assert!(dom.contains("max_regressions") && dom.contains("✗ fails"));
    assert!(dom.contains("Regressions (1)"));
    assert!(dom.contains("refund-ok"));
    // The two outputs side by side, the changed words marked on each side.
    assert!(dom.contains("<mark class=\"del\">"), "{dom}");
    assert!(dom.contains("<mark class=\"ins\">"));
    assert!(dom.contains("current release") && dom.contains("draft"));
    // The prompt diff and the trend over released versions.
    assert!(dom.contains("Prompt diff"));
    assert!(dom.contains("message 1 · user"));
    assert!(dom.contains("Pass rate across released versions"));
    assert!(dom.contains(">v1</text>"));
    // The case table, filtered to the regression.
    assert_eq!(count(dom, "<tr class=\"case\""), 1);
    assert!(dom.contains("Cases 1–1 of 1 matching"));
}

#[test]
fn ten_thousand_cases_open_and_filter_with_a_bounded_number_of_rows() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "workspace.toml", WORKSPACE);
    write(dir.path(), "prompts/p.toml", PROMPT);
    let mut lines = String::new();
    for i in 0..10_000 {
        // Every third case fails.
        let want = if i % 3 == 0 { "nope" } else { "About" };
        lines.push_str(&format!(
            "{{\"id\": \"c{i}\", \"vars\": {{\"topic\": \"t{i}\", \"note\": \"n\"}}, \"assert\": [{{\"type\": \"contains\", \"value\": \"{want}\"}}]}}\n"
        ));
    }
    write(dir.path(), "evals/data.jsonl", lines);
    write(
        dir.path(),
        "evals/big.toml",
        "prompt = \"p\"\ndataset = \"data.jsonl\"\n",
    );
    let report = dir.path().join("big.html");
    let o = run_in(dir.path(), &["eval", "--format", "html", "-o", "big.html"]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let size = std::fs::metadata(&report).unwrap().len();
    eprintln!("10,000-case report: {size} bytes");

    let Some(chromium) = browser::chromium() else {
        return;
    };
    let started = Instant::now();
    let page = browser::load(&chromium, &report, "filter=fail&q=c99");
    let wall = started.elapsed();
    assert_quiet(&page);
    // Rows are drawn a page at a time: the DOM never holds all 3,334 failures.
    let rows = count(&page.dom, "<tr class=\"case\"");
    assert!(rows > 0 && rows <= 100, "{rows} rows in the DOM");
    assert!(
        page.dom.contains("(10000 in all)"),
        "every case is in the data"
    );
    let attr = |name: &str| {
        let at = page.dom.find(&format!("{name}=\"")).unwrap() + name.len() + 2;
        page.dom[at..at + page.dom[at..].find('"').unwrap()].to_string()
    };
    eprintln!(
        "10,000 cases in Chromium: script ready in {} ms, filter applied in {} ms, whole load {} ms",
        attr("data-ready-ms"),
        attr("data-filter-ms"),
        wall.as_millis()
    );
}

/// Defence in depth: were markup ever to reach the page unescaped, the policy would still
/// stop it running or fetching, and the browser would say so on the console.
#[test]
fn the_content_security_policy_blocks_a_script_or_image_that_got_in() {
    let dir = tempfile::tempdir().unwrap();
    workspace(dir.path());
    let o = run_in(
        dir.path(),
        &["eval", "--format", "html", "-o", "report.html"],
    );
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let Some(chromium) = browser::chromium() else {
        return;
    };
    let html = std::fs::read_to_string(dir.path().join("report.html")).unwrap();
    let tampered = dir.path().join("tampered.html");
    std::fs::write(
        &tampered,
        html.replace(
            "</body>",
            "<script>document.title='ran'</script><img src=\"https://example.com/x.png\"></body>",
        ),
    )
    .unwrap();
    let page = browser::load(&chromium, &tampered, "");
    assert_eq!(title(&page.dom), "promptwright eval · p");
    let said = page.console.join("\n");
    assert!(said.contains("Content Security Policy"), "{said}");
    assert!(said.contains("example.com"), "{said}");
    // The page's own script still ran: it drew the rows.
    assert_eq!(count(&page.dom, "<tr class=\"case\""), 3);
}
