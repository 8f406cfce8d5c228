use std::collections::BTreeMap;

use serde_json::{Map, json};

use super::*;
use crate::store::{CaseResult, Status};
use crate::vocab::{Message, Role};
use crate::workspace::PromptDef;

fn msg(role: Role, content: &str) -> Message {
    Message::new(role, content.to_string())
}

fn def(messages: Vec<Message>) -> PromptDef {
    PromptDef {
        description: None,
        provider: None,
        model: Some("m".into()),
        params: BTreeMap::new(),
        messages,
        ..PromptDef::default()
    }
}

/// A line's changed pieces, for asserting on word spans.
fn changed(line: &Line) -> Vec<&str> {
    line.segments()
        .filter(|(_, c)| *c)
        .map(|(s, _)| s)
        .collect()
}

fn kinds(doc: &Document) -> Vec<RowKind> {
    doc.rows.iter().map(|r| r.kind).collect()
}

/// Spans cover the text exactly, in order, alternating kinds.
fn assert_well_formed(doc: &Document) {
    let lines = doc
        .rows
        .iter()
        .flat_map(|r| [r.left.as_ref(), r.right.as_ref()])
        .flatten()
        .chain(doc.unified.iter().map(|u| &u.line));
    for line in lines {
        let mut at = 0;
        for (k, s) in line.spans.iter().enumerate() {
            assert_eq!(s.range.start, at, "gap in {line:?}");
            assert!(s.range.end > s.range.start, "empty span in {line:?}");
            assert!(line.text.is_char_boundary(s.range.end), "{line:?}");
            if k > 0 {
                assert_ne!(
                    line.spans[k - 1].changed,
                    s.changed,
                    "unmerged spans in {line:?}"
                );
            }
            at = s.range.end;
        }
        assert_eq!(at, line.text.len(), "spans do not cover {line:?}");
    }
}

#[test]
fn changed_words_are_marked_inside_a_line() {
    let doc = Document::of_text(
        "Quote the refund window exactly.\nBe kind.",
        "Quote the return window exactly.\nBe kind.",
    );
    assert_well_formed(&doc);
    assert_eq!(kinds(&doc), vec![RowKind::Replace, RowKind::Equal]);
    let row = &doc.rows[0];
    assert_eq!(changed(row.left.as_ref().unwrap()), vec!["refund"]);
    assert_eq!(changed(row.right.as_ref().unwrap()), vec!["return"]);
    assert_eq!(row.left.as_ref().unwrap().number, Some(1));
    // Unified: the old line, then the new one, then context.
    let signs: Vec<Sign> = doc.unified.iter().map(|u| u.sign).collect();
    assert_eq!(signs, vec![Sign::Delete, Sign::Insert, Sign::Context]);
    assert_eq!(changed(&doc.unified[1].line), vec!["return"]);
}

#[test]
fn a_changed_phrase_is_one_highlight() {
    let doc = Document::of_text(
        "Answer within thirty calendar days of delivery.",
        "Answer within two business weeks of delivery.",
    );
    let row = &doc.rows[0];
    assert_eq!(row.kind, RowKind::Replace);
    // The space between two changed words belongs to the highlight.
    assert_eq!(
        changed(row.left.as_ref().unwrap()),
        vec!["thirty calendar days"]
    );
    assert_eq!(
        changed(row.right.as_ref().unwrap()),
        vec!["two business weeks"]
    );
}

#[test]
fn unrelated_lines_are_marked_whole() {
    let doc = Document::of_text("alpha beta gamma", "completely different words here");
    let row = &doc.rows[0];
    assert_eq!(row.kind, RowKind::Replace);
    assert_eq!(
        changed(row.left.as_ref().unwrap()),
        vec!["alpha beta gamma"]
    );
    assert_eq!(
        changed(row.right.as_ref().unwrap()),
        vec!["completely different words here"]
    );
}

