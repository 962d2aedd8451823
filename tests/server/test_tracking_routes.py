"""Experiments and runs over REST: each route's success and errors, and agreement with the CLI."""

from __future__ import annotations

import json
import math
from typing import Any

from click.testing import CliRunner

from jupyter_mltrack import Client, Metric, Param
from jupyter_mltrack.cli.main import cli
from tests.server.spec import check_response
from tests.server.world import build_world


async def test_experiments_create_get_list_search_rename_delete_restore(api: Any) -> None:
    status, created = await api("POST", "experiments", body={"name": "iris", "tags": {"team": "ml", "n": 3}})
    assert status == 201 and created["experiment"]["tags"] == {"team": "ml", "n": "3"}
    experiment_id = created["experiment"]["experiment_id"]
    await api("POST", "experiments", body={"name": "mnist"})
    status, found = await api("GET", "experiments", params={"filter": "name LIKE 'ir%'"})
    assert status == 200 and [e["name"] for e in found["experiments"]] == ["iris"]
    status, page = await api("GET", "experiments", params={"max_results": "1", "order_by": "name DESC"})
    assert [e["name"] for e in page["experiments"]] == ["mnist"] and page["next_page_token"]
    status, rest = await api(
        "GET",
        "experiments",
        params={"max_results": "1", "order_by": "name DESC", "page_token": page["next_page_token"]},
    )
    assert [e["name"] for e in rest["experiments"]] == ["iris"] and rest["next_page_token"] is None

    status, renamed = await api("PATCH", "experiments", experiment_id, body={"name": "iris-v2", "tags": {"k": "v"}})
    assert status == 200 and renamed["experiment"]["name"] == "iris-v2" and renamed["experiment"]["tags"]["k"] == "v"
    status, deleted = await api("PATCH", "experiments", experiment_id, body={"lifecycle_stage": "deleted"})
    assert deleted["experiment"]["lifecycle_stage"] == "deleted"
    _, active = await api("GET", "experiments")
    _, gone = await api("GET", "experiments", params={"view_type": "DELETED_ONLY"})
    assert [e["name"] for e in active["experiments"]] == ["mnist"] and [e["name"] for e in gone["experiments"]] == [
        "iris-v2"
    ]
    status, restored = await api("PATCH", "experiments", experiment_id, body={"lifecycle_stage": "active"})
    assert restored["experiment"]["lifecycle_stage"] == "active"
    status, got = await api("GET", "experiments", experiment_id)
    assert status == 200 and got["experiment"]["name"] == "iris-v2"
    check_response("GET", "/experiments/{experiment_id}", status, got)


async def test_experiment_errors(api: Any) -> None:
    await api("POST", "experiments", body={"name": "taken"})
    status, error = await api("POST", "experiments", body={"name": "taken"})
    assert status == 409 and error["error_code"] == "RESOURCE_ALREADY_EXISTS"
    check_response("POST", "/experiments", status, error)
    status, error = await api("GET", "experiments", "9999")
    assert status == 404 and error["error_code"] == "RESOURCE_DOES_NOT_EXIST" and "9999" in error["message"]
    status, error = await api("PATCH", "experiments", "9999", body={"name": "x"})
    assert status == 404
    status, error = await api("PATCH", "experiments", "1", body={"lifecycle_stage": "gone"})
    assert status == 400 and "'active' or 'deleted'" in error["message"]
    status, error = await api("GET", "experiments", params={"filter": "name >> 'x'"})
    assert status == 400 and "Invalid search filter" in error["message"]
    status, error = await api("GET", "experiments", params={"view_type": "SOME"})
    assert status == 400 and "view type" in error["message"]
    status, error = await api("GET", "experiments", params={"max_results": "0"})
    assert status == 400 and "'max_results'" in error["message"]
    status, error = await api("GET", "experiments", params={"page_token": "garbage"})
    assert status == 400 and "page_token" in error["message"]


def _runs(experiment_id: str) -> list[str]:
    client = Client()
    ids = []
    for i, (model, acc) in enumerate([("rf", 0.91), ("svm", 0.87), ("rf", 0.94), ("rf", float("nan"))]):
        run = client.create_run(experiment_id, run_name=f"run-{i}", start_time=1000 + i)
        client.log_batch(run.info.run_id, metrics=[Metric("acc", acc, 0, 0)], params=[Param("model", model)])
        ids.append(run.info.run_id)
    return ids


