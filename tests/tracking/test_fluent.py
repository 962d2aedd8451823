"""The module-level API, as a user calls it: MLflow's names and semantics."""

from __future__ import annotations

import json
import math
import subprocess
from pathlib import Path

import pytest

import jupyter_mltrack as mlt
from jupyter_mltrack.errors import InvalidParameterError, InvalidStateError, RunNotFoundError


def test_start_run_context_manager_finishes_and_records(isolated_home: Path) -> None:
    with mlt.start_run(run_name="first", tags={"team": "a"}, description="hello") as run:
        assert mlt.active_run() is run
        mlt.log_param("lr", 0.1)
        mlt.log_params({"depth": 3, "model": "rf"})
        mlt.log_metric("acc", 0.9)
        mlt.log_metrics({"f1": 0.8, "loss": 0.3}, step=2)
        mlt.set_tag("stage", "dev")
        mlt.set_tags({"a": 1, "b": "two"})
    assert mlt.active_run() is None
    got = mlt.get_run(run.info.run_id)
    assert got.info.status == "FINISHED" and got.info.run_name == "first"
    assert got.data.params == {"lr": "0.1", "depth": "3", "model": "rf"}
    assert got.data.metrics == {"acc": 0.9, "f1": 0.8, "loss": 0.3}
    tags = got.data.tags
    assert tags["team"] == "a" and tags["stage"] == "dev" and tags["a"] == "1" and tags["b"] == "two"
    assert tags["mlflow.note.content"] == "hello" and tags["mlflow.runName"] == "first"
    assert tags["mlflow.source.type"] == "LOCAL" and tags["mlflow.user"]
    assert tags["mltrack.python.version"].count(".") == 2 and tags["mltrack.host"]
    assert [m.step for m in mlt.get_metric_history(run.info.run_id, "loss")] == [2]
    assert mlt.last_active_run().info.run_id == run.info.run_id  # type: ignore[union-attr]


def test_exception_fails_the_run_and_propagates(isolated_home: Path) -> None:
    with pytest.raises(ZeroDivisionError), mlt.start_run() as run:
        1 / 0  # noqa: B018
    assert mlt.get_run(run.info.run_id).info.status == "FAILED"
    assert mlt.active_run() is None  # nothing left "already active"
    with mlt.start_run():
        pass


def test_keyboard_interrupt_kills_the_run(isolated_home: Path) -> None:
    with pytest.raises(KeyboardInterrupt), mlt.start_run() as run:
        raise KeyboardInterrupt
    assert mlt.get_run(run.info.run_id).info.status == "KILLED"


def test_logging_without_active_run_starts_one(isolated_home: Path) -> None:
    mlt.log_metric("x", 1.0)
    run = mlt.active_run()
    assert run is not None
    mlt.end_run()
    assert mlt.get_run(run.info.run_id).info.status == "FINISHED"


def test_nested_runs_and_already_active_error(isolated_home: Path) -> None:
    with mlt.start_run(run_name="parent") as parent:
        with pytest.raises(InvalidStateError, match="nested=True"):
            mlt.start_run()
        with mlt.start_run(run_name="child", nested=True) as child:
            assert mlt.active_run() is child
        assert mlt.active_run() is parent
    got = mlt.get_run(child.info.run_id)
    assert got.info.parent_run_id == parent.info.run_id
    assert got.data.tags["mlflow.parentRunId"] == parent.info.run_id
    children = mlt.search_runs(filter_string=f"tags.mlflow.parentRunId = '{parent.info.run_id}'", output_format="list")
    assert [r.info.run_id for r in children] == [child.info.run_id]


def test_end_run_of_parent_ends_children_too(isolated_home: Path) -> None:
    parent = mlt.start_run()
    child = mlt.start_run(nested=True)
    mlt.end_run(run_id=parent.info.run_id, status="KILLED")
    assert mlt.active_run() is None
    assert mlt.get_run(child.info.run_id).info.status == "KILLED"


def test_resume_a_run_by_id(isolated_home: Path) -> None:
    with mlt.start_run() as run:
        mlt.log_metric("m", 1.0, step=0)
    with mlt.start_run(run_id=run.info.run_id, tags={"resumed": "yes"}):
        mlt.log_metric("m", 2.0, step=1)
    got = mlt.get_run(run.info.run_id)
    assert got.info.status == "FINISHED" and got.data.metrics["m"] == 2.0 and got.data.tags["resumed"] == "yes"
    with pytest.raises(RunNotFoundError):
        mlt.start_run(run_id="0" * 32)


