"""``mltrack export`` / ``mltrack run`` (real subprocesses) and ``%mltrack export`` (a real IPython
shell) call the same services: the same project comes out, and errors are one line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import jupyter_mltrack as mlt
from tests.export.kit import cell, notebook, tree_text, write
from tests.magics.shellkit import Shell

pytestmark = pytest.mark.slow

CELLS = [cell("n = 3", tags=("parameters",)), "%%track squares\ntotal_score = sum(i * i for i in range(n))"]


def mltrack(*args: str, home: Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MLTRACK_")}
    env["MLTRACK_HOME"] = str(home)
    program = Path(sys.executable).with_name("mltrack")
    return subprocess.run([str(program), *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


def test_cli_export_then_run(tmp_path: Path, isolated_home: Path) -> None:
    write(notebook(*CELLS), tmp_path / "squares.ipynb")
    done = mltrack("export", "squares.ipynb", "proj", "--name", "sq", home=isolated_home, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        f"Exported squares.ipynb as project 'sq' in {tmp_path / 'proj'}.",
        "Parameters: n (int).",
        f"Run it with: mltrack run {tmp_path / 'proj'}",
    ]
    ran = mltrack("run", "proj", "-P", "n=4", "--experiment", "cli", home=isolated_home, cwd=tmp_path)
    assert ran.returncode == 0, ran.stderr
    run_id = ran.stdout.split()[1]
    assert ran.stdout.strip() == f"Run {run_id} FINISHED."
    run = mlt.get_run(run_id)
    assert run.data.metrics["total_score"] == 14 and run.data.params["n"] == "4"

    bad = mltrack("run", "proj", "-P", "n=four", home=isolated_home, cwd=tmp_path)
    assert bad.returncode == 1
    assert bad.stderr.strip() == ("Error: Parameter 'n' must be an int, got 'four' (not a number). "
                                  "Pass it as -P n=VALUE with a valid int.")
    again = mltrack("export", "squares.ipynb", "proj", home=isolated_home, cwd=tmp_path)
    assert again.returncode == 1 and again.stderr.count("\n") == 1 and "is not empty" in again.stderr
    missing = mltrack("export", "nope.ipynb", "x", home=isolated_home, cwd=tmp_path)
    assert missing.returncode == 1 and missing.stderr.startswith("Error: Notebook 'nope.ipynb' does not exist.")
    pair = mltrack("run", "proj", "-P", "oops", home=isolated_home, cwd=tmp_path)
    assert pair.returncode == 2 and "expected KEY=VALUE, got 'oops'" in pair.stderr


def test_cli_run_of_a_failing_notebook_is_an_error_line(tmp_path: Path, isolated_home: Path) -> None:
    write(notebook("1 / 0"), tmp_path / "bad.ipynb")
    done = mltrack("run", "bad.ipynb", home=isolated_home, cwd=tmp_path)
    assert done.returncode == 1
    last = done.stderr.strip().splitlines()[-1]  # (the kernel may warn before it)
    assert last.startswith("Error: Run ")
    assert last.endswith("FAILED: cell 0 raised ZeroDivisionError: division by zero.")


def test_magic_export_writes_the_same_project_as_the_cli(
    shell: Shell, tmp_path: Path, isolated_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(notebook(*CELLS), tmp_path / "squares.ipynb")
    monkeypatch.setenv("JPY_SESSION_NAME", str(path))
    exported = shell.run("%mltrack export")
    assert exported.error is None, exported.stderr
    folder = tmp_path / "squares-project"
    assert f"Exported squares.ipynb as project 'squares' in {folder}." in exported.stdout
    assert mltrack("export", str(path), str(tmp_path / "cli"), home=isolated_home, cwd=tmp_path).returncode == 0
    magic_files, cli_files = tree_text(folder), tree_text(tmp_path / "cli")
    assert magic_files.keys() == cli_files.keys()
    assert magic_files["main.py"] == cli_files["main.py"] and magic_files["MLproject"] == cli_files["MLproject"]

    again = shell.run(f"%mltrack export {folder}")
    assert type(again.error).__name__ == "UsageError"
    assert str(again.error).startswith("%mltrack export: ") and "is not empty" in str(again.error)
    assert shell.run(f"%mltrack export {folder} --force --name renamed").error is None
    assert "name: renamed" in (folder / "MLproject").read_text()


def test_magic_export_without_a_notebook_says_what_to_do(shell: Shell, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    cell_ = shell.run("%mltrack export out")
    assert type(cell_.error).__name__ == "UsageError"
    assert "cannot tell which notebook file" in str(cell_.error) and "mltrack export NOTEBOOK.ipynb" in str(cell_.error)
