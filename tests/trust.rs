//! A workspace and a server as adversaries, through the real binary: a key bound for a
//! host the user never allowed, a redirect, a server that echoes the key, an endless
//! body, token counts that are not counts.

// Integration tests: a failed setup step panics, and the panic is the report.
#![allow(clippy::unwrap_used)]

use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

mod common;

use common::server::*;
use common::{code, stderr, stdout, write};
use serde_json::json;

const KEY: &str = "sk-test-TRUST-0123456789";

/// A TCP listener on 127.0.0.1 that counts the connections made to it and hangs up.
fn connection_counter() -> (u16, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let count = Arc::new(AtomicUsize::new(0));
    let counter = count.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            counter.fetch_add(1, Ordering::SeqCst);
            drop(stream);
        }
    });
    (port, count)
}

/// `[providers.real]` at `base_url` with the key in PW_TRUST_KEY.
fn keyed(base_url: &str, extra: &str) -> String {
    format!(
        "[providers.real]\nkind = \"openai\"\nbase_url = \"{base_url}\"\napi_key_env = \"PW_TRUST_KEY\"\ntimeout_s = 2\nmax_retries = 0\n{extra}\n"
    )
}

fn run(root: &Path, args: &[&str], env: &[(&str, &str)]) -> std::process::Output {
    let mut cmd = bin(root);
    cmd.args(args).env("PW_TRUST_KEY", KEY);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

// ---------------------------------------------------------------------------------------
// Key-host binding.
// ---------------------------------------------------------------------------------------

/// 0.0.0.0 is not a loopback address, yet a connection to it reaches this machine: it
/// stands in for a foreign host that a test can watch.
#[test]
fn a_key_bound_for_a_host_not_allowed_is_refused_before_any_connection() {
    let (port, connections) = connection_counter();
    let url = format!("https://0.0.0.0:{port}/v1");
    let ws = workspace(&keyed(&url, ""), PROMPT, &suite(2));
    let root = ws.path();
    let text = std::fs::read_to_string(root.join("workspace.toml")).unwrap();
    let line = text.lines().position(|l| l.contains(&url)).unwrap() + 1;
    let at = format!("workspace.toml:{line}:12");

    for args in [
        &["check"][..],
        &["eval"],
        &["gate", "p"],
        &["release", "p", "--note", "n"],
    ] {
        let out = run(root, args, &[]);
        let err = stderr(&out);
        assert_eq!(code(&out), 2, "{args:?}: {err}");
        assert!(
            err.contains(&format!(
                "{at}: provider `real` would send its key (PW_TRUST_KEY) to `0.0.0.0:{port}`, a host you have not allowed"
            )),
            "{args:?}: {err}"
        );
        assert!(
            err.contains(&format!(
                "help: if you trust `0.0.0.0:{port}` with this key, allow it outside the workspace: export PROMPTWRIGHT_ALLOW_HOSTS=0.0.0.0:{port}, or add allow_hosts = [\"0.0.0.0:{port}\"] under [trust] in"
            )),
            "{args:?}: {err}"
        );
        assert!(!err.contains(KEY));
        assert!(stdout(&out).is_empty());
    }
    assert_eq!(connections.load(Ordering::SeqCst), 0);
    assert!(!root.join(".promptwright").exists());

    // Allowed by the user, the same workspace is checked fine and its run connects (the
    // listener speaks no TLS, so the case errors after connecting).
    let allowed = [(
        "PROMPTWRIGHT_ALLOW_HOSTS",
        format!("x.example, 0.0.0.0:{port}"),
    )];
    let allowed: Vec<(&str, &str)> = allowed.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let out = run(root, &["check"], &allowed);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let out = run(root, &["eval", "--format", "json"], &allowed);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert!(connections.load(Ordering::SeqCst) >= 1);
    // Another port of the same host is another host.
    let other = [("PROMPTWRIGHT_ALLOW_HOSTS", "0.0.0.0:1")];
    assert_eq!(code(&run(root, &["check"], &other)), 2);
}

#[test]
fn the_user_config_file_allows_hosts_and_a_bad_entry_is_shown_at_its_place() {
    let (port, _) = connection_counter();
    let ws = workspace(
        &keyed(&format!("https://0.0.0.0:{port}"), ""),
        PROMPT,
        &suite(1),
    );
    let root = ws.path();
    let config = tempfile::tempdir().unwrap();
    let xdg = config.path().to_str().unwrap();
    let file = config.path().join("promptwright/config.toml");
    write(
        config.path(),
        "promptwright/config.toml",
        "# mine\n[trust]\nallow_hosts = [\"0.0.0.0\"]\n",
    );
    let out = run(root, &["check"], &[("XDG_CONFIG_HOME", xdg)]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));

    write(
        config.path(),
        "promptwright/config.toml",
        "[trust]\nallow_hosts = [\"https://0.0.0.0\"]\n",
    );
    let out = run(root, &["check"], &[("XDG_CONFIG_HOME", xdg)]);
    let err = stderr(&out);
    assert_eq!(code(&out), 2, "{err}");
    assert!(
        err.starts_with(&format!(
            "error: {}:2:16: `https://0.0.0.0` is a URL",
            file.display()
        )),
        "{err}"
    );
    assert!(
        err.contains("help: entries are \"host\" or \"host:port\""),
        "{err}"
    );

    // The workspace cannot allow hosts for itself.
    let mut text = std::fs::read_to_string(root.join("workspace.toml")).unwrap();
    text.push_str("\n[trust]\nallow_hosts = [\"0.0.0.0\"]\n");
    write(root, "workspace.toml", &text);
    let out = run(root, &["check"], &[]);
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains("unknown field `trust`"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn plain_http_carries_a_key_only_to_loopback() {
    let (port, connections) = connection_counter();
    let ws = workspace(
        &keyed(&format!("http://0.0.0.0:{port}/v1"), ""),
        PROMPT,
        &suite(1),
    );
    let allowed = format!("0.0.0.0:{port}");
    let out = run(
        ws.path(),
        &["eval"],
        &[("PROMPTWRIGHT_ALLOW_HOSTS", &allowed)],
    );
    let err = stderr(&out);
    assert_eq!(code(&out), 2, "{err}");
    assert!(
        err.contains(&format!(
            "provider `real` would send its key (PW_TRUST_KEY) over plain http to `0.0.0.0:{port}`"
        )),
        "{err}"
    );
    assert!(err.contains("help: use https://"), "{err}");
    assert_eq!(connections.load(Ordering::SeqCst), 0);

    // Loopback, by any of its names, takes the key over plain http.
    let server = Server::always(chat("local", 1, 1));
    let port = server.url.rsplit(':').next().unwrap();
    for host in ["127.0.0.1", "localhost", "LocalHost"] {
        let ws = workspace(
            &keyed(&format!("http://{host}:{port}/v1"), ""),
            PROMPT,
            &suite(1),
        );
        let out = run(ws.path(), &["eval"], &[]);
        assert_eq!(code(&out), 0, "{host}: {}", stderr(&out));
    }
    assert!(
        server
            .hits()
            .iter()
            .all(|h| h.key_header() == format!("Bearer {KEY}"))
    );
    assert_eq!(server.count(), 3);
}

// ---------------------------------------------------------------------------------------
// Redirects.
// ---------------------------------------------------------------------------------------

#[test]
fn a_redirect_is_an_errored_case_naming_its_target_and_is_never_followed() {
    let elsewhere = Server::always(chat("from the redirect target", 1, 1));
    let target = format!("{}/stolen", elsewhere.url);
    let redirecting = Server::always(Reply::new(302, "").header("location", target.clone()));
    let anthropic = format!(
        "[providers.claude]\nkind = \"anthropic\"\nbase_url = \"{}\"\napi_key_env = \"PW_TRUST_KEY\"\ntimeout_s = 2\nmax_retries = 2\n",
        redirecting.url
    );
    let providers = format!(
        "[providers.real]\nkind = \"openai\"\nbase_url = \"{}/v1\"\napi_key_env = \"PW_TRUST_KEY\"\ntimeout_s = 2\nmax_retries = 2\n\n{anthropic}",
        redirecting.url
    );
    let ws = workspace(&providers, PROMPT, &suite(1));
    let root = ws.path();
    let env = [("PW_TRUST_KEY", KEY)];
    for provider in ["real", "claude", "real"] {
        let r = eval_env(root, &["--provider", provider], &env);
        assert_eq!(r.code(), 1, "{}", r.stderr());
        assert_eq!(
            r.error("c1"),
            format!(
                "provider `{provider}`: HTTP 302 redirect to {target}, not followed: API calls follow no redirects (if you trust the target, set base_url to it)"
            )
        );
        assert_eq!(r.case("c1")["cached"], false);
    }
    // Asked once per run (a redirect is not retried), never from the cache.
    assert_eq!(redirecting.count(), 3);
    let paths: Vec<String> = redirecting.hits().iter().map(|h| h.path.clone()).collect();
    assert_eq!(
        paths,
        [
            "/v1/chat/completions",
            "/v1/messages",
            "/v1/chat/completions"
        ]
    );
    assert_eq!(elsewhere.count(), 0, "the key must not follow the redirect");
}

// ---------------------------------------------------------------------------------------
// A server that echoes the key.
// ---------------------------------------------------------------------------------------

#[test]
fn a_key_echoed_in_the_answer_is_redacted_everywhere_it_is_kept_or_shown() {
    let server = Server::start(|hit, _| {
        let key = hit.key_header();
        if hit.path == "/v1/messages" {
            let body = json!({"content": [{"type": "text", "text": format!("claude saw {key}")}],
                              "usage": {"input_tokens": 1, "output_tokens": 1}});
            return Reply::new(200, body.to_string()).header("content-type", "application/json");
        }
        chat(&format!("you sent {key}, thanks"), 1, 1)
    });
    let providers = format!(
        "{}\n[providers.claude]\nkind = \"anthropic\"\nbase_url = \"{url}\"\napi_key_env = \"PW_TRUST_KEY\"\n\n[providers.recorded]\nkind = \"replay\"\ncassette = \"evals/cassettes/c.jsonl\"\n",
        keyed(&format!("{}/v1", server.url), ""),
        url = server.url
    );
    let ws = workspace(&providers, PROMPT, &suite(1));
    let root = ws.path();
    let env = [("PW_TRUST_KEY", KEY)];
    let runs = [
        eval_env(root, &["--record"], &env),
        // From the cache this time.
        eval_env(root, &[], &env),
        eval_env(root, &["--provider", "claude"], &env),
        eval_env(root, &["--provider", "recorded"], &[]),
    ];
    let table = run(root, &["eval", "--no-cache"], &[]);
    let to_file = run(root, &["eval", "-o", "out.json"], &[]);
    for out in runs.iter().map(|r| &r.out).chain([&table, &to_file]) {
        assert_eq!(out.status.code(), Some(0), "{}", stderr(out));
    }
    // The `-o` run is answered from the cache.
    assert_eq!(server.count(), 3);
    assert!(server.hits().iter().all(|h| h.key_header().contains(KEY)));
    assert_eq!(
        runs[0].case("c1")["output"],
        "you sent Bearer [redacted], thanks"
    );
    assert_eq!(runs[1].case("c1")["cached"], true);
    assert_eq!(
        runs[1].case("c1")["output"],
        "you sent Bearer [redacted], thanks"
    );
    assert_eq!(runs[2].case("c1")["output"], "claude saw [redacted]");
    assert_eq!(
        runs[3].case("c1")["output"],
        "you sent Bearer [redacted], thanks"
    );
    for out in runs.iter().map(|r| &r.out).chain([&table, &to_file]) {
        for stream in [&out.stdout, &out.stderr] {
            assert!(!String::from_utf8_lossy(stream).contains("TRUST-0123"));
        }
    }
    assert!(root.join("out.json").exists());
    assert!(root.join("evals/cassettes/c.jsonl").exists());
    let mut leaks = Vec::new();
    for (path, bytes) in common::tree(root) {
        if bytes.is_some_and(|b| String::from_utf8_lossy(&b).contains("TRUST-0123")) {
            leaks.push(path);
        }
    }
    assert!(leaks.is_empty(), "the key is in {leaks:?}");
}

// ---------------------------------------------------------------------------------------
// Response body cap.
// ---------------------------------------------------------------------------------------

/// A raw server answering 200 with a JSON body of `total` bytes, sent in 64 KiB chunks
/// (chunked, or with a Content-Length when `declare` is set). Returns its base URL and
/// the bytes it managed to send before the client hung up.
fn big_body_server(total: usize, declare: bool) -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let sent = Arc::new(AtomicUsize::new(0));
    let counter = sent.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let counter = counter.clone();
            std::thread::spawn(move || {
                let mut buf = [0u8; 65536];
                let mut seen = Vec::new();
                while !seen.windows(4).any(|w| w == b"\r\n\r\n") {
                    match stream.read(&mut buf) {
                        Ok(0) | Err(_) => return,
                        Ok(n) => seen.extend_from_slice(&buf[..n]),
                    }
                }
                let head = if declare {
                    format!(
                        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {total}\r\n\r\n"
                    )
                } else {
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n".into()
                };
                if stream.write_all(head.as_bytes()).is_err() {
                    return;
                }
                let chunk = vec![b' '; 65536];
                let mut left = total;
                while left > 0 {
                    let n = left.min(chunk.len());
                    let ok = if declare {
                        stream.write_all(&chunk[..n])
                    } else {
                        stream
                            .write_all(format!("{n:x}\r\n").as_bytes())
                            .and_then(|_| stream.write_all(&chunk[..n]))
                            .and_then(|_| stream.write_all(b"\r\n"))
                    };
                    if ok.is_err() {
                        return;
                    }
                    counter.fetch_add(n, Ordering::SeqCst);
                    left -= n;
                }
                let _ = stream.write_all(b"0\r\n\r\n");
            });
        }
    });
    (url, sent)
}

