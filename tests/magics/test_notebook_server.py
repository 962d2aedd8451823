"""The notebook path under a real Jupyter server session: from JPY_SESSION_NAME, then from the server's
``/api/sessions`` matched by this kernel's id (when the variable is missing)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from jupyter_mltrack.tracking.client import Client
from tests.magics.shellkit import runs

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    def __init__(self, url: str, token: str, root: Path, runtime: Path) -> None:
        self.url, self.token, self.root, self.runtime = url, token, root, runtime

    def request(self, method: str, path: str, body: Any = None) -> Any:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(
            self.url + path,
            data=data,
            method=method,
            headers={"Authorization": f"token {self.token}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            text = response.read().decode()
        return json.loads(text) if text else None


@pytest.fixture
def server(tmp_path: Path, isolated_home: Path) -> Iterator[Server]:
    root = tmp_path / "root"
    runtime = tmp_path / "runtime"
    root.mkdir()
    port, token = free_port(), uuid.uuid4().hex
    env = {**os.environ, "JUPYTER_RUNTIME_DIR": str(runtime), "MLTRACK_HOME": str(isolated_home)}
    env.pop("JPY_SESSION_NAME", None)
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "jupyter_server",
            f"--ServerApp.port={port}",
            "--ServerApp.ip=127.0.0.1",
            f"--IdentityProvider.token={token}",
            f"--ServerApp.root_dir={root}",
            "--ServerApp.open_browser=False",
            "--allow-root",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    server = Server(f"http://127.0.0.1:{port}/", token, root, runtime)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                server.request("GET", "api/status")
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("jupyter server did not start") from None
                time.sleep(0.2)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


def run_in(client: Any, code: str) -> str:
    out: list[str] = []

    def keep(message: dict[str, Any]) -> None:
        if message["msg_type"] == "stream":
            out.append(message["content"]["text"])
        elif message["msg_type"] == "error":
            out.append("\n".join(message["content"]["traceback"]))

    reply = client.execute_interactive(code, timeout=120, output_hook=keep)
    assert reply["content"]["status"] == "ok", "".join(out)
    return "".join(out)


def run_as_jupyterlab(client: Any, code: str, cell_id: str) -> None:
    """An execute_request carrying the cell's id in its metadata, as JupyterLab sends it."""
    content = {"code": code, "silent": False, "store_history": True, "user_expressions": {}, "allow_stdin": False}
    message = client.session.msg("execute_request", content, metadata={"cellId": cell_id})
    client.shell_channel.send(message)
    while True:
        reply = client.get_shell_msg(timeout=120)
        if reply["parent_header"].get("msg_id") == message["header"]["msg_id"]:
            assert reply["content"]["status"] == "ok", reply["content"]
            return


def test_notebook_path_in_a_server_session(server: Server) -> None:
    from jupyter_client import BlockingKernelClient

    (server.root / "sub").mkdir()
    notebook = server.root / "sub" / "analysis.ipynb"
    notebook.write_text(json.dumps({"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    session = server.request(
        "POST",
        "api/sessions",
        {"path": "sub/analysis.ipynb", "name": "analysis.ipynb", "type": "notebook", "kernel": {"name": "python3"}},
    )
    kernel_id = session["kernel"]["id"]
    client = BlockingKernelClient(connection_file=str(server.runtime / f"kernel-{kernel_id}.json"))
    client.load_connection_file()
    client.start_channels()
    try:
        client.kernel_info()  # wait_for_ready would read a heartbeat not yet started as a dead kernel
        client.get_shell_msg(timeout=60)
        run_in(client, "%load_ext jupyter_mltrack")
        run_as_jupyterlab(client, "%%track from-session-name\nx = 1\n", "5d2a1c3e-cell")
        run_in(client, "import os\nos.environ.pop('JPY_SESSION_NAME')")
        run_in(client, "%%track from-server-sessions\nx = 2\n")
        status = run_in(client, "status = %mltrack status\nprint(status)")
    finally:
        client.stop_channels()
        server.request("DELETE", f"api/sessions/{session['id']}")
    by_name = {r.info.run_name: r for r in runs()}
    assert by_name["from-session-name"].info.notebook_path == str(notebook)
    assert by_name["from-session-name"].info.cell_id == "5d2a1c3e-cell"
    assert by_name["from-server-sessions"].info.notebook_path == str(notebook)
    assert f"notebook       {notebook}" in status
    run_id = by_name["from-server-sessions"].info.run_id
    assert [f.path for f in Client().list_artifacts(run_id, "notebook")] == ["notebook/analysis.ipynb"]
