"""Shared fixtures: the promptwright binary the loader is compared with, and scratch
workspaces."""

from __future__ import annotations

import os
import pathlib
import shutil
import subprocess

import pytest

REPO = pathlib.Path(__file__).resolve().parents[3]


def _binary() -> "pathlib.Path | None":
    given = os.environ.get("PROMPTWRIGHT_BIN")
    if given:
        return pathlib.Path(given)
    for profile in ("debug", "release"):
        p = REPO / "target" / profile / "promptwright"
        if p.is_file():
            return p
    return None


@pytest.fixture(scope="session")
def cli():
    """Runs the promptwright binary; without one (build it with `cargo build`) the test
    is skipped, except under CI=true, where it fails."""
    binary = _binary()
    if binary is None or not binary.is_file():
        if os.environ.get("CI") == "true":
            pytest.fail("no promptwright binary: run `cargo build` or set PROMPTWRIGHT_BIN")
        pytest.skip("no promptwright binary: run `cargo build` or set PROMPTWRIGHT_BIN")

    def run(root, *args, check=True):
        env = dict(os.environ, USER="tester", GIT_CONFIG_GLOBAL="/dev/null", GIT_CONFIG_NOSYSTEM="1")
        out = subprocess.run([str(binary), "-w", str(root), *args], capture_output=True, env=env, timeout=600)
        if check and out.returncode != 0:
            raise AssertionError(f"promptwright {' '.join(args)} exited {out.returncode}: {out.stderr.decode()}")
        return out

    return run


@pytest.fixture
def demo(tmp_path):
    """A copy of the repository's demo workspace."""
    root = tmp_path / "demo"
    root.mkdir()
    shutil.copy(REPO / "workspace.toml", root / "workspace.toml")
    for d in ("prompts", "evals", "releases"):
        shutil.copytree(REPO / d, root / d)
    return root
