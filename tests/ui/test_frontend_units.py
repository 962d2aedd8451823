"""The labextension's own unit tests (the model layer, with vitest) and its strict type check,
run from pytest so the README's one test command covers them (``npm test`` in labextension/)."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from tests.ui.lab import REPO

LABEXTENSION = REPO / "labextension"


@pytest.mark.slow
def test_labextension_unit_tests_pass() -> None:
    npm = shutil.which("npm")
    assert npm, "Node.js and npm are needed to test the labextension"
    if not (LABEXTENSION / "node_modules" / ".bin" / "vitest").exists():
        # pip install builds the extension and installs node_modules; a bare checkout does it here
        jlpm = shutil.which("jlpm")
        assert jlpm, "jlpm (from jupyterlab) is needed to install the labextension's packages"
        subprocess.run([jlpm, "install"], cwd=LABEXTENSION, check=True, timeout=900)
    done = subprocess.run([npm, "test"], cwd=LABEXTENSION, capture_output=True, text=True, timeout=600)
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-6000:]
    assert " passed" in output and " failed" not in output.split("Tests")[-1], output[-3000:]
