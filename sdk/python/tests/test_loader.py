"""The loader on its own: refs and labels, the content hash, tampering, missing
variables, and numbers written exactly as the engine writes them."""

from __future__ import annotations

import json
import pathlib

import pytest

import promptwright
from promptwright._json import dumps

WORKSPACE = """[workspace]
name = "t"
default_provider = "local"

[providers.local]
kind = "echo"

[providers.claude]
kind = "anthropic"
api_key_env = "ANTHROPIC_API_KEY"

[gate]
min_pass_rate = 0.0

[labels.staging]
"""

PROMPT = """model = "m1"
[params]
temperature = 0.00001234
top_k = 3
top_p = 0.1
max_tokens = 77
stop_sequences = ["\\u0001", "é"]
[params.extra]
huge = 12345678901234567
big = 1e16
small = 1e-5
neg = -0.0
ratio = 1e-7
[[messages]]
role = "system"
content = "Rules:{% for k, v in opts|items %} {{ k }}={{ v }}{% endfor %}"
[[messages]]
role = "user"
content = "Say {{ word }} {{ n }}"
"""

SUITE = """prompt = "p"
[[cases]]
id = "c1"
vars = { word = "w1", n = 0.5, opts = { b = 1, a = 2 } }
[[cases.assert]]
type = "min-length"
value = 1
"""

VARS = {"word": "héllo \"q\"\n", "n": 2.5e-6, "opts": {"zeta": 1, "alpha": [1.0, None, True]}}


def write(root: pathlib.Path, rel: str, text: str) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


@pytest.fixture
def ws(tmp_path, cli):
    write(tmp_path, "workspace.toml", WORKSPACE)
    write(tmp_path, "prompts/p.toml", PROMPT)
    write(tmp_path, "evals/p.toml", SUITE)
    cli(tmp_path, "release", "p", "--note", "first")
    return tmp_path


def test_floats_strings_and_key_order_match_the_cli_byte_for_byte(ws, cli):
    p = promptwright.load(ws, "p")
    assert (p.version, p.model) == (1, "m1")
    for fmt in (None, "openai", "anthropic"):
        args = ["render", "p", "--vars", json.dumps(VARS)] + (["--format", fmt] if fmt else [])
        want = cli(ws, *args).stdout
        assert p.render_json(VARS, format=fmt).encode("utf-8") == want
    # The default format follows the provider's kind in workspace.toml.
    write(ws, "workspace.toml", WORKSPACE.replace('default_provider = "local"', 'default_provider = "claude"'))
    want = cli(ws, "render", "p", "--vars", json.dumps(VARS)).stdout
    assert b'"system"' in want
    assert p.render_json(VARS).encode("utf-8") == want


def test_messages_are_rendered_with_sorted_maps_like_the_engine(ws):
    p = promptwright.load(ws, "p", ref="v1")
    msgs = p.messages(VARS)
    assert msgs[0] == {"role": "system", "content": "Rules: alpha=[1.0, None, True] zeta=1"}
    assert msgs[1]["role"] == "user"


def test_a_label_loads_its_version_and_a_tampered_label_is_refused(ws, cli):
    with pytest.raises(promptwright.ReleaseError, match="has no `staging`"):
        promptwright.load(ws, "p", ref="staging")
    cli(ws, "promote", "p", "--to", "staging", "--reason", "ok")
    p = promptwright.load(ws, "p", ref="staging")
    assert p.version == 1
    assert p.content_sha256 == promptwright.load(ws, "p").content_sha256
    label = ws / "releases/p@staging.toml"
    label.write_text(label.read_text() + "\n# edited\n")
    with pytest.raises(promptwright.TamperedRelease, match="tampered label file"):
        promptwright.load(ws, "p", ref="staging")


def test_a_tampered_release_and_a_missing_variable_raise(ws):
    with pytest.raises(promptwright.MissingVariable):
        promptwright.load(ws, "p").messages({"word": "w"})
    current = ws / "releases/p.toml"
    current.write_text(current.read_text().replace("Say {{ word }}", "Say {{ word }}!"))
    with pytest.raises(promptwright.TamperedRelease, match="content_sha256"):
        promptwright.load(ws, "p")
    assert issubclass(promptwright.TamperedRelease, promptwright.ReleaseError)


