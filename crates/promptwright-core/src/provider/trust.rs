//! Key-host binding. A workspace may come from a pull request and run in CI with secrets in
//! the environment, so its `base_url` cannot be trusted with a key: a key goes only to its
//! kind's own API host, to this machine (loopback), or to hosts the user allows outside
//! any workspace (`PROMPTWRIGHT_ALLOW_HOSTS`, or `[trust] allow_hosts` in the user config).
//! Plain http carries a key only to loopback. `check` and every run (CLI or TUI) ask
//! [`check_workspace`]; building a provider asks [`authorize`] again, so no path can send
//! a key anywhere else.

use std::cell::OnceCell;
use std::net::{Ipv4Addr, Ipv6Addr};

use reqwest::Url;

use super::ProviderError;
use crate::userconfig;
use crate::vocab::Diagnostic;
use crate::workspace::{Config, ProviderConfig, ProviderKind};

pub const ALLOW_HOSTS_ENV: &str = "PROMPTWRIGHT_ALLOW_HOSTS";

/// The API host a kind is made for: its key may always go there (over https).
pub fn own_host(kind: ProviderKind) -> Option<&'static str> {
    match kind {
        ProviderKind::Openai => Some("api.openai.com"),
        ProviderKind::Anthropic => Some("api.anthropic.com"),
        ProviderKind::Echo | ProviderKind::Replay => None,
    }
}

/// One allowed host: `host` (any port) or `host:port`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AllowedHost {
    host: String,
    port: Option<u16>,
}

impl AllowedHost {
    /// Parses `host[:port]` (`[v6]:port` for IPv6); the error says what is wrong.
    pub fn parse(entry: &str) -> Result<AllowedHost, String> {
        let entry = entry.trim();
        if entry.contains("://") || entry.contains('/') {
            return Err(format!(
                "`{entry}` is a URL: write only the host, and the port if it matters (host:port)"
            ));
        }
        if entry.contains('*') {
            return Err(format!(
                "`{entry}` has a wildcard: list each host by its full name"
            ));
        }
        let (host, port) = if let Some(rest) = entry.strip_prefix('[') {
            let (v6, after) = rest
                .split_once(']')
                .ok_or_else(|| format!("`{entry}` opens `[` with no `]`"))?;
            match after {
                "" => (v6, None),
                p => (v6, Some(p.strip_prefix(':').unwrap_or(p))),
            }
        } else if entry.matches(':').count() > 1 {
            (entry, None)
        } else {
            match entry.split_once(':') {
                Some((h, p)) => (h, Some(p)),
                None => (entry, None),
            }
        };
        let port = match port {
            None => None,
            Some(p) => Some(
                p.parse::<u16>()
                    .ok()
                    .filter(|p| *p != 0)
                    .ok_or_else(|| format!("`{entry}` has no valid port after `:`"))?,
            ),
        };
        let bracketed = if host.contains(':') {
            format!("[{host}]")
        } else {
            host.to_string()
        };
        let parsed = Url::parse(&format!("https://{bracketed}/"))
            .ok()
            .filter(|u| u.username().is_empty() && u.path() == "/" && !host.is_empty());
        let host = parsed
            .as_ref()
            .and_then(|u| u.host_str())
            .map(normalize)
            .ok_or_else(|| format!("`{entry}` is not a host name or address"))?;
        Ok(AllowedHost { host, port })
    }
}

/// The hosts the user allows, from the environment and the user config.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AllowList(Vec<AllowedHost>);

impl AllowList {
    pub fn new(hosts: Vec<AllowedHost>) -> AllowList {
        AllowList(hosts)
    }

    /// `PROMPTWRIGHT_ALLOW_HOSTS` (comma-separated) plus `[trust] allow_hosts` in the user
    /// config. A bad entry is an error rather than ignored: a silently dropped entry
    /// would refuse a host with a message saying to allow what was allowed.
    pub fn from_user() -> Result<AllowList, Diagnostic> {
        let mut hosts = Vec::new();
        if let Ok(value) = std::env::var(ALLOW_HOSTS_ENV) {
            for entry in value.split(',').filter(|e| !e.trim().is_empty()) {
                hosts.push(AllowedHost::parse(entry).map_err(|e| {
                    Diagnostic::file(ALLOW_HOSTS_ENV, e)
                        .with_help("list host[:port] entries separated by commas, e.g. llm.example.com,10.0.0.5:8443")
                })?);
            }
        }
        if let Some(cfg) = userconfig::load()? {
            for (entry, span) in &cfg.allow_hosts {
                hosts.push(AllowedHost::parse(entry).map_err(|e| {
                    cfg.source
                        .at(span.clone(), e)
                        .with_help("entries are \"host\" or \"host:port\", e.g. allow_hosts = [\"llm.example.com\"]")
                })?);
            }
        }
        Ok(AllowList(hosts))
    }

    fn allows(&self, dest: &Dest) -> bool {
        self.0
            .iter()
            .any(|a| a.host == dest.host && a.port.is_none_or(|p| p == dest.port))
    }
}

/// Where a URL points, as the rules see it.
struct Dest {
    host: String,
    port: u16,
    /// How the user would write it in an allow list: the port only when not the default.
    entry: String,
    loopback: bool,
    plain_http: bool,
}

/// A URL's host as the rules compare it: lowercase, no trailing dot, IPv6 unbracketed.
fn normalize(host: &str) -> String {
    host.trim_start_matches('[')
        .trim_end_matches(']')
        .trim_end_matches('.')
        .to_ascii_lowercase()
}

