"""docs/cli.md: every `console` example runs, in order, against an empty store and prints what it shows.

In an example, `...` stands for any text (on one line, or whole lines when alone on its line).
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

DOC = Path(__file__).resolve().parents[2] / "docs" / "cli.md"

pytestmark = pytest.mark.slow


def console_examples(text: str) -> list[tuple[str, str]]:
    """(command line, expected output) for each `$ ` line of each ```console block."""
    examples: list[tuple[str, str]] = []
    for block in re.findall(r"^```console\n(.*?)^```", text, flags=re.MULTILINE | re.DOTALL):
        for chunk in re.split(r"^(?=\$ )", block, flags=re.MULTILINE):
            if chunk.strip():
                command, _, output = chunk.partition("\n")
                examples.append((command[2:], output.rstrip("\n")))
    return examples


def matches(expected: str, actual: str) -> bool:
    pattern = re.escape(expected).replace(re.escape("..."), ".*?")
    return re.fullmatch(pattern, actual.rstrip("\n"), flags=re.DOTALL) is not None


def test_examples_are_runnable_in_order(tmp_path: Path) -> None:
    examples = console_examples(DOC.read_text())
    assert len(examples) >= 12 and all(command.startswith("mltrack ") for command, _ in examples)
    executable = Path(sys.executable).with_name("mltrack")
    program = str(executable) if executable.exists() else shutil.which("mltrack")
    assert program
    env = {k: v for k, v in os.environ.items() if not k.startswith("MLTRACK_")}
    env["MLTRACK_HOME"] = str(tmp_path / "home")
    for command, expected in examples:
        args = shlex.split(command)
        result = subprocess.run([program, *args[1:]], capture_output=True, text=True, env=env, cwd=tmp_path,
                                timeout=120)
        assert result.returncode == 0, (command, result.stdout, result.stderr)
        assert matches(expected, result.stdout), (command, expected, result.stdout)


def test_every_command_and_option_is_documented() -> None:
    from click import Group

    from jupyter_mltrack.cli.main import cli

    doc = DOC.read_text()

    def walk(group: Group, prefix: str) -> None:
        for name, command in group.commands.items():
            path = f"{prefix} {name}"
            assert f"`{path}" in doc, f"{path} is not documented"
            if isinstance(command, Group):
                walk(command, path)
                continue
            for param in command.params:
                for option in param.opts:
                    if option.startswith("--") and option != "--help":
                        assert option in doc, f"{path} {option} is not documented"

    walk(cli, "mltrack")
    for option in ("--tracking-uri", "--version"):
        assert option in doc