#[test]
fn inserted_and_deleted_lines_align_with_gaps() {
    let doc = Document::of_text("a\nb\nc\nd", "a\nc\nd\ne");
    assert_well_formed(&doc);
    assert_eq!(
        kinds(&doc),
        vec![
            RowKind::Equal,
            RowKind::Delete,
            RowKind::Equal,
            RowKind::Equal,
            RowKind::Insert
        ]
    );
    assert!(doc.rows[1].right.is_none());
    assert_eq!(doc.rows[1].left.as_ref().unwrap().number, Some(2));
    assert!(doc.rows[4].left.is_none());
    assert_eq!(doc.rows[4].right.as_ref().unwrap().number, Some(4));
    // Equal rows keep both sides' numbers.
    let r = &doc.rows[2];
    assert_eq!(
        (
            r.left.as_ref().unwrap().number,
            r.right.as_ref().unwrap().number
        ),
        (Some(3), Some(2))
    );
    assert_eq!(doc.row_hunks, vec![1, 4]);
    assert_eq!(doc.line_stats(), (1, 1));
}

#[test]
fn an_inserted_line_does_not_shift_the_pairing_of_an_edited_one() {
    // The edited line pairs with its new version, not with the inserted line above it.
    let doc = Document::of_text(
        "Keep it short.\nQuote the refund window exactly.",
        "Keep it short.\nNever ask for a password.\nQuote the refund window exactly, in days.",
    );
    assert_eq!(
        kinds(&doc),
        vec![RowKind::Equal, RowKind::Insert, RowKind::Replace]
    );
    let r = &doc.rows[2];
    assert_eq!(
        r.left.as_ref().unwrap().text,
        "Quote the refund window exactly."
    );
    assert_eq!(changed(r.right.as_ref().unwrap()), vec![", in days"]);
}

#[test]
fn empty_sides() {
    let doc = Document::of_text("", "one\ntwo");
    assert_well_formed(&doc);
    assert_eq!(kinds(&doc), vec![RowKind::Insert, RowKind::Insert]);
    assert!(doc.unified.iter().all(|u| u.sign == Sign::Insert));
    let doc = Document::of_text("one\ntwo", "");
    assert_eq!(kinds(&doc), vec![RowKind::Delete, RowKind::Delete]);
    let doc = Document::of_text("", "");
    assert!(doc.is_empty());
    assert!(doc.is_identical());
    assert_eq!(doc.next_hunk(View::SideBySide, 0), None);
}

#[test]
fn identical_sides_have_no_hunks() {
    let text = "line one\nline two\n";
    let doc = Document::of_text(text, text);
    assert!(doc.is_identical());
    assert_eq!(kinds(&doc), vec![RowKind::Equal, RowKind::Equal]);
    assert!(doc.unified.iter().all(|u| u.sign == Sign::Context));
    assert!(
        doc.rows
            .iter()
            .all(|r| !r.left.as_ref().unwrap().has_changes())
    );
}

#[test]
fn unicode_words_and_byte_ranges() {
    let doc = Document::of_text(
        "Réponds en français, s'il te plaît 🙂\n日本語のテキストです",
        "Réponds en espagnol, s'il te plaît 🙂\n日本語の文章です",
    );
    assert_well_formed(&doc);
    assert_eq!(
        changed(doc.rows[0].left.as_ref().unwrap()),
        vec!["français"]
    );
    assert_eq!(
        changed(doc.rows[0].right.as_ref().unwrap()),
        vec!["espagnol"]
    );
    let cjk = &doc.rows[1];
    assert_eq!(cjk.kind, RowKind::Replace);
    // Whatever the segmentation, the spans are on character boundaries and the
    // unchanged prefix stays unmarked.
    let left = cjk.left.as_ref().unwrap();
    assert!(left.has_changes());
    assert!(!left.segments().next().unwrap().1, "{left:?}");
}