fn dest(url: &Url) -> Option<Dest> {
    let raw = url.host_str()?;
    let host = normalize(raw);
    let loopback = if let Ok(v4) = host.parse::<Ipv4Addr>() {
        v4.is_loopback()
    } else if let Ok(v6) = host.parse::<Ipv6Addr>() {
        v6.is_loopback() || v6.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
    } else {
        host == "localhost"
    };
    let shown = if host.contains(':') {
        format!("[{host}]")
    } else {
        host.clone()
    };
    Some(Dest {
        port: url.port_or_known_default()?,
        entry: match url.port() {
            Some(p) => format!("{shown}:{p}"),
            None => shown,
        },
        host,
        loopback,
        plain_http: url.scheme() == "http",
    })
}

/// Why a key may not go where a provider would send it.
#[derive(Debug, Clone, PartialEq)]
pub enum Refusal {
    /// Plain http to a host that is not this machine.
    PlainHttp { entry: String },
    /// A host neither the kind's own, nor loopback, nor allowed by the user.
    NotAllowed { entry: String },
    /// The URL has no host or port the rules can judge.
    NoHost,
    /// The user's allow list could not be read.
    UserConfig(Diagnostic),
}

/// The key rules, with the user's allow list read at most once and only when needed (a
/// workspace that talks to the vendors' own hosts never depends on it).
pub struct Trust {
    allow: OnceCell<Result<AllowList, Diagnostic>>,
}

impl Trust {
    pub fn from_user() -> Trust {
        Trust {
            allow: OnceCell::new(),
        }
    }

    pub fn with(allow: AllowList) -> Trust {
        Trust {
            allow: OnceCell::from(Ok(allow)),
        }
    }

    /// May a key of a provider of `kind` be sent to `url`?
    pub fn key_may_go(&self, kind: ProviderKind, url: &Url) -> Result<(), Refusal> {
        let dest = dest(url).ok_or(Refusal::NoHost)?;
        if dest.loopback {
            return Ok(());
        }
        if dest.plain_http {
            return Err(Refusal::PlainHttp { entry: dest.entry });
        }
        if own_host(kind) == Some(dest.host.as_str()) {
            return Ok(());
        }
        match self.allow.get_or_init(AllowList::from_user) {
            Ok(list) if list.allows(&dest) => Ok(()),
            Ok(_) => Err(Refusal::NotAllowed { entry: dest.entry }),
            Err(d) => Err(Refusal::UserConfig(d.clone())),
        }
    }

    /// The refusal for one provider, if its key may not go to its endpoint.
    fn refusal(&self, cfg: &ProviderConfig) -> Option<Refusal> {
        cfg.api_key_env.as_ref()?;
        let url = super::endpoint_url(cfg)?;
        match Url::parse(&url) {
            Ok(url) => self.key_may_go(cfg.kind, &url).err(),
            Err(_) => Some(Refusal::NoHost),
        }
    }
}

/// Every provider whose key would go to a host the user has not allowed, as diagnostics
/// at its `base_url`. `check` reports them; every run refuses to start while there are any.
pub fn check_workspace(config: &Config) -> Vec<Diagnostic> {
    let trust = Trust::from_user();
    let mut out: Vec<Diagnostic> = Vec::new();
    for cfg in config.providers.values() {
        if let Some(r) = trust.refusal(cfg) {
            let d = diagnostic(cfg, r);
            if !out.contains(&d) {
                out.push(d);
            }
        }
    }
    out
}

/// The same rule for one provider about to be built: the last gate before a key is read.
pub(crate) fn authorize(cfg: &ProviderConfig) -> Result<(), ProviderError> {
    match Trust::from_user().refusal(cfg) {
        None => Ok(()),
        Some(r) => {
            let d = diagnostic(cfg, r);
            let help = d.help.as_deref().unwrap_or_default();
            Err(ProviderError::Config(format!(
                "{}: {}; {help}",
                d.location(),
                d.message
            )))
        }
    }
}

fn diagnostic(cfg: &ProviderConfig, refusal: Refusal) -> Diagnostic {
    let var = cfg.api_key_env.as_deref().unwrap_or_default();
    let name = &cfg.name;
    let (message, help) = match refusal {
        Refusal::UserConfig(d) => return d,
        Refusal::NoHost => (
            format!("provider `{name}` has a base_url with no host to send its key ({var}) to"),
            "write base_url as https://HOST/PATH".to_string(),
        ),
        Refusal::PlainHttp { entry } => (
            format!("provider `{name}` would send its key ({var}) over plain http to `{entry}`"),
            format!(
                "use https:// for `{entry}`; keys travel over plain http only to this machine (127.0.0.1, ::1, localhost)"
            ),
        ),
        Refusal::NotAllowed { entry } => {
            let file = userconfig::path().map_or_else(
                || "~/.config/promptwright/config.toml".to_string(),
                |p| p.display().to_string(),
            );
            (
                format!(
                    "provider `{name}` would send its key ({var}) to `{entry}`, a host you have not allowed"
                ),
                format!(
                    "if you trust `{entry}` with this key, allow it outside the workspace: export {ALLOW_HOSTS_ENV}={entry}, or add allow_hosts = [\"{entry}\"] under [trust] in {file}"
                ),
            )
        }
    };
    let mut d = match &cfg.base_url_at {
        Some(site) => site.clone(),
        None => Diagnostic::file("workspace.toml", ""),
    };
    d.message = message;
    d.help = Some(help);
    d
}

#[cfg(test)]
#[path = "trust_tests.rs"]
mod tests;
