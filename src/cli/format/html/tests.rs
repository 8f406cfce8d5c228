use super::*;

#[test]
fn script_json_cannot_end_its_block_and_means_the_same() {
    let hostile = "</script><script>alert(1)</script><!-- & \u{2028}\u{2029}";
    let json = serde_json::to_string(&serde_json::json!({ "o": hostile })).unwrap();
    let safe = script_json(&json);
    for bad in ["<", ">", "&", "\u{2028}", "\u{2029}"] {
        assert!(!safe.contains(bad), "{bad:?} left in {safe}");
    }
    let back: serde_json::Value = serde_json::from_str(&safe).unwrap();
    assert_eq!(back["o"], hostile);
}

#[test]
fn esc_escapes_markup_and_quotes() {
    assert_eq!(
        esc("<a href=\"x\" title='y'>&</a>"),
        "&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;"
    );
}

#[test]
fn the_policy_names_exactly_the_style_and_script_the_page_holds() {
    let html = page("t", "<p>body</p>", "{\"cases\":[]}", &[]);
    let inner = |open: &str| {
        let start = html.find(open).unwrap() + open.len();
        &html[start..start + html[start..].find("</").unwrap()]
    };
    let policy = csp();
    assert!(policy.starts_with("default-src 'none'"));
    assert!(policy.contains(&csp_hash(inner("<style>"))));
    assert!(policy.contains(&csp_hash(inner("<script>"))));
    assert!(html.contains(&format!("content=\"{policy}\"")));
    // The gate's extra filters are offered; nothing else is.
    assert!(!html.contains("value=\"regression\""));
    let gate = page("t", "", "{}", &["regression", "fix"]);
    assert!(gate.contains("<option value=\"regression\">"));
}