#[test]
fn hunk_navigation() {
    let old: Vec<String> = (0..30).map(|i| format!("line {i}")).collect();
    let mut new = old.clone();
    new[5] = "line five".into();
    new[20] = "line twenty".into();
    let doc = Document::of_text(&old.join("\n"), &new.join("\n"));
    assert_eq!(doc.row_hunks, vec![5, 20]);
    assert_eq!(doc.next_hunk(View::SideBySide, 0), Some(5));
    assert_eq!(doc.next_hunk(View::SideBySide, 5), Some(20));
    assert_eq!(doc.next_hunk(View::SideBySide, 20), None);
    assert_eq!(doc.prev_hunk(View::SideBySide, 20), Some(5));
    assert_eq!(doc.prev_hunk(View::SideBySide, 5), None);
    // Unified has one more line per replaced line before the second hunk.
    assert_eq!(doc.unified_hunks, vec![5, 21]);
    assert_eq!(doc.unified[21].sign, Sign::Delete);
    let shown = fold(0..doc.rows.len(), 2, |i| doc.is_change(View::SideBySide, i));
    assert_eq!(shown, vec![3..8, 18..23]);
    // Context that touches merges.
    assert_eq!(fold(0..10, 3, |i| i == 2 || i == 7), vec![0..10]);
    assert_eq!(
        fold(0..10, 1, |_| false),
        Vec::<std::ops::Range<usize>>::new()
    );
}

#[test]
fn identical_prompts() {
    let a = def(vec![
        msg(Role::System, "Be brief."),
        msg(Role::User, "{{ q }}"),
    ]);
    let d = PromptDiff::new(&a, &a);
    assert!(d.is_identical());
    assert!(d.doc.is_identical());
    assert!(d.fields.is_empty());
    assert_eq!(d.variables.kept, vec!["q"]);
    assert!(
        d.messages
            .iter()
            .all(|m| m.status == MessageStatus::Unchanged)
    );
    assert!(d.doc.sections.iter().all(|s| !s.changed));
}

