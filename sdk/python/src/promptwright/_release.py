"""Reading a release file and rendering it as promptwright's engine does."""

from __future__ import annotations

import hashlib
import os
import re
from typing import Any, Dict, List, Optional

try:
    import tomllib
except ModuleNotFoundError:  # Python < 3.11
    import tomli as tomllib  # type: ignore[no-redef]

import minijinja

from ._errors import MissingVariable, ReleaseError, TamperedRelease
from . import _wire
from ._json import dumps, sorted_keys

_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
_VERSION = re.compile(r"^v([1-9][0-9]*)$")
# The engine's budget per render (all messages together).
_FUEL = 5_000_000
_MAX_FILE_BYTES = 16 << 20
_DEFAULT_MAX_TOKENS = 1024
_RESERVED = ("model", "messages", "system", "stream")
_ROLES = ("system", "user", "assistant")


def _read(path: str) -> Optional[bytes]:
    try:
        with open(path, "rb") as f:
            data = f.read(_MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        return None
    except OSError as e:
        raise ReleaseError(f"cannot read {path}: {e}") from e
    if len(data) > _MAX_FILE_BYTES:
        raise ReleaseError(f"{path} is over {_MAX_FILE_BYTES >> 20} MiB: not a release file")
    return data


def _inside(root: str, rel: str) -> str:
    """The real path of `rel` under `root`; a link out of the workspace is refused."""
    real_root = os.path.realpath(root)
    path = os.path.realpath(os.path.join(real_root, rel))
    if os.path.commonpath([real_root, path]) != real_root:
        raise ReleaseError(f"{rel} leads out of the workspace; nothing is read through it")
    return path


def content_sha256(definition: Dict[str, Any]) -> str:
    """The hash of a prompt definition: SHA-256 of its canonical JSON (fields in the
    engine's order, params sorted), hex."""
    canonical: Dict[str, Any] = {}
    for key in ("description", "provider", "model"):
        if definition.get(key) is not None:
            canonical[key] = definition[key]
    params = definition.get("params") or {}
    if params:
        canonical["params"] = sorted_keys(params)
    if definition.get("tool_choice") is not None:
        canonical["tool_choice"] = definition["tool_choice"]
    if definition.get("tools"):
        canonical["tools"] = [_wire.canonical_tool(t) for t in definition["tools"]]
    if definition.get("response_format") is not None:
        canonical["response_format"] = _wire.canonical_format(definition["response_format"])
    if definition.get("image_sha256"):
        canonical["image_sha256"] = sorted_keys(definition["image_sha256"])
    canonical["messages"] = [_wire.canonical_message(m) for m in definition["messages"]]
    return hashlib.sha256(dumps(canonical).encode("utf-8")).hexdigest()


def _provider_kind(root: str, provider: Optional[str]) -> Optional[str]:
    """The kind of the prompt's provider (or the default one) in workspace.toml."""
    data = _read(_inside(root, "workspace.toml"))
    if data is None:
        return None
    try:
        ws = tomllib.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError):
        return None
    name = provider or (ws.get("workspace") or {}).get("default_provider")
    p = (ws.get("providers") or {}).get(name) if isinstance(name, str) else None
    kind = p.get("kind") if isinstance(p, dict) else None
    return kind if kind in ("echo", "openai", "anthropic", "replay") else None


