"""Fixtures: a fresh real IPython shell per test, with the store in the test's MLTRACK_HOME."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.magics.shellkit import Shell, dispose_shell, new_shell


@pytest.fixture
def bare_shell(isolated_home: Path) -> Iterator[Shell]:
    """A fresh shell without the extension."""
    main = sys.modules.get("__main__")
    ip = new_shell()
    try:
        yield Shell(ip)
    finally:
        from jupyter_mltrack.magics import unload_ipython_extension

        unload_ipython_extension(ip)
        dispose_shell(ip)
        if main is not None:
            sys.modules["__main__"] = main


@pytest.fixture
def shell(bare_shell: Shell) -> Shell:
    """A fresh shell with ``%load_ext jupyter_mltrack`` run in it."""
    loaded = bare_shell.run("%load_ext jupyter_mltrack")
    assert loaded.error is None, loaded.stderr
    return bare_shell
