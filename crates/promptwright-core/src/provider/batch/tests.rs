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

/// The jobs `lines` are packed into.
fn packed(lines: &[&str], limits: Limits) -> Vec<Vec<String>> {
    let mut p = Packer::new(limits);
    let mut jobs: Vec<Vec<String>> = lines
        .iter()
        .filter_map(|l| p.push(format!("id-{l}"), l.to_string()))
        .map(|job| job.into_iter().map(|(_, l)| l).collect())
        .collect();
    jobs.extend(
        p.finish()
            .map(|job| job.into_iter().map(|(_, l)| l).collect()),
    );
    jobs
}

#[test]
fn jobs_are_packed_within_the_request_count_and_the_byte_limit() {
    let lines = ["aaaa", "bbbb", "cccc", "dddd", "eeee"];
    let by_count = packed(
        &lines,
        Limits {
            requests: 2,
            bytes: usize::MAX,
        },
    );
    assert_eq!(by_count.iter().map(Vec::len).collect::<Vec<_>>(), [2, 2, 1]);
    // Each line is 5 bytes with its newline: three fit in 15.
    let by_bytes = packed(
        &lines,
        Limits {
            requests: 100,
            bytes: 15,
        },
    );
    assert_eq!(by_bytes.iter().map(Vec::len).collect::<Vec<_>>(), [3, 2]);
    assert_eq!(
        by_bytes.concat(),
        lines,
        "nothing lost, nothing doubled, order kept"
    );
    assert!(
        packed(
            &[],
            Limits {
                requests: 1,
                bytes: 1
            }
        )
        .is_empty()
    );
    // A line larger than the byte limit still goes, alone (the vendor then says why).
    assert_eq!(
        packed(
            &lines[..2],
            Limits {
                requests: 10,
                bytes: 1
            }
        )
        .len(),
        2
    );
    // The ids travel with their lines.
    let mut p = Packer::new(Limits {
        requests: 1,
        bytes: 100,
    });
    assert!(p.push("a".into(), "x".into()).is_none());
    assert_eq!(
        p.push("b".into(), "y".into()),
        Some(vec![("a".into(), "x".into())])
    );
    assert_eq!(p.finish(), Some(vec![("b".into(), "y".into())]));
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
