use std::collections::BTreeSet;

use super::*;

#[test]
fn names_are_slugs_made_unique() {
    let mut taken = BTreeSet::new();
    assert_eq!(
        name_from("Acme Support: v2!", "x", &mut taken),
        "acme-support-v2"
    );
    assert_eq!(
        name_from("acme support v2", "x", &mut taken),
        "acme-support-v2-2"
    );
    assert_eq!(name_from("***", "prompt-3", &mut taken), "prompt-3");
    assert!(crate::workspace::config::is_valid_name(&name_from(
        "Émile 3.5",
        "x",
        &mut taken
    )));
}

#[test]
fn nunjucks_is_read_as_jinja_where_they_differ_only_in_spelling() {
    let (out, changes) = prompts::nunjucks("{{ data | dump }} {{ x|dump(2) }}");
    assert_eq!(out, "{{ data | tojson }} {{ x| tojson(2) }}");
    assert_eq!(changes.len(), 1);
    let (out, changes) = prompts::nunjucks("{%- for k, v in item.attrs -%}{{ k }}{% endfor %}");
    assert_eq!(
        out,
        "{%- for k, v in item.attrs | items -%}{{ k }}{% endfor %}"
    );
    assert_eq!(changes.len(), 1);
    let (same, none) = prompts::nunjucks("{% for x in xs %}{{ x | upper }}{% endfor %}");
    assert_eq!(same, "{% for x in xs %}{{ x | upper }}{% endfor %}");
    assert!(none.is_empty());
}

#[test]
fn yaml_scalars_are_typed_unless_quoted() {
    let node = yaml::parse(
        "a: 1\nb: '1'\nc: true\nd: 0.5\ne: ~\nf: [x, 2]\n",
        "t.yaml",
        1,
        true,
    )
    .unwrap();
    let v = yaml::to_json(&node).unwrap();
    assert_eq!(
        v,
        serde_json::json!({"a": 1, "b": "1", "c": true, "d": 0.5, "e": null, "f": ["x", 2]})
    );
}

#[test]
fn a_yaml_error_is_at_its_line_counting_from_the_first() {
    let e = yaml::parse("a: [1, 2\nb: 3\n", "t.jsonl", 7, true).unwrap_err();
    assert_eq!(e.path, "t.jsonl");
    assert!(e.line >= 7, "{e:?}");
    assert!(e.message.starts_with("invalid YAML"), "{e:?}");
    let dup = yaml::parse("a: 1\na: 2\n", "t.yaml", 1, true).unwrap_err();
    assert!(dup.message.contains("invalid YAML"), "{dup:?}");
}

#[test]
fn nesting_is_bounded() {
    let deep = format!("a: {}1{}\n", "[".repeat(100), "]".repeat(100));
    if let Ok(node) = yaml::parse(&deep, "t.yaml", 1, true) {
        assert!(yaml::to_json(&node).is_err());
    }
}
