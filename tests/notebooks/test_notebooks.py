"""The example notebooks run top to bottom in a real kernel (nbclient), so they never rot, and what
they claim to record is in the store afterwards."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import nbformat
import pytest
from nbclient import NotebookClient

import jupyter_mltrack as mlt
from jupyter_mltrack.tracking.client import Client

pytestmark = pytest.mark.slow

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
PLOTLY = "application/vnd.plotly.v1+json"


def execute(name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Any]:
    """Run a copy of the notebook as JupyterLab would (JPY_SESSION_NAME names it); no cell may fail."""
    path = tmp_path / name
    shutil.copy(NOTEBOOKS / name, path)
    monkeypatch.setenv("JPY_SESSION_NAME", str(path))
    notebook = nbformat.read(path, as_version=4)
    NotebookClient(
        notebook, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    ).execute()
    errors = [o for c in notebook.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert errors == []
    return path, notebook


def outputs(notebook: Any, mime: str) -> list[Any]:
    return [o["data"][mime] for c in notebook.cells for o in c.get("outputs", []) if mime in o.get("data", {})]


def experiment_runs(name: str) -> list[mlt.Run]:
    return list(mlt.search_runs(experiment_names=[name], output_format="list"))


def test_quickstart(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path, notebook = execute("quickstart.ipynb", tmp_path, monkeypatch)
    runs = {r.info.run_name: r for r in experiment_runs("quickstart-wine")}
    assert set(runs) == {"logistic-regression", "random-forest", "gradient-boosting"}
    for run in runs.values():
        assert run.info.status == "FINISHED"
        assert run.info.notebook_path == str(path)
        assert run.info.source.startswith(f"%%track {run.info.run_name}")
        assert 0.8 < run.data.metrics["accuracy"] <= 1 and "f1" in run.data.metrics
        assert {i.dataset.name for i in run.inputs.dataset_inputs} == {"X_train", "y_train"}
        assert [f.path for f in Client().list_artifacts(run.info.run_id, "notebook")] == ["notebook/quickstart.ipynb"]
    assert runs["random-forest"].data.params == {"n_estimators": "200", "max_depth": "6"}
    assert len(outputs(notebook, PLOTLY)) == 1  # the comparison's bar chart of accuracy and f1
    cards = [h for h in outputs(notebook, "text/html") if 'class="mltrack-run"' in h]
    assert len(cards) == 4  # one per tracked cell, and the best run as the last cell's value


def test_autolog_tour(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _, notebook = execute("autolog_tour.ipynb", tmp_path, monkeypatch)
    runs = experiment_runs("autolog-tour")
    by_name = {r.info.run_name: r for r in runs}
    search = by_name["grid-search"]
    assert search.info.status == "FINISHED" and "test_accuracy" in search.data.metrics
    children = [r for r in runs if r.info.parent_run_id == search.info.run_id]
    assert children, "the search's best candidates are child runs"
    xgb = by_name["xgboost"]
    assert xgb.data.params["max_depth"] == "3"
    stepped = [k for k in xgb.data.metrics if len(mlt.get_metric_history(xgb.info.run_id, k)) > 1]
    assert stepped, "XGBoost's per-iteration evaluation metrics"
    assert by_name["lightgbm"].data.params["num_leaves"] == "15"
    for run in (search, xgb, by_name["lightgbm"]):
        assert any(f.is_dir for f in Client().list_artifacts(run.info.run_id)), run.info.run_name
    untracked = [r for r in runs if r.info.source and "DecisionTreeClassifier(max_depth=3)" in r.info.source]
    assert len(untracked) == 1  # nbclient sends no cell ids (JupyterLab does: see test_notebook_server)
    assert mlt.active_run() is None
    assert any("autolog off" in "".join(o.get("text", "")) for c in notebook.cells for o in c.get("outputs", []))


def test_pytorch_loop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _, notebook = execute("pytorch_loop.ipynb", tmp_path, monkeypatch)
    [run] = experiment_runs("pytorch-loop")
    assert run.info.run_name == "mlp-regression" and run.info.status == "FINISHED"
    assert run.data.params["lr"] == "0.05" and run.data.params["epochs"] == "25"
    history = mlt.get_metric_history(run.info.run_id, "val_loss")
    assert [m.step for m in history] == list(range(25))
    assert history[-1].value < history[0].value
    assert "final_val_mse" in run.data.metrics
    assert "model" in [f.path for f in Client().list_artifacts(run.info.run_id) if f.is_dir]
    [chart] = outputs(notebook, PLOTLY)  # the live chart, as it was left at the end of the cell
    lines = {t["name"]: t for t in chart["data"]}
    assert set(lines) == {"loss", "val_loss"} and len(lines["val_loss"]["x"]) == 25


def test_notebooks_are_stored_without_outputs() -> None:
    for path in NOTEBOOKS.glob("*.ipynb"):
        cells = json.loads(path.read_text())["cells"]
        assert all(not c.get("outputs") for c in cells if c["cell_type"] == "code"), path.name
