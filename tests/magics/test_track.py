"""``%%track`` in a real IPython shell: what each cell records, how failures end, what the user sees."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import jupyter_mltrack as mlt
from tests.magics.shellkit import Shell, runs


def only_run() -> mlt.Run:
    found = runs()
    assert len(found) == 1, [r.info.run_name for r in found]
    return found[0]


def test_params_and_metrics_come_from_the_cells_bindings(shell: Shell) -> None:
    cell = shell.run(
        "%%track rf-200\n"
        "lr = 0.1\n"
        "n_estimators = 200\n"
        "layers = [64, 32]\n"
        "opts = {'criterion': 'gini', 'bootstrap': True}\n"
        "name = 'random forest'\n"
        "big = list(range(1000))\n"
        "for epoch in range(3):\n"
        "    val_loss = 1.0 / (epoch + 1)\n"
        "testAccuracy = 0.93\n"
        "precision = 'fp16'\n"
        "def helper():\n"
        "    inner = 5\n"
        "    return inner\n"
        "model = object()\n"
    )
    assert cell.error is None, cell.stderr
    run = only_run()
    assert run.info.run_name == "rf-200"
    assert run.data.params == {
        "lr": "0.1",
        "n_estimators": "200",
        "layers": "[64, 32]",
        "opts": "{'criterion': 'gini', 'bootstrap': True}",
        "name": "random forest",
        "precision": "fp16",  # metric-like name but not a number: a param
    }
    metrics = {k: v for k, v in run.data.metrics.items() if not k.startswith("cell.")}
    assert metrics == {"val_loss": pytest.approx(1 / 3), "testAccuracy": 0.93}


def test_params_and_metrics_options_name_variables_of_earlier_cells(shell: Shell) -> None:
    shell.run("seed = 7\nthreshold = 0.42\nlabel = 'x'")
    cell = shell.run("%%track -p seed,lr -m threshold\nlr = 0.01\n")
    assert cell.error is None, cell.stderr
    run = only_run()
    assert run.data.params == {"seed": "7", "lr": "0.01"}
    assert run.data.metrics["threshold"] == 0.42


def test_sklearn_metrics_calls_are_metrics_named_after_the_data(shell: Shell) -> None:
    shell.run(
        "from sklearn.datasets import load_iris\n"
        "from sklearn.linear_model import LogisticRegression\n"
        "from sklearn.metrics import accuracy_score, f1_score\n"
        "import sklearn.metrics as skm\n"
        "X, y = load_iris(return_X_y=True)\n"
        "X_train, X_test, y_train, y_test = X[::2], X[1::2], y[::2], y[1::2]\n"
        "clf = LogisticRegression(max_iter=500).fit(X_train, y_train)"
    )
    cell = shell.run(
        "%%track\n"
        "print(f1_score(y_test, clf.predict(X_test), average='macro'))\n"
        "print(skm.accuracy_score(y_train, clf.predict(X_train)))\n"
        "for fold in range(2):\n"
        "    accuracy_score(y_test, clf.predict(X_test))\n"
        "def not_a_metric_score():\n"
        "    return 1.0\n"
        "not_a_metric_score()\n"
    )
    assert cell.error is None, cell.stderr
    run = only_run()
    expected_f1 = float(cell.stdout.split()[0])
    assert run.data.metrics["f1_score_X_test"] == pytest.approx(expected_f1)
    assert "accuracy_score_X_train" in run.data.metrics
    history = mlt.get_metric_history(run.info.run_id, "accuracy_score_X_test")
    assert [m.step for m in history] == [0, 1]
    assert not any("not_a_metric" in k for k in run.data.metrics)


def test_provenance_source_cell_id_execution_count_and_environment(shell: Shell) -> None:
    shell.run("import numpy as np")
    source = "%%track\nx = np.arange(3).sum()\n"
    cell = shell.run(source, cell_id="c0ffee")
    assert cell.error is None, cell.stderr
    run = only_run()
    assert run.info.source == source
    assert run.info.cell_id == "c0ffee"
    assert run.data.tags["mltrack.cell.execution_count"] == str(cell.result.execution_count)
    assert run.data.tags["mltrack.python.version"].count(".") == 2
    assert f"numpy=={np_version()}" in run.data.tags["mltrack.packages"].split()
    assert "IPython" not in run.data.tags["mltrack.packages"]  # only what the notebook imported
    for key in ("cell.wall_time_s", "cell.cpu_time_s", "cell.peak_memory_growth_mb"):
        assert run.data.metrics[key] >= 0


def np_version() -> str:
    import numpy

    return numpy.__version__


def test_wall_time_is_the_cells_time(shell: Shell) -> None:
    shell.run("%%track\nimport time\ntime.sleep(0.3)\n")
    metrics = only_run().data.metrics
    assert 0.3 <= metrics["cell.wall_time_s"] < 3
    assert metrics["cell.cpu_time_s"] < metrics["cell.wall_time_s"]


def test_notebook_path_and_snapshot_from_the_session_name(
    shell: Shell, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    notebook = tmp_path / "analysis.ipynb"
    notebook.write_text(json.dumps({"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    monkeypatch.setenv("JPY_SESSION_NAME", str(notebook))
    shell.run("%%track\nx = 1\n")
    run = only_run()
    assert run.info.notebook_path == str(notebook)
    assert run.data.tags["mlflow.source.name"] == str(notebook)
    assert run.data.tags["mlflow.source.type"] == "NOTEBOOK"
    snapshot = mlt.Client().download_artifacts(run.info.run_id, "notebook/analysis.ipynb", tmp_path / "dl")
    assert Path(snapshot).read_text() == notebook.read_text()


def test_notebook_path_from_vscode(shell: Shell, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    shell.ns["__vsc_ipynb_file__"] = str(tmp_path / "vs.ipynb")
    shell.run("%%track\nx = 1\n")
    assert only_run().info.notebook_path == str(tmp_path / "vs.ipynb")


def test_no_notebook_path_is_fine(shell: Shell, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    cell = shell.run("%%track\nx = 1\n")
    assert cell.error is None
    assert only_run().info.notebook_path is None


def test_a_failing_cell_ends_failed_and_the_user_sees_their_own_traceback(shell: Shell) -> None:
    cell = shell.run("%%track\nx = 1\nraise ValueError('bad data')\ny = 2\n")
    assert isinstance(cell.error, ValueError) and str(cell.error) == "bad data"
    shown = cell.stdout + cell.stderr
    assert "ValueError: bad data" in shown
    assert "----> 3 raise ValueError('bad data')" in shown
    assert "1 %%track" in shown  # the cell as typed
    assert "jupyter_mltrack" not in shown and "run_cell_magic" not in shown
    run = only_run()
    assert run.info.status == "FAILED"
    assert run.data.tags["mltrack.error.type"] == "ValueError"
    assert run.data.tags["mltrack.error.message"] == "bad data"
    assert run.data.params == {"x": "1"}  # bound before the failure; y never was
    assert mlt.active_run() is None
    assert "FAILED" in cell.html()[0]


def test_a_failure_keeps_values_of_earlier_cells_out(shell: Shell) -> None:
    shell.run("alpha = 0.5")
    shell.run("%%track\nraise RuntimeError('early')\nalpha = 0.9\n")
    assert only_run().data.params == {}


def test_keyboard_interrupt_ends_killed(shell: Shell) -> None:
    cell = shell.run("%%track\nstep = 3\nraise KeyboardInterrupt\n")
    assert isinstance(cell.error, KeyboardInterrupt)
    run = only_run()
    assert run.info.status == "KILLED"
    assert run.data.tags["mltrack.error.type"] == "KeyboardInterrupt"
    assert mlt.active_run() is None


def test_rerunning_a_cell_makes_a_new_run_and_nothing_stays_active(shell: Shell) -> None:
    for attempt in range(3):
        code = "%%track\nlr = 0.1\n" + ("raise ValueError('x')\n" if attempt == 1 else "")
        shell.run(code, cell_id="same-cell")
        assert mlt.active_run() is None
    found = runs()
    assert len({r.info.run_id for r in found}) == 3
    assert sorted(r.info.status for r in found) == ["FAILED", "FINISHED", "FINISHED"]
    assert {r.info.cell_id for r in found} == {"same-cell"}


def test_inside_an_active_run_the_cell_is_a_child(shell: Shell) -> None:
    shell.run("import jupyter_mltrack as mlt\nparent = mlt.start_run(run_name='sweep')")
    shell.run("%%track fold-1\nfold = 1\n")
    shell.run("mlt.end_run()")
    child = next(r for r in runs() if r.info.run_name == "fold-1")
    parent = next(r for r in runs() if r.info.run_name == "sweep")
    assert child.info.parent_run_id == parent.info.run_id
    assert child.data.tags["mlflow.parentRunId"] == parent.info.run_id
    assert parent.info.status == "FINISHED"


def test_nested_option_makes_a_child_of_the_last_tracked_run(shell: Shell) -> None:
    shell.run("%%track parent\nsearch = 'grid'\n")
    shell.run("%%track --nested child-a\nc = 1\n")
    shell.run("%%track --nested child-b\nc = 2\n")
    by_name = {r.info.run_name: r for r in runs()}
    assert by_name["child-a"].info.parent_run_id == by_name["parent"].info.run_id
    assert by_name["child-b"].info.parent_run_id == by_name["parent"].info.run_id
    assert all(r.info.status == "FINISHED" for r in by_name.values())


def test_nested_without_a_parent_is_a_usage_error_and_creates_nothing(shell: Shell) -> None:
    cell = shell.run("%%track --nested\nran = True\n")
    assert type(cell.error).__name__ == "UsageError"
    assert cell.stderr.strip().startswith("UsageError:") and len(cell.stderr.strip().splitlines()) == 1
    assert "ran" not in shell.ns
    assert runs() == []


@pytest.mark.parametrize(
    "line",
    ["--bogus", "-p 1x", "-m", "-t novalue", "'unbalanced", "-e ''", "a b", "-e new-exp -t 'bad<key>=v'"],
)
def test_bad_arguments_are_one_line_usage_errors_and_nothing_runs(shell: Shell, line: str) -> None:
    cell = shell.run(f"%%track {line}\nran = True\n")
    assert type(cell.error).__name__ == "UsageError", cell.stderr
    assert cell.stderr.strip().startswith("UsageError:")
    assert len(cell.stderr.strip().splitlines()) == 1
    assert "Traceback" not in cell.stdout + cell.stderr
    assert "ran" not in shell.ns
    assert runs() == []
    assert mlt.active_run() is None
    assert mlt.get_experiment_by_name("new-exp") is None


def test_last_expression_still_displays_and_the_card_follows(shell: Shell) -> None:
    cell = shell.run("%%track\nlr = 0.1\nprint('training')\nlr * 10\n")
    assert "training" in cell.stdout
    assert "Out[" in cell.stdout and "1.0" in cell.stdout
    [card] = cell.html()
    run = only_run()
    assert run.info.run_id in card and "lr" in card and "0.1" in card
    assert cell.outputs[0]["text/plain"].startswith(f"Run {run.info.run_name!r}")


def test_card_can_be_turned_off(shell: Shell) -> None:
    shell.run("%config MltrackMagics.show_card = False")
    cell = shell.run("%%track\nx = 1\n")
    assert cell.outputs == []
    assert len(runs()) == 1


def test_metric_names_are_configurable(shell: Shell) -> None:
    shell.run("%config MltrackMagics.metric_names = ['bleu']")
    shell.run("%%track\nbleu_score = 31.5\nloss = 0.2\n")
    run = only_run()
    assert run.data.metrics["bleu_score"] == 31.5
    assert run.data.params["loss"] == "0.2"


def test_experiment_option_and_tags(shell: Shell) -> None:
    shell.run("%%track -e 'vision models' -t team=cv -t stage=dev owner=me\nx = 1\n")
    run = only_run()
    exp = mlt.get_experiment_by_name("vision models")
    assert exp is not None and run.info.experiment_id == exp.experiment_id
    assert {k: run.data.tags[k] for k in ("team", "stage", "owner")} == {"team": "cv", "stage": "dev", "owner": "me"}
    shell.run("%%track\ny = 2\n")
    later = next(r for r in runs() if r.info.run_id != run.info.run_id)
    assert later.info.experiment_id == "0"  # -e applies to its cell only


def test_run_name_expands_notebook_variables(shell: Shell) -> None:
    shell.run("depth = 12")
    shell.run("%%track rf-depth-{depth}\nx = 1\n")
    assert only_run().info.run_name == "rf-depth-12"


def test_values_logged_by_the_cell_are_not_logged_twice(shell: Shell) -> None:
    shell.run("import jupyter_mltrack as mlt")
    shell.run("%%track\nacc = 0.8\nmlt.log_metric('acc', acc)\n")
    run = only_run()
    assert len(mlt.get_metric_history(run.info.run_id, "acc")) == 1


def test_a_param_logged_differently_by_the_cell_wins(shell: Shell) -> None:
    shell.run("import jupyter_mltrack as mlt")
    cell = shell.run("%%track\nmlt.log_param('depth', 5)\ndepth = 4\n")
    assert cell.error is None
    run = only_run()
    assert run.data.params["depth"] == "5" and run.info.status == "FINISHED"


def test_track_over_another_cell_magic_and_inside_one(shell: Shell) -> None:
    cell = shell.run("%%track\n%%capture captured\nprint('hidden')\nk = 3\n")
    assert cell.error is None, cell.stderr
    assert "hidden" in shell.ns["captured"].stdout
    cell = shell.run("%%capture outer\n%%track inner\nm = 5\n")
    assert cell.error is None, cell.stderr
    assert {r.info.run_name for r in runs()} >= {"inner"}
    assert all(r.info.status == "FINISHED" for r in runs())


def test_top_level_await_works_in_a_tracked_cell(shell: Shell) -> None:
    cell = shell.run("%%track\nimport asyncio\nawait asyncio.sleep(0)\nwaited = 1\n")
    assert cell.error is None, cell.stderr
    assert only_run().data.params == {"waited": "1"}


def test_calling_the_cell_magic_directly_tracks_the_body(shell: Shell) -> None:
    cell = shell.run("get_ipython().run_cell_magic('track', 'direct', 'z = 9\\n')")
    assert cell.error is None, cell.stderr
    run = only_run()
    assert run.info.run_name == "direct" and run.data.params == {"z": "9"}
    failing = shell.run("get_ipython().run_cell_magic('track', '', 'raise KeyError(1)\\n')")
    assert type(failing.error).__name__ == "UsageError"
    assert "KeyError" in failing.stdout + failing.stderr


def test_datasets_passed_to_fit_are_run_inputs(shell: Shell) -> None:
    shell.run(
        "import numpy as np, pandas as pd\n"
        "from sklearn.linear_model import LinearRegression\n"
        "X_train = pd.DataFrame({'a': [1.0, 2.0, 3.0, 4.0]})\n"
        "y_train = np.array([1.0, 2.0, 3.0, 4.0])\n"
    )
    shell.run("%%track first\nmodel = LinearRegression().fit(X_train, y_train)\n")
    shell.run("X_train = X_train * 2")
    shell.run("%%track second\nmodel = LinearRegression().fit(X_train, y_train)\n")
    by_name = {r.info.run_name: r for r in runs()}
    first = {i.dataset.name: i for i in by_name["first"].inputs.dataset_inputs}
    second = {i.dataset.name: i for i in by_name["second"].inputs.dataset_inputs}
    assert set(first) == {"X_train", "y_train"} == set(second)
    assert first["X_train"].context == "training"
    assert json.loads(first["X_train"].dataset.schema)["shape"] == [4, 1]
    assert first["X_train"].dataset.digest != second["X_train"].dataset.digest
    assert first["y_train"].dataset.digest == second["y_train"].dataset.digest


def test_loading_twice_is_harmless_and_unload_removes_everything(shell: Shell) -> None:
    from jupyter_mltrack import load_ipython_extension, unload_ipython_extension

    load_ipython_extension(shell.ip)
    shell.run("%load_ext jupyter_mltrack")
    shell.run("%%track\nx = 1\n")
    assert len(runs()) == 1
    unload_ipython_extension(shell.ip)
    assert shell.ip.find_cell_magic("track") is None and shell.ip.find_line_magic("mltrack") is None
    cell = shell.run("%%track\nx = 2\n")
    assert cell.error is not None  # no such magic any more
    assert len(runs()) == 1


def test_html_escaping_in_the_card(shell: Shell) -> None:
    cell = shell.run(
        "%%track \"<script>alert(1)</script>\" -t 'note=<b>bold</b>'\npayload = '<img src=x onerror=alert(1)>'\n"
    )
    [card] = cell.html()
    assert "<script>" not in card and "<img" not in card and "<b>bold" not in card
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in card
    assert "&lt;img src=x onerror=alert(1)&gt;" in card


def test_an_unreachable_store_is_one_line_and_the_cell_does_not_run(shell: Shell) -> None:
    shell.run("import jupyter_mltrack as mlt\nmlt.set_tracking_uri('postgresql://nobody@127.0.0.1:1/none')")
    cell = shell.run("%%track\nran = True\n")
    assert type(cell.error).__name__ == "UsageError", cell.stdout + cell.stderr
    assert len(cell.stderr.strip().splitlines()) == 1 and "Traceback" not in cell.stdout
    assert "ran" not in shell.ns and mlt.active_run() is None


def test_git_commit_and_dirty_state(shell: Shell, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import subprocess

    repo = tmp_path / "project"
    repo.mkdir()
    git = ["git", "-C", str(repo), "-c", "user.email=t@example.com", "-c", "user.name=t"]
    subprocess.run([*git, "init", "-q"], check=True)
    (repo / "train.py").write_text("print(1)\n")
    subprocess.run([*git, "add", "train.py"], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "first"], check=True)
    head = subprocess.run([*git, "rev-parse", "HEAD"], capture_output=True, text=True, check=True).stdout.strip()
    (repo / "train.py").write_text("print(2)\n")
    monkeypatch.chdir(repo)
    shell.run("%%track\nx = 1\n")
    tags = only_run().data.tags
    assert tags["mlflow.source.git.commit"] == head
    assert tags["mltrack.git.dirty"] == "true"