/// Runs `eval` and returns its outcome and the child's peak resident memory in KiB, which
/// the child reports itself as it ends (debug builds, `report-peak-memory`): read at the
/// end, the peak cannot be missed, and it is the child's own (the resource usage wait4
/// reports would count the test process's memory, copied at fork).
#[cfg(debug_assertions)]
fn eval_measured(root: &Path) -> (std::process::Output, u64) {
    let out = bin(root)
        .args(["eval", "--format", "json"])
        .env("PROMPTWRIGHT_TEST_FAILPOINT", "report-peak-memory")
        .output()
        .unwrap();
    let err = stderr(&out);
    let peak = err
        .lines()
        .find_map(|l| l.strip_prefix("peak-memory-kib: "))
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no peak memory reported:\n{err}"));
    (out, peak)
}

#[cfg(debug_assertions)]
#[test]
fn an_answer_over_max_response_mb_errors_without_being_read_whole() {
    const BODY: usize = 50 * 1024 * 1024;
    for declare in [false, true] {
        let (url, sent) = big_body_server(BODY, declare);
        let providers = format!(
            "[providers.real]\nkind = \"openai\"\nbase_url = \"{url}/v1\"\nmax_response_mb = 1\ntimeout_s = 30\nmax_retries = 3\n"
        );
        let ws = workspace(&providers, PROMPT, &suite(1));
        let (out, maxrss_kib) = eval_measured(ws.path());
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let case = &json["runs"][0]["cases"][0];
        assert_eq!(case["status"], "error", "{case:#}");
        assert_eq!(
            case["error"],
            "provider `real`: the answer is larger than max_response_mb = 1 MiB and was not read further (raise max_response_mb for this provider if its answers are that big)"
        );
        assert_eq!(code(&out), 1, "{}", stderr(&out));
        let sent = sent.load(Ordering::SeqCst);
        eprintln!(
            "declared length: {declare}; server sent {sent} bytes; peak RSS {maxrss_kib} KiB"
        );
        assert!(sent < 20 * 1024 * 1024, "the client read {sent} bytes");
        assert!(maxrss_kib < 40 * 1024, "peak memory {maxrss_kib} KiB");
    }
}

