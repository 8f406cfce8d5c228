"""Tools, structured output, conversations and images in the vendors' wire formats,
as the engine writes them (crates/promptwright-core/src/provider/wire_*.rs)."""

from __future__ import annotations

import base64
import hashlib
import json
import os
from typing import Any, Dict, List, Optional

from ._errors import ReleaseError
from ._json import dumps, sorted_keys

MAX_HISTORY = 1000
MAX_IMAGE_BYTES = 20 * 1024 * 1024
FORMAT_TOOL_DESCRIPTION = "Give your answer by calling this tool: its input is the answer."


def _kind(v: Any) -> str:
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "a boolean"
    if isinstance(v, (int, float)):
        return "a number"
    if isinstance(v, str):
        return "text"
    if isinstance(v, list):
        return "a list"
    return "an object"


def _call(v: Any) -> Dict[str, Any]:
    if not isinstance(v, dict):
        raise ValueError(f"expected an object, found {_kind(v)}")
    f = v.get("function", v)
    name = f.get("name") if isinstance(f, dict) else None
    if not isinstance(name, str):
        raise ValueError("missing `name`")
    args = f.get("arguments")
    call: Dict[str, Any] = {"name": name, "malformed": False}
    if isinstance(args, str):
        try:
            call["arguments"] = json.loads(args) if args.strip() else {}
        except ValueError:
            call["arguments"], call["malformed"] = args, True
    elif isinstance(args, dict):
        call["arguments"] = args
    elif args is None:
        call["arguments"] = {}
    else:
        raise ValueError(f"`arguments` must be an object, found {_kind(args)}")
    if isinstance(v.get("id"), str):
        call["id"] = v["id"]
    return call


def history(value: Any) -> List[Dict[str, Any]]:
    """A conversation from a case variable, as the engine reads it (history.rs)."""
    if not isinstance(value, list):
        raise ValueError(f"expected a list of messages, found {_kind(value)}")
    if len(value) > MAX_HISTORY:
        raise ValueError(f"{len(value)} messages, over the {MAX_HISTORY} a history may hold")
    out: List[Dict[str, Any]] = []
    waiting: List[str] = []
    for i, item in enumerate(value):
        n = i + 1
        if not isinstance(item, dict):
            raise ValueError(f"message {n}: expected an object with `role` and `content`, found {_kind(item)}")
        for key in item:
            if key not in ("role", "content", "tool_calls", "tool_call_id", "name"):
                raise ValueError(f"message {n}: unknown key `{key}`")
        role = item.get("role")
        if role not in ("user", "assistant", "tool"):
            raise ValueError(f"message {n}: unknown role `{role}`: a history message's role is user, assistant or tool")
        content = item.get("content")
        if content is None:
            content = ""
        elif not isinstance(content, str):
            raise ValueError(f"message {n}: `content` must be text, found {_kind(content)}")
        m: Dict[str, Any] = {"role": role, "content": content, "images": [], "tool_calls": []}
        calls = item.get("tool_calls")
        if calls is not None:
            if role != "assistant":
                raise ValueError(f"message {n}: only an assistant message has `tool_calls`")
            if not isinstance(calls, list):
                raise ValueError(f"message {n}: `tool_calls` must be a list, found {_kind(calls)}")
            waiting = []
            for k, c in enumerate(calls):
                try:
                    call = _call(c)
                except ValueError as e:
                    raise ValueError(f"message {n}: tool call {k + 1}: {e}") from None
                call.setdefault("id", f"call_{n}_{k + 1}")
                waiting.append(call["id"])
                m["tool_calls"].append(call)
        if role == "tool":
            cid = item.get("tool_call_id")
            if cid is None:
                if not waiting:
                    raise ValueError(f"message {n}: a tool result with no assistant tool call before it to answer")
                cid = waiting.pop(0)
            elif not isinstance(cid, str):
                raise ValueError(f"message {n}: `tool_call_id` must be text, found {_kind(cid)}")
            waiting = [w for w in waiting if w != cid]
            m["tool_call_id"] = cid
        elif "tool_call_id" in item:
            raise ValueError(f"message {n}: only a tool message has `tool_call_id`")
        if role == "user" and not content:
            raise ValueError(f"message {n}: missing `content`")
        out.append(m)
    return out


