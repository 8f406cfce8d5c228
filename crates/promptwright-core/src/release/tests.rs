use std::collections::BTreeMap;
use std::path::Path;

use serde_json::json;

use super::*;
use crate::vocab::Explain;
use crate::vocab::{Message, Role, Source};
use crate::workspace::PromptDef;

fn def() -> PromptDef {
    let mut params = BTreeMap::new();
    params.insert("temperature".to_string(), json!(0.2));
    params.insert("max_tokens".to_string(), json!(400));
    params.insert("stop".to_string(), json!(["END", "STOP"]));
    PromptDef {
        description: Some("Drafts a reply \"fast\"".into()),
        provider: Some("openai".into()),
        model: Some("gpt-4o-mini".into()),
        params,
        messages: vec![
            Message::new(
                Role::System,
                "You are a support agent for {{ company }}.\nQuote the refund window exactly.\n",
            ),
            Message::new(
                Role::User,
                "{{ ticket }} — ünïcödé ✓ 'quotes' \"\"\" and \\ backslash",
            ),
        ],
        ..PromptDef::default()
    }
}

fn evidence() -> Evidence {
    Evidence {
        run_id: "20261125-140300-abcdef".into(),
        suites: vec!["refunds".into(), "safety".into()],
        cases: 12,
        passed: 11,
        failed: 1,
        errors: 0,
        pass_rate: 0.917,
        regressions: 0,
        fixes: 2,
        baseline_version: Some(2),
        cost_usd: 0.0123,
        p95_latency_ms: Some(880),
        checks: vec![
            Check {
                name: "min_pass_rate".into(),
                required: json!(0.9),
                actual: json!(0.917),
                passed: true,
            },
            Check {
                name: "max_regressions".into(),
                required: json!(0),
                actual: json!(0),
                passed: true,
            },
            Check {
                name: "allow_new_variables".into(),
                required: json!(false),
                actual: json!(["tone"]),
                passed: false,
            },
        ],
        ..Evidence::default()
    }
}

fn release(version: u32, parent: Option<u32>) -> ReleaseFile {
    ReleaseFile::assemble(
        def(),
        ReleaseInfo {
            version,
            parent_version: parent,
            released_at: "2026-11-25T14:03:00Z".into(),
            author: "Ada Lovelace".into(),
            note: "Tighter refund wording".into(),
        },
        evidence(),
    )
}

fn parse(text: &str) -> Result<ReleaseFile, Vec<crate::vocab::Diagnostic>> {
    ReleaseFile::parse(&Source::new("releases/p/v3.toml", text))
}

#[test]
fn write_then_parse_gives_back_the_same_release() {
    let r = release(3, Some(2));
    let text = r.to_toml().unwrap();
    assert_eq!(parse(&text).unwrap(), r, "{text}");
    // Deterministic: the same value writes the same bytes.
    assert_eq!(r.to_toml().unwrap(), text);
    // v1: no parent, no baseline, no checks, no params.
    let mut first = release(1, None);
    first.evidence.baseline_version = None;
    first.evidence.p95_latency_ms = None;
    first.evidence.checks.clear();
    first.params.clear();
    first.content_sha256 = first.prompt_def().content_sha256();
    let text = first.to_toml().unwrap();
    assert!(!text.contains("parent_version"), "{text}");
    assert_eq!(parse(&text).unwrap(), first, "{text}");
}

#[test]
fn the_file_is_flat_and_loads_as_a_prompt() {
    let text = release(3, Some(2)).to_toml().unwrap();
    // The prompt's keys at the top level, as in a prompt file.
    let doc: toml::Table = toml::from_str(&text).unwrap();
    for key in [
        "description",
        "provider",
        "model",
        "params",
        "messages",
        "version",
        "evidence",
    ] {
        assert!(doc.contains_key(key), "{key} missing in\n{text}");
    }
    assert!(text.contains("[[evidence.checks]]"), "{text}");
    // An application that knows only the prompt keys can read it (minus the release's own).
    let mut table = doc.clone();
    for key in [
        "version",
        "parent_version",
        "released_at",
        "author",
        "note",
        "content_sha256",
        "evidence",
    ] {
        table.remove(key);
    }
    let as_prompt: PromptDef = toml::Value::Table(table).try_into().unwrap();
    assert_eq!(as_prompt, def());
    assert_eq!(release(3, Some(2)).prompt_def(), def());
    assert_eq!(release(3, Some(2)).content_sha256, def().content_sha256());
}

