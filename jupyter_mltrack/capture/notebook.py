"""Which notebook file this kernel runs, found from inside the kernel; never required.

In order:
1. ``JPY_SESSION_NAME``: jupyter_server (JupyterLab, Notebook 7) sets it when it starts a kernel
   for a notebook. It is fixed at kernel start, so a notebook renamed later keeps its old name.
2. ``__vsc_ipynb_file__``: VS Code puts the notebook's path in the user namespace.
3. The running Jupyter servers' sessions: this kernel's id (from its connection file) is matched
   against each server's ``/api/sessions`` with the server's token. The servers are found the way
   ``jupyter_server.serverapp.list_running_servers()`` finds them (the ``jpserver-*.json`` files
   of the runtime directory), read directly because importing ``jupyter_server.serverapp`` in a
   kernel costs seconds. Answers are cached for :data:`SERVER_CACHE_S` seconds.

Anything that fails along the way means "unknown" (None), never an error.
"""

from __future__ import annotations

import json
import os
import re
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any, Iterator, Mapping

from jupyter_mltrack.processes import pid_alive

SERVER_CACHE_S = 10.0
HTTP_TIMEOUT_S = 2.0
_KERNEL_FILE = re.compile(r"kernel-(.+)\.json$")
_cache: dict[str, tuple[float, str | None]] = {}


def notebook_path(user_ns: Mapping[str, Any] | None = None) -> str | None:
    """Absolute path of the notebook this kernel runs, or None when it cannot be told."""
    session = os.environ.get("JPY_SESSION_NAME")
    if session:
        return _absolute(session)
    vscode = (user_ns or {}).get("__vsc_ipynb_file__")
    if isinstance(vscode, str) and vscode:
        return _absolute(vscode)
    kernel_id = _kernel_id()
    if kernel_id is None:
        return None
    cached = _cache.get(kernel_id)
    if cached and time.monotonic() - cached[0] < SERVER_CACHE_S:
        return cached[1]
    found = _from_servers(kernel_id)
    _cache[kernel_id] = (time.monotonic(), found)
    return found


def _absolute(path: str) -> str:
    if path.startswith("file://"):
        path = path[len("file://") :]
    candidate = Path(path).expanduser()
    if not candidate.is_absolute() and not candidate.exists() and (Path.cwd() / candidate.name).exists():
        candidate = Path.cwd() / candidate.name  # a server-relative path; the kernel runs in its folder
    return str(candidate.absolute())


def _kernel_id() -> str | None:
    """This kernel's id, from the name of the connection file jupyter_server gave it."""
    if "ipykernel" not in sys.modules:
        return None
    try:
        from ipykernel.kernelapp import IPKernelApp

        if not IPKernelApp.initialized():
            return None
        connection_file = str(IPKernelApp.instance().connection_file)
    except Exception:
        return None
    match = _KERNEL_FILE.search(os.path.basename(connection_file))
    return match.group(1) if match else None


def running_servers() -> Iterator[dict[str, Any]]:
    """The ``jpserver-*.json`` info of live Jupyter servers (what list_running_servers yields)."""
    try:
        from jupyter_core.paths import jupyter_runtime_dir

        runtime = Path(jupyter_runtime_dir())
        files = sorted(runtime.glob("jpserver-*.json"))
    except Exception:
        return
    for file in files:
        try:
            info = json.loads(file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(info, dict) and isinstance(info.get("pid"), int) and pid_alive(info["pid"]):
            yield info


def _from_servers(kernel_id: str) -> str | None:
    for info in running_servers():
        try:
            sessions = _get_json(str(info["url"]).rstrip("/") + "/api/sessions", str(info.get("token") or ""))
        except Exception:
            continue
        for session in sessions if isinstance(sessions, list) else []:
            kernel = session.get("kernel") or {}
            if kernel.get("id") == kernel_id and session.get("path"):
                root = info.get("root_dir") or info.get("notebook_dir") or ""
                return str(Path(root, session["path"]).absolute())
    return None


def _get_json(url: str, token: str) -> Any:
    request = urllib.request.Request(url, headers={"Authorization": f"token {token}"} if token else {})
    with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT_S) as response:
        return json.loads(response.read().decode("utf-8"))