def _media_type(data: bytes) -> Optional[str]:
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"GIF87a") or data.startswith(b"GIF89a"):
        return "image/gif"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def image(rendered: str, root: str) -> Dict[str, Any]:
    """An image reference read as the engine reads it (image.rs): an https URL, or a
    PNG, JPEG, GIF or WebP file of at most 20 MB inside the workspace."""
    r = rendered.strip()
    if not r:
        raise ReleaseError("an image reference rendered to an empty string")
    lower = r.lower()
    if lower.startswith("https://"):
        return {"url": r}
    if "://" in lower and "/" not in lower.split("://", 1)[0]:
        raise ReleaseError(f"image `{r}`: only https URLs and workspace paths are allowed")
    if lower.startswith("data:"):
        raise ReleaseError("image: data URLs are not accepted; name a file in the workspace")
    real_root = os.path.realpath(root)
    path = os.path.realpath(os.path.join(real_root, r))
    if os.path.commonpath([real_root, path]) != real_root:
        raise ReleaseError(f"image `{r}` leads out of the workspace; nothing is read through it")
    try:
        size = os.path.getsize(path)
        if size > MAX_IMAGE_BYTES:
            raise ReleaseError(f"image `{r}` is over the 20 MB the providers accept")
        with open(path, "rb") as f:
            data = f.read(MAX_IMAGE_BYTES + 1)
    except OSError as e:
        raise ReleaseError(f"cannot read image `{r}`: {e.strerror}") from None
    media = _media_type(data)
    if media is None:
        raise ReleaseError(f"`{r}` is not a PNG, JPEG, GIF or WebP image")
    return {"media_type": media, "data": base64.b64encode(data).decode("ascii"),
            "sha256": hashlib.sha256(data).hexdigest()}


def _arguments_text(c: Dict[str, Any]) -> str:
    if c.get("malformed"):
        return c["arguments"]
    return dumps(sorted_keys(c["arguments"]))


def _data_url(img: Dict[str, Any]) -> str:
    return img["url"] if "url" in img else f"data:{img['media_type']};base64,{img['data']}"


def openai_message(m: Dict[str, Any]) -> Dict[str, Any]:
    out: Dict[str, Any] = {"role": m["role"]}
    if not m["images"]:
        empty_call = m["role"] == "assistant" and not m["content"] and m["tool_calls"]
        out["content"] = None if empty_call else m["content"]
    else:
        parts: List[Dict[str, Any]] = []
        if m["content"]:
            parts.append({"type": "text", "text": m["content"]})
        for img in m["images"]:
            parts.append({"type": "image_url", "image_url": {"url": _data_url(img)}})
        out["content"] = parts
    if m["tool_calls"]:
        out["tool_calls"] = [
            {"id": c.get("id", ""), "type": "function",
             "function": {"name": c["name"], "arguments": _arguments_text(c)}}
            for c in m["tool_calls"]
        ]
    if m.get("tool_call_id") is not None:
        out["tool_call_id"] = m["tool_call_id"]
    return out


def openai_tools(body: Dict[str, Any], d: Dict[str, Any]) -> None:
    tools = d.get("tools") or []
    if tools:
        out = []
        for t in tools:
            f: Dict[str, Any] = {"name": t["name"]}
            if t.get("description") is not None:
                f["description"] = t["description"]
            f["parameters"] = t["parameters"]
            out.append({"type": "function", "function": f})
        body["tools"] = out
    choice = d.get("tool_choice")
    if choice is not None:
        body["tool_choice"] = choice if choice in ("auto", "none", "required") else {
            "type": "function", "function": {"name": choice}}
    rf = d.get("response_format")
    if rf is not None:
        if rf["type"] == "json_object":
            body["response_format"] = {"type": "json_object"}
        else:
            s: Dict[str, Any] = {"name": rf.get("name") or "response",
                                 "schema": rf.get("schema") or {"type": "object"}}
            if rf.get("strict") is not None:
                s["strict"] = rf["strict"]
            body["response_format"] = {"type": "json_schema", "json_schema": s}


