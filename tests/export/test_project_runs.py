"""The exported script runs in a subprocess, alone and under ``projects.run``: it logs what the
notebook logged (checked against the same notebook run in a real kernel), the project's run is
linked to its source, and a failing script fails the run with its exit code and stderr."""

from __future__ import annotations

import subprocess
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

import jupyter_mltrack as mlt
from jupyter_mltrack import projects
from jupyter_mltrack.export import export_notebook
from tests.export.kit import notebook, run_script, write

pytestmark = pytest.mark.slow

CELLS = [
    "%load_ext jupyter_mltrack\n%mltrack experiment tiny",
    "import jupyter_mltrack as mlt\nfrom sklearn.metrics import f1_score\ny_true = [0, 1, 1, 0]",
    "%%track first -t team=core -p y_true\nthreshold = 0.5\nlabel = 'base'\n"
    "y_pred = [int(v > threshold) for v in [0.1, 0.9, 0.4, 0.2]]\n"
    "accuracy = sum(a == b for a, b in zip(y_true, y_pred)) / len(y_true)\n"
    "print(f1_score(y_true, y_pred))",
    "%mltrack log reviewed=yes",
    "%%track second\nsteps = 3\nfor step in range(steps):\n    mlt.log_metric('loss', 1 / (step + 1), step=step)",
]


def keys(run: mlt.Run) -> tuple[dict[str, str], set[str]]:
    return dict(run.data.params), {k for k in run.data.metrics if not k.startswith("cell.")}


def by_name(experiment: str) -> dict[str, mlt.Run]:
    return {r.info.run_name: r for r in mlt.search_runs(experiment_names=[experiment], output_format="list")}


def test_script_logs_what_the_notebook_logged(tmp_path: Path, isolated_home: Path) -> None:
    path = write(notebook(*CELLS), tmp_path / "tiny.ipynb")
    executed = nbformat.read(path, as_version=4)
    NotebookClient(executed, timeout=120, kernel_name="python3",
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    in_notebook = by_name("tiny")

    project = export_notebook(path, tmp_path / "project")
    done = run_script(project.path, home=isolated_home)  # alone: runs of their own, as in the notebook
    assert done.returncode == 0, done.stderr
    before = {r.info.run_id for r in in_notebook.values()}
    runs = mlt.search_runs(experiment_names=["tiny"], output_format="list")
    alone = {r.info.run_name: r for r in runs if r.info.run_id not in before}
    for name in ("first", "second"):
        assert keys(alone[name]) == keys(in_notebook[name]), name
    first = alone["first"]
    assert first.data.params == {"threshold": "0.5", "label": "base", "y_true": "[0, 1, 1, 0]",
                                 "y_pred": "[0, 1, 0, 0]", "reviewed": "yes"}
    assert {"accuracy", "f1_score_y_true"} <= set(first.data.metrics) and first.data.tags["team"] == "core"
    assert [m.value for m in mlt.get_metric_history(alone["second"].info.run_id, "loss")] == [1.0, 0.5, 1 / 3]


def test_project_run_is_the_pinned_cells_run_with_the_others_as_children(tmp_path: Path) -> None:
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    path = write(notebook(*CELLS), tmp_path / "tiny.ipynb")
    project = export_notebook(path, tmp_path / "project")
    subprocess.run(["git", "-C", str(tmp_path), "add", "-A"], check=True)
    subprocess.run(["git", "-C", str(tmp_path), "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "x"],
                   check=True)

    result = projects.run(project.path, parameters={"threshold": "0.95", "steps": "2"}, experiment_name="proj")
    assert result.status == "FINISHED" and result.wait() and result.get_status() == "FINISHED"
    run = mlt.get_run(result.run_id)
    tags = run.data.tags
    assert run.info.run_name == "first" and run.info.status == "FINISHED"
    assert tags["mlflow.source.type"] == "PROJECT" and tags["mlflow.project.entryPoint"] == "main"
    assert tags["mltrack.project.dir"] == project.path and tags["mltrack.project.source_notebook"] == str(path)
    assert len(tags["mlflow.source.git.commit"]) == 40 and tags["mltrack.project.exit_code"] == "0"
    assert run.data.params["threshold"] == "0.95" and run.data.metrics["accuracy"] == 0.5  # the given value ran
    [child] = mlt.search_runs(experiment_names=["proj"], output_format="list",
                              filter_string=f"tags.mlflow.parentRunId = '{result.run_id}'")
    assert child.info.run_name == "second" and child.data.params["steps"] == "2"


def test_a_failing_script_fails_the_run_with_its_stderr(tmp_path: Path) -> None:
    path = write(notebook("x = 1", "raise RuntimeError('no data for ' + str(x))"), tmp_path / "bad.ipynb")
    project = export_notebook(path, tmp_path / "project")
    result = projects.run(project.path)
    assert result.status == "FAILED" and not result.wait()
    run = mlt.get_run(result.run_id)
    assert run.info.status == "FAILED"
    assert run.data.tags["mltrack.project.exit_code"] == "1"
    assert "RuntimeError: no data for 1" in run.data.tags["mltrack.error.stderr"]
    assert "exited with status 1" in run.data.tags["mltrack.error.message"]