async def test_run_search_with_filter_order_and_paging(api: Any) -> None:
    experiment_id = Client().create_experiment("search")
    _runs(experiment_id)
    body = {
        "experiment_ids": [experiment_id],
        "filter": "params.model = 'rf' and metrics.acc > 0.9",
        "order_by": ["metrics.acc DESC"],
    }
    status, found = await api("POST", "runs", "search", body=body)
    assert status == 200 and [r["info"]["run_name"] for r in found["runs"]] == ["run-2", "run-0"]
    check_response("POST", "/runs/search", status, found)
    status, page = await api("POST", "runs", "search", body={"experiment_ids": [experiment_id], "max_results": 3})
    assert [r["info"]["run_name"] for r in page["runs"]] == ["run-3", "run-2", "run-1"]  # newest first
    assert page["runs"][0]["data"]["metrics"] == {"acc": "NaN"}
    status, rest = await api(
        "POST",
        "runs",
        "search",
        body={"experiment_ids": [experiment_id], "max_results": 3, "page_token": page["next_page_token"]},
    )
    assert [r["info"]["run_name"] for r in rest["runs"]] == ["run-0"] and rest["next_page_token"] is None
    status, none = await api(
        "POST", "runs", "search", body={"experiment_ids": [experiment_id], "run_view_type": "DELETED_ONLY"}
    )
    assert status == 200 and none["runs"] == []


async def test_run_search_errors(api: Any) -> None:
    status, error = await api("POST", "runs", "search", body={"experiment_ids": ["0"], "filter": "metrics.acc >> 1"})
    assert status == 400 and error["error_code"] == "INVALID_PARAMETER_VALUE" and "position 13" in error["message"]
    status, error = await api("POST", "runs", "search", body={"filter": "metrics.acc > 1"})
    assert status == 400 and error["message"] == "Field 'experiment_ids' is required."
    status, error = await api("POST", "runs", "search", body={"experiment_ids": []})
    assert status == 400 and "must not be empty" in error["message"]
    status, error = await api("POST", "runs", "search", body={"experiment_ids": ["0"], "order_by": ["bogus.x"]})
    assert status == 400
    status, error = await api("POST", "runs", "search", body={"experiment_ids": ["0"], "max_results": 50_001})
    assert status == 400 and "50000" in error["message"]
    status, error = await api("POST", "runs", "search", body={"experiment_ids": ["0"], "run_view_type": "X"})
    assert status == 400 and "ACTIVE_ONLY" in error["message"]


async def test_get_run_has_provenance_and_matches_the_cli(api: Any) -> None:
    world = build_world()
    status, body = await api("GET", "runs", world.run_id)
    run = body["run"]
    assert status == 200 and run["info"]["notebook_path"] == "work/train.ipynb"
    assert run["info"]["cell_id"] == "cell-7" and run["info"]["source"] == "fit(model)"
    assert run["data"]["params"] == {"lr": "0.1"} and run["data"]["metrics"]["loss"] == 1 / 50
    assert run["data"]["tags"]["team"] == "growth"
    result = CliRunner().invoke(cli, ["runs", "show", world.run_id, "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == run  # one code path, one shape


async def test_patch_run_tags_name_delete_restore(api: Any) -> None:
    run_id = build_world().run_id
    status, body = await api(
        "PATCH", "runs", run_id, body={"name": "renamed", "tags": {"stage": "dev", "n": 1}, "delete_tags": ["team"]}
    )
    run = body["run"]
    assert status == 200 and run["info"]["run_name"] == "renamed"
    assert (
        run["data"]["tags"]["stage"] == "dev" and run["data"]["tags"]["n"] == "1" and "team" not in run["data"]["tags"]
    )
    status, body = await api("PATCH", "runs", run_id, body={"lifecycle_stage": "deleted"})
    assert body["run"]["info"]["lifecycle_stage"] == "deleted"
    assert Client().get_run(run_id).info.lifecycle_stage == "deleted"
    status, body = await api("PATCH", "runs", run_id, body={"lifecycle_stage": "active"})
    assert body["run"]["info"]["lifecycle_stage"] == "active"


async def test_run_errors(api: Any) -> None:
    status, error = await api("GET", "runs", "0123abcd")
    assert status == 404 and error["message"].startswith("Run '0123abcd' does not exist")
    check_response("GET", "/runs/{run_id}", status, error)
    run_id = build_world().run_id
    status, error = await api("PATCH", "runs", run_id, body={"tags": {"bad key!": "v"}})
    assert status == 400 and "bad key!" in error["message"]
    status, error = await api("PATCH", "runs", run_id, body={"tags": ["a"]})
    assert status == 400 and "'tags' must be an object" in error["message"]
    status, error = await api("PATCH", "runs", run_id, body={"lifecycle_stage": "archived"})
    assert status == 400
    status, error = await api("PATCH", "runs", "0123abcd", body={"name": "x"})
    assert status == 404
    assert not math.isnan(Client().get_run(run_id).data.metrics["loss"])
