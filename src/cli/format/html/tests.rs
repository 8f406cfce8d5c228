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

#[test]
fn the_latency_picture_marks_p50_and_p95_where_they_fall() {
    let latencies: Vec<u64> = (1..=100).collect();
    let pic = svg::latency(&latencies, Some(50), Some(95));
    // 420 units wide, 100 ms the slowest: p50 at 210, p95 at 399.
    assert!(pic.contains("class=\"p50\" x1=\"210.0\""), "{pic}");
    assert!(pic.contains("class=\"p95\" x1=\"399.0\""), "{pic}");
    assert!(pic.contains(">p50 50 ms<") && pic.contains(">p95 95 ms<"));
    assert_eq!(pic.matches("<rect class=\"bar\"").count(), 24);
    assert!(svg::latency(&[], None, None).contains("no answers to time"));
}

#[test]
fn bars_escape_their_labels_and_say_what_they_leave_out() {
    let many: Vec<svg::Bar> = (0..45)
        .map(|i| svg::Bar {
            label: format!("<s{i}>"),
            share: 0.5,
            value: "50%".into(),
        })
        .collect();
    let pic = svg::bars("t", &many, "bar");
    assert!(pic.contains("&lt;s0&gt;") && !pic.contains("<s0>"));
    assert!(pic.contains("and 5 more"));
}

#[test]
fn the_trend_draws_each_version_and_the_draft_apart() {
    let point = |label: &str, rate, draft| svg::Point {
        label: label.into(),
        rate,
        draft,
    };
    let pic = svg::trend(&[
        point("v1", 1.0, false),
        point("v2", 0.5, false),
        point("draft", 0.75, true),
    ]);
    assert_eq!(pic.matches("class=\"dot\"").count(), 2);
    assert_eq!(pic.matches("class=\"draft\"").count(), 1);
    assert!(pic.contains(">v1</text>") && pic.contains(">draft</text>"));
    assert!(pic.contains("<title>v2 50.0%</title>"));
}
