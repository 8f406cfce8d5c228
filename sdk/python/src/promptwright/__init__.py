"""Load a prompt released with promptwright, verify it, and render it.

    import promptwright
    p = promptwright.load("path/to/workspace", "support-reply", ref="production")
    p.version, p.content_sha256          # hash verified on load
    p.messages({"ticket": "..."})        # [{"role": ..., "content": ...}, ...]
    p.render({"ticket": "..."}, format="openai")   # equal to `promptwright render`'s JSON

`ref` is `current` (releases/NAME.toml), `vN` (releases/NAME/vN.toml) or a label
(releases/NAME@LABEL.toml, which must also be an exact copy of its version file when
that file is present). Nothing here touches the network.
"""

from __future__ import annotations

from ._errors import MissingVariable, ReleaseError, TamperedRelease
from ._json import dumps
from ._release import Release, load

__all__ = ["load", "Release", "ReleaseError", "MissingVariable", "TamperedRelease", "dumps"]
