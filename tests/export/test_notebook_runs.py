"""``run(notebook.ipynb)``: executed headless in a real kernel, parameters injected papermill-style,
the executed notebook kept with the run, and a failing cell failing the run with its index."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

import jupyter_mltrack as mlt
from jupyter_mltrack import projects
from jupyter_mltrack.export.errors import ProjectError
from jupyter_mltrack.tracking.client import Client
from tests.export.kit import cell, notebook, write

pytestmark = pytest.mark.slow


def executed(run_id: str, tmp_path: Path, name: str) -> object:
    folder = Client().download_artifacts(run_id, "executed", tmp_path / "downloaded")
    return nbformat.read(str(Path(folder) / name), as_version=4)


def test_parameters_are_injected_after_the_parameters_cell(tmp_path: Path) -> None:
    path = write(notebook(
        "%load_ext jupyter_mltrack",
        cell("alpha = 0.5\nepochs = 2\nname = 'base'", tags=("parameters",)),
        cell("alpha = 0.1", tags=("injected-parameters",)),  # from an earlier papermill run: replaced
        "import jupyter_mltrack as mlt\nmlt.log_metric('outer', alpha * epochs)",
        "%%track inner\nscore = alpha * 10\nprint(name, score)",
    ), tmp_path / "nb.ipynb")
    result = projects.run(path, parameters={"alpha": "0.25", "epochs": 4}, experiment_name="nb-runs")
    assert result.status == "FINISHED", result.error
    run = mlt.get_run(result.run_id)
    assert run.data.params == {"alpha": "0.25", "epochs": "4", "name": "base"}
    assert run.data.metrics["outer"] == 1.0  # plain logging lands in the notebook's run
    assert run.data.tags["mlflow.source.name"] == str(path.resolve())
    [child] = mlt.search_runs(experiment_names=["nb-runs"], output_format="list",
                              filter_string=f"tags.mlflow.parentRunId = '{result.run_id}'")
    assert child.info.run_name == "inner" and child.data.metrics["score"] == 2.5  # %%track: a child run
    nb = executed(result.run_id, tmp_path, "nb.ipynb")
    sources = [c.source for c in nb.cells]  # type: ignore[attr-defined]
    assert sources[2] == "# Parameters\nalpha = 0.25\nepochs = 4"
    assert nb.cells[2].metadata.tags == ["injected-parameters"]  # type: ignore[attr-defined]
    assert "alpha = 0.1" not in sources
    outputs = "".join(o.get("text", "") for c in nb.cells for o in c.get("outputs", []))  # type: ignore[attr-defined]
    assert "base 2.5" in outputs


def test_a_failing_cell_fails_the_run_with_its_index_and_error(tmp_path: Path) -> None:
    path = write(notebook(cell("n = 3", tags=("parameters",)), "x = n * 2", "raise ValueError(f'bad split {x}')",
                          "never = True"), tmp_path / "fails.ipynb")
    result = projects.run(path, parameters={"n": "5"})
    assert result.status == "FAILED"
    run = mlt.get_run(result.run_id)
    tags = run.data.tags
    assert run.info.status == "FAILED"
    assert tags["mltrack.error.cell_index"] == "2"  # the index in the notebook as saved
    assert tags["mltrack.error.type"] == "ValueError"
    assert tags["mltrack.error.message"] == "cell 2 raised ValueError: bad split 10"
    nb = executed(result.run_id, tmp_path, "fails.ipynb")
    assert [o.get("ename") for o in nb.cells[3].outputs] == ["ValueError"]  # type: ignore[attr-defined]
    assert nb.cells[4].outputs == []  # type: ignore[attr-defined]


def test_notebook_parameters_are_checked_before_anything_runs(tmp_path: Path) -> None:
    path = write(notebook(cell("epochs = 2", tags=("parameters",))), tmp_path / "nb.ipynb")
    with pytest.raises(ProjectError, match="Parameter 'epochs' must be an int, got 'two'"):
        projects.run(path, parameters={"epochs": "two"})
    with pytest.raises(ProjectError, match="has no parameter 'lr'"):
        projects.run(path, parameters={"lr": "0.1"})
    plain = write(notebook("x = 1"), tmp_path / "plain.ipynb")
    with pytest.raises(ProjectError, match="has no cell tagged 'parameters'"):
        projects.run(plain, parameters={"x": "2"})
    with pytest.raises(ProjectError, match="export it first"):
        projects.run(plain, env_manager="virtualenv")
    assert mlt.search_runs(search_all_experiments=True, output_format="list") == []
