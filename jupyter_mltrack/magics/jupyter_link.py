"""The Jupyter server that started this kernel, and calls to our REST API on it.

A kernel knows its server only as an ancestor process: the server writes ``jpserver-<pid>.json``
(URL and token) into the Jupyter runtime folder, so the kernel finds the file whose pid is its
parent (or grandparent, when a launcher sits between). Through it, ``%mltrack serve`` starts
serving kernels with the server's kernel manager, where JupyterLab lists them.
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from typing import Any

from jupyter_mltrack.capture.notebook import running_servers
from jupyter_mltrack.processes import parent_pid

_ANCESTORS = 4


def parent_server() -> dict[str, Any] | None:
    """The running server's info (``url``, ``token``...) if one of our ancestors is a Jupyter server."""
    servers = {int(info["pid"]): info for info in running_servers()}
    pid = os.getppid()
    for _ in range(_ANCESTORS):
        if pid in servers:
            return servers[pid]
        pid = parent_pid(pid)
        if pid <= 1:
            break
    return None


class ServerCallError(Exception):
    """The server answered with our error body (or could not be reached)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def call(server: dict[str, Any], method: str, path: str, body: Any = None, timeout: float = 180.0) -> Any:
    """``method /mltrack/api/<path>`` on ``server``; the parsed JSON answer, or ServerCallError."""
    url = server["url"].rstrip("/") + "/mltrack/api/" + path.lstrip("/")
    data = json.dumps(body).encode() if body is not None else (b"" if method in ("POST", "PUT") else None)
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("Content-Type", "application/json")
    if server.get("token"):
        request.add_header("Authorization", f"token {server['token']}")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as err:
        raw = err.read()
        try:
            message = str(json.loads(raw).get("message") or err.reason)
        except ValueError:  # not our JSON error body: the route is not there at all
            message = str(err.reason)
            if err.code == 404:
                message = (
                    f"the Jupyter server at {server['url']} does not have the jupyter_mltrack extension "
                    "enabled (`jupyter server extension enable jupyter_mltrack.server`); or use --local"
                )
        raise ServerCallError(err.code, message) from None
    except OSError as err:
        raise ServerCallError(0, f"could not reach the Jupyter server at {server['url']}: {err}") from None
