"""Building small notebooks for the export tests, and reading what an export wrote."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import nbformat

from jupyter_mltrack.export import plan, script
from jupyter_mltrack.export.sanitize import Scrubber


def cell(source: str, kind: str = "code", tags: tuple[str, ...] = ()) -> Any:
    metadata = {"tags": list(tags)} if tags else {}
    if kind == "markdown":
        return nbformat.v4.new_markdown_cell(source, metadata=metadata)
    if kind == "raw":
        return nbformat.v4.new_raw_cell(source, metadata=metadata)
    return nbformat.v4.new_code_cell(source, metadata=metadata)


def notebook(*cells: Any) -> Any:
    nb = nbformat.v4.new_notebook()
    nb.cells = [c if not isinstance(c, str) else cell(c) for c in cells]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return nb


def write(nb: Any, path: Path) -> Path:
    nbformat.write(nb, str(path))
    return path


def main_py(nb: Any) -> str:
    """main.py for a notebook, as export writes it."""
    return script.render(plan.make_plan(nb, None), "demo", "demo.ipynb", "0", Scrubber()).text


def run_script(folder: str | Path, *args: str, home: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MLTRACK_")}
    env["MLTRACK_HOME"] = str(home)
    return subprocess.run([sys.executable, "main.py", *args], cwd=folder, env=env, capture_output=True, text=True,
                          timeout=300)


def tree_text(folder: str | Path) -> dict[str, str]:
    """Every file under ``folder`` (relative path -> text)."""
    found = {}
    for path in sorted(Path(folder).rglob("*")):
        if path.is_file():
            found[str(path.relative_to(folder))] = path.read_text(encoding="utf-8", errors="replace")
    return found
