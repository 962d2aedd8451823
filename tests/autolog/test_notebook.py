"""Autolog in a real IPython shell with the extension loaded, cells run as a notebook runs them."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import jupyter_mltrack as mlt

pytest.importorskip("jupyter_mltrack.magics")
pytest.importorskip("jupyter_mltrack.capture.cell")

FIT_DATA = """
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression
from sklearn.tree import DecisionTreeClassifier
X, y = load_iris(return_X_y=True)
"""


@pytest.fixture
def shell(isolated_home: Path) -> Iterator[Any]:

    from jupyter_mltrack.magics import unload_ipython_extension
    from tests.magics.shellkit import Shell, dispose_shell, new_shell

    main = sys.modules.get("__main__")
    ip = new_shell()
    shell = Shell(ip)
    assert shell.run("%load_ext jupyter_mltrack").error is None
    try:
        yield shell
    finally:
        unload_ipython_extension(ip)
        dispose_shell(ip)
        if main is not None:
            sys.modules["__main__"] = main


def _runs() -> list[Any]:
    found = mlt.search_runs(search_all_experiments=True, output_format="list", order_by=["attributes.start_time ASC"])
    return [mlt.get_run(r.info.run_id) for r in found]


def test_two_models_in_one_cell_are_the_cell_run_and_a_child(shell: Any) -> None:
    shell.run("%mltrack autolog on sklearn --no-models --silent")
    shell.run(FIT_DATA)
    source = "lr = LogisticRegression(max_iter=300).fit(X, y)\ntree = DecisionTreeClassifier(max_depth=2).fit(X, y)"
    assert shell.run(source, cell_id="two-models").error is None
    cell_run, child = _runs()
    assert child.info.parent_run_id == cell_run.info.run_id
    for run in (cell_run, child):
        assert (run.info.cell_id, run.info.source, run.info.status) == ("two-models", source, "FINISHED")
        assert run.data.tags["mltrack.autolog"] == "sklearn"
    assert cell_run.data.params["C"] == "1.0" and child.data.params["max_depth"] == "2"
    assert child.data.tags["mltrack.cell.execution_count"] == str(shell.ip.execution_count - 1)
    assert {d.dataset.name for d in cell_run.inputs.dataset_inputs} == {"X", "y"}  # recorded by the capture


def test_exclusive_inside_track_makes_a_child_of_the_cell_run(shell: Any) -> None:
    shell.run("%mltrack autolog on sklearn --no-models --exclusive --silent")
    shell.run(FIT_DATA)
    assert shell.run("%%track mine\nlr = LogisticRegression(max_iter=300).fit(X, y)", cell_id="tracked").error is None
    tracked, child = _runs()
    assert tracked.info.run_name == "mine" and "C" not in tracked.data.params
    assert child.info.parent_run_id == tracked.info.run_id and child.data.params["C"] == "1.0"
    assert child.info.cell_id == "tracked"


def test_post_training_metrics_after_the_cell_ended(shell: Any) -> None:
    shell.run("%mltrack autolog on sklearn --no-models --silent")
    shell.run(FIT_DATA + "lr = LogisticRegression(max_iter=300).fit(X, y)")
    [run] = _runs()
    assert run.info.status == "FINISHED"
    assert (
        shell.run("from sklearn.metrics import f1_score\nf1 = f1_score(y, lr.predict(X), average='macro')").error
        is None
    )
    metrics = mlt.get_run(run.info.run_id).data.metrics
    assert metrics["f1_score_X"] == pytest.approx(shell.ns["f1"])
