"""The store's behaviour on every backend: SQLite, PostgreSQL and MariaDB, each a fresh database."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from jupyter_mltrack import Client
from jupyter_mltrack.entities import Dataset, DatasetInput, Metric, Param, RunTag
from jupyter_mltrack.errors import (
    ExperimentNotFoundError,
    InvalidParameterError,
    InvalidStateError,
    ParamConflictError,
    ResourceAlreadyExistsError,
    RunNotFoundError,
)


@pytest.fixture
def client(tracking_uri: str) -> Client:
    return Client()


def test_experiment_lifecycle(client: Client) -> None:
    exp_id = client.create_experiment("exp-one", tags={"team": "vision"})
    exp = client.get_experiment(exp_id)
    assert exp.name == "exp-one" and exp.tags == {"team": "vision"} and exp.lifecycle_stage == "active"
    assert exp.artifact_location.endswith(f"/{exp_id}")
    assert client.get_experiment_by_name("exp-one") == exp
    assert client.get_experiment_by_name("nope") is None
    with pytest.raises(ResourceAlreadyExistsError, match="already exists"):
        client.create_experiment("exp-one")
    client.rename_experiment(exp_id, "exp-renamed")
    assert client.get_experiment(exp_id).name == "exp-renamed"
    client.set_experiment_tag(exp_id, "team", "nlp")
    assert client.get_experiment(exp_id).tags == {"team": "nlp"}
    client.delete_experiment(exp_id)
    assert client.get_experiment(exp_id).lifecycle_stage == "deleted"
    assert exp_id not in [e.experiment_id for e in client.search_experiments()]
    assert exp_id in [e.experiment_id for e in client.search_experiments(view_type="DELETED_ONLY")]
    with pytest.raises(InvalidStateError, match="restore"):
        client.create_run(exp_id)
    client.restore_experiment(exp_id)
    assert client.get_experiment(exp_id).lifecycle_stage == "active"
    with pytest.raises(ExperimentNotFoundError):
        client.get_experiment("987654")
    with pytest.raises(ExperimentNotFoundError):
        client.get_experiment("not-a-number")


def test_default_experiment_is_zero(client: Client) -> None:
    assert client.default_experiment_id() == "0"
    assert client.get_experiment("0").name == "Default"
    run = client.create_run()
    assert run.info.experiment_id == "0"


def test_search_experiments_filter_and_order(client: Client) -> None:
    for name, team in (("alpha", "a"), ("beta", "b"), ("gamma", "a")):
        client.create_experiment(name, tags={"team": team})
    names = [e.name for e in client.search_experiments(filter_string="tags.team = 'a'")]
    assert names == ["alpha", "gamma"]
    assert [e.name for e in client.search_experiments(filter_string="name LIKE '%mm%'")] == ["gamma"]
    ordered = [e.name for e in client.search_experiments(order_by=["name DESC"]) if e.name != "Default"]
    assert ordered == ["gamma", "beta", "alpha"]
    page = client.search_experiments(max_results=2)
    assert len(page) == 2 and page.token
    rest = client.search_experiments(max_results=2, page_token=page.token)
    assert {e.name for e in page} | {e.name for e in rest} >= {"alpha", "beta", "gamma"}


def test_run_lifecycle_and_names(client: Client) -> None:
    run = client.create_run(run_name="baseline", tags={"k": "v"})
    info = run.info
    assert info.status == "RUNNING" and info.run_name == "baseline" and info.end_time is None
    assert run.data.tags["k"] == "v" and run.data.tags["mlflow.runName"] == "baseline"
    assert info.artifact_uri.endswith(f"/{info.run_id}/artifacts")
    random_name = client.create_run().info.run_name
    assert len(random_name.split("-")) == 3 and random_name.split("-")[2].isdigit()
    client.update_run(info.run_id, name="renamed")
    assert client.get_run(info.run_id).data.tags["mlflow.runName"] == "renamed"
    client.set_terminated(info.run_id, "FAILED")
    done = client.get_run(info.run_id).info
    assert done.status == "FAILED" and done.end_time is not None and done.end_time >= done.start_time
    client.delete_run(info.run_id)
    assert client.get_run(info.run_id).info.lifecycle_stage == "deleted"
    with pytest.raises(InvalidStateError, match="deleted"):
        client.log_param(info.run_id, "a", 1)
    client.restore_run(info.run_id)
    client.log_param(info.run_id, "a", 1)
    with pytest.raises(RunNotFoundError, match="search_runs"):
        client.get_run("f" * 32)
    with pytest.raises(ValueError, match="Unknown run status"):
        client.set_terminated(info.run_id, "DONE")


def test_params_are_immutable(client: Client) -> None:
    run_id = client.create_run().info.run_id
    client.log_param(run_id, "lr", 0.1)
    client.log_param(run_id, "lr", 0.1)  # same value again: a no-op
    with pytest.raises(ParamConflictError) as err:
        client.log_param(run_id, "lr", 0.2)
    assert "'lr'" in str(err.value) and "'0.1'" in str(err.value) and "'0.2'" in str(err.value)
    with pytest.raises(ParamConflictError):
        client.log_batch(run_id, params=[Param("x", "1"), Param("x", "2")])
    # a rejected batch writes nothing, not even its valid parts
    with pytest.raises(ParamConflictError):
        client.log_batch(run_id, params=[Param("fresh", "1"), Param("lr", "9")], tags=[RunTag("t", "1")])
    data = client.get_run(run_id).data
    assert data.params == {"lr": "0.1"} and "t" not in data.tags


def test_metric_history_latest_and_special_values(client: Client) -> None:
    run_id = client.create_run().info.run_id
    for step, value in enumerate([0.5, 0.4, math.nan, math.inf, -math.inf, 0.1]):
        client.log_metric(run_id, "loss", value, step=step, timestamp=1000 + step)
    client.log_metric(run_id, "solo", math.nan)
    history = client.get_metric_history(run_id, "loss")
    values = [m.value for m in history]
    assert values[:2] == [0.5, 0.4] and math.isnan(values[2]) and values[3:] == [math.inf, -math.inf, 0.1]
    assert [m.step for m in history] == list(range(6))
    assert history[0] == Metric("loss", 0.5, 1000, 0)
    data = client.get_run(run_id).data
    assert data.metrics["loss"] == 0.1  # latest = largest step
    assert math.isnan(data.metrics["solo"])
    # an older step logged later does not move "latest" back
    client.log_metric(run_id, "loss", 99.0, step=1, timestamp=5000)
    assert client.get_run(run_id).data.metrics["loss"] == 0.1
    client.log_metric(run_id, "big", 1.7976931348623157e308)  # the largest float is not mistaken for inf
    assert client.get_run(run_id).data.metrics["big"] == 1.7976931348623157e308


def test_log_batch_all_kinds(client: Client) -> None:
    run_id = client.create_run().info.run_id
    metrics = [Metric(f"m{k}", float(s * k), 1000 + s, s) for k in range(5) for s in range(200)]
    client.log_batch(run_id, metrics=metrics, params=[Param("p", "1")], tags=[RunTag("t", "x")])
    data = client.get_run(run_id).data
    assert data.metrics == {f"m{k}": float(199 * k) for k in range(5)}
    assert data.params == {"p": "1"} and data.tags["t"] == "x"
    assert len(client.get_metric_history(run_id, "m3")) == 200


def test_tags_upsert_and_delete(client: Client) -> None:
    run_id = client.create_run().info.run_id
    client.set_tag(run_id, "stage", "dev")
    client.set_tag(run_id, "stage", "prod")
    assert client.get_run(run_id).data.tags["stage"] == "prod"
    client.delete_tag(run_id, "stage")
    assert "stage" not in client.get_run(run_id).data.tags
    with pytest.raises(InvalidParameterError, match="no tag"):
        client.delete_tag(run_id, "stage")


def test_unicode_and_long_values_round_trip(client: Client) -> None:
    run_id = client.create_run().info.run_id
    client.log_param(run_id, "text", "é" * 6000)
    client.set_tag(run_id, "emoji", "🚀 résumé 中文" * 100)
    data = client.get_run(run_id).data
    assert data.params["text"] == "é" * 6000 and data.tags["emoji"] == "🚀 résumé 中文" * 100


def test_limits_are_errors_not_truncation(client: Client) -> None:
    run_id = client.create_run().info.run_id
    with pytest.raises(InvalidParameterError, match="limit is 6000"):
        client.log_param(run_id, "p", "x" * 6001)
    with pytest.raises(InvalidParameterError, match="limit is 8000"):
        client.set_tag(run_id, "t", "x" * 8001)
    with pytest.raises(InvalidParameterError, match="limit is 250"):
        client.log_metric(run_id, "k" * 251, 1.0)
    with pytest.raises(InvalidParameterError, match="Invalid metric key"):
        client.log_metric(run_id, "bad\nkey", 1.0)
    with pytest.raises(InvalidParameterError, match="must be a number"):
        client.log_metric(run_id, "acc", "0.9")  # type: ignore[arg-type]
    with pytest.raises(InvalidParameterError, match="limit is 256"):
        client.create_experiment("e" * 257)
    assert client.get_run(run_id).data.params == {}


def test_inputs_are_recorded_and_deduplicated(client: Client) -> None:
    exp_id = client.create_experiment("data")
    a, b = client.create_run(exp_id).info.run_id, client.create_run(exp_id).info.run_id
    train = Dataset(name="iris", digest="abc123", source="sklearn", schema='{"a": "float"}')
    client.log_inputs(a, [DatasetInput(train, context="training", tags={"split": "train"})])
    client.log_inputs(b, [DatasetInput(train, context="eval")])
    inputs = client.get_run(a).inputs.dataset_inputs
    assert len(inputs) == 1 and inputs[0].dataset == train and inputs[0].context == "training"
    assert inputs[0].tags == {"split": "train"}
    found = client.search_runs([exp_id], "datasets.digest = 'abc123' and datasets.context = 'eval'")
    assert [r.info.run_id for r in found] == [b]


def test_purge_removes_deleted_runs_only(client: Client) -> None:
    keep, drop = client.create_run().info.run_id, client.create_run().info.run_id
    for run_id in (keep, drop):
        client.log_metric(run_id, "m", 1.0)
        client.log_param(run_id, "p", "v")
    with pytest.raises(InvalidStateError, match="not deleted"):
        client.store.purge_runs([drop])
    client.delete_run(drop)
    client.store.purge_runs([drop])
    with pytest.raises(RunNotFoundError):
        client.get_run(drop)
    assert client.get_run(keep).data.metrics == {"m": 1.0}


def test_reap_marks_only_stale_owned_runs(client: Client) -> None:
    owned = client.create_run(owner="host:1").info.run_id
    unowned = client.create_run().info.run_id
    start = client.get_run(owned).info.start_time
    assert client.store.reap_dead_runs(timeout_ms=60_000, now=start + 1_000) == []
    assert client.store.reap_dead_runs(timeout_ms=60_000, now=start + 61_000) == [owned]
    killed = client.get_run(owned)
    assert killed.info.status == "KILLED" and killed.info.end_time == start
    assert "host:1" in killed.data.tags["mltrack.killedReason"]
    assert client.get_run(unowned).info.status == "RUNNING"


def test_unreachable_database_is_a_clear_error(isolated_home: object) -> None:
    from jupyter_mltrack.errors import DatabaseUnavailableError

    with pytest.raises(DatabaseUnavailableError, match="mltrack doctor") as err:
        Client("postgresql://postgres:s3cret@127.0.0.1:1/nowhere")
    assert "s3cret" not in str(err.value)


def test_deleting_an_experiment_deletes_and_restores_its_runs(client: Client) -> None:
    exp = client.create_experiment("bye")
    keep_deleted = client.create_run(exp).info.run_id
    client.delete_run(keep_deleted)
    first_deletion = client.get_run(keep_deleted)
    client.delete_run(keep_deleted)  # again: keeps the first deletion time
    live = client.create_run(exp).info.run_id
    client.delete_experiment(exp)
    assert client.get_run(live).info.lifecycle_stage == "deleted"
    client.restore_experiment(exp)
    assert client.get_run(live).info.lifecycle_stage == "active"
    assert client.get_run(keep_deleted).info.lifecycle_stage == "deleted"  # deleted on its own before
    assert client.store.deleted_runs() == [(keep_deleted, first_deletion.info.artifact_uri)]


def test_relative_artifact_location_is_made_absolute(
    client: Client, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    exp = client.create_experiment("rel", artifact_location="here/arts")
    assert client.get_experiment(exp).artifact_location == str(tmp_path / "here" / "arts")


def test_metric_histories_of_many_runs_in_one_call(client: Client) -> None:
    a, b = client.create_run().info.run_id, client.create_run().info.run_id
    client.log_batch(a, metrics=[Metric("loss", 1.0 / (s + 1), 1, s) for s in range(5)])
    client.log_batch(b, metrics=[Metric("acc", 0.5, 1, 0)])
    found = client.get_metric_histories([a, b], ["loss", "acc"])
    assert [m.step for m in found[(a, "loss")]] == [0, 1, 2, 3, 4]
    assert found[(a, "acc")] == [] and found[(b, "loss")] == []
    assert found[(b, "acc")] == [Metric("acc", 0.5, 1, 0)]
    with pytest.raises(RunNotFoundError):
        client.get_metric_histories([a, "0" * 32], ["loss"])
