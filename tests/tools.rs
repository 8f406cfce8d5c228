//! Tools, structured output, conversations and images, end to end: the binary on a
//! workspace in a temporary folder, against local servers speaking OpenAI's and
//! Anthropic's real wire formats, which check what they are sent and answer with tool
//! calls.

// Test set-up stops at the first failure; a panic is the report.
#![allow(clippy::unwrap_used)]

mod common;

use common::server::{Reply, Server};
use common::{code, run_in, stderr, stdout, write};
use serde_json::{Value, json};

/// The PNG signature and a few bytes: what promptwright checks an image by.
const PNG: &[u8] = b"\x89PNG\r\n\x1a\nnot really pixels";

const PROMPT: &str = r#"model = "m1"
tool_choice = "auto"

[[tools]]
name = "lookup_order"
description = "Find an order by its id"
parameters = { type = "object", properties = { order_id = { type = "string" } }, required = ["order_id"] }

[[tools]]
name = "refund"
parameters = "schemas/refund.json"

[[messages]]
role = "system"
content = "You help with orders."

[[messages]]
insert = "history"

[[messages]]
role = "user"
content = "{{ question }}"
images = ["images/dot.png", "{{ photo }}"]
"#;

const SUITE: &str = r#"prompt = "p"

[[cases]]
id = "lookup"
vars = { question = "Where is it?", photo = "https://img.example.test/p.jpg", history = [
  { role = "user", content = "I ordered a lamp." },
  { role = "assistant", content = "", tool_calls = [{ name = "lookup_order", arguments = { order_id = "A-1" } }] },
  { role = "tool", content = "{\"status\": \"lost\"}" },
] }
[[cases.assert]]
type = "tool-called"
value = "lookup_order"
[[cases.assert]]
type = "tool-args"
value = { name = "lookup_order", args = { order_id = "A-17" } }
[[cases.assert]]
type = "not-tool-called"
value = "cancel_order"

[[cases]]
id = "undeclared"
vars = { question = "Cancel it", photo = "images/dot.png", history = [] }
[[cases.assert]]
type = "is-valid-tool-call"
"#;

/// The shared test workspace (prompt `p`, suite `s`) with this file's prompt and suite,
/// a tool schema file beside the prompt and an image.
fn workspace(providers: &str) -> tempfile::TempDir {
    let dir = common::server::workspace(providers, PROMPT, SUITE);
    write(
        dir.path(),
        "prompts/schemas/refund.json",
        r#"{"type": "object", "properties": {"order_id": {"type": "string"}, "amount": {"type": "number"}}, "required": ["order_id"]}"#,
    );
    write(dir.path(), "images/dot.png", PNG);
    dir
}

fn openai(url: &str) -> String {
    format!(
        "[providers.real]\nkind = \"openai\"\nbase_url = \"{url}/v1\"\nconcurrency = 1\ntimeout_s = 10\nmax_retries = 0\n"
    )
}

fn eval(root: &std::path::Path) -> (i32, Value, String) {
    let out = run_in(root, &["eval", "--format", "json"]);
    let json = serde_json::from_str(&stdout(&out)).unwrap_or(Value::Null);
    (code(&out), json, stderr(&out))
}

fn case<'a>(run: &'a Value, id: &str) -> &'a Value {
    run["runs"][0]["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .unwrap()
}

/// An OpenAI answer whose message calls tools (arguments as JSON text, as OpenAI sends them).
fn calls(calls: &[(&str, &str)]) -> Reply {
    let tool_calls: Vec<Value> = calls
        .iter()
        .enumerate()
        .map(|(i, (name, args))| {
            json!({"id": format!("call_{i}"), "type": "function", "function": {"name": name, "arguments": args}})
        })
        .collect();
    Reply::new(
        200,
        json!({
            "id": "chatcmpl-1", "object": "chat.completion", "model": "m1",
            "choices": [{"index": 0, "finish_reason": "tool_calls",
                         "message": {"role": "assistant", "content": null, "tool_calls": tool_calls}}],
            "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15}
        })
        .to_string(),
    )
    .header("content-type", "application/json")
}

