use serde_json::json;

use super::*;

#[test]
fn custom_ids_fit_both_vendors_and_follow_the_request() {
    let key = "ab".repeat(32);
    let id = custom_id(&key);
    assert_eq!(id, format!("pw-{}", &key[..40]));
    assert!(id.len() <= 64);
    assert!(
        id.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    );
    assert_ne!(custom_id(&"cd".repeat(32)), id);
}

#[test]
fn jobs_are_split_at_the_request_count_and_the_byte_limit() {
    let lines: Vec<Value> = (0..5)
        .map(|i| json!({"custom_id": format!("c{i}")}))
        .collect();
    let size = lines[0].to_string().len() + 1;
    let by_count = split(
        lines.clone(),
        Limits {
            requests: 2,
            bytes: usize::MAX,
        },
    );
    assert_eq!(by_count.iter().map(Vec::len).collect::<Vec<_>>(), [2, 2, 1]);
    let by_bytes = split(
        lines.clone(),
        Limits {
            requests: 100,
            bytes: size * 3,
        },
    );
    assert_eq!(by_bytes.iter().map(Vec::len).collect::<Vec<_>>(), [3, 2]);
    // Nothing lost, nothing doubled, order kept.
    assert_eq!(by_bytes.concat(), lines);
    assert!(
        split(
            Vec::new(),
            Limits {
                requests: 1,
                bytes: 1
            }
        )
        .is_empty()
    );
    // A line larger than the byte limit still goes, alone (the vendor then says why).
    let alone = split(
        lines[..2].to_vec(),
        Limits {
            requests: 10,
            bytes: 1,
        },
    );
    assert_eq!(alone.len(), 2);
}

#[test]
fn ids_from_a_server_cannot_leave_their_path_segment() {
    for good in ["batch_abc123", "file-XYZ", "msgbatch_01.a"] {
        assert_eq!(checked_id("id", Some(&json!(good))).unwrap(), good);
    }
    for bad in [
        json!("../files"),
        json!("a/b"),
        json!("a?x=1"),
        json!(".."),
        json!(""),
        json!("x".repeat(201)),
        json!(42),
        Value::Null,
    ] {
        let e = checked_id("the batch's id", Some(&bad)).unwrap_err();
        assert!(e.to_string().contains("not an id"), "{e}");
    }
    assert!(checked_id("id", None).is_err());
}

#[test]
fn a_status_from_a_server_is_a_short_plain_word() {
    assert_eq!(status_word(Some(&json!("in_progress"))), "in_progress");
    assert_eq!(status_word(Some(&json!("\u{1b}[2Jx y"))), "2Jxy");
    assert_eq!(status_word(Some(&json!("a".repeat(100)))).len(), 32);
    assert_eq!(status_word(None), "unknown");
    assert_eq!(status_word(Some(&json!(""))), "unknown");
}

#[test]
fn batch_prices_are_the_given_ones_else_half() {
    use crate::workspace::Price;
    assert_eq!(Price::new(1.0, 3.0).batch(), Price::new(0.5, 1.5));
    let given = Price {
        batch_input: Some(0.2),
        batch_output: Some(0.9),
        ..Price::new(1.0, 3.0)
    };
    assert_eq!(given.batch(), Price::new(0.2, 0.9));
}

#[test]
fn only_the_http_kinds_have_a_batch_api() {
    let echo = crate::workspace::ProviderConfig {
        name: "local".into(),
        kind: ProviderKind::Echo,
        base_url: None,
        api_key_env: None,
        concurrency: 1,
        timeout_s: 1.0,
        max_retries: 0,
        max_response_mb: 1.0,
        cassette: None,
        base_url_at: None,
        rpm: None,
        tpm: None,
        adaptive: false,
    };
    let e = Client::new(&echo).err().unwrap().to_string();
    assert!(e.contains("no batch API"), "{e}");
}
