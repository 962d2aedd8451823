"""Serving kernels: one Jupyter kernel per served model, so a notebook's model server is a kernel
that JupyterLab lists, stops and restarts like any other.

The kernel is an ordinary ipykernel (kernelspec ``mltrack-serving``) whose start-up line calls
:func:`jupyter_mltrack.serving.kernel_boot.boot`. What to serve arrives in the environment variable
``MLTRACK_SERVING_KERNEL``, which kernel managers keep across restarts, so a restart (from
JupyterLab, or the Jupyter server's auto-restarter after a crash) serves the same model on the same
port again.

Each kernel has a record, ``<MLTRACK_HOME>/serving-kernels/<id>.json``: the launcher writes what was
asked, the kernel writes its pid and state, and listing adds what only a live look can tell (is the
process alive, does ``/health`` answer, how many predictions were made). A kernel whose process is
gone is marked ``dead`` with the time it was noticed, and stays listed until it is stopped: a
serving kernel never disappears silently.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import socket
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jupyter_mltrack.config import home_dir
from jupyter_mltrack.errors import InvalidParameterError, ResourceNotFoundError
from jupyter_mltrack.processes import pid_alive
from jupyter_mltrack.serving.errors import ServingError

KERNEL_NAME = "mltrack-serving"
ENV_VAR = "MLTRACK_SERVING_KERNEL"
STATES = ("starting", "loading", "serving", "failed", "dead")
LIVE_STATES = ("starting", "loading", "serving")


@dataclass
class ServingKernel:
    """What is known about one serving kernel; ``health`` and ``requests`` come from a live look."""

    id: str
    model_uri: str
    served_uri: str
    model: str
    version: str
    host: str
    port: int
    launcher: str
    started_at: float
    state: str = "starting"
    pid: int | None = None
    boots: int = 0
    error: str | None = None
    died_at: float | None = None
    exit_code: int | None = None
    death_reported: bool = False
    health: str = "unknown"
    requests: int | None = None

    @property
    def url(self) -> str:
        host = "127.0.0.1" if self.host in ("0.0.0.0", "") else self.host
        return f"http://[{host}]:{self.port}" if ":" in host else f"http://{host}:{self.port}"

    def to_dict(self) -> dict[str, Any]:
        return {**dataclasses.asdict(self), "url": self.url}


@dataclass(frozen=True)
class Launch:
    """Everything a kernel manager needs to start the kernel of ``record``."""

    kernel_id: str
    kernel_name: str
    env: dict[str, str]
    record: ServingKernel


def state_dir() -> Path:
    return home_dir() / "serving-kernels"


def plan_launch(
    model_uri: str,
    *,
    requested: str | None = None,
    model_name: str | None = None,
    port: int | None = None,
    host: str = "127.0.0.1",
    directory: Path | None = None,
) -> Launch:
    """Check the model and the port now (a clear error here beats a kernel that dies at start),
    then write the record. ``model_uri`` should be pinned (``models:/name/3``) so a restart serves
    the same version even if an alias moves; ``requested`` is what the user typed.
    """
    from jupyter_mltrack.serving.api import build_config

    if port is not None and not 0 < port < 65536:
        raise InvalidParameterError(f"--port must be between 1 and 65535, not {port}.")
    if port is None:
        port = _free_port(host)
    elif not _port_free(host, port):
        raise InvalidParameterError(
            f"Port {port} on {host} is already in use; choose another --port, or leave it out to pick a free one."
        )
    config = build_config(model_uri, host=host, port=port)
    spec = config.models[0]
    record = ServingKernel(
        id=str(uuid.uuid4()),
        model_uri=requested or model_uri,
        served_uri=model_uri,
        model=model_name or _display_name(model_uri, spec.path),
        version=spec.version,
        host=host,
        port=port,
        launcher="",
        started_at=time.time(),
    )
    folder = directory or state_dir()
    folder.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, ENV_VAR: json.dumps({"id": record.id, "dir": str(folder), "config": config.to_json()})}
    env.pop("JPY_SESSION_NAME", None)  # the serving kernel is not the notebook's session
    return Launch(kernel_id=record.id, kernel_name=KERNEL_NAME, env=env, record=record)


def save(record: ServingKernel, directory: Path | None = None) -> None:
    folder = directory or state_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{record.id}.json"
    temporary = path.with_suffix(f".{os.getpid()}.tmp")
    data = {k: v for k, v in dataclasses.asdict(record).items() if k not in ("health", "requests")}
    temporary.write_text(json.dumps(data, indent=1), encoding="utf-8")
    os.replace(temporary, path)


def load(kernel_id: str, directory: Path | None = None) -> ServingKernel:
    path = (directory or state_dir()) / f"{kernel_id}.json"
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ResourceNotFoundError(
            f"No serving kernel {kernel_id!r}; `%mltrack serve --list` shows the ones there are."
        ) from None
    fields = {f.name for f in dataclasses.fields(ServingKernel)}
    return ServingKernel(**{k: v for k, v in raw.items() if k in fields})


def update(kernel_id: str, directory: Path | None = None, **changes: Any) -> ServingKernel:
    with _locked(directory or state_dir()):
        record = dataclasses.replace(load(kernel_id, directory), **changes)
        save(record, directory)
    return record


def forget(kernel_id: str, directory: Path | None = None) -> None:
    with contextlib.suppress(FileNotFoundError):
        ((directory or state_dir()) / f"{kernel_id}.json").unlink()


def find(prefix: str, directory: Path | None = None) -> ServingKernel:
    """The kernel whose id starts with ``prefix`` (ids are long; the first 8 characters do)."""
    matches = [r for r in _records(directory) if r.id.startswith(prefix)] if prefix else []
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise ResourceNotFoundError(f"No serving kernel {prefix!r}; `%mltrack serve --list` shows the ones there are.")
    raise InvalidParameterError(f"{prefix!r} names {len(matches)} serving kernels; give more of the id.")


def list_kernels(directory: Path | None = None, probe: bool = True, timeout: float = 2.0) -> list[ServingKernel]:
    """Every recorded serving kernel, oldest first; processes found gone are marked dead."""
    out = []
    for record in sorted(_records(directory), key=lambda r: r.started_at):
        if record.state in LIVE_STATES and record.pid is not None and not pid_alive(record.pid):
            record = mark_dead(record.id, directory)
        if probe and record.state in LIVE_STATES and record.pid is not None:
            record.health, record.requests = probe_server(record.url, timeout)
        elif record.state == "dead":
            record.health = "down"
        out.append(record)
    return out


def mark_dead(kernel_id: str, directory: Path | None = None, exit_code: int | None = None) -> ServingKernel:
    record = load(kernel_id, directory)
    if record.state == "dead":
        return record
    return update(kernel_id, directory, state="dead", died_at=time.time(), exit_code=exit_code, death_reported=False)


def unreported_deaths(ids: set[str], directory: Path | None = None) -> list[ServingKernel]:
    """Kernels among ``ids`` that died since last asked (each is returned once)."""
    dead = []
    for kernel_id in sorted(ids):
        try:
            record = load(kernel_id, directory)
        except ResourceNotFoundError:
            continue
        if record.state in LIVE_STATES and record.pid is not None and not pid_alive(record.pid):
            record = mark_dead(kernel_id, directory)
        if record.state == "dead" and not record.death_reported:
            dead.append(update(kernel_id, directory, death_reported=True))
    return dead


class ServingKernelError(ServingError):
    """A serving kernel that could not start serving (the model failed to load, the kernel died)."""

    def __init__(self, message: str) -> None:
        super().__init__(500, "INTERNAL_ERROR", message)


def started(kernel_id: str, alive: bool, waited: float, timeout: float) -> ServingKernel | None:
    """One look at a starting kernel: its record once it serves, None while it loads; raises with
    the kernel's own error when it failed, died or took longer than ``timeout`` seconds."""
    record = load(kernel_id)
    if record.state == "serving":
        return record
    if record.state == "failed":
        raise ServingKernelError(f"The serving kernel could not serve {record.model_uri}: {record.error}")
    if not alive or record.state == "dead" or (record.pid is not None and not pid_alive(record.pid)):
        raise ServingKernelError(
            f"The serving kernel for {record.model_uri} exited while starting; load the model in a notebook "
            "cell (jupyter_mltrack.pyfunc.load_model) to see why."
        )
    if waited > timeout:
        raise ServingKernelError(
            f"The serving kernel for {record.model_uri} was not serving after {timeout:.0f} s "
            f"(state: {record.state}); it still runs as kernel {kernel_id}."
        )
    return None


