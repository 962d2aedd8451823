"""``%mltrack serve`` in real kernels: under a real Jupyter server (the server's kernel manager
starts the serving kernel) and outside one (jupyter_client); listed, scored, killed, stopped."""

from __future__ import annotations

import json
import os
import re
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from jupyter_mltrack import Client
from jupyter_mltrack.processes import pid_alive
from jupyter_mltrack.serving import kernels
from tests.magics.test_notebook_server import Server, run_in, server  # noqa: F401 - the fixture

pytestmark = pytest.mark.slow
URL = re.compile(r"at (http://127\.0\.0\.1:\d+)")


def save_model(folder: Path, amount: int) -> str:
    from jupyter_mltrack import pyfunc

    def add(model_input: Any) -> Any:
        return model_input + amount

    pyfunc.save_model(folder, python_model=add)
    return str(folder)


def score(url: str, value: float) -> Any:
    response = requests.post(url + "/invocations", json={"inputs": [value]}, timeout=10)
    assert response.status_code == 200, response.text
    return response.json()["predictions"]


def run_with_stderr(client: Any, code: str) -> tuple[str, str]:
    out: list[str] = []
    err: list[str] = []

    def keep(message: dict[str, Any]) -> None:
        if message["msg_type"] == "stream":
            (err if message["content"]["name"] == "stderr" else out).append(message["content"]["text"])
        elif message["msg_type"] == "execute_result":
            out.append(message["content"]["data"]["text/plain"])
        elif message["msg_type"] == "error":
            err.append("\n".join(message["content"]["traceback"]))

    client.execute_interactive(code, timeout=180, output_hook=keep)
    return "".join(out), "".join(err)


@pytest.fixture
def local_kernel(tmp_path: Path, isolated_home: Path) -> Iterator[Any]:
    """A notebook kernel with no Jupyter server above it (as under nbclient)."""
    from jupyter_client.manager import start_new_kernel

    env = {**os.environ, "MLTRACK_HOME": str(isolated_home)}
    manager, client = start_new_kernel(kernel_name="python3", env=env, cwd=str(tmp_path))
    try:
        run_in(client, "%load_ext jupyter_mltrack")
        yield client
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)


def test_serve_list_kill_and_stop_outside_a_jupyter_server(local_kernel: Any, tmp_path: Path) -> None:
    folder = save_model(tmp_path / "adder", 1)
    out, err = run_with_stderr(local_kernel, f"%mltrack serve {folder}")
    assert "Serving" in out and "a kernel started by this one" in out, (out, err)
    url = URL.search(out).group(1)  # type: ignore[union-attr]
    assert score(url, 1) == [2]
    (record,) = kernels.list_kernels()
    assert record.launcher == "jupyter_client" and record.state == "serving" and record.requests == 1

    out, _ = run_with_stderr(local_kernel, "%mltrack serve --list")
    assert record.id[:8] in out and "serving" in out and url in out and "  1  " in out, out

    os.kill(record.pid, signal.SIGKILL)  # type: ignore[arg-type]
    time.sleep(1.5)
    _, err = run_with_stderr(local_kernel, "x = 1")
    assert f"serving kernel {record.id[:8]}" in err and "died at" in err and "exit code -9" in err, err
    _, err = run_with_stderr(local_kernel, "x = 2")
    assert "died" not in err  # reported once
    out, _ = run_with_stderr(local_kernel, "%mltrack serve --list")
    assert "dead" in out and "down" in out, out
    assert kernels.list_kernels()[0].state == "dead"

    out, _ = run_with_stderr(local_kernel, f"%mltrack serve --stop {record.id[:8]}")
    assert "Stopped serving kernel" in out
    assert kernels.list_kernels() == []

    out, _ = run_with_stderr(local_kernel, f"%mltrack serve {folder}")
    url = URL.search(out).group(1)  # type: ignore[union-attr]
    (record,) = kernels.list_kernels()
    run_with_stderr(local_kernel, f"%mltrack serve --stop {record.id}")
    assert not pid_alive(record.pid)  # type: ignore[arg-type]
    with pytest.raises(requests.ConnectionError):
        score(url, 1)


def test_bad_serve_lines_are_explained(local_kernel: Any, tmp_path: Path) -> None:
    for line, expected in (
        ("%mltrack serve", "exactly one"),
        ("%mltrack serve --list --stop abc", "exactly one"),
        ("%mltrack serve iris", "NAME@ALIAS"),
        (f"%mltrack serve {tmp_path / 'nothing'}", "no such file or folder"),
        ("%mltrack serve nobody@champion", "nobody"),
        ("%mltrack serve --stop zzz", "No serving kernel 'zzz'"),
    ):
        _, err = run_with_stderr(local_kernel, line)
        assert "UsageError" in err and expected in err, (line, err)
    assert kernels.list_kernels() == []