def test_bad_refs_and_names_are_release_errors(ws):
    for ref in ("v0", "draft", "V1", "../x"):
        with pytest.raises(promptwright.ReleaseError):
            promptwright.load(ws, "p", ref=ref)
    with pytest.raises(promptwright.ReleaseError, match="not a prompt name"):
        promptwright.load(ws, "../p")
    with pytest.raises(promptwright.ReleaseError, match="v9"):
        promptwright.load(ws, "p", ref="v9")


@pytest.mark.parametrize(
    "x, text",
    [
        (1.0, "1.0"),
        (0.25, "0.25"),
        (1e16, "1e+16"),
        (1.5e300, "1.5e+300"),
        (1e15, "1000000000000000.0"),
        (1e-5, "0.00001"),
        (1e-7, "1e-7"),
        (-2.5e-300, "-2.5e-300"),
        (123456789.125, "123456789.125"),
    ],
)
def test_numbers_are_written_as_serde_json_writes_them(x, text):
    assert dumps(x) == text


def test_the_import_makes_no_network_call(monkeypatch):
    import socket
    import importlib

    def refuse(*a, **k):
        raise AssertionError("network at import")

    monkeypatch.setattr(socket, "socket", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    importlib.reload(promptwright)


TOOLS_PROMPT = """model = "m1"
tool_choice = "lookup"

[[tools]]
name = "lookup"
description = "Find an order"
parameters = { type = "object", properties = { id = { type = "integer" } }, required = ["id"] }

[response_format]
type = "json_schema"
name = "answer"
schema = { type = "object", properties = { text = { type = "string" } } }
strict = true

[[messages]]
role = "system"
content = "Be brief."

[[messages]]
insert = "history"

[[messages]]
role = "user"
content = "{{ q }}"
images = ["img/dot.png", "{{ photo }}"]
"""

TOOLS_VARS = {
    "q": "And now?",
    "photo": "https://img.example.test/p.jpg",
    "history": [
        {"role": "user", "content": "Where is 7?"},
        {"role": "assistant", "content": None, "tool_calls": [
            {"name": "lookup", "arguments": {"id": 7}},
            {"id": "c9", "type": "function", "function": {"name": "lookup", "arguments": "{not json"}},
        ]},
        {"role": "tool", "content": "{\"status\": \"late\"}"},
        {"role": "tool", "tool_call_id": "c9", "content": "??"},
    ],
}


def test_tools_images_and_conversations_render_as_the_cli_does(tmp_path, cli):
    write(tmp_path, "workspace.toml", WORKSPACE)
    write(tmp_path, "prompts/t.toml", TOOLS_PROMPT)
    (tmp_path / "img").mkdir()
    (tmp_path / "img" / "dot.png").write_bytes(b"\x89PNG\r\n\x1a\nnot really pixels")
    write(tmp_path, "evals/t.toml", 'prompt = "t"\n[[cases]]\nid = "c"\nvars = { q = "x", photo = "img/dot.png", history = [] }\n')
    cli(tmp_path, "release", "t", "--note", "first")
    p = promptwright.load(tmp_path, "t")
    for fmt in ("openai", "anthropic"):
        want = cli(tmp_path, "render", "t", "--vars", json.dumps(TOOLS_VARS), "--format", fmt).stdout
        assert p.render_json(TOOLS_VARS, format=fmt).encode("utf-8") == want, fmt
    body = p.render(TOOLS_VARS, format="anthropic")
    assert body["tool_choice"] == {"type": "tool", "name": "lookup"}
    assert [t["name"] for t in body["tools"]] == ["lookup", "answer"]
    assert body["messages"][2]["content"][0]["tool_use_id"] == "call_2_1"
    msgs = p.messages(TOOLS_VARS)
    assert msgs[-1]["images"] == ["img/dot.png", "https://img.example.test/p.jpg"]
    assert msgs[2]["tool_calls"][1]["malformed"] is True
    with pytest.raises(promptwright.ReleaseError, match="unknown role `robot`"):
        p.render(dict(TOOLS_VARS, history=[{"role": "robot", "content": "x"}]))
    with pytest.raises(promptwright.ReleaseError, match="leads out of the workspace"):
        p.render(dict(TOOLS_VARS, photo="../../etc/passwd"))
    # Editing the image changes the prompt's content: the release pinned its bytes.
    assert "img/dot.png" in p._definition["image_sha256"]