def probe_server(url: str, timeout: float = 2.0) -> tuple[str, int | None]:
    """(health, predictions so far) from ``/ping`` and ``/metrics``."""
    import http.client

    host, port = url.rsplit("//", 1)[1].rsplit(":", 1)
    try:
        conn = http.client.HTTPConnection(host.strip("[]"), int(port), timeout=timeout)
        conn.request("GET", "/ping")
        status = conn.getresponse()
        status.read()
        health = "ok" if status.status == 200 else "loading" if status.status == 503 else f"HTTP {status.status}"
        conn.request("GET", "/metrics")
        text = conn.getresponse().read().decode("utf-8", "replace")
        conn.close()
    except OSError:
        return "unreachable", None
    total = 0
    for line in text.splitlines():
        if line.startswith("mltrack_predictions_total{"):
            total += int(float(line.rsplit(" ", 1)[1]))
    return health, total


def _records(directory: Path | None) -> list[ServingKernel]:
    folder = directory or state_dir()
    if not folder.is_dir():
        return []
    out = []
    for path in folder.glob("*.json"):
        with contextlib.suppress(ResourceNotFoundError, ValueError, TypeError):
            out.append(load(path.stem, folder))
    return out


@contextlib.contextmanager
def _locked(folder: Path) -> Iterator[None]:
    """Record updates come from the launcher, the kernel and listers: one at a time."""
    folder.mkdir(parents=True, exist_ok=True)
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows: best effort
        yield
        return
    with open(folder / ".lock", "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _display_name(uri: str, path: str) -> str:
    if uri.startswith("models:/"):
        return uri[len("models:/") :].split("@", 1)[0].rsplit("/", 1)[0]
    return os.path.basename(os.path.normpath(path)) or uri


def _free_port(host: str) -> int:
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def _port_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True
