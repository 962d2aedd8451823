"""Docs are part of the product: every ```python block and every `$ mltrack ...` line in docs/ and
the README quickstart runs, in order, against a fresh store, so the examples cannot rot.

A documented command whose shown output has a line starting with ``Error:`` must fail with that
line; every other command must succeed.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = sorted((ROOT / "docs").glob("*.md"))
FENCE = re.compile(r"^```(\w+)[^\n]*\n(.*?)^```", re.S | re.M)


def blocks(path: Path, language: str) -> list[str]:
    return [body for lang, body in FENCE.findall(path.read_text()) if lang == language]


@pytest.mark.parametrize("doc", [p for p in DOCS if blocks(p, "python")], ids=lambda p: p.name)
def test_python_examples_run(doc: Path, isolated_home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    namespace: dict[str, object] = {"__name__": "__docs__"}
    for number, code in enumerate(blocks(doc, "python"), 1):
        try:
            exec(compile(code, f"{doc.name}[python block {number}]", "exec"), namespace)
        except Exception as exc:  # pragma: no cover - the message is the point
            pytest.fail(f"{doc.name}, python block {number} raised {exc!r}:\n{code}")


def test_readme_quickstart_runs(isolated_home: Path) -> None:
    for code in blocks(ROOT / "README.md", "python"):
        exec(compile(code, "README.md", "exec"), {"__name__": "__docs__"})


def console_steps(path: Path) -> list[tuple[str, list[str]]]:
    steps: list[tuple[str, list[str]]] = []
    for body in blocks(path, "console"):
        for line in body.splitlines():
            if line.startswith("$ "):
                steps.append((line[2:], []))
            elif steps:
                steps[-1][1].append(line)
    return steps


@pytest.mark.parametrize("doc", [p for p in DOCS if console_steps(p)], ids=lambda p: p.name)
def test_console_examples_run(doc: Path, tmp_path: Path) -> None:
    assert shutil.which("mltrack"), "the mltrack command is installed by `pip install -e .`"
    env = {**os.environ, "MLTRACK_HOME": str(tmp_path / "home"), "COLUMNS": "120"}
    env.pop("MLTRACK_TRACKING_URI", None)
    work = tmp_path / "work"
    work.mkdir()
    for command, shown in console_steps(doc):
        out = subprocess.run(["bash", "-c", command], cwd=work, env=env, capture_output=True, text=True, timeout=120)
        errors = [line for line in shown if line.startswith("Error:")]
        if errors:
            assert out.returncode != 0, f"{command!r} should fail as documented"
            assert errors[0].split("Error:", 1)[1].strip()[:40] in out.stderr, (command, out.stderr)
        else:
            assert out.returncode == 0, f"{command!r} failed:\n{out.stdout}\n{out.stderr}"
