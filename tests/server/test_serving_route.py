"""``/serving``: serving kernels started through the Jupyter server's kernel manager (real kernels,
real HTTP to the model server they run)."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
import requests

from jupyter_mltrack import Client, pyfunc
from jupyter_mltrack.serving import kernels
from tests.server.spec import check_response

Api = Callable[..., Awaitable[tuple[int, Any]]]


def save_adder(folder: Path, amount: int) -> str:
    def add(model_input: Any) -> Any:
        return model_input + amount

    pyfunc.save_model(folder, python_model=add)
    return str(folder)


def register(tmp_path: Path) -> None:
    """``adder`` version 1 adds 1, version 2 adds 2; @champion points at 1."""
    client = Client()
    experiment = client.create_experiment("serving")
    for amount in (1, 2):
        run = client.create_run(experiment).info.run_id
        client.log_artifacts(run, save_adder(tmp_path / f"adder{amount}", amount), "model")
        client.register_model(f"runs:/{run}/model", "adder")
    client.set_registered_model_alias("adder", "champion", "1")


def score(url: str, value: float) -> Any:
    response = requests.post(url + "/invocations", json={"inputs": [value]}, timeout=10)
    assert response.status_code == 200, response.text
    return response.json()["predictions"]


async def kernel_ids(jp_fetch: Any) -> list[str]:
    import json

    response = await jp_fetch("api", "kernels", method="GET")
    return [k["id"] for k in json.loads(response.body) if k["name"] == kernels.KERNEL_NAME]


async def wait_for(condition: Callable[[], Awaitable[bool]], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not await condition():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.2)


async def test_a_serving_kernel_is_a_jupyter_kernel_that_serves_the_pinned_version(
    api: Api, jp_fetch: Any, tmp_path: Path
) -> None:
    register(tmp_path)
    status, started = await api("POST", "serving", body={"model_uri": "models:/adder@champion"})
    assert status == 201, started
    check_response("POST", "/serving", status, started)
    assert started["state"] == "serving" and started["launcher"] == "jupyter-server"
    assert (started["model"], started["version"], started["served_uri"]) == ("adder", "1", "models:/adder/1")
    assert started["model_uri"] == "models:/adder@champion"
    assert started["id"] in await kernel_ids(jp_fetch)  # JupyterLab's running kernels list it
    assert score(started["url"], 10) == [11]
    score(started["url"], 20)

    status, listed = await api("GET", "serving")
    check_response("GET", "/serving", status, listed)
    (row,) = listed["kernels"]
    assert row["id"] == started["id"] and row["health"] == "ok" and row["requests"] == 2

    # The alias moves; the kernel keeps serving what it was started with, across a restart too.
    Client().set_registered_model_alias("adder", "champion", "2")
    await jp_fetch("api", "kernels", started["id"], "restart", method="POST", body=b"")

    async def rebooted() -> bool:
        record = kernels.load(started["id"])
        return record.boots == 2 and record.state == "serving"

    await wait_for(rebooted)
    assert score(started["url"], 10) == [11]

    status, _ = await api("DELETE", "serving", started["id"])
    assert status == 200
    assert started["id"] not in await kernel_ids(jp_fetch)
    status, listed = await api("GET", "serving")
    assert listed["kernels"] == []
    with pytest.raises(requests.ConnectionError):
        score(started["url"], 1)


async def test_a_killed_kernel_is_restarted_and_the_death_is_on_record(api: Api, tmp_path: Path) -> None:
    status, started = await api("POST", "serving", body={"model_uri": save_adder(tmp_path / "m", 5)})
    assert status == 201, started
    os.kill(started["pid"], signal.SIGKILL)

    async def restarted() -> bool:
        status, row = await api("GET", "serving", started["id"])
        return bool(status == 200 and row["boots"] == 2 and row["state"] == "serving")

    await wait_for(restarted, timeout=90)
    status, row = await api("GET", "serving", started["id"])
    check_response("GET", "/serving/{kernel_id}", status, row)
    assert row["died_at"] is not None and row["pid"] != started["pid"] and row["port"] == started["port"]
    assert score(row["url"], 1) == [6]
    await api("DELETE", "serving", started["id"])


async def test_shutting_the_kernel_down_from_jupyterlab_drops_it_from_the_list(
    api: Api, jp_fetch: Any, tmp_path: Path
) -> None:
    status, started = await api("POST", "serving", body={"model_uri": save_adder(tmp_path / "m", 1)})
    assert status == 201, started
    await jp_fetch("api", "kernels", started["id"], method="DELETE")
    status, listed = await api("GET", "serving")
    assert listed["kernels"] == []


async def test_bad_requests_are_explained_and_leave_no_kernel(api: Api, jp_fetch: Any, tmp_path: Path) -> None:
    status, error = await api("POST", "serving", body={"model_uri": str(tmp_path / "missing")})
    assert status == 400 and "no such file or folder" in error["message"], error
    status, error = await api("POST", "serving", body={"model_uri": "models:/nobody@champion"})
    assert status == 404, error
    status, error = await api("POST", "serving", body={})
    assert status == 400 and "'model_uri'" in error["message"]
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        port = taken.getsockname()[1]
        status, error = await api("POST", "serving", body={"model_uri": save_adder(tmp_path / "a", 1), "port": port})
    assert status == 400 and f"Port {port}" in error["message"] and "--port" in error["message"], error

    class FailsToLoad(pyfunc.PythonModel):
        def load_context(self, context: Any) -> None:
            raise RuntimeError("weights file is corrupt")

    pyfunc.save_model(tmp_path / "broken", python_model=FailsToLoad())
    status, error = await api("POST", "serving", body={"model_uri": str(tmp_path / "broken")})
    assert status == 500 and "weights file is corrupt" in error["message"], error
    assert await kernel_ids(jp_fetch) == []
    status, listed = await api("GET", "serving")
    assert listed["kernels"] == []
    status, error = await api("DELETE", "serving", "no-such-kernel")
    assert status == 404 and "--list" in error["message"]


async def test_starting_or_stopping_needs_the_right_to_write_kernels(
    jp_serverapp: Any, api: Api, tmp_path: Path
) -> None:
    class NoKernels(jp_serverapp.authorizer.__class__):  # type: ignore[name-defined,misc]
        def is_authorized(self, handler: Any, user: Any, action: str, resource: str) -> bool:
            return not (resource == "kernels" and action == "write")

    jp_serverapp.web_app.settings["authorizer"] = NoKernels(
        parent=jp_serverapp, identity_provider=jp_serverapp.identity_provider
    )
    status, body = await api("POST", "serving", body={"model_uri": save_adder(tmp_path / "m", 1)})
    assert status == 403 and "write on resource: kernels" in body["message"], body
    status, body = await api("DELETE", "serving", "any-kernel")
    assert status == 403, body
    status, body = await api("GET", "serving")
    assert status == 200 and body["kernels"] == []


async def test_a_kernel_that_never_booted_and_left_the_kernel_manager_is_listed_dead(api: Api) -> None:
    record = kernels.ServingKernel(
        id="feedface-0000-4000-8000-000000000000",
        model_uri="/models/m",
        served_uri="/models/m",
        model="m",
        version="abc",
        host="127.0.0.1",
        port=1,
        launcher="jupyter-server",
        started_at=time.time(),
    )
    kernels.save(record)
    status, listed = await api("GET", "serving")
    check_response("GET", "/serving", status, listed)
    (row,) = listed["kernels"]
    assert (row["state"], row["health"]) == ("dead", "down") and row["died_at"] is not None