#[test]
fn null_values_cannot_be_written() {
    let mut r = release(2, Some(1));
    r.evidence.checks[0].actual = serde_json::Value::Null;
    let err = r.to_toml().unwrap_err();
    assert!(err.to_string().contains("min_pass_rate"), "{err}");
}

#[test]
fn unknown_keys_are_errors_with_a_position() {
    let text = release(3, Some(2))
        .to_toml()
        .unwrap()
        .replace("author = ", "autor = ");
    let errs = parse(&text).unwrap_err();
    assert!(
        errs[0].message.contains("unknown field `autor`"),
        "{}",
        errs[0]
    );
    assert!(errs[0].line > 0);
    assert!(
        errs[0].help.as_deref().unwrap().contains("author"),
        "{}",
        errs[0]
    );
    let text = release(3, Some(2))
        .to_toml()
        .unwrap()
        .replace("[evidence]\n", "[evidence]\nrunid = \"x\"\n");
    let errs = parse(&text).unwrap_err();
    assert!(
        errs[0].message.contains("unknown field `runid`"),
        "{}",
        errs[0]
    );
}

#[test]
fn an_edited_release_is_rejected() {
    let text = release(3, Some(2))
        .to_toml()
        .unwrap()
        .replace("Quote the refund window exactly.", "Quote it.");
    let errs = parse(&text).unwrap_err();
    assert!(
        errs[0].message.contains("content_sha256 does not match"),
        "{}",
        errs[0]
    );
    assert!(errs[0].line > 0, "points at the key: {}", errs[0]);
}

#[test]
fn semantic_checks() {
    let bad = |from: &str, to: &str| {
        let text = release(3, Some(2)).to_toml().unwrap().replace(from, to);
        parse(&text).unwrap_err()[0].message.clone()
    };
    assert!(bad("parent_version = 2", "parent_version = 3").contains("not below"));
    assert!(bad("version = 3\n", "version = 0\n").contains("1 or more"));
    assert!(bad("2026-11-25T14:03:00Z", "yesterday").contains("RFC 3339"));
}

#[test]
fn refs_parse() {
    assert_eq!("draft".parse::<Ref>(), Ok(Ref::Draft));
    assert_eq!("current".parse::<Ref>(), Ok(Ref::Current));
    assert_eq!("v12".parse::<Ref>(), Ok(Ref::Version(12)));
    assert_eq!(Ref::Version(3).to_string(), "v3");
    let e = "3".parse::<Ref>().unwrap_err().to_string();
    assert!(
        e.contains("bad REF `3`") && e.contains("did you mean `v3`"),
        "{e}"
    );
    let e = "v0".parse::<Ref>().unwrap_err().to_string();
    assert!(e.contains("from v1"), "{e}");
    for bad in ["", "head", "v", "v-1", "vx", "v+3", "Draft2"] {
        let e = bad.parse::<Ref>().unwrap_err().to_string();
        assert!(e.contains("use draft, current or vN"), "{bad}: {e}");
    }
    assert!(
        "CURRENT"
            .parse::<Ref>()
            .unwrap_err()
            .to_string()
            .contains("`current`")
    );
}

fn write(root: &Path, rel: &str, text: &str) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

const DRAFT: &str = "model = \"m\"\n[[messages]]\nrole = \"user\"\ncontent = \"Hi {{ name }}\"\n";

