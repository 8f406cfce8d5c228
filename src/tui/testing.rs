//! What the TUI's tests share: writing workspace files and making key messages.

use std::path::Path;

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::app::App;
use super::msg::{Cmd, Msg};

/// A temporary workspace named `demo` whose only provider, `local`, is the offline echo;
/// `more` is appended to its workspace.toml (a `[gate]`, say).
pub fn echo_workspace(more: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "workspace.toml",
        &format!(
            "[workspace]\nname = \"demo\"\ndefault_provider = \"local\"\n[providers.local]\nkind = \"echo\"\n{more}"
        ),
    );
    dir
}

pub fn write(root: &Path, rel: &str, text: &str) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

/// The frame at `w`×`h` with the temporary folder's path replaced, so it reads the same
/// anywhere.
pub fn masked_screen(app: &App, root: &Path, w: u16, h: u16) -> String {
    let mut t = ratatui::Terminal::new(ratatui::backend::TestBackend::new(w, h)).unwrap();
    super::render(&mut t, app).unwrap();
    let mut text = t.backend().to_string();
    // The folder's path, and its name (the workspace's name while workspace.toml is
    // broken), are random.
    let shown = root.display().to_string();
    let name = root.file_name().unwrap().to_string_lossy().into_owned();
    for s in [shown, name] {
        let masked = format!("{:<width$}", "WS", width = s.chars().count());
        text = text.replace(&s, &masked);
    }
    text
}

pub fn key(code: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

pub fn ch(c: char) -> Msg {
    key(KeyCode::Char(c))
}

pub fn ctrl(c: char) -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL))
}

/// The plan requests among commands (the workspace they carry aside).
pub fn requests(cmds: &[Cmd]) -> Vec<promptwright_core::plan::PlanRequest> {
    cmds.iter()
        .filter_map(|c| match c {
            Cmd::StartRun { request, .. } => Some(request.clone()),
            _ => None,
        })
        .collect()
}

/// Performs commands as the workbench does (see `drive::settle`): runs through the
/// runner, files written, timers waited for, every result fed back to the app.
pub fn perform(app: &mut App, root: &Path, cmds: Vec<Cmd>) {
    super::drive::settle(app, root, cmds, |app, m| app.update(m)).unwrap();
}

/// A local OpenAI-compatible server on 127.0.0.1: each chat request's body goes to
/// `answer`, whose text is the reply. Returns its base URL (`http://…/v1`).
pub fn serve_openai<F, Fut>(answer: F) -> String
where
    F: Fn(serde_json::Value) -> Fut + Clone + Send + Sync + 'static,
    Fut: std::future::Future<Output = String> + Send + 'static,
{
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Runtime::new().unwrap();
        rt.block_on(async move {
            let app = axum::Router::new().route(
                "/v1/chat/completions",
                axum::routing::post(move |axum::Json(body): axum::Json<serde_json::Value>| {
                    let answer = answer.clone();
                    async move {
                        let content = answer(body).await;
                        axum::Json(serde_json::json!({
                            "choices": [{"message": {"role": "assistant", "content": content}}],
                            "usage": {"prompt_tokens": 10, "completion_tokens": 5}
                        }))
                    }
                }),
            );
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            tx.send(listener.local_addr().unwrap()).unwrap();
            axum::serve(listener, app).await.unwrap();
        });
    });
    format!("http://{}/v1", rx.recv().unwrap())
}

/// Executes a `StartRun` command to the end, feeding every event to the app.
pub fn execute(app: &mut App, cmds: Vec<Cmd>) {
    let [Cmd::StartRun { ws, request }] = cmds.as_slice() else {
        panic!("expected one StartRun, got {cmds:?}")
    };
    let plans = promptwright_core::plan::plans(ws, request).unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        for p in plans {
            let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
            let task = tokio::spawn(promptwright_core::runner::run(
                p,
                tx,
                tokio_util::sync::CancellationToken::new(),
            ));
            while let Some(ev) = rx.recv().await {
                app.update(Msg::Run(ev));
            }
            task.await.unwrap().unwrap();
        }
    });
}

/// A release of `text` (a prompt file) as `greet` v1 and current, with minimal evidence.
pub fn release_v1(root: &Path, text: &str) {
    use promptwright_core::release::{Evidence, ReleaseFile, ReleaseInfo};
    let def: promptwright_core::workspace::PromptDef = toml::from_str(text).unwrap();
    let info = ReleaseInfo {
        version: 1,
        parent_version: None,
        released_at: "2026-11-20T10:00:00Z".into(),
        author: "Ada".into(),
        note: "first".into(),
    };
    let evidence = Evidence {
        run_id: "r".into(),
        suites: vec!["s".into()],
        cases: 3,
        passed: 3,
        pass_rate: 1.0,
        ..Evidence::default()
    };
    let toml = ReleaseFile::assemble(def, info, evidence)
        .to_toml()
        .unwrap();
    write(root, "releases/greet/v1.toml", &toml);
    write(root, "releases/greet.toml", &toml);
}

/// A screen with every latency (`12 ms`) shown as `N ms`, each line kept at its width:
/// latencies are the machine's, and a snapshot must not depend on how many digits they
/// have. In a column the padding after it takes up the difference; in running text,
/// the spaces before the line's last border.
pub fn masked_latencies(screen: &str) -> String {
    let ms = regex::Regex::new(r"\b\d+ ms( *)").unwrap();
    screen
        .lines()
        .map(|line| {
            let masked = ms
                .replace_all(line, |c: &regex::Captures| {
                    // Two spaces or more: padding of a column, which absorbs it.
                    if c[1].len() >= 2 {
                        format!("{:<w$}", "N ms", w = c[0].chars().count())
                    } else {
                        format!("N ms{}", &c[1])
                    }
                })
                .into_owned();
            let short = line.chars().count() - masked.chars().count();
            match masked.rfind('│') {
                Some(at) if short > 0 => {
                    format!("{}{}{}", &masked[..at], " ".repeat(short), &masked[at..])
                }
                _ => masked,
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn a_masked_screen_does_not_depend_on_how_many_digits_a_latency_has() {
    // Screens are as wide as the terminal: the lines are padded to one width.
    let screen = |a: &str, b: &str| {
        format!(
            "\"│PASS  ada  {a}    $0.0 │\"\n\"│{:<26}│\"",
            format!("latency {b} · cost $0.0")
        )
    };
    let one = masked_latencies(&screen("1 ms ", "1 ms"));
    assert_eq!(one, masked_latencies(&screen("12 ms", "123 ms")));
    assert!(one.contains("latency N ms · cost"), "{one}");
}