def test_serve_under_a_jupyter_server_uses_its_kernel_manager(server: Server, tmp_path: Path) -> None:  # noqa: F811
    from jupyter_client import BlockingKernelClient

    client = Client()
    run = client.create_run(client.create_experiment("serving")).info.run_id
    client.log_artifacts(run, save_model(tmp_path / "adder", 10), "model")
    client.register_model(f"runs:/{run}/model", "adder")
    client.set_registered_model_alias("adder", "champion", "1")

    notebook = server.request("POST", "api/kernels", {"name": "python3"})
    kernel = BlockingKernelClient(connection_file=str(server.runtime / f"kernel-{notebook['id']}.json"))
    kernel.load_connection_file()
    kernel.start_channels()
    try:
        kernel.kernel_info()
        kernel.get_shell_msg(timeout=60)
        run_in(kernel, "%load_ext jupyter_mltrack")
        out, err = run_with_stderr(kernel, "%mltrack serve adder@champion")
        assert "a kernel of this Jupyter server" in out and "adder version 1" in out, (out, err)
        url = URL.search(out).group(1)  # type: ignore[union-attr]
        assert score(url, 1) == [11]
        (record,) = kernels.list_kernels()
        running = {k["id"]: k["name"] for k in server.request("GET", "api/kernels")}
        assert running[record.id] == kernels.KERNEL_NAME  # JupyterLab lists it

        out, _ = run_with_stderr(kernel, "%mltrack serve --list")
        assert record.id[:8] in out and "serving" in out and "ok" in out, out

        os.kill(record.pid, signal.SIGKILL)  # type: ignore[arg-type]
        deadline = time.monotonic() + 90
        while kernels.load(record.id).boots < 2 or kernels.load(record.id).state != "serving":
            assert time.monotonic() < deadline, kernels.load(record.id)
            time.sleep(0.3)
        _, err = run_with_stderr(kernel, "x = 1")
        assert f"serving kernel {record.id[:8]}" in err and "was restarted" in err, err
        assert score(url, 2) == [12]

        # A relative folder is the notebook kernel's, not the Jupyter server's working folder.
        save_model(tmp_path / "relative" / "adder", 100)
        run_in(kernel, f"import os; os.chdir({str(tmp_path / 'relative')!r})")
        out, err = run_with_stderr(kernel, "other = %mltrack serve ./adder\nprint(other.text)")
        assert "Serving" in out and str(tmp_path / "relative" / "adder") in out, (out, err)
        run_in(kernel, "import requests; assert requests.post(other.url + '/invocations', "
               "json={'inputs': [1]}, timeout=10).json() == {'predictions': [101]}")
        run_with_stderr(kernel, "%mltrack serve --stop {other.id}")

        out, _ = run_with_stderr(kernel, f"%mltrack serve --stop {record.id[:8]}")
        assert "Stopped" in out
        assert record.id not in {k["id"] for k in server.request("GET", "api/kernels")}
        assert kernels.list_kernels() == []
    finally:
        kernel.stop_channels()
        server.request("DELETE", f"api/kernels/{notebook['id']}")


def test_the_kernelspec_boots_only_with_a_serving_request() -> None:
    from jupyter_mltrack.serving.kernel_boot import boot

    with pytest.raises(RuntimeError, match="%mltrack serve"):
        boot({})
    spec = json.loads((Path(kernels.__file__).parent / "kernelspec" / "kernel.json").read_text())
    assert any("kernel_boot import boot" in arg for arg in spec["argv"])


def test_local_serving_kernels_stop_when_their_notebook_kernel_exits(tmp_path: Path, isolated_home: Path) -> None:
    from jupyter_client.manager import start_new_kernel

    env = {**os.environ, "MLTRACK_HOME": str(isolated_home)}
    manager, client = start_new_kernel(kernel_name="python3", env=env, cwd=str(tmp_path))
    try:
        run_in(client, "%load_ext jupyter_mltrack")
        run_with_stderr(client, f"%mltrack serve {save_model(tmp_path / 'adder', 1)}")
        (record,) = kernels.list_kernels()
        assert record.state == "serving"
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=False)  # a clean exit runs the notebook kernel's atexit hooks
    deadline = time.monotonic() + 30
    while pid_alive(record.pid):  # type: ignore[arg-type]
        assert time.monotonic() < deadline, "the serving kernel outlived its notebook kernel"
        time.sleep(0.2)
    assert kernels.list_kernels() == []