#[test]
fn load_each_kind_of_ref() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "prompts/greet.toml", DRAFT);
    let v1 = release(1, None);
    let v2 = release(2, Some(1));
    write(root, "releases/greet/v1.toml", &v1.to_toml().unwrap());
    write(root, "releases/greet/v2.toml", &v2.to_toml().unwrap());
    write(
        root,
        "releases/greet/v10.toml",
        &release(10, Some(2)).to_toml().unwrap(),
    );
    write(root, "releases/greet/notes.txt", "ignored");
    write(root, "releases/greet.toml", &v2.to_toml().unwrap());
    assert_eq!(versions(root, "greet"), vec![1, 2, 10]);
    assert_eq!(versions(root, "nothing"), Vec::<u32>::new());

    let draft = resolve(root, "greet", &Ref::Draft).unwrap();
    assert_eq!(draft.def.model.as_deref(), Some("m"));
    assert_eq!(draft.label(), "draft");
    assert_eq!(draft.content_sha256(), draft.def.content_sha256());
    let current = resolve(root, "greet", &Ref::Current).unwrap();
    assert_eq!(current.label(), "current (v2)");
    assert_eq!(current.def, def());
    assert_eq!(current.content_sha256(), def().content_sha256());
    assert_eq!(load_ref(root, "greet", &Ref::Version(1)).unwrap(), def());

    let e = resolve(root, "greet", &Ref::Version(7)).unwrap_err();
    assert!(e.to_string().contains("no version v7"), "{e}");
    assert_eq!(e.help(), "released versions: v1, v2, v10");

    // A version file whose content says another version.
    write(root, "releases/greet/v4.toml", &v1.to_toml().unwrap());
    let e = resolve(root, "greet", &Ref::Version(4)).unwrap_err();
    assert!(e.to_string().contains("its name says v4"), "{e}");
}

#[test]
fn errors_say_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "prompts/support-reply.toml", DRAFT);

    let e = resolve(root, "support-reply", &Ref::Current).unwrap_err();
    assert_eq!(
        e.to_string(),
        "prompt `support-reply` has no release yet: `current` needs releases/support-reply.toml"
    );
    assert!(
        e.help()
            .contains("--from draft --to vN or release it first"),
        "{}",
        e.help()
    );

    let e = resolve(root, "support-reply", &Ref::Version(1)).unwrap_err();
    assert!(
        e.help().contains("no released versions yet"),
        "{}",
        e.help()
    );

    let e = resolve(root, "suport-reply", &Ref::Draft).unwrap_err();
    assert!(
        e.to_string().contains("no prompt named `suport-reply`"),
        "{e}"
    );
    assert_eq!(e.help(), "did you mean `support-reply`?");

    let e = resolve(root, "../etc", &Ref::Draft).unwrap_err();
    assert_eq!(
        e,
        RefError::BadName {
            name: "../etc".into()
        }
    );

    // Only releases left: the draft is gone.
    write(
        root,
        "releases/old/v1.toml",
        &release(1, None).to_toml().unwrap(),
    );
    let e = resolve(root, "old", &Ref::Draft).unwrap_err();
    assert!(matches!(e, RefError::NoDraft { .. }), "{e}");
    assert_eq!(prompt_names(root), vec!["old", "support-reply"]);

    // A broken draft reports path:line:col.
    write(root, "prompts/broken.toml", "modle = \"m\"\n");
    match resolve(root, "broken", &Ref::Draft).unwrap_err() {
        RefError::Invalid(d) => {
            assert_eq!(d[0].path, "prompts/broken.toml");
            assert_eq!(d[0].line, 1);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn awkward_strings_survive_the_round_trip() {
    let awkward = [
        "\nstarts with a newline",
        "\n\nstarts with two",
        "ends with spaces   \n   ",
        "windows\r\nline endings\r\n",
        "tab\there and an escape \u{1b}[0m and a bell \u{7}",
        r#"''' and """ together, then \""#,
        "trailing backslash \\",
        "",
    ];
    for text in awkward {
        let mut d = def();
        d.messages[1].content = text.to_string();
        d.description = Some(text.to_string());
        let r = ReleaseFile::assemble(
            d,
            ReleaseInfo {
                version: 1,
                parent_version: None,
                released_at: "2026-11-25T14:03:00+01:00".into(),
                author: String::new(),
                note: text.to_string(),
            },
            evidence(),
        );
        let out = r.to_toml().unwrap();
        assert_eq!(parse(&out).unwrap(), r, "{text:?}\n{out}");
    }
}