#[test]
fn settings_and_params_changes() {
    let mut a = def(vec![msg(Role::User, "hi")]);
    a.provider = Some("openai".into());
    a.params.insert("temperature".into(), json!(0.2));
    a.params.insert("max_tokens".into(), json!(400));
    let mut b = a.clone();
    b.provider = Some("claude".into());
    b.model = Some("claude-sonnet".into());
    b.description = Some("Replies to \"tickets\"".into());
    b.params.insert("temperature".into(), json!(0.5));
    b.params.remove("max_tokens");
    b.params.insert("stop".into(), json!(["END"]));
    let d = PromptDiff::new(&a, &b);
    assert!(!d.is_identical());
    let summary: Vec<(&str, ChangeKind, Option<&str>, Option<&str>)> = d
        .fields
        .iter()
        .map(|f| {
            (
                f.name.as_str(),
                f.kind(),
                f.old.as_deref(),
                f.new.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            (
                "description",
                ChangeKind::Added,
                None,
                Some(r#""Replies to \"tickets\"""#)
            ),
            (
                "provider",
                ChangeKind::Changed,
                Some(r#""openai""#),
                Some(r#""claude""#)
            ),
            (
                "model",
                ChangeKind::Changed,
                Some(r#""m""#),
                Some(r#""claude-sonnet""#)
            ),
            ("params.max_tokens", ChangeKind::Removed, Some("400"), None),
            ("params.stop", ChangeKind::Added, None, Some(r#"["END"]"#)),
            (
                "params.temperature",
                ChangeKind::Changed,
                Some("0.2"),
                Some("0.5")
            ),
        ]
    );
    let titles: Vec<&str> = d.doc.sections.iter().map(|s| s.title.as_str()).collect();
    assert_eq!(titles, vec!["settings", "params", "message 1 · user"]);
    assert!(d.doc.sections[0].changed && d.doc.sections[1].changed);
    assert!(!d.doc.sections[2].changed);
    // The temperature row marks only the value.
    let row = d.doc.rows[d.doc.sections[1].rows.clone()]
        .iter()
        .find(|r| r.text().starts_with("temperature"))
        .unwrap();
    assert_eq!(row.kind, RowKind::Replace);
    assert_eq!(changed(row.left.as_ref().unwrap()), vec!["0.2"]);
    assert_well_formed(&d.doc);
}

#[test]
fn variables_added_and_removed() {
    let a = def(vec![msg(
        Role::User,
        "{{ company }}: {{ ticket }}{% for p in policies %}{{ p }}{% endfor %}",
    )]);
    let b = def(vec![msg(
        Role::User,
        "{{ company }}: {{ question }} in {{ tone }}{% for p in policies %}{{ p }}{% endfor %}",
    )]);
    let d = PromptDiff::new(&a, &b);
    assert_eq!(d.variables.added, vec!["question", "tone"]);
    assert_eq!(d.variables.removed, vec!["ticket"]);
    assert_eq!(d.variables.kept, vec!["company", "policies"]);
    let section = &d.doc.sections[1];
    assert_eq!(section.title, "variables");
    let rows = &d.doc.rows[section.rows.clone()];
    let kinds: Vec<(RowKind, &str)> = rows[1..].iter().map(|r| (r.kind, r.text())).collect();
    assert_eq!(
        kinds,
        vec![
            (RowKind::Equal, "{{ company }}"),
            (RowKind::Equal, "{{ policies }}"),
            (RowKind::Insert, "{{ question }}"),
            (RowKind::Delete, "{{ ticket }}"),
            (RowKind::Insert, "{{ tone }}"),
        ]
    );
}

#[test]
fn role_change_is_a_change() {
    let a = def(vec![msg(Role::User, "Same text")]);
    let b = def(vec![msg(Role::Assistant, "Same text")]);
    let d = PromptDiff::new(&a, &b);
    assert!(!d.is_identical());
    let m = &d.messages[0];
    assert_eq!(m.status, MessageStatus::Changed);
    assert!(m.role_changed());
    let s = &d.doc.sections[m.section];
    assert!(s.changed);
    let header = &d.doc.rows[s.rows.start];
    assert_eq!(header.kind, RowKind::Header);
    assert_eq!(changed(header.left.as_ref().unwrap()), vec!["user"]);
    assert_eq!(changed(header.right.as_ref().unwrap()), vec!["assistant"]);
    assert_eq!(
        d.doc.unified[s.unified.start].line.text,
        "message 1 · user → assistant"
    );
    // The header is a hunk of its own even though every line is equal.
    assert_eq!(d.doc.row_hunks, vec![s.rows.start]);
}

#[test]
fn a_message_inserted_in_the_middle_leaves_the_others_unchanged() {
    let a = def(vec![msg(Role::System, "rules"), msg(Role::User, "{{ q }}")]);
    let b = def(vec![
        msg(Role::System, "rules"),
        msg(Role::Assistant, "Example answer."),
        msg(Role::User, "{{ q }}"),
    ]);
    let d = PromptDiff::new(&a, &b);
    let statuses: Vec<(MessageStatus, Option<usize>, Option<usize>)> = d
        .messages
        .iter()
        .map(|m| (m.status, m.old_index, m.new_index))
        .collect();
    assert_eq!(
        statuses,
        vec![
            (MessageStatus::Unchanged, Some(0), Some(0)),
            (MessageStatus::Added, None, Some(1)),
            (MessageStatus::Unchanged, Some(1), Some(2)),
        ]
    );
    let added = &d.doc.sections[d.messages[1].section];
    assert_eq!(added.title, "message 2 · assistant (added)");
    let header = &d.doc.rows[added.rows.start];
    assert!(header.left.is_none() && header.is_change());
    assert_eq!(d.doc.rows[added.rows.start + 1].kind, RowKind::Insert);
    assert_eq!(
        d.doc.sections[d.messages[2].section].title,
        "message 2 · user → message 3 · user"
    );
}

#[test]
fn reordered_messages_are_moves() {
    let a = def(vec![
        msg(Role::System, "rules"),
        msg(Role::User, "example question"),
        msg(Role::Assistant, "example answer"),
    ]);
    let b = def(vec![
        msg(Role::Assistant, "example answer"),
        msg(Role::System, "rules"),
        msg(Role::User, "example question"),
    ]);
    let d = PromptDiff::new(&a, &b);
    assert!(!d.is_identical());
    let moved: Vec<_> = d
        .messages
        .iter()
        .filter(|m| m.moved.is_some())
        .map(|m| (m.status, m.old_index, m.new_index, m.moved))
        .collect();
    assert_eq!(
        moved,
        vec![
            (MessageStatus::Added, None, Some(0), Some(2)),
            (MessageStatus::Removed, Some(2), None, Some(0)),
        ]
    );
    let titles: Vec<&str> = d.doc.sections.iter().map(|s| s.title.as_str()).collect();
    assert!(
        titles.contains(&"message 1 · assistant (moved from 3)"),
        "{titles:?}"
    );
    assert!(
        titles.contains(&"message 3 · assistant (moved to 1)"),
        "{titles:?}"
    );
    assert_well_formed(&d.doc);
}

#[test]
fn messages_edited_in_place_pair_by_position() {
    let a = def(vec![
        msg(Role::System, "alpha rules"),
        msg(Role::User, "beta question"),
    ]);
    let b = def(vec![
        msg(Role::System, "alpha rules, stricter"),
        msg(Role::User, "beta question now"),
    ]);
    let d = PromptDiff::new(&a, &b);
    let s: Vec<_> = d
        .messages
        .iter()
        .map(|m| (m.status, m.old_index, m.new_index))
        .collect();
    assert_eq!(
        s,
        vec![
            (MessageStatus::Changed, Some(0), Some(0)),
            (MessageStatus::Changed, Some(1), Some(1)),
        ]
    );
}

#[test]
fn swapped_messages_of_different_content_pair_by_position() {
    let a = def(vec![
        msg(Role::System, "alpha rules"),
        msg(Role::User, "beta question"),
    ]);
    let b = def(vec![
        msg(Role::User, "beta question now"),
        msg(Role::System, "alpha rules, stricter"),
    ]);
    let d = PromptDiff::new(&a, &b);
    let s: Vec<_> = d
        .messages
        .iter()
        .map(|m| (m.status, m.old_index, m.new_index, m.moved))
        .collect();
    // No content matches across positions, so no move: each position changed (its role
    // with it).
    assert_eq!(
        s,
        vec![
            (MessageStatus::Changed, Some(0), Some(0), None),
            (MessageStatus::Changed, Some(1), Some(1), None),
        ]
    );
    assert_well_formed(&d.doc);
}

#[test]
fn removed_messages_and_an_empty_side() {
    let a = def(vec![msg(Role::System, "one\ntwo"), msg(Role::User, "q")]);
    let b = def(vec![msg(Role::System, "one\ntwo")]);
    let d = PromptDiff::new(&a, &b);
    assert_eq!(d.messages[1].status, MessageStatus::Removed);
    let s = &d.doc.sections[d.messages[1].section];
    assert_eq!(s.title, "message 2 · user (removed)");
    assert_eq!(d.doc.rows[s.rows.start + 1].kind, RowKind::Delete);
    // A definition with no messages at all (not loadable, but the engine copes).
    let empty = def(vec![]);
    let d = PromptDiff::new(&empty, &b);
    assert_eq!(d.messages.len(), 1);
    assert_eq!(d.messages[0].status, MessageStatus::Added);
    assert_well_formed(&d.doc);
}

/// `lines` numbered rules with a few edits at fixed fractions of the text (a changed
/// line, an inserted one, a removed one): the edits do not grow with the text.
fn rules_with_three_edits(lines: usize) -> (String, String) {
    let rule = |i: usize| format!("rule {i}: answer within {i} days");
    let old: Vec<String> = (0..lines).map(rule).collect();
    let mut new = old.clone();
    new[lines / 4] = format!("rule {}: reply within {} days", lines / 4, lines / 4);
    new.insert(lines / 2, "a rule added in the middle".into());
    new.remove(3 * lines / 4);
    (old.join("\n"), new.join("\n"))
}

/// The pieces (lines, words) a prompt diff compares or hashes.
fn diff_work(old: &str, new: &str) -> (PromptDiff, u64) {
    let a = def(vec![msg(Role::System, old)]);
    let b = def(vec![msg(Role::System, new)]);
    super::text::piece::work::of(|| PromptDiff::new(&a, &b))
}

#[test]
fn a_diffs_work_grows_linearly_with_the_text_when_the_edits_do_not() {
    // Work counted, not timed: accidental quadratic work (every line against every
    // other) shows as the count quadrupling when the text doubles, on any machine.
    let work: Vec<u64> = [2_000, 4_000, 8_000]
        .map(|n| {
            let (old, new) = rules_with_three_edits(n);
            let (d, work) = diff_work(&old, &new);
            assert!(d.doc.rows.len() >= n, "{n}: {} rows", d.doc.rows.len());
            assert_eq!(d.doc.row_hunks.len(), 3, "{n}");
            work
        })
        .to_vec();
    for pair in work.windows(2) {
        assert!(
            pair[1] <= pair[0] * 5 / 2,
            "doubling the text multiplied the work by more than 2.5: {work:?}"
        );
    }
    // And the work is a small multiple of the lines: each is compared a few times.
    assert!(work[2] <= 8_000 * 8, "{work:?}");
}

#[test]
fn ten_thousand_lines_with_a_thousand_edits_are_compared_in_bounded_work() {
    // Many scattered changes: rules 7, 70-79, 700-799 and 7000-7999 change a word.
    let old: String = (0..10_000)
        .map(|i| format!("rule {i}: answer within {i} days\n"))
        .collect();
    let new = old.replace("answer within 7", "reply within 7");
    let (d, work) = diff_work(&old, &new);
    assert!(d.doc.rows.len() >= 10_000);
    assert!(!d.doc.row_hunks.is_empty());
    // Every line compared with every other would be 10^8.
    assert!(work < 10_000_000, "{work}");
}

fn case(suite: &str, id: &str, status: Status, score: f64, output: &str) -> CaseResult {
    CaseResult {
        suite: suite.into(),
        id: id.into(),
        status,
        score,
        vars: Map::new(),
        output: Some(output.into()),
        tool_calls: Vec::new(),
        error: None,
        cached: false,
        latency_ms: Some(10),
        tokens: None,
        cost_usd: 0.0,
        assertions: vec![],
        samples: Vec::new(),
    }
}

#[test]
fn output_comparison_kinds_and_order() {
    let old = vec![
        case("a", "same-pass", Status::Pass, 1.0, "ok"),
        case("a", "regressed", Status::Pass, 1.0, "30 days"),
        case("a", "fixed", Status::Fail, 0.0, "no"),
        case("a", "gone", Status::Pass, 1.0, "bye"),
        case("b", "errored", Status::Pass, 1.0, "fine"),
        case("b", "fail-to-error", Status::Fail, 0.5, "x"),
    ];
    let mut error_case = case("b", "errored", Status::Error, 0.0, "");
    error_case.output = None;
    error_case.error = Some("timed out after 60 s".into());
    let mut fail_to_error = case("b", "fail-to-error", Status::Error, 0.0, "");
    fail_to_error.output = None;
    fail_to_error.error = Some("HTTP 500".into());
    let new = vec![
        case("a", "same-pass", Status::Pass, 1.0, "ok"),
        case("a", "regressed", Status::Fail, 0.5, "14 days"),
        case("a", "fixed", Status::Pass, 1.0, "yes"),
        case("c", "brand-new", Status::Pass, 1.0, "hi"),
        error_case,
        fail_to_error,
    ];
    let d = OutputDiff::new(&old, &new);
    let order: Vec<(CaseChange, &str)> =
        d.cases.iter().map(|c| (c.change, c.id.as_str())).collect();
    assert_eq!(
        order,
        vec![
            (CaseChange::Missing, "gone"),
            (CaseChange::Regression, "regressed"),
            (CaseChange::Regression, "errored"),
            (CaseChange::Fix, "fixed"),
            (CaseChange::Unchanged, "fail-to-error"),
            (CaseChange::New, "brand-new"),
            (CaseChange::Unchanged, "same-pass"),
        ]
    );
    assert_eq!(
        d.counts,
        CaseCounts {
            regressions: 2,
            missing: 1,
            fixes: 1,
            new: 1,
            status_changed: 4,
            output_changed: 0,
            unchanged: 1,
            not_run: 2,
        }
    );
    // One word per case: fail → error is a status change, never "unchanged".
    let labels: Vec<&str> = d.cases.iter().map(|c| c.label()).collect();
    assert_eq!(
        labels,
        [
            "missing",
            "regression",
            "regression",
            "fix",
            "status changed",
            "new",
            "unchanged"
        ]
    );
    assert_eq!(d.counts.regressions_total(), 3);
    assert_eq!(d.counts.total(), 7);
    assert!(CaseChange::Missing.is_regression());

    let regressed = &d.cases[1];
    assert_eq!(regressed.score_delta(), Some(-0.5));
    assert_eq!(
        (regressed.old_status(), regressed.new_status()),
        (Some(Status::Pass), Some(Status::Fail))
    );
    assert!(regressed.output_changed());
    let od = regressed.output_diff();
    assert_eq!(changed(od.rows[0].left.as_ref().unwrap()), vec!["30"]);
    assert_eq!(changed(od.rows[0].right.as_ref().unwrap()), vec!["14"]);
    // An error is compared by its message.
    assert_eq!(d.cases[2].new_text(), "error: timed out after 60 s");
    let missing = &d.cases[0];
    assert_eq!(missing.score_delta(), None);
    assert!(missing.new.is_none());
    assert!(!d.cases[6].output_changed());
    assert!(d.cases[6].output_diff().is_identical());
    // Review navigation visits regressions and fixes only.
    assert_eq!(d.next_notable(0), Some(1));
    assert_eq!(d.next_notable(3), None);
    assert_eq!(d.prev_notable(5), Some(3));
}

#[test]
fn cases_match_by_suite_and_id() {
    let old = vec![case("a", "x", Status::Pass, 1.0, "o")];
    let new = vec![case("b", "x", Status::Pass, 1.0, "o")];
    let d = OutputDiff::new(&old, &new);
    let kinds: Vec<CaseChange> = d.cases.iter().map(|c| c.change).collect();
    assert_eq!(kinds, vec![CaseChange::Missing, CaseChange::New]);
    let same = OutputDiff::new(&old, &old);
    assert_eq!(same.counts.unchanged, 1);
    assert_eq!(same.counts.regressions_total(), 0);
}

#[test]
fn latest_results_call_a_case_one_side_lacks_not_run_never_a_regression() {
    // The draft reran one case: the others have no result on its side.
    let old = vec![
        case("s", "a", Status::Pass, 1.0, "same"),
        case("s", "b", Status::Pass, 1.0, "was"),
        case("s", "c", Status::Pass, 1.0, "ok"),
    ];
    let new = vec![
        case("s", "b", Status::Pass, 1.0, "now"),
        case("t", "only-new", Status::Fail, 0.0, "x"),
    ];
    let d = OutputDiff::of_latest(&old, &new);
    let rows: Vec<(&str, &str, CaseKind)> = d
        .cases
        .iter()
        .map(|c| (c.id.as_str(), c.label(), c.kind()))
        .collect();
    assert_eq!(
        rows,
        [
            ("b", "output changed", CaseKind::OutputChanged),
            ("a", "not run", CaseKind::NotRun),
            ("c", "not run", CaseKind::NotRun),
            ("only-new", "not run", CaseKind::NotRun),
        ]
    );
    assert_eq!(d.counts.regressions_total(), 0);
    assert_eq!(d.counts.total(), 4);
    assert_eq!(d.counts.summary(), "1 output changed, 3 not run");
    // The same inputs as a gate's two runs: the draft lacks cases, regressions.
    let gate = OutputDiff::new(&old, &new);
    assert_eq!(gate.counts.regressions_total(), 2);
    assert_eq!(
        gate.counts.summary(),
        "1 output changed, 3 not run (2 missing from the new run: regressions)"
    );
}

#[test]
fn words_cover_the_line() {
    use super::text::tokens::words;
    assert_eq!(
        words("Quote it, exactly!"),
        vec!["Quote", " ", "it", ",", " ", "exactly", "!"]
    );
    assert_eq!(words("日本語です"), vec!["日", "本", "語", "で", "す"]);
    // A decomposed accent stays on its letter.
    assert_eq!(words("cafe\u{301} noir"), vec!["cafe\u{301}", " ", "noir"]);
    assert_eq!(
        words("{{ company }}"),
        vec!["{", "{", " ", "company", " ", "}", "}"]
    );
    assert_eq!(words(""), Vec::<&str>::new());
    assert_eq!(
        words("0.25 or 1,000."),
        vec!["0.25", " ", "or", " ", "1,000", "."]
    );
    assert_eq!(words("don't s'il"), vec!["don't", " ", "s'il"]);
    for s in ["a  b\tc", "x--y", "🙂🙂 ok", "\u{301}lead"] {
        assert_eq!(words(s).concat(), s);
    }
}

#[test]
fn tool_and_schema_changes_are_settings() {
    use crate::vocab::{FormatKind, ResponseFormat, ToolDef};
    let tool = |ty: &str| ToolDef {
        name: "lookup".into(),
        description: None,
        parameters: serde_json::json!({"type": "object", "properties": {"id": {"type": ty}}}),
    };
    let mut old = def(vec![msg(Role::User, "hi")]);
    old.tools = vec![tool("string")];
    old.tool_choice = Some("auto".into());
    let mut new = old.clone();
    new.tools = vec![tool("integer")];
    new.tool_choice = Some("required".into());
    new.response_format = Some(ResponseFormat {
        kind: FormatKind::JsonObject,
        name: None,
        schema: None,
        strict: None,
    });
    let d = PromptDiff::new(&old, &new);
    let names: Vec<&str> = d.fields.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, ["tool_choice", "tools.lookup", "response_format"]);
    assert_eq!(d.fields[0].old.as_deref(), Some("\"auto\""));
    assert!(
        d.fields[1].new.as_deref().unwrap().contains("integer"),
        "{:?}",
        d.fields[1]
    );
    assert_eq!(d.fields[2].old, None);
    assert!(!d.is_identical());
    assert!(PromptDiff::new(&old, &old).is_identical());
}

#[test]
fn a_change_in_tool_calls_alone_is_a_changed_output() {
    use crate::vocab::ToolCall;
    let mut old = case("a", "c", Status::Pass, 1.0, "");
    old.tool_calls = vec![ToolCall::from_text("lookup", r#"{"id": 7}"#)];
    let mut new = old.clone();
    new.tool_calls = vec![ToolCall::from_text("lookup", r#"{"id": 8}"#)];
    let d = OutputDiff::new(std::slice::from_ref(&old), std::slice::from_ref(&new));
    assert_eq!(d.counts.output_changed, 1, "{:?}", d.counts);
    assert!(d.cases[0].output_changed());
    assert_eq!(d.cases[0].old_text(), "→ lookup({\n  \"id\": 7\n})");
    assert!(d.cases[0].new_text().contains("\"id\": 8"));
    let same = OutputDiff::new(std::slice::from_ref(&old), std::slice::from_ref(&old));
    assert_eq!(same.counts.output_changed, 0);
}
