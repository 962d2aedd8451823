"""Models to serve, and a real ``mltrack serve`` process on a free port."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import requests

Server = Callable[..., str]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def iris() -> tuple[pd.DataFrame, pd.Series]:
    from sklearn.datasets import load_iris

    X, y = load_iris(return_X_y=True, as_frame=True)
    return X, y


@pytest.fixture(scope="session")
def model_dir(tmp_path_factory: pytest.TempPathFactory, iris: Any) -> Path:
    """Folders of the models the tests serve: two sklearn classifiers and three custom models."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.tree import DecisionTreeClassifier

    import jupyter_mltrack.pyfunc as pyfunc
    from jupyter_mltrack.models import save_model

    X, y = iris
    root = tmp_path_factory.mktemp("models")
    save_model(LogisticRegression(max_iter=300).fit(X, y), root / "iris", input_example=X.head(3))
    save_model(DecisionTreeClassifier(max_depth=2).fit(X, y), root / "tree", input_example=X.head(3))

    def boom(model_input: Any) -> Any:
        raise RuntimeError("secret-internal-detail")

    def slow(model_input: Any) -> Any:
        time.sleep(1.0)
        return [0] * len(model_input)

    class SlowToLoad(pyfunc.PythonModel):
        def load_context(self, context: Any) -> None:
            time.sleep(2.0)

        def predict(self, context: Any, model_input: Any, params: Any = None) -> Any:
            return [1] * len(model_input)

    pyfunc.save_model(root / "boom", python_model=boom)
    pyfunc.save_model(root / "slow", python_model=slow)
    pyfunc.save_model(root / "slowload", python_model=SlowToLoad())
    return root


def wait_listening(port: int, proc: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"mltrack serve exited with {proc.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError("the server never listened")


def wait_ready(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if requests.get(url + "/ping", timeout=2).status_code == 200:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.05)
    raise TimeoutError(f"{url} never became ready")


@pytest.fixture(scope="module")
def start_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """``start_server(*args, ready=True)``: a real ``mltrack serve`` subprocess; returns its URL."""
    procs: list[subprocess.Popen[bytes]] = []
    home = tmp_path_factory.mktemp("home")
    env = {**os.environ, "MLTRACK_HOME": str(home), "PYTHONUNBUFFERED": "1"}
    env.pop("MLTRACK_TRACKING_URI", None)
    logs = tmp_path_factory.mktemp("logs")

    def start(*args: str, ready: bool = True) -> str:
        port = free_port()
        log = open(logs / f"server-{port}.log", "wb")  # noqa: SIM115 - closed with the process
        mltrack = shutil.which("mltrack") or sys.executable
        command = [mltrack] if mltrack.endswith("mltrack") else [sys.executable, "-m", "jupyter_mltrack.cli"]
        proc = subprocess.Popen([*command, "serve", *args, "--port", str(port)], env=env, stdout=log, stderr=log)
        proc.log_path = logs / f"server-{port}.log"  # type: ignore[attr-defined]
        procs.append(proc)
        url = f"http://127.0.0.1:{port}"
        wait_listening(port, proc)
        if ready:
            wait_ready(url)
        return url

    start.procs = procs  # type: ignore[attr-defined]
    yield start
    for proc in procs:
        proc.terminate()
    for proc in procs:
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
