"""The point of export: track an example notebook, export it pinned to one of its runs, run the
project, and every tracked run's metrics come back identical (the pinned one in the project's run,
the others as its child runs, matched by name). Real kernels (nbclient), real subprocesses."""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

import jupyter_mltrack as mlt
from jupyter_mltrack import projects
from jupyter_mltrack.export import export_notebook

pytestmark = pytest.mark.slow

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
#: Measured, not computed: what a cell cost (wall/CPU time, memory) differs on every run.
COST = ("cell.",)


def comparable(metrics: dict[str, float]) -> dict[str, float]:
    return {k: v for k, v in metrics.items() if not k.startswith(COST)}


def history(run_id: str, key: str) -> list[tuple[int, float]]:
    return [(m.step, m.value) for m in mlt.get_metric_history(run_id, key)]


def track(name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / name
    shutil.copy(NOTEBOOKS / name, path)
    monkeypatch.setenv("JPY_SESSION_NAME", str(path))
    notebook = nbformat.read(path, as_version=4)
    NotebookClient(notebook, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    monkeypatch.delenv("JPY_SESSION_NAME")
    return path


@pytest.mark.parametrize(
    ("notebook", "experiment", "pinned"),
    [
        ("quickstart.ipynb", "quickstart-wine", "random-forest"),
        ("pytorch_loop.ipynb", "pytorch-loop", "mlp-regression"),
        ("autolog_tour.ipynb", "autolog-tour", "xgboost"),
    ],
)
def test_exported_project_reproduces_the_notebook_runs(
    notebook: str, experiment: str, pinned: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = track(notebook, tmp_path, monkeypatch)
    tracked = {r.info.run_name: r for r in mlt.search_runs(experiment_names=[experiment], output_format="list")
               if r.info.source and r.info.source.startswith("%%track")}
    original = tracked[pinned]

    project = export_notebook(path, tmp_path / "project", run_id=original.info.run_id)
    result = projects.run(project.path, experiment_name="reproduced")
    assert result.status == "FINISHED", result.error

    reproduced = mlt.get_run(result.run_id)
    assert reproduced.data.tags["mltrack.project.source_run_id"] == original.info.run_id
    assert comparable(original.data.metrics), "the pinned run has metrics to compare"
    assert comparable(reproduced.data.metrics) == comparable(original.data.metrics)
    for key in comparable(original.data.metrics):  # stepped metrics (a loss per epoch): the whole history
        assert history(reproduced.info.run_id, key) == history(original.info.run_id, key), key
    assert original.data.params.items() <= reproduced.data.params.items()
    children = {r.info.run_name: r for r in mlt.search_runs(
        experiment_names=["reproduced"], filter_string=f"tags.mlflow.parentRunId = '{result.run_id}'",
        output_format="list")}
    others = [name for name, run in tracked.items() if name != pinned and run.info.parent_run_id is None]
    assert set(others) <= set(children)
    for name in others:
        assert comparable(children[name].data.metrics) == comparable(tracked[name].data.metrics), name
    digests = {i.dataset.name: i.dataset.digest for i in original.inputs.dataset_inputs}
    assert {i.dataset.name: i.dataset.digest for i in reproduced.inputs.dataset_inputs} == digests