def _image_block(img: Dict[str, Any]) -> Dict[str, Any]:
    if "url" in img:
        return {"type": "image", "source": {"type": "url", "url": img["url"]}}
    return {"type": "image", "source": {"type": "base64", "media_type": img["media_type"], "data": img["data"]}}


def anthropic_messages(messages: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    out: List[Dict[str, Any]] = []
    for m in messages:
        if m["role"] == "system":
            continue
        if m["role"] == "tool":
            block = {"type": "tool_result", "tool_use_id": m.get("tool_call_id") or "", "content": m["content"]}
            last = out[-1] if out else None
            if (last is not None and last["role"] == "user" and isinstance(last["content"], list)
                    and all(b.get("type") == "tool_result" for b in last["content"])):
                last["content"].append(block)
            else:
                out.append({"role": "user", "content": [block]})
            continue
        if not m["images"] and not m["tool_calls"]:
            out.append({"role": m["role"], "content": m["content"]})
            continue
        blocks: List[Dict[str, Any]] = [_image_block(i) for i in m["images"]]
        if m["content"]:
            blocks.append({"type": "text", "text": m["content"]})
        for c in m["tool_calls"]:
            blocks.append({"type": "tool_use", "id": c.get("id", ""), "name": c["name"],
                           "input": {} if c.get("malformed") else c["arguments"]})
        out.append({"role": m["role"], "content": blocks})
    return out


def anthropic_tools(body: Dict[str, Any], d: Dict[str, Any]) -> None:
    declared = d.get("tools") or []
    tools = []
    for t in declared:
        v: Dict[str, Any] = {"name": t["name"]}
        if t.get("description") is not None:
            v["description"] = t["description"]
        v["input_schema"] = t["parameters"]
        tools.append(v)
    written = d.get("tool_choice")
    choice: Optional[Dict[str, Any]] = None
    if written is not None:
        choice = {"auto": {"type": "auto"}, "none": {"type": "none"}, "required": {"type": "any"}}.get(
            written, {"type": "tool", "name": written})
    rf = d.get("response_format")
    if rf is not None:
        name = rf.get("name") or "response"
        schema = (rf.get("schema") or {"type": "object"}) if rf["type"] == "json_schema" else {"type": "object"}
        tools.append({"name": name, "description": FORMAT_TOOL_DESCRIPTION, "input_schema": schema})
        if not declared:
            choice = {"type": "tool", "name": name}
        elif written in (None, "auto"):
            choice = {"type": "any"}
    if tools:
        body["tools"] = tools
    if choice is not None:
        body["tool_choice"] = choice


def canonical_message(m: Dict[str, Any]) -> Dict[str, Any]:
    if "insert" in m:
        return {"insert": m["insert"]}
    out: Dict[str, Any] = {"role": m["role"], "content": m["content"]}
    if m.get("images"):
        out["images"] = list(m["images"])
    return out


def canonical_tool(t: Dict[str, Any]) -> Dict[str, Any]:
    out: Dict[str, Any] = {"name": t["name"]}
    if t.get("description") is not None:
        out["description"] = t["description"]
    out["parameters"] = sorted_keys(t["parameters"])
    return out


def canonical_format(f: Dict[str, Any]) -> Dict[str, Any]:
    out: Dict[str, Any] = {"type": f["type"]}
    for k in ("name", "schema", "strict"):
        if f.get(k) is not None:
            out[k] = sorted_keys(f[k]) if k == "schema" else f[k]
    return out