// ---------------------------------------------------------------------------------------
// Token counts from the server.
// ---------------------------------------------------------------------------------------

#[test]
fn token_counts_that_are_not_counts_error_the_case_instead_of_pricing_it() {
    let server = Server::start(|hit, _| {
        let bad = match hit.user().as_str() {
            "Say w1" => json!(-5),
            "Say w2" => json!(2.5),
            "Say w3" => json!("12"),
            "Say w4" => json!(u64::MAX),
            _ => json!(7),
        };
        let body = json!({"choices": [{"message": {"role": "assistant", "content": "hi"}}],
                          "usage": {"prompt_tokens": 3, "completion_tokens": bad}});
        Reply::new(200, body.to_string()).header("content-type", "application/json")
    });
    let providers = openai(
        &server.url,
        "[pricing]\n\"m1\" = { input = 1.0, output = 1.0 }",
    );
    let ws = workspace(&providers, PROMPT, &suite(5));
    let r = eval(ws.path(), &[]);
    assert_eq!(r.code(), 1, "{}", r.stderr());
    for (id, shown) in [
        ("c1", "-5"),
        ("c2", "2.5"),
        ("c3", "\"12\""),
        ("c4", "18446744073709551615"),
    ] {
        assert_eq!(
            r.error(id),
            format!(
                "provider `real`: malformed response: usage.completion_tokens is {shown}, not a token count (a whole number from 0 to 1000000000)"
            )
        );
    }
    assert_eq!(r.case("c5")["status"], "pass");
    assert_eq!(r.case("c5")["tokens"], json!({"input": 3, "output": 7}));
    assert_eq!(server.count(), 5, "not retried");
}

