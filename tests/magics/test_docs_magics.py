"""docs/magics.md runs: each ```ipython block is a cell of one real shell, in order; the profile
configuration it shows loads the extension in a real kernel; every option it must describe is there."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from tests.magics.shellkit import Shell

DOC = Path(__file__).resolve().parents[2] / "docs" / "magics.md"
FENCE = re.compile(r"^```(\w+)[^\n]*\n(.*?)^```", re.S | re.M)


def blocks(language: str) -> list[str]:
    return [body for lang, body in FENCE.findall(DOC.read_text()) if lang == language]


def test_ipython_examples_run_in_order(bare_shell: Shell) -> None:
    cells = blocks("ipython")
    assert len(cells) >= 10
    for number, code in enumerate(cells, 1):
        cell = bare_shell.run(code)
        raising = "raise ValueError" in code  # the documented failing cell
        assert (cell.error is not None) == raising, f"ipython block {number}:\n{code}\n{cell.stdout}\n{cell.stderr}"


def test_every_option_and_subcommand_is_documented() -> None:
    from jupyter_mltrack.magics import line, track

    text = DOC.read_text()
    parsers = [("%%track", track.parser())] + [(n, c.parser()) for n, c in line.all_commands().items()]
    for name, parser in parsers:
        assert f"`{name}" in text, name
        for action in parser._actions:
            if action.option_strings and "--help" not in action.option_strings:
                assert "/".join(action.option_strings) in text or action.option_strings[-1] in text, (name, action)


@pytest.mark.slow
def test_the_profile_configuration_loads_the_extension_in_every_kernel(tmp_path: Path, isolated_home: Path) -> None:
    from jupyter_client.manager import start_new_kernel

    [config] = blocks("py")
    profile = tmp_path / "ipython" / "profile_default"
    profile.mkdir(parents=True)
    (profile / "ipython_config.py").write_text(config)
    env = {**os.environ, "IPYTHONDIR": str(tmp_path / "ipython"), "MLTRACK_HOME": str(isolated_home)}
    manager, client = start_new_kernel(kernel_name="python3", env=env, cwd=str(tmp_path))
    try:
        reply = client.execute_interactive("%%track from-profile\nx = 1\n", timeout=120)
        assert reply["content"]["status"] == "ok"
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
    import jupyter_mltrack as mlt

    [run] = mlt.search_runs(output_format="list")
    assert run.info.run_name == "from-profile" and run.data.params == {"x": "1"}
