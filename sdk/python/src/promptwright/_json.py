"""JSON text byte for byte as promptwright writes it (Rust's serde_json): the content
hash is taken over it, and `promptwright render` prints it.

Python's own `json` differs in one place that matters: numbers. serde_json writes the
shortest round-tripping digits like Python's repr, but switches to exponent notation at
other thresholds (0.00001 is decimal there, 1e-05 here) and writes no leading zero in
the exponent (1e-7, 1e+16). Strings are escaped alike by both, and non-ASCII text is
written as is.
"""

from __future__ import annotations

import math
from typing import Any

_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _string(s: str) -> str:
    out = ['"']
    for ch in s:
        esc = _ESCAPES.get(ch)
        if esc is not None:
            out.append(esc)
        elif ord(ch) < 0x20:
            out.append("\\u%04x" % ord(ch))
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def _float(x: float) -> str:
    """A finite float as serde_json (ryu) writes it."""
    if math.isnan(x) or math.isinf(x):
        # serde_json writes null for these; TOML allows them, JSON does not.
        return "null"
    if x == 0.0:
        return "-0.0" if math.copysign(1.0, x) < 0 else "0.0"
    sign = "-" if x < 0 else ""
    r = repr(abs(x))
    # Shortest digits and the decimal exponent, from Python's repr (the same digits
    # ryu finds: both print the shortest string that reads back as the same double).
    if "e" in r:
        mant, exp = r.split("e")
        exp = int(exp)
    else:
        mant, exp = r, 0
    if "." in mant:
        ip, fp = mant.split(".")
    else:
        ip, fp = mant, ""
    digits = (ip + fp).lstrip("0")
    # value = 0.DIGITS × 10^point
    point = len(ip) + exp if ip != "0" else exp - (len(fp) - len(fp.lstrip("0")))
    digits = digits.rstrip("0") or "0"
    n = len(digits)
    k = point - n  # value = DIGITS × 10^k
    kk = point
    if 0 <= k and kk <= 16:
        body = digits + "0" * k + ".0"
    elif 0 < kk <= 16:
        body = digits[:kk] + "." + digits[kk:]
    elif -5 < kk <= 0:
        body = "0." + "0" * (-kk) + digits
    else:
        e = kk - 1
        exp = ("e+" if e > 0 else "e") + str(e)
        body = digits + exp if n == 1 else digits[0] + "." + digits[1:] + exp
    return sign + body


def dumps(value: Any, indent: int | None = None) -> str:
    """`serde_json::to_string` (indent None) or `to_string_pretty` (indent 2). Dict
    keys are written in the dict's order: sort them first where serde_json would."""
    return _dump(value, indent, 0)


def _dump(v: Any, indent: int | None, level: int) -> str:
    if v is None:
        return "null"
    if v is True:
        return "true"
    if v is False:
        return "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return _float(v)
    if isinstance(v, str):
        return _string(v)
    if isinstance(v, (list, tuple)):
        if not v:
            return "[]"
        items = [_dump(i, indent, level + 1) for i in v]
        if indent is None:
            return "[" + ",".join(items) + "]"
        pad = " " * (indent * (level + 1))
        return "[\n" + ",\n".join(pad + i for i in items) + "\n" + " " * (indent * level) + "]"
    if isinstance(v, dict):
        if not v:
            return "{}"
        sep = ":" if indent is None else ": "
        items = [_string(str(k)) + sep + _dump(val, indent, level + 1) for k, val in v.items()]
        if indent is None:
            return "{" + ",".join(items) + "}"
        pad = " " * (indent * (level + 1))
        return "{\n" + ",\n".join(pad + i for i in items) + "\n" + " " * (indent * level) + "}"
    raise TypeError(f"cannot write {type(v).__name__} as JSON")


def sorted_keys(v: Any) -> Any:
    """The value with every dict's keys sorted, as serde_json's maps keep them."""
    if isinstance(v, dict):
        return {k: sorted_keys(v[k]) for k in sorted(v)}
    if isinstance(v, list):
        return [sorted_keys(i) for i in v]
    return v