// ---------------------------------------------------------------------------------------
// https: the server's certificate is checked against the system's roots.
// ---------------------------------------------------------------------------------------

/// `openssl` with `args` in `dir`, which must succeed.
fn openssl(dir: &Path, args: &[&str]) {
    let o = std::process::Command::new("openssl")
        .current_dir(dir)
        .args(args)
        .output()
        .expect("the openssl command is installed");
    assert!(o.status.success(), "openssl {args:?}: {}", stderr(&o));
}

/// A TLS server (`openssl s_server`) on 127.0.0.1 whose certificate is signed by a CA of
/// the test's own, killed when dropped. It never answers a POST: a client that got past
/// the handshake times out.
struct TlsServer {
    child: std::process::Child,
    port: u16,
}

impl TlsServer {
    fn start(dir: &Path) -> TlsServer {
        openssl(
            dir,
            &[
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-keyout",
                "ca.key",
                "-out",
                "ca.pem",
                "-days",
                "2",
                "-subj",
                "/CN=promptwright-test-ca",
            ],
        );
        openssl(
            dir,
            &[
                "req",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-keyout",
                "leaf.key",
                "-out",
                "leaf.csr",
                "-subj",
                "/CN=127.0.0.1",
            ],
        );
        std::fs::write(
            dir.join("ext"),
            "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n",
        )
        .unwrap();
        openssl(
            dir,
            &[
                "x509",
                "-req",
                "-in",
                "leaf.csr",
                "-CA",
                "ca.pem",
                "-CAkey",
                "ca.key",
                "-CAcreateserial",
                "-out",
                "leaf.pem",
                "-days",
                "2",
                "-extfile",
                "ext",
            ],
        );
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = std::process::Command::new("openssl")
            .current_dir(dir)
            .args([
                "s_server",
                "-accept",
                &format!("127.0.0.1:{port}"),
                "-cert",
                "leaf.pem",
                "-key",
                "leaf.key",
                "-www",
                "-quiet",
            ])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        // Listening once a connection is accepted; the deadline only catches a hang.
        let deadline = Instant::now() + HANG;
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "openssl s_server never listened");
            std::thread::sleep(Duration::from_millis(20));
        }
        TlsServer { child, port }
    }
}

