"""The hooks autolog uses (``capture.cell``) and models logged by autolog inside ``%%track`` cells."""

from __future__ import annotations

import logging

import pytest

import jupyter_mltrack as mlt
from jupyter_mltrack.capture import cell
from tests.magics.shellkit import Shell, runs

FIT_DATA = (
    "import numpy as np\n"
    "from sklearn.linear_model import LogisticRegression\n"
    "X_train = np.array([[0.0, 1.0], [1.0, 0.0], [0.5, 0.5], [0.9, 0.1]])\n"
    "y_train = np.array([0, 1, 0, 1])\n"
)


def test_current_cell_describes_the_executing_cell(shell: Shell) -> None:
    assert cell.current_cell() is None  # between cells
    shell.run("from jupyter_mltrack.capture.cell import current_cell")
    done = shell.run("ctx = current_cell()", cell_id="abc")
    ctx = shell.ns["ctx"]
    assert (ctx.source, ctx.cell_id, ctx.execution_count) == (
        "ctx = current_cell()",
        "abc",
        done.result.execution_count,
    )
    assert ctx.log_models is True
    shell.run("%%track --no-models\nctx2 = current_cell()\n")
    assert shell.ns["ctx2"].log_models is False
    assert shell.ns["ctx2"].source.startswith("%%track --no-models")


def test_current_cell_is_none_without_the_extension(bare_shell: Shell) -> None:
    bare_shell.run("from jupyter_mltrack.capture.cell import current_cell, cell_run_scope\nctx = current_cell()")
    assert bare_shell.ns["ctx"] is None
    bare_shell.run("scoped = cell_run_scope()")
    assert bare_shell.ns["scoped"] is None and runs() == []


def test_cell_run_scope_gives_the_cell_a_run_that_ends_with_it(shell: Shell) -> None:
    shell.run("import jupyter_mltrack as mlt\nfrom jupyter_mltrack.capture.cell import cell_run_scope")
    shell.run(
        "first = cell_run_scope()\nsecond = cell_run_scope()\nactive = mlt.active_run().info.run_id", cell_id="fit"
    )
    assert shell.ns["first"] == shell.ns["second"] == shell.ns["active"]
    assert mlt.active_run() is None
    run = mlt.get_run(shell.ns["first"])
    assert run.info.status == "FINISHED" and run.info.cell_id == "fit"
    assert run.info.source.startswith("first = cell_run_scope()")
    assert run.data.tags["mltrack.cell.capture"] == "autolog"
    assert "cell.wall_time_s" in run.data.metrics
    shell.run("failing = cell_run_scope()\nraise ValueError('in fit')")
    assert mlt.get_run(shell.ns["failing"]).info.status == "FAILED"
    shell.run("%%track tracked\ninside = cell_run_scope()\n")
    tracked = next(r for r in runs() if r.info.run_name == "tracked")
    assert shell.ns["inside"] == tracked.info.run_id  # the active run, nothing new
    assert len(runs()) == 3


def test_fit_observers_record_datasets_by_variable_name(shell: Shell, caplog: pytest.LogCaptureFixture) -> None:
    shell.run(FIT_DATA + "from jupyter_mltrack.capture.cell import notify_fit, register_fit_observer")
    seen = []

    def watch(est: object, x: object, y: object, names: object) -> None:
        seen.append((type(est).__name__, names))

    def broken(*_: object) -> None:
        raise RuntimeError("observer bug")

    cell.register_fit_observer(watch)
    cell.register_fit_observer(broken)
    try:
        with caplog.at_level(logging.WARNING):
            done = shell.run("%%track\nest = LogisticRegression()\nnotify_fit(est, X_train, y_train)\n")
    finally:
        cell.unregister_fit_observer(broken)
        cell.unregister_fit_observer(watch)
    assert done.error is None
    assert seen == [("LogisticRegression", (None, None))]
    assert "observer bug" in caplog.text
    names = {i.dataset.name for i in runs()[0].inputs.dataset_inputs}
    assert names == {"X_train", "y_train"}


@pytest.fixture
def autolog(shell: Shell):  # type: ignore[no-untyped-def]
    shell.run("%mltrack autolog on sklearn --silent")
    yield shell
    shell.run("%mltrack autolog off --silent")


def test_autolog_model_params_and_datasets_land_in_the_tracked_run(autolog: Shell) -> None:
    autolog.run(FIT_DATA)
    done = autolog.run("%%track logreg\nC = 0.5\nclf = LogisticRegression(C=C).fit(X_train, y_train)\n")
    assert done.error is None, done.stderr
    [run] = runs()
    assert run.data.params["C"] == "0.5"  # the cell's variable and the model's param agree
    assert run.data.params["max_iter"] == "100"  # from the model (autolog)
    assert {i.dataset.name for i in run.inputs.dataset_inputs} >= {"X_train"}
    models = [f.path for f in mlt.Client().list_artifacts(run.info.run_id) if f.is_dir]
    assert "model" in models
    card = done.html()[0]
    assert "Models" in card and "model" in card


def test_no_models_turns_model_logging_off_for_the_cell(autolog: Shell) -> None:
    autolog.run(FIT_DATA)
    autolog.run("%%track --no-models\nclf = LogisticRegression().fit(X_train, y_train)\n")
    [run] = runs()
    assert run.data.params["max_iter"] == "100"
    assert [f.path for f in mlt.Client().list_artifacts(run.info.run_id) if f.is_dir] == []


def test_a_fit_outside_track_gets_a_run_with_the_cells_source(autolog: Shell) -> None:
    autolog.run(FIT_DATA)
    source = "clf = LogisticRegression().fit(X_train, y_train)"
    autolog.run(source, cell_id="untracked-fit")
    [run] = runs()
    assert run.info.source == source and run.info.cell_id == "untracked-fit"
    assert run.info.status == "FINISHED" and mlt.active_run() is None


def test_the_cells_own_error_inside_an_autologged_fit(autolog: Shell) -> None:
    autolog.run(FIT_DATA)
    done = autolog.run("%%track\nclf = LogisticRegression().fit(X_train, y_train[:2])\n")
    assert isinstance(done.error, ValueError)
    assert "inconsistent numbers of samples" in done.stdout + done.stderr
    statuses = {r.info.status for r in runs()}
    assert statuses == {"FAILED"} and mlt.active_run() is None
