"""``%mltrack serve MODEL | --list | --stop ID``: serving kernels from a notebook.

Under a Jupyter server the request goes to the server (``/mltrack/api/serving``), whose kernel
manager starts the kernel, so JupyterLab lists it among its running kernels; elsewhere (a terminal
IPython, nbclient) jupyter_client starts it as this process's child. ``--local`` forces the latter.
Kernels this session started are watched: a death (or an automatic restart after one) is printed
under the next cell that runs.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from dataclasses import dataclass
from typing import Any

from IPython.core.error import UsageError

from jupyter_mltrack.magics import jupyter_link, render
from jupyter_mltrack.magics.args import MagicArgumentParser
from jupyter_mltrack.magics.commands import Command
from jupyter_mltrack.magics.errors import one_line, usage_errors

_WATCHED: dict[str, int] = {}  # kernel id -> boots last seen, for the kernels this session started


@dataclass(frozen=True)
class Served:
    """What ``%mltrack serve`` shows: HTML in Jupyter, text elsewhere."""

    html: str
    text: str
    id: str = ""
    url: str = ""

    def _repr_html_(self) -> str:
        return self.html

    def __repr__(self) -> str:
        return self.text


def parser() -> MagicArgumentParser:
    p = MagicArgumentParser(
        prog="%mltrack serve",
        description="Serve a model from its own Jupyter kernel over MLflow's scoring protocol; list or stop "
        "serving kernels.",
    )
    p.add_argument(
        "model_uri",
        nargs="?",
        metavar="MODEL",
        help="NAME@ALIAS, NAME/VERSION, models:/..., runs:/... or a model folder",
    )
    p.add_argument("--port", type=int, metavar="P", help="port to serve on (default: a free one)")
    p.add_argument("--host", default="127.0.0.1", metavar="H", help="address to bind (default: 127.0.0.1)")
    p.add_argument(
        "--local", action="store_true", help="start the kernel with jupyter_client even under a Jupyter server"
    )
    p.add_argument("--list", action="store_true", help="show each serving kernel: model, address, health, requests")
    p.add_argument("--stop", metavar="ID", help="stop the serving kernel with this id (or its first characters)")
    return p


def run(_magics: Any, ns: argparse.Namespace) -> Served | None:
    chosen = sum(bool(x) for x in (ns.model_uri, ns.list, ns.stop))
    if chosen != 1:
        raise UsageError("%mltrack serve: give a MODEL to serve, or --list, or --stop ID (exactly one).")
    server = None if ns.local else jupyter_link.parent_server()
    if ns.list:
        return listing(server)
    if ns.stop:
        return stop(server, ns.stop)
    return start(server, model_uri(ns.model_uri), ns.port, ns.host, ns.local)


def model_uri(text: str) -> str:
    """``iris@champion`` and ``iris/3`` are registry names; a path is made absolute; other URIs are as given."""
    import os

    if os.path.exists(os.path.expanduser(text)) or text.startswith((".", "/", "~")):
        return os.path.abspath(os.path.expanduser(text))  # the Jupyter server's folder is not this kernel's
    if ":" in text:
        return text
    if "@" in text or "/" in text:
        return "models:/" + text
    raise UsageError(
        f"%mltrack serve: {text!r} is not a model: use NAME@ALIAS, NAME/VERSION, models:/..., runs:/... or a folder."
    )


def start(server: dict[str, Any] | None, uri: str, port: int | None, host: str, local: bool) -> Served:
    from jupyter_mltrack.serving import kernels

    if server is not None:
        record = kernels.ServingKernel(
            **_fields(_server_call(server, "POST", "serving", {"model_uri": uri, "port": port, "host": host}))
        )
        where = "a kernel of this Jupyter server (JupyterLab lists it among the running kernels)"
    else:
        from jupyter_mltrack.registry.client import Client
        from jupyter_mltrack.serving import kernel_launch

        with usage_errors("%mltrack serve"):
            served, name = Client().pin_model_uri(uri)
            launch = kernels.plan_launch(served, requested=uri, model_name=name, port=port, host=host)
            record = kernel_launch.start_local(launch)
        where = "a kernel started by this one" + (" (--local)" if local else "")
    _WATCHED[record.id] = record.boots
    text = (
        f"Serving {record.model_uri} ({record.model} version {record.version}) at {record.url} from {where}; "
        f"kernel {record.id[:8]}. Stop it with: %mltrack serve --stop {record.id[:8]}"
    )
    example = f"curl -s {record.url}/invocations -H 'Content-Type: application/json' -d '{{\"inputs\": [...]}}'"
    html = render.box(
        f"<b>Serving</b> {render.code(record.model_uri)} ({render.esc(record.model)} version "
        f'{render.esc(record.version)}) at <a href="{render.esc(record.url)}/health" target="_blank">'
        f'{render.esc(record.url)}</a><br><span style="{render.MUTED}">from {render.esc(where)}; kernel '
        f"{render.code(record.id[:8], record.id)}. Score: {render.code(example)}</span>",
        "serve",
    )
    return Served(html, text, id=record.id, url=record.url)


def listing(server: dict[str, Any] | None) -> Served:
    from jupyter_mltrack.serving import kernels

    if server is not None:
        records = [kernels.ServingKernel(**_fields(r)) for r in _server_call(server, "GET", "serving")["kernels"]]
    else:
        records = kernels.list_kernels()
    if not records:
        return Served(
            render.box(f'<span style="{render.MUTED}">No serving kernels.</span>', "serve"),
            "No serving kernels. Start one with %mltrack serve NAME@ALIAS.",
        )
    headers = ("id", "model", "version", "address", "state", "health", "requests", "restarts", "started")
    rows = [
        (
            r.id[:8],
            r.model,
            r.version,
            r.url,
            r.state + (f" ({r.error})" if r.error else ""),
            r.health,
            "" if r.requests is None else str(r.requests),
            str(max(0, r.boots - 1)),
            _when(r.started_at),
        )
        for r in records
    ]
    html_rows = [
        [
            render.code(row[0], rec.id),
            *(render.esc(c) for c in row[1:4]),
            _state_html(rec.state, row[4]),
            *(render.esc(c) for c in row[5:]),
        ]
        for row, rec in zip(rows, records, strict=True)
    ]
    text = "\n".join("  ".join(str(c) for c in row) for row in (headers, *rows))
    return Served(render.box(render.table(headers, html_rows, raw=True), "serve"), text)


def stop(server: dict[str, Any] | None, prefix: str) -> Served:
    from jupyter_mltrack.serving import kernel_launch, kernels

    with usage_errors("%mltrack serve --stop"):
        record = kernels.find(prefix)
    if record.launcher == "jupyter-server" and server is not None:
        _server_call(server, "DELETE", f"serving/{record.id}")
    elif not kernel_launch.stop_local(record.id):
        if record.launcher == "jupyter-server" and record.state in kernels.LIVE_STATES:
            raise UsageError(
                f"%mltrack serve --stop: kernel {record.id[:8]} belongs to a Jupyter server; stop it from JupyterLab's "
                "running kernels, or run this magic in a notebook of that server."
            )
        kernel_launch.terminate(record)
    _WATCHED.pop(record.id, None)
    return Served(
        render.box(
            f"Stopped serving kernel {render.code(record.id[:8], record.id)} "
            f"({render.esc(record.model_uri)} at {render.esc(record.url)}).",
            "serve",
        ),
        f"Stopped serving kernel {record.id[:8]} ({record.model_uri} at {record.url}).",
    )


def report_deaths() -> None:
    """Called after every cell: say so when a kernel this session started died or was restarted."""
    if not _WATCHED:
        return
    from jupyter_mltrack.serving import kernels

    try:
        for record in kernels.unreported_deaths(set(_WATCHED)):
            _WATCHED.pop(record.id, None)
            code = f", exit code {record.exit_code}" if record.exit_code is not None else ""
            print(
                f"jupyter_mltrack: serving kernel {record.id[:8]} ({record.model_uri} at {record.url}) died at "
                f"{_when(record.died_at)}{code}. `%mltrack serve --list` shows it; `%mltrack serve "
                f"{record.model_uri}` starts another.",
                file=sys.stderr,
            )
        for kernel_id, boots in list(_WATCHED.items()):
            record = kernels.load(kernel_id)
            if record.boots > boots:
                _WATCHED[kernel_id] = record.boots
                print(
                    f"jupyter_mltrack: serving kernel {kernel_id[:8]} ({record.model_uri}) died at "
                    f"{_when(record.died_at)} and was restarted; it serves again at {record.url}.",
                    file=sys.stderr,
                )
    except Exception as exc:  # a report must never break the notebook
        _WATCHED.clear()
        print(f"jupyter_mltrack: could not check serving kernels: {one_line(exc)}", file=sys.stderr)


def _server_call(server: dict[str, Any], method: str, path: str, body: Any = None) -> Any:
    try:
        return jupyter_link.call(server, method, path, body)
    except jupyter_link.ServerCallError as err:
        raise UsageError(f"%mltrack serve: {one_line(err)}") from None


def _fields(raw: dict[str, Any]) -> dict[str, Any]:
    from dataclasses import fields

    from jupyter_mltrack.serving.kernels import ServingKernel

    names = {f.name for f in fields(ServingKernel)}
    return {k: v for k, v in raw.items() if k in names}


def _when(seconds: float | None) -> str:
    return dt.datetime.fromtimestamp(seconds).strftime("%H:%M:%S") if seconds else ""


def _state_html(state: str, label: str) -> str:
    color = {"serving": "#1a7f37", "dead": "#cf222e", "failed": "#cf222e"}.get(state, "#9a6700")
    return f'<span style="color:{color};font-weight:600">&#9679; {render.esc(label)}</span>'


COMMANDS = [Command("serve", "serve a model from its own kernel; --list, --stop ID", parser, run)]