class Release:
    """One released version of a prompt, verified."""

    def __init__(self, root: str, name: str, ref: str, path: str, data: Dict[str, Any]):
        self.root = root
        self.name = name
        self.ref = ref
        self.path = path
        self.version: int = data["version"]
        self.content_sha256: str = data["content_sha256"]
        self.model: Optional[str] = data.get("model")
        self.provider: Optional[str] = data.get("provider")
        self.params: Dict[str, Any] = data.get("params") or {}
        self._definition = data
        self._messages = data["messages"]
        self._env = minijinja.Environment(
            undefined_behavior="strict",
            auto_escape_callback=lambda _name: False,
            fuel=_FUEL,
            pycompat=False,
        )

    def __repr__(self) -> str:
        return f"<promptwright.Release {self.name} v{self.version} ({self.ref})>"

    def _render_str(self, template: str, ctx: Dict[str, Any]) -> str:
        try:
            return self._env.render_str(template, **ctx)
        except minijinja.TemplateError as e:
            if getattr(e, "kind", "") == "UndefinedError":
                raise MissingVariable(f"missing variable: {e.message}") from None
            raise ReleaseError(f"template error: {e.message}") from None

    def _chat(self, vars: Dict[str, Any], read_images: bool) -> List[Dict[str, Any]]:
        if not isinstance(vars, dict):
            raise ReleaseError("the variables are not a dict (a JSON object)")
        ctx = sorted_keys(vars)
        out: List[Dict[str, Any]] = []
        for m in self._messages:
            if "insert" in m:
                var = m["insert"]
                if var not in vars:
                    raise MissingVariable(f"missing variable: `{var}`")
                try:
                    out.extend(_wire.history(vars[var]))
                except ValueError as e:
                    raise ReleaseError(f"`{var}` is not a conversation: {e}") from None
                continue
            text = self._render_str(m["content"], ctx)
            images = []
            for written in m.get("images") or []:
                ref = self._render_str(written, ctx)
                images.append(_wire.image(ref, self.root) if read_images else {"ref": ref.strip()})
            out.append({"role": m["role"], "content": text, "images": images, "tool_calls": []})
        return out

    def messages(self, vars: Dict[str, Any]) -> List[Dict[str, Any]]:
        """The messages rendered with `vars`, a conversation slot filled with the case's
        messages; a missing variable raises MissingVariable. Each is `{role, content}`,
        plus `images` (the references as rendered), `tool_calls` and `tool_call_id`
        when it has them."""
        out = []
        for m in self._chat(vars, read_images=False):
            shown: Dict[str, Any] = {"role": m["role"], "content": m["content"]}
            if m["images"]:
                shown["images"] = [i["ref"] for i in m["images"]]
            if m["tool_calls"]:
                shown["tool_calls"] = m["tool_calls"]
            if m.get("tool_call_id") is not None:
                shown["tool_call_id"] = m["tool_call_id"]
            out.append(shown)
        return out

    def render(self, vars: Dict[str, Any], format: Optional[str] = None) -> Dict[str, Any]:
        """The request body, as `promptwright render` prints it: `format` is "openai" or
        "anthropic", by default the wire format of the prompt's provider."""
        kind = _provider_kind(self.root, self.provider)
        if format not in (None, "openai", "anthropic"):
            raise ReleaseError(f"unknown format {format!r}: use 'openai' or 'anthropic'")
        wire = format or ("anthropic" if kind == "anthropic" else "openai")
        model = self.model
        if model is None:
            if kind in ("echo", "replay"):
                model = kind
            else:
                raise ReleaseError(f"prompt `{self.name}` names no model")
        messages = self._chat(vars, read_images=True)
        body: Dict[str, Any] = {}
        extra = self.params.get("extra")
        if isinstance(extra, dict):
            for k, v in extra.items():
                if k not in _RESERVED:
                    body[k] = v
        for k, v in self.params.items():
            if k != "extra":
                body[k] = v
        body["model"] = model
        if wire == "anthropic":
            body.setdefault("max_tokens", _DEFAULT_MAX_TOKENS)
            system = [m["content"] for m in messages if m["role"] == "system"]
            if system:
                body["system"] = "\n\n".join(system)
            body["messages"] = _wire.anthropic_messages(messages)
            _wire.anthropic_tools(body, self._definition)
        else:
            body["messages"] = [_wire.openai_message(m) for m in messages]
            _wire.openai_tools(body, self._definition)
        return sorted_keys(body)

    def render_json(self, vars: Dict[str, Any], format: Optional[str] = None) -> str:
        """The body as the exact text `promptwright render` prints (with its newline)."""
        return dumps(self.render(vars, format), indent=2) + "\n"


def _parse(path: str, data: bytes) -> Dict[str, Any]:
    try:
        doc = tomllib.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
        raise ReleaseError(f"{path} is not a release file: {e}") from None
    version = doc.get("version")
    sha = doc.get("content_sha256")
    messages = doc.get("messages")
    if not isinstance(version, int) or version < 1 or not isinstance(sha, str) or not isinstance(messages, list) or not messages:
        raise ReleaseError(f"{path} is not a release file: it needs version, content_sha256 and messages")
    for m in messages:
        slot = isinstance(m, dict) and isinstance(m.get("insert"), str)
        images = m.get("images", []) if isinstance(m, dict) else None
        text = (isinstance(m, dict) and m.get("role") in _ROLES and isinstance(m.get("content"), str)
                and isinstance(images, list) and all(isinstance(i, str) for i in images))
        if not (slot or text):
            raise ReleaseError(f"{path}: every message needs a role (system, user, assistant) and a content, or is an insert slot")
    keys = ("description", "provider", "model", "params", "tool_choice", "tools", "response_format", "image_sha256")
    definition = {k: doc.get(k) for k in keys}
    definition["messages"] = messages
    try:
        actual = content_sha256(definition)
    except TypeError as e:  # a TOML date in params: not something the engine releases
        raise ReleaseError(f"{path}: {e}") from None
    if actual != sha:
        raise TamperedRelease(
            f"{path}: content_sha256 does not match the prompt definition in this file "
            "(it was edited after it was released)"
        )
    return doc


def load(workspace: "str | os.PathLike[str]", name: str, ref: str = "current") -> Release:
    """Loads prompt `name` of the workspace at `workspace` at `ref`: `current`, `vN` or
    a label. Raises TamperedRelease for a file edited after release, ReleaseError for
    anything else that is wrong."""
    root = os.fspath(workspace)
    if not _NAME.match(name):
        raise ReleaseError(f"`{name}` is not a prompt name")
    v = _VERSION.match(ref)
    if ref == "current":
        rel = f"releases/{name}.toml"
    elif v:
        rel = f"releases/{name}/v{v.group(1)}.toml"
    elif ref != "draft" and _NAME.match(ref):
        rel = f"releases/{name}@{ref}.toml"
    else:
        raise ReleaseError(f"bad ref `{ref}`: use current, vN (e.g. v3) or a label such as production")
    path = _inside(root, rel)
    data = _read(path)
    if data is None:
        raise ReleaseError(f"prompt `{name}` has no `{ref}`: {rel} does not exist")
    doc = _parse(rel, data)
    if v and doc["version"] != int(v.group(1)):
        raise TamperedRelease(f"{rel} says version = {doc['version']}, but its name says {ref}")
    if not v and ref != "current":
        version_rel = f"releases/{name}/v{doc['version']}.toml"
        original = _read(_inside(root, version_rel))
        if original is not None and original != data:
            raise TamperedRelease(
                f"tampered label file: {rel} says version = {doc['version']}, but it differs from {version_rel}"
            )
    return Release(root, name, ref, path, doc)
