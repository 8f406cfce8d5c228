//! Prompt files: parsing, spans of errors, the content hash.

use super::*;

fn load(text: &str) -> Result<Prompt, Vec<Diagnostic>> {
    parse("p", &Source::new("prompts/p.toml", text), Path::new(".")).map(|(p, _)| p)
}

#[test]
fn an_unknown_param_is_reported_at_its_key_with_a_did_you_mean() {
    let text = "model = \"m\"\n[params]\nmax_tokens = 5\ntemprature = 0.0\n[params.extra]\nmin_p = 0.1\n[[messages]]\nrole = \"user\"\ncontent = \"x\"\n";
    let errs = parse_prompt(
        "p",
        &Source::new("prompts/p.toml", text),
        None,
        Path::new("."),
    )
    .unwrap_err();
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert_eq!((errs[0].line, errs[0].col), (4, 1), "{}", errs[0]);
    assert!(
        errs[0].message.contains("unknown parameter `temprature`"),
        "{}",
        errs[0]
    );
    assert!(
        errs[0]
            .help
            .as_deref()
            .unwrap()
            .starts_with("did you mean `temperature`?")
    );
    // The same file with the typo fixed loads, and keeps [params.extra] as written.
    let fixed = text.replace("temprature", "temperature");
    let p = parse_prompt(
        "p",
        &Source::new("prompts/p.toml", &fixed),
        None,
        Path::new("."),
    )
    .unwrap();
    assert_eq!(p.def.params["extra"], serde_json::json!({"min_p": 0.1}));
    // A reserved key in [params.extra] is reported at `extra`.
    let bad = text
        .replace("temprature", "temperature")
        .replace("min_p", "model");
    let errs = parse_prompt(
        "p",
        &Source::new("prompts/p.toml", &bad),
        None,
        Path::new("."),
    )
    .unwrap_err();
    assert_eq!((errs[0].line, errs[0].col), (5, 9), "{}", errs[0]);
    assert!(
        errs[0]
            .message
            .starts_with("[params.extra]: `model` cannot be set"),
        "{}",
        errs[0]
    );
}

#[test]
fn hash_ignores_formatting() {
    let a = load("model = \"m\"\n[[messages]]\nrole = \"user\"\ncontent = \"Hi {{ name }}\"\n")
        .unwrap();
    let b = load("# a comment\n\nmodel   =   'm'\n\n[[messages]]\ncontent = '''Hi {{ name }}'''\nrole = \"user\"\n").unwrap();
    assert_eq!(a.content_sha256, b.content_sha256);
    assert_eq!(a.content_sha256.len(), 64);
    let c = load("model = \"m\"\n[[messages]]\nrole = \"user\"\ncontent = \"Hi {{ name }}!\"\n")
        .unwrap();
    assert_ne!(a.content_sha256, c.content_sha256);
}

#[test]
fn template_error_points_at_the_file_line() {
    let text = "model = \"m\"\n[[messages]]\nrole = \"system\"\ncontent = \"\"\"\nline one\n{% if x %}\nno end\n\"\"\"\n";
    let errs = load(text).unwrap_err();
    assert_eq!(errs.len(), 1);
    let d = &errs[0];
    assert_eq!(d.path, "prompts/p.toml");
    // The template's error line is inside lines 5..=8 of the file.
    assert!((5..=8).contains(&d.line), "{d}");
    assert!(
        d.message.contains("template syntax error in message 1"),
        "{d}"
    );
}

#[test]
fn single_line_template_error_points_at_the_content() {
    let errs = load("[[messages]]\nrole = \"user\"\ncontent = \"Hi {{ name\"\n").unwrap_err();
    // The error is the end of the string, right after `name`.
    assert_eq!(errs[0].line, 3, "{}", errs[0]);
    assert!(errs[0].col > 12, "{}", errs[0]);
}

#[test]
fn bad_role_is_reported_with_choices() {
    let errs = load("[[messages]]\nrole = \"bot\"\ncontent = \"x\"\n").unwrap_err();
    assert_eq!(errs[0].line, 2, "{}", errs[0]);
    assert!(
        errs[0].message.contains("unknown variant `bot`"),
        "{}",
        errs[0]
    );
    assert!(errs[0].help.as_deref().unwrap().contains("system"));
}

#[test]
fn no_messages_is_an_error() {
    let errs = load("model = \"m\"\n").unwrap_err();
    assert!(errs[0].message.contains("no messages"));
}

#[test]
fn tools_formats_and_literal_images_are_part_of_the_hash() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("img")).unwrap();
    std::fs::write(dir.path().join("img/a.png"), b"\x89PNG\r\n\x1a\none").unwrap();
    let hash = |text: &str| {
        parse("p", &Source::new("prompts/p.toml", text), dir.path())
            .map(|(p, _)| p.content_sha256)
            .unwrap()
    };
    let base = "[[messages]]\nrole = \"user\"\ncontent = \"x\"\n";
    let plain = hash(base);
    let tool = "[[tools]]\nname = \"t\"\nparameters = { type = \"object\" }\n";
    let with_tool = hash(&format!("{tool}{base}"));
    assert_ne!(plain, with_tool);
    let other_schema = hash(&format!(
        "{}{base}",
        tool.replace("{ type", "{ required = [\"a\"], type")
    ));
    assert_ne!(with_tool, other_schema);
    let choice = hash(&format!("tool_choice = \"t\"\n{tool}{base}"));
    assert_ne!(with_tool, choice);
    let format = hash(&format!(
        "[response_format]\ntype = \"json_object\"\n{base}"
    ));
    assert_ne!(plain, format);
    let image = format!("{base}images = [\"img/a.png\"]\n");
    let before = hash(&image);
    std::fs::write(dir.path().join("img/a.png"), b"\x89PNG\r\n\x1a\ntwo").unwrap();
    assert_ne!(
        before,
        hash(&image),
        "new bytes under the same path are a new prompt"
    );
}