#[test]
fn openai_gets_tools_history_and_images_and_its_tool_calls_are_scored() {
    let server = Server::start(|hit, _| {
        if hit.body["messages"].to_string().contains("Cancel it") {
            calls(&[("cancel_order", r#"{"order_id": "A-17"}"#)])
        } else {
            calls(&[
                ("lookup_order", r#"{"order_id": "A-17"}"#),
                ("refund", "{order_id: A-17"),
            ])
        }
    });
    let ws = workspace(&openai(&server.url));
    let (exit, run, err) = eval(ws.path());
    assert_eq!(exit, 1, "one case fails on purpose: {err}");
    let hits = server.hits();
    assert_eq!(hits.len(), 2);
    let hit = hits
        .iter()
        .find(|h| h.body.to_string().contains("lamp"))
        .unwrap();
    let body = &hit.body;
    assert_eq!(body["tool_choice"], "auto");
    assert_eq!(
        body["tools"][0],
        json!({"type": "function", "function": {
            "name": "lookup_order", "description": "Find an order by its id",
            "parameters": {"type": "object", "properties": {"order_id": {"type": "string"}}, "required": ["order_id"]}
        }})
    );
    // A schema file beside the prompt is sent inline.
    assert_eq!(
        body["tools"][1]["function"]["parameters"]["properties"]["amount"],
        json!({"type": "number"})
    );
    let messages = body["messages"].as_array().unwrap();
    assert_eq!(messages.len(), 5, "{body:#}");
    assert_eq!(
        messages[0],
        json!({"role": "system", "content": "You help with orders."})
    );
    assert_eq!(
        messages[1],
        json!({"role": "user", "content": "I ordered a lamp."})
    );
    assert_eq!(
        messages[2],
        json!({"role": "assistant", "content": null, "tool_calls": [{
            "id": "call_2_1", "type": "function",
            "function": {"name": "lookup_order", "arguments": "{\"order_id\":\"A-1\"}"}
        }]})
    );
    assert_eq!(
        messages[3],
        json!({"role": "tool", "tool_call_id": "call_2_1", "content": "{\"status\": \"lost\"}"})
    );
    use base64::Engine;
    let data_url = format!(
        "data:image/png;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(PNG)
    );
    assert_eq!(
        messages[4],
        json!({"role": "user", "content": [
            {"type": "text", "text": "Where is it?"},
            {"type": "image_url", "image_url": {"url": data_url}},
            {"type": "image_url", "image_url": {"url": "https://img.example.test/p.jpg"}},
        ]})
    );

    let lookup = case(&run, "lookup");
    assert_eq!(lookup["status"], "pass", "{lookup:#}");
    assert_eq!(
        lookup["tool_calls"],
        json!([
            {"name": "lookup_order", "arguments": {"order_id": "A-17"}},
            {"name": "refund", "arguments": "{order_id: A-17", "malformed": true}
        ])
    );
    // A call to a tool the prompt never declared is a failed assertion, not a crash.
    let undeclared = case(&run, "undeclared");
    assert_eq!(undeclared["status"], "fail", "{undeclared:#}");
    let reason = undeclared["assertions"][0]["reason"].as_str().unwrap();
    assert!(
        reason.contains(
            "`cancel_order`, which is not a declared tool (declared: lookup_order, refund)"
        ),
        "{reason}"
    );

    // The table shows the calls under the failing case.
    let table = stdout(&run_in(ws.path(), &["eval"]));
    assert!(
        table.contains(r#"→ calls: cancel_order({"order_id":"A-17"})"#),
        "{table}"
    );
    assert_eq!(
        server.count(),
        2,
        "the second run is answered from the cache"
    );

    // The image's bytes are part of the cache key: new bytes, new calls.
    write(ws.path(), "images/dot.png", [PNG, b"!"].concat());
    let (_, again, _) = eval(ws.path());
    assert_eq!(server.count(), 4);
    assert_eq!(case(&again, "lookup")["cached"], false);
}

#[test]
fn anthropic_gets_input_schemas_tool_use_blocks_and_base64_images() {
    let server = Server::start(|_, _| {
        Reply::new(
            200,
            json!({
                "content": [
                    {"type": "text", "text": "Looking it up."},
                    {"type": "tool_use", "id": "toolu_1", "name": "lookup_order", "input": {"order_id": "A-17"}}
                ],
                "stop_reason": "tool_use",
                "usage": {"input_tokens": 20, "output_tokens": 9}
            })
            .to_string(),
        )
        .header("content-type", "application/json")
    });
    let providers = format!(
        "[providers.real]\nkind = \"anthropic\"\nbase_url = \"{}\"\nconcurrency = 1\ntimeout_s = 10\nmax_retries = 0\n",
        server.url
    );
    let ws = workspace(&providers);
    let prompt = PROMPT.replace("tool_choice = \"auto\"", "tool_choice = \"lookup_order\"");
    write(ws.path(), "prompts/p.toml", prompt);
    let (_, run, err) = eval(ws.path());
    let hit = server
        .hits()
        .into_iter()
        .find(|h| h.body.to_string().contains("lamp"))
        .unwrap_or_else(|| panic!("{err}"));
    let body = &hit.body;
    assert_eq!(body["system"], "You help with orders.");
    assert_eq!(
        body["tool_choice"],
        json!({"type": "tool", "name": "lookup_order"})
    );
    assert_eq!(
        body["tools"][0]["input_schema"]["required"],
        json!(["order_id"])
    );
    assert_eq!(body["tools"][1]["name"], "refund");
    let messages = body["messages"].as_array().unwrap();
    assert_eq!(
        messages[1],
        json!({"role": "assistant", "content": [
            {"type": "tool_use", "id": "call_2_1", "name": "lookup_order", "input": {"order_id": "A-1"}}
        ]})
    );
    assert_eq!(
        messages[2],
        json!({"role": "user", "content": [
            {"type": "tool_result", "tool_use_id": "call_2_1", "content": "{\"status\": \"lost\"}"}
        ]})
    );
    use base64::Engine;
    assert_eq!(
        messages[3]["content"][0],
        json!({"type": "image", "source": {"type": "base64", "media_type": "image/png",
               "data": base64::engine::general_purpose::STANDARD.encode(PNG)}})
    );
    assert_eq!(
        messages[3]["content"][1],
        json!({"type": "image", "source": {"type": "url", "url": "https://img.example.test/p.jpg"}})
    );
    assert_eq!(
        messages[3]["content"][2],
        json!({"type": "text", "text": "Where is it?"})
    );
    let lookup = case(&run, "lookup");
    assert_eq!(lookup["status"], "pass", "{lookup:#}");
    assert_eq!(lookup["output"], "Looking it up.");
    assert_eq!(
        lookup["tool_calls"],
        json!([{"name": "lookup_order", "arguments": {"order_id": "A-17"}}])
    );
}

#[test]
fn structured_output_goes_as_a_response_format_or_a_forced_tool() {
    let schema = r#"{"type": "object", "properties": {"category": {"type": "string"}}, "required": ["category"]}"#;
    let prompt = "model = \"m1\"\n\n[response_format]\ntype = \"json_schema\"\nname = \"triage\"\nschema = \"../evals/schemas/triage.json\"\nstrict = true\n\n[[messages]]\nrole = \"user\"\ncontent = \"{{ ticket }}\"\n";
    let suite = "prompt = \"triage\"\n\n[[cases]]\nid = \"c\"\nvars = { ticket = \"My card was charged twice\" }\n[[cases.assert]]\ntype = \"json-schema\"\nvalue = \"schemas/triage.json\"\n";
    let openai_server =
        Server::start(|_, _| common::server::chat(r#"{"category": "billing"}"#, 5, 5));
    let anthropic_server = Server::start(|_, _| {
        Reply::new(
            200,
            json!({
                "content": [{"type": "tool_use", "id": "t1", "name": "triage", "input": {"category": "billing"}}],
                "usage": {"input_tokens": 5, "output_tokens": 5}
            })
            .to_string(),
        )
        .header("content-type", "application/json")
    });
    for (kind, url) in [
        ("openai", format!("{}/v1", openai_server.url)),
        ("anthropic", anthropic_server.url.clone()),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        write(
            root,
            "workspace.toml",
            format!(
                "[workspace]\nname = \"t\"\ndefault_provider = \"real\"\n\n[providers.real]\nkind = \"{kind}\"\nbase_url = \"{url}\"\nmax_retries = 0\n"
            ),
        );
        write(root, "prompts/triage.toml", prompt);
        write(root, "evals/schemas/triage.json", schema);
        write(root, "evals/triage.toml", suite);
        let (exit, run, err) = eval(root);
        assert_eq!(exit, 0, "{kind}: {err}");
        let c = &run["runs"][0]["cases"][0];
        assert_eq!(c["status"], "pass", "{kind}: {c:#}");
        assert_eq!(
            c["tool_calls"],
            json!([]),
            "{kind}: the structured answer is the output, not a call"
        );
        assert_eq!(
            serde_json::from_str::<Value>(c["output"].as_str().unwrap()).unwrap(),
            json!({"category": "billing"})
        );
    }
    let sent = &openai_server.hits()[0].body;
    assert_eq!(
        sent["response_format"],
        json!({"type": "json_schema", "json_schema": {"name": "triage", "strict": true,
               "schema": serde_json::from_str::<Value>(schema).unwrap()}})
    );
    let sent = &anthropic_server.hits()[0].body;
    assert_eq!(
        sent["tool_choice"],
        json!({"type": "tool", "name": "triage"})
    );
    assert_eq!(sent["tools"][0]["name"], "triage");
    assert_eq!(
        sent["tools"][0]["input_schema"]["required"],
        json!(["category"])
    );
}

/// `check` on a workspace whose prompt or suite has one problem: exit 2 and the
/// message at the culprit's line.
fn check_fails(prompt: &str, suite: Option<&str>, at: &str, says: &str) {
    let ws = workspace("[providers.real]\nkind = \"echo\"\n");
    write(ws.path(), "prompts/p.toml", prompt);
    if let Some(s) = suite {
        write(ws.path(), "evals/s.toml", s);
    }
    let out = run_in(ws.path(), &["check"]);
    let err = stderr(&out);
    assert_eq!(code(&out), 2, "{err}");
    assert!(err.contains(at), "expected `{at}` in:\n{err}");
    assert!(err.contains(says), "expected `{says}` in:\n{err}");
}

#[test]
fn check_names_each_bad_tool_schema_image_and_conversation_at_its_line() {
    check_fails(
        &PROMPT.replace("tool_choice = \"auto\"", "tool_choice = \"lookup\""),
        None,
        "prompts/p.toml:2:",
        "tool_choice names `lookup`, which is not a declared tool",
    );
    check_fails(
        &PROMPT.replace(
            "type = \"string\" } }, required",
            "type = \"strng\" } }, required",
        ),
        None,
        "prompts/p.toml:7:",
        "`parameters` is not a valid JSON Schema",
    );
    check_fails(
        &PROMPT.replace("images/dot.png", "images/none.png"),
        None,
        "prompts/p.toml:23:",
        "cannot read image `images/none.png`",
    );
    check_fails(
        &PROMPT.replace("schemas/refund.json", "../../outside.json"),
        None,
        "prompts/p.toml:11:",
        "outside the workspace",
    );
    check_fails(
        &PROMPT.replace(
            "insert = \"history\"",
            "insert = \"history\"\nrole = \"user\"",
        ),
        None,
        "prompts/p.toml:18:",
        "message 2 has `insert` and other keys",
    );
    check_fails(
        &PROMPT.replace("content = \"{{ question }}\"\n", ""),
        None,
        "prompts/p.toml:21:",
        "message 3 needs `role` and `content`",
    );
    let many: String = (0..129)
        .map(|i| format!("[[tools]]\nname = \"t{i}\"\nparameters = {{ type = \"object\" }}\n"))
        .collect();
    check_fails(
        &format!("model = \"m\"\n{many}[[messages]]\nrole = \"user\"\ncontent = \"x\"\n"),
        Some("prompt = \"p\"\n[[cases]]\nid = \"a\"\n"),
        &format!("prompts/p.toml:{}:", 2 + 128 * 3 + 1),
        "more than 128 tools",
    );
    check_fails(
        PROMPT,
        Some(&SUITE.replace("role = \"tool\"", "role = \"robot\"")),
        "evals/s.toml:3:",
        "case `lookup`: `history` is not a conversation: message 3: unknown role `robot`",
    );
    check_fails(
        PROMPT,
        Some(&SUITE.replace("history = []", "history = \"hello\"")),
        "evals/s.toml:",
        "case `undeclared`: `history` is not a conversation: expected a list of messages, found text",
    );
}

#[test]
fn an_image_over_20_mb_is_refused_at_its_line() {
    let ws = workspace("[providers.real]\nkind = \"echo\"\n");
    let f = std::fs::File::create(ws.path().join("images/dot.png")).unwrap();
    f.set_len(20 * 1024 * 1024 + 1).unwrap();
    let out = run_in(ws.path(), &["check"]);
    assert_eq!(code(&out), 2);
    let err = stderr(&out);
    assert!(err.contains("prompts/p.toml:23:"), "{err}");
    assert!(err.contains("over the 20 MB the providers accept"), "{err}");
}

#[test]
fn the_demo_order_assistant_replays_its_tool_calls_into_every_report() {
    let dir = tempfile::tempdir().unwrap();
    common::copy_demo(std::path::Path::new(env!("CARGO_MANIFEST_DIR")), dir.path());
    let root = dir.path();
    let run = |format: &str| stdout(&run_in(root, &["eval", "order-status", "--format", format]));
    let json: Value = serde_json::from_str(&run("json")).unwrap();
    let cases = json["runs"][0]["cases"].as_array().unwrap();
    let failing: Vec<&str> = cases
        .iter()
        .filter(|c| c["status"] != "pass")
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(failing, ["cancel-without-id"]);
    let lookup = cases.iter().find(|c| c["id"] == "where-is-a-17").unwrap();
    assert_eq!(
        lookup["tool_calls"],
        json!([{"name": "lookup_order", "arguments": {"order_id": "A-17"}}])
    );
    let junit = run("junit");
    assert!(
        junit.contains("<system-out>→ cancel_order({\n  &quot;order_id&quot;: &quot;last&quot;"),
        "{junit}"
    );
    let markdown = run("markdown");
    assert!(
        markdown
            .contains(r#"calls: cancel_order({"order_id":"last","reason":"customer request"})"#),
        "{markdown}"
    );
}

#[test]
fn render_names_a_bad_conversation_or_image_with_how_to_fix_it() {
    let ws = workspace("[providers.real]\nkind = \"echo\"\n");
    let render = |vars: Value| {
        let out = run_in(
            ws.path(),
            &["render", "p", "--ref", "draft", "--vars", &vars.to_string()],
        );
        (code(&out), stderr(&out))
    };
    let (exit, err) =
        render(json!({"question": "q", "photo": "https://x.test/a.png", "history": "hello"}));
    assert_eq!(exit, 2, "{err}");
    assert!(
        err.contains("`history` is not a conversation: expected a list of messages, found text"),
        "{err}"
    );
    assert!(
        err.contains("help: pass `history` as a list of messages"),
        "{err}"
    );
    let (exit, err) =
        render(json!({"question": "q", "photo": "http://x.test/a.png", "history": []}));
    assert_eq!(exit, 2, "{err}");
    assert!(
        err.contains("only https URLs and workspace paths are allowed, not http://"),
        "{err}"
    );
    let (exit, err) = render(json!({"question": "q", "photo": "images/none.png", "history": []}));
    assert_eq!(exit, 2, "{err}");
    assert!(err.contains("cannot read image `images/none.png`"), "{err}");
}
