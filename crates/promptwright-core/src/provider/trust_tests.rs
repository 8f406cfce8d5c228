use super::*;

fn url(s: &str) -> Url {
    Url::parse(s).unwrap()
}

fn allow(entries: &[&str]) -> Trust {
    Trust::with(AllowList::new(
        entries
            .iter()
            .map(|e| AllowedHost::parse(e).unwrap())
            .collect(),
    ))
}

fn refused(trust: &Trust, kind: ProviderKind, u: &str) -> Option<Refusal> {
    trust.key_may_go(kind, &url(u)).err()
}

#[test]
fn a_kinds_own_host_takes_its_key_over_https_only() {
    let none = allow(&[]);
    let openai = ProviderKind::Openai;
    let anthropic = ProviderKind::Anthropic;
    assert_eq!(
        refused(&none, openai, "https://api.openai.com/v1/chat/completions"),
        None
    );
    assert_eq!(refused(&none, openai, "https://API.OpenAI.com./v1"), None);
    assert_eq!(
        refused(&none, anthropic, "https://api.anthropic.com/v1/messages"),
        None
    );
    // Each kind's key goes to its own vendor only.
    assert!(matches!(
        refused(&none, anthropic, "https://api.openai.com/v1"),
        Some(Refusal::NotAllowed { entry }) if entry == "api.openai.com"
    ));
    assert!(matches!(
        refused(&none, openai, "http://api.openai.com/v1"),
        Some(Refusal::PlainHttp { .. })
    ));
}

#[test]
fn look_alike_hosts_are_not_the_vendors() {
    let none = allow(&[]);
    for u in [
        "https://api.openai.com.evil.example/v1",
        "https://evilapi.openai.com/v1",
        "https://api.openai.com@evil.example/v1",
        "https://evil.example\\@api.openai.com/v1",
        "https://evil.example/api.openai.com/v1",
        "https://evil.example/v1?h=api.openai.com",
    ] {
        assert!(
            matches!(
                refused(&none, ProviderKind::Openai, u),
                Some(Refusal::NotAllowed { .. })
            ),
            "{u}"
        );
    }
}

#[test]
fn loopback_takes_keys_even_over_plain_http() {
    let none = allow(&[]);
    for u in [
        "http://127.0.0.1:8080/v1",
        "http://127.0.0.2:9/v1",
        "http://127.255.255.254/v1",
        "http://localhost:11434/v1",
        "http://LOCALHOST./v1",
        "http://[::1]:8000/v1",
        "http://[::ffff:127.0.0.1]:8000/v1",
        // The URL parser reads these as 127.0.0.1, and so does the connection.
        "http://2130706433/v1",
        "http://0x7f.1/v1",
        "https://127.0.0.1/v1",
    ] {
        assert_eq!(refused(&none, ProviderKind::Openai, u), None, "{u}");
    }
    // Not loopback, though some reach this machine: 0.0.0.0, a LAN address, a name
    // merely starting with localhost.
    for u in [
        "http://0.0.0.0:8080/v1",
        "http://10.0.0.5/v1",
        "http://localhost.evil.example/v1",
        "http://[::]:8080/v1",
    ] {
        assert!(
            matches!(
                refused(&none, ProviderKind::Openai, u),
                Some(Refusal::PlainHttp { .. })
            ),
            "{u}"
        );
    }
}

#[test]
fn allowed_hosts_match_by_name_and_port_and_never_over_plain_http() {
    let trust = allow(&[
        "llm.example.com",
        "gw.example.com:8443",
        "[2001:db8::1]:443",
    ]);
    let k = ProviderKind::Openai;
    assert_eq!(refused(&trust, k, "https://llm.example.com/v1"), None);
    assert_eq!(refused(&trust, k, "https://LLM.example.com.:9999/v1"), None);
    assert_eq!(refused(&trust, k, "https://gw.example.com:8443/v1"), None);
    assert_eq!(refused(&trust, k, "https://[2001:db8::1]/v1"), None);
    assert!(matches!(
        refused(&trust, k, "https://gw.example.com/v1"),
        Some(Refusal::NotAllowed { entry }) if entry == "gw.example.com"
    ));
    assert!(matches!(
        refused(&trust, k, "https://sub.llm.example.com/v1"),
        Some(Refusal::NotAllowed { .. })
    ));
    assert!(matches!(
        refused(&trust, k, "https://other.example:444/v1"),
        Some(Refusal::NotAllowed { entry }) if entry == "other.example:444"
    ));
    // Allowing a host does not make plain http safe.
    assert!(matches!(
        refused(&trust, k, "http://llm.example.com/v1"),
        Some(Refusal::PlainHttp { entry }) if entry == "llm.example.com"
    ));
}

#[test]
fn allow_entries_are_host_and_optional_port() {
    let ok = |e: &str| AllowedHost::parse(e).unwrap();
    assert_eq!(
        ok(" LLM.Example.com. "),
        AllowedHost {
            host: "llm.example.com".into(),
            port: None
        }
    );
    assert_eq!(ok("10.0.0.5:8443").port, Some(8443));
    assert_eq!(ok("[2001:db8::1]:443").host, "2001:db8::1");
    assert_eq!(ok("2001:db8::1").port, None);
    for bad in [
        "https://llm.example.com",
        "llm.example.com/v1",
        "*.example.com",
        "llm.example.com:0",
        "llm.example.com:99999",
        "llm.example.com:",
        "user@llm.example.com",
        "[2001:db8::1",
        "",
        "a b",
    ] {
        assert!(AllowedHost::parse(bad).is_err(), "{bad}");
    }
}

fn provider(kind: ProviderKind, base_url: &str, key: Option<&str>) -> ProviderConfig {
    ProviderConfig {
        name: "p".into(),
        kind,
        base_url: Some(base_url.into()),
        api_key_env: key.map(str::to_string),
        concurrency: 1,
        timeout_s: 1.0,
        max_retries: 0,
        max_response_mb: 8.0,
        rpm: None,
        tpm: None,
        adaptive: false,
        cassette: None,
        base_url_at: Some(
            crate::vocab::Source::new("ws/workspace.toml", "[providers.p]\nbase_url = \"x\"\n")
                .at(25..28, ""),
        ),
    }
}

#[test]
fn a_refusal_points_at_base_url_and_says_how_to_allow_the_host() {
    let trust = allow(&[]);
    let cfg = provider(
        ProviderKind::Anthropic,
        "https://collector.example:8443",
        Some("GITHUB_TOKEN"),
    );
    let d = diagnostic(&cfg, trust.refusal(&cfg).unwrap());
    assert_eq!(d.location(), "ws/workspace.toml:2:12");
    assert_eq!(
        d.message,
        "provider `p` would send its key (GITHUB_TOKEN) to `collector.example:8443`, a host you have not allowed"
    );
    let help = d.help.unwrap();
    assert!(
        help.contains("export PROMPTWRIGHT_ALLOW_HOSTS=collector.example:8443"),
        "{help}"
    );
    assert!(
        help.contains("allow_hosts = [\"collector.example:8443\"] under [trust]"),
        "{help}"
    );
    // Without a key nothing is sent, so any host will do.
    let keyless = provider(
        ProviderKind::Anthropic,
        "https://collector.example:8443",
        None,
    );
    assert_eq!(trust.refusal(&keyless), None);
}
