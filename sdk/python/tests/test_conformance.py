"""The loader against `promptwright render`: every case of every suite of the demo
workspace, in both wire formats, byte for byte."""

from __future__ import annotations

import json

import promptwright


def test_every_demo_case_renders_to_the_same_bytes_as_the_cli(cli, demo):
    # Exit 1 when a case fails: the demo has failing cases on purpose.
    runs = json.loads(cli(demo, "eval", "--format", "json", check=False).stdout)["runs"]
    compared = 0
    for run in runs:
        release = promptwright.load(demo, run["prompt"], ref="current")
        for case in run["cases"]:
            vars_json = json.dumps(case["vars"])
            for fmt in ("openai", "anthropic"):
                want = cli(demo, "render", run["prompt"], "--vars", vars_json, "--format", fmt).stdout
                got = release.render_json(case["vars"], format=fmt).encode("utf-8")
                assert got == want, f"{run['prompt']} {case['suite']}/{case['id']} {fmt}"
                assert release.render(case["vars"], format=fmt) == json.loads(want)
                compared += 1
            # Without --format: the wire format of the prompt's provider.
            want = cli(demo, "render", run["prompt"], "--vars", vars_json).stdout
            assert release.render_json(case["vars"]).encode("utf-8") == want
    assert compared >= 2 * 30, f"only {compared} renders compared: did the demo lose its suites?"