impl Drop for TlsServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn https_is_verified_against_the_system_roots() {
    let certs = tempfile::tempdir().unwrap();
    let server = TlsServer::start(certs.path());
    let providers = format!(
        "[providers.real]\nkind = \"openai\"\nbase_url = \"https://127.0.0.1:{}/v1\"\ntimeout_s = 0.5\nmax_retries = 0\n",
        server.port
    );
    let ws = workspace(&providers, PROMPT, &suite(1));
    // The system's roots do not include the test's CA: the certificate is refused.
    let run = eval(ws.path(), &[]);
    let err = run.error("c1");
    assert!(
        err.contains("invalid peer certificate: UnknownIssuer"),
        "{err}"
    );
    // Roots read from SSL_CERT_FILE (where the system's roots are looked up) with the
    // test's CA in it: the handshake passes, and only the silent server times out.
    let ca = certs.path().join("ca.pem");
    let run = eval_env(
        ws.path(),
        &[],
        &[
            ("SSL_CERT_FILE", ca.to_str().unwrap()),
            ("SSL_CERT_DIR", "/nonexistent"),
        ],
    );
    let err = run.error("c1");
    assert!(err.contains("timed out"), "{err}");
    assert!(!err.contains("certificate"), "{err}");
}

#[test]
fn no_usable_root_certificates_is_a_clear_error_before_any_call() {
    let providers = "[providers.real]\nkind = \"openai\"\nbase_url = \"https://127.0.0.1:9/v1\"\ntimeout_s = 0.5\nmax_retries = 0\n";
    let ws = workspace(providers, PROMPT, &suite(1));
    let empty = ws.path().join("no-certs.pem");
    std::fs::write(&empty, "").unwrap();
    let run = eval_env(
        ws.path(),
        &[],
        &[
            ("SSL_CERT_FILE", empty.to_str().unwrap()),
            ("SSL_CERT_DIR", "/nonexistent"),
        ],
    );
    assert_eq!(run.code(), 2, "{}", run.stderr());
    let err = run.stderr();
    assert!(err.contains("cannot set up the HTTP client"), "{err}");
    assert!(err.contains("SSL_CERT_FILE"), "{err}");
    assert!(!err.contains("internal error"), "{err}");
}