def test_set_experiment_creates_and_activates(isolated_home: Path) -> None:
    exp = mlt.set_experiment("my-exp")
    assert mlt.get_experiment_by_name("my-exp") == exp
    with mlt.start_run() as run:
        pass
    assert run.info.experiment_id == exp.experiment_id
    assert mlt.set_experiment("my-exp").experiment_id == exp.experiment_id  # idempotent
    with pytest.raises(InvalidParameterError, match="exactly one"):
        mlt.set_experiment()
    mlt.delete_experiment(exp.experiment_id)
    with pytest.raises(InvalidStateError, match="deleted"):
        mlt.set_experiment("my-exp")


def test_experiment_from_environment(isolated_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MLTRACK_EXPERIMENT_NAME", "from-env")
    with mlt.start_run() as run:
        pass
    assert mlt.get_experiment(run.info.experiment_id).name == "from-env"


def test_tracking_uri_setting_and_default_location(isolated_home: Path, tmp_path: Path) -> None:
    assert mlt.get_tracking_uri() == f"sqlite:///{isolated_home / 'mltrack.db'}"
    mlt.set_tracking_uri(tmp_path / "elsewhere.db")
    assert mlt.get_tracking_uri() == f"sqlite:///{tmp_path / 'elsewhere.db'}"
    with mlt.start_run() as run:
        pass
    assert (tmp_path / "elsewhere.db").exists()
    assert run.info.artifact_uri.startswith(str(tmp_path / "artifacts"))
    mlt.set_tracking_uri(tmp_path / "folder")  # a folder holds mltrack.db
    assert mlt.get_tracking_uri() == f"sqlite:///{tmp_path / 'folder' / 'mltrack.db'}"


def test_search_runs_dataframe_has_mlflow_columns(isolated_home: Path) -> None:
    mlt.set_experiment("frames")
    for i in range(3):
        with mlt.start_run(run_name=f"r{i}"):
            mlt.log_param("i", i)
            mlt.log_metric("score", i / 10)
    frame = mlt.search_runs(filter_string="metrics.score >= 0.1", order_by=["metrics.score DESC"])
    assert list(frame.columns[:6]) == ["run_id", "experiment_id", "status", "artifact_uri", "start_time", "end_time"]
    assert {"metrics.score", "params.i", "tags.mlflow.runName"} <= set(frame.columns)
    assert list(frame["metrics.score"]) == [0.2, 0.1] and list(frame["params.i"]) == ["2", "1"]
    assert str(frame["start_time"].dtype).startswith("datetime64")
    runs = mlt.search_runs(experiment_names=["frames"], output_format="list", max_results=2)
    assert len(runs) == 2 and runs[0].info.run_name == "r2"
    assert len(mlt.search_runs(search_all_experiments=True, output_format="list")) == 3
    with pytest.raises(InvalidParameterError, match="output_format"):
        mlt.search_runs(output_format="csv")
    with pytest.raises(InvalidParameterError, match="No experiment"):
        mlt.search_runs(experiment_names=["missing"])


def test_delete_and_restore_run(isolated_home: Path) -> None:
    with mlt.start_run() as run:
        pass
    mlt.delete_run(run.info.run_id)
    assert mlt.search_runs(output_format="list") == []
    mlt.restore_run(run.info.run_id)
    assert [r.info.run_id for r in mlt.search_runs(output_format="list")] == [run.info.run_id]


def test_artifact_logging_functions(isolated_home: Path, tmp_path: Path) -> None:
    src = tmp_path / "src"
    (src / "sub").mkdir(parents=True)
    (src / "a.txt").write_text("A")
    (src / "sub" / "b.txt").write_text("B")
    with mlt.start_run() as run:
        mlt.log_artifact(src / "a.txt")
        mlt.log_artifact(src / "a.txt", "copies")
        mlt.log_artifacts(src, "tree")
        mlt.log_text("hello", "notes/hello.txt")
        mlt.log_dict({"a": [1, 2]}, "conf/config.json")
        mlt.log_dict({"a": [1, 2]}, "conf/config.yaml")
        mlt.log_table({"x": [1, 2], "y": ["a", "b"]}, "tables/t.json")
        mlt.log_table({"x": [3], "y": ["c"]}, "tables/t.json")  # appends, as MLflow does
        uri = mlt.get_artifact_uri("notes/hello.txt")
    client = mlt.Client()
    run_id = run.info.run_id
    assert [f.path for f in client.list_artifacts(run_id)] == ["a.txt", "conf", "copies", "notes", "tables", "tree"]
    assert [f.path for f in client.list_artifacts(run_id, "tree/sub")] == ["tree/sub/b.txt"]
    local = Path(client.download_artifacts(run_id, "tree", tmp_path / "dl"))
    assert (local / "sub" / "b.txt").read_text() == "B"
    assert Path(uri).read_text() == "hello"
    conf = Path(client.download_artifacts(run_id, "conf/config.json", tmp_path / "dl2"))
    assert json.loads(conf.read_text()) == {"a": [1, 2]}
    yaml_text = Path(client.download_artifacts(run_id, "conf/config.yaml", tmp_path / "dl3")).read_text()
    assert "a:\n- 1\n- 2" in yaml_text
    table = json.loads(Path(client.download_artifacts(run_id, "tables/t.json", tmp_path / "dl4")).read_text())
    assert table == {"columns": ["x", "y"], "data": [[1, "a"], [2, "b"], [3, "c"]]}
    with pytest.raises(InvalidParameterError, match=r"\.json, \.yaml"):
        mlt.Client().log_dict(run_id, {}, "conf/config.txt")


def test_figures_and_images(isolated_home: Path, tmp_path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np
    import plotly.graph_objects as go
    from PIL import Image

    fig, ax = plt.subplots()
    ax.plot([1, 2, 3])
    with mlt.start_run() as run:
        mlt.log_figure(fig, "plots/line.png")
        mlt.log_figure(go.Figure(go.Scatter(y=[1, 3, 2])), "plots/p.html")
        mlt.log_figure(go.Figure(go.Scatter(y=[1, 3, 2])), "plots/p.json")
        mlt.log_image(np.zeros((4, 5, 3), dtype=np.uint8), "img/black.png")
        mlt.log_image(np.full((2, 2), 0.5), "img/gray.png")
        with pytest.raises(InvalidParameterError, match=r"\[0, 1\]"):
            mlt.log_image(np.full((2, 2), 2.0), "img/bad.png")
        with pytest.raises(InvalidParameterError, match="matplotlib or plotly"):
            mlt.log_figure(object(), "x.png")
    plt.close(fig)
    client = mlt.Client()
    dl = Path(client.download_artifacts(run.info.run_id, "", tmp_path / "dl"))
    assert (dl / "plots" / "line.png").read_bytes()[:4] == b"\x89PNG"
    assert "plotly" in (dl / "plots" / "p.html").read_text()
    assert json.loads((dl / "plots" / "p.json").read_text())["data"][0]["type"] == "scatter"
    assert Image.open(dl / "img" / "black.png").size == (5, 4)
    assert Image.open(dl / "img" / "gray.png").getpixel((0, 0)) == 128


def test_log_input_digests_content(isolated_home: Path) -> None:
    import numpy as np
    import pandas as pd

    frame = pd.DataFrame({"a": [1.0, 2.0], "b": ["x", "y"]})
    with mlt.start_run() as one:
        mlt.log_input(frame, context="training", name="train")
        mlt.log_input(np.arange(6).reshape(2, 3), name="features")
    with mlt.start_run() as two:
        mlt.log_input(frame.assign(a=[1.0, 2.5]), context="training", name="train")
    first = {i.dataset.name: i for i in mlt.get_run(one.info.run_id).inputs.dataset_inputs}
    second = mlt.get_run(two.info.run_id).inputs.dataset_inputs[0]
    assert first["train"].context == "training" and json.loads(first["train"].dataset.schema or "")["shape"] == [2, 2]
    assert json.loads(first["features"].dataset.schema or "") == {"type": "ndarray", "shape": [2, 3], "dtype": "int64"}
    assert first["train"].dataset.digest != second.dataset.digest  # different data, told apart
    with pytest.raises(InvalidParameterError, match="DataFrame"):
        mlt.log_input([1, 2, 3])


def test_git_tags_in_a_repository(isolated_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    git = ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.invalid"]
    subprocess.run([*git, "init", "-q", "-b", "main"], check=True)
    (repo / "f.txt").write_text("1")
    subprocess.run([*git, "add", "f.txt"], check=True)
    subprocess.run([*git, "commit", "-qm", "c"], check=True)
    commit = subprocess.run([*git, "rev-parse", "HEAD"], capture_output=True, text=True, check=True).stdout.strip()
    monkeypatch.setattr("sys.argv", [str(repo / "train.py")])  # as if `python train.py` ran in the repo
    from jupyter_mltrack.tracking import context

    context._git_cache.clear()
    with mlt.start_run() as clean:
        pass
    (repo / "f.txt").write_text("2")
    context._git_cache.clear()
    with mlt.start_run() as dirty:
        pass
    tags = mlt.get_run(clean.info.run_id).data.tags
    assert tags["mlflow.source.git.commit"] == commit and tags["mlflow.source.git.branch"] == "main"
    assert tags["mltrack.git.dirty"] == "false" and tags["mlflow.source.name"] == str(repo / "train.py")
    assert mlt.get_run(dirty.info.run_id).data.tags["mltrack.git.dirty"] == "true"


def test_nan_and_inf_round_trip_through_fluent_api(isolated_home: Path) -> None:
    with mlt.start_run() as run:
        mlt.log_metrics({"nan": math.nan, "pinf": math.inf, "ninf": -math.inf})
    metrics = mlt.get_run(run.info.run_id).data.metrics
    assert math.isnan(metrics["nan"]) and metrics["pinf"] == math.inf and metrics["ninf"] == -math.inf
