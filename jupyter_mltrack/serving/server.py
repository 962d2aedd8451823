"""Running a scoring server: in this process (``block=True``), in a background thread
(``block=False``, for notebooks and tests), or as ``--workers N`` processes sharing one port through
``SO_REUSEPORT`` (the kernel spreads connections over them; each loads the models itself, and they
share their metrics through a directory that lives as long as the server).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import http.client
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from typing import Any

from jupyter_mltrack.serving.app import ScoringApp
from jupyter_mltrack.serving.config import ServerConfig
from jupyter_mltrack.serving.http import Limits, start_http

log = logging.getLogger("jupyter_mltrack.serving")


async def run(config: ServerConfig, stop: asyncio.Event, reuse_port: bool = False,
              on_listening: Any = None) -> None:
    """Listen, load the models (``/ping`` says 503 meanwhile), answer until ``stop`` is set."""
    app = ScoringApp(config)
    limits = Limits(max_body=config.max_body, timeout=config.timeout)
    server, connections = await start_http(app.handle, config.host, config.port, limits, reuse_port)
    port = server.sockets[0].getsockname()[1]
    if on_listening is not None:
        on_listening(port)
    loop = asyncio.get_running_loop()
    loading: asyncio.Future[Any] = asyncio.ensure_future(loop.run_in_executor(None, app.load))
    stopping: asyncio.Future[Any] = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait([loading, stopping], return_when=asyncio.FIRST_COMPLETED)
        if loading.done():
            loading.result()  # a model that cannot load ends the server with its error
            log.info("serving on http://%s:%d", config.host, port)
            await stop.wait()
    finally:
        stopping.cancel()
        server.close()
        for connection in list(connections):
            connection.close()
        app.close()


def run_forever(config: ServerConfig, reuse_port: bool = False) -> None:
    """Serve in the foreground until SIGINT or SIGTERM."""

    async def main() -> None:
        stop = asyncio.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                asyncio.get_running_loop().add_signal_handler(sig, stop.set)
        await run(config, stop, reuse_port)

    asyncio.run(main())


class ServerHandle:
    """A server started with ``block=False``: ``.url``, ``.stop()``; also a context manager."""

    def __init__(self, url: str, stopper: Any) -> None:
        self.url = url
        self._stopper = stopper

    def stop(self) -> None:
        self._stopper()

    def __enter__(self) -> "ServerHandle":
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"<ServerHandle {self.url}>"


def start_thread(config: ServerConfig, ready_timeout: float = 120.0) -> ServerHandle:
    """Serve from a daemon thread of this process; returns once the models are loaded and warm."""
    state: dict[str, Any] = {}
    listening = threading.Event()

    def target() -> None:
        def on_listening(port: int) -> None:
            state["port"] = port
            listening.set()

        async def main() -> None:
            state["loop"], state["stop"] = asyncio.get_running_loop(), asyncio.Event()
            await run(config, state["stop"], on_listening=on_listening)

        try:
            asyncio.run(main())
        except BaseException as exc:  # reported to the caller of serve()
            state["error"] = exc
            listening.set()

    thread = threading.Thread(target=target, name="mltrack-serve", daemon=True)
    thread.start()
    listening.wait(ready_timeout)

    def stop() -> None:
        if "loop" in state and thread.is_alive():
            state["loop"].call_soon_threadsafe(state["stop"].set)
        thread.join(10)

    if "error" in state:
        raise state["error"]
    url = f"http://{url_host(config.host)}:{state['port']}"
    wait_ready(url, ready_timeout, lambda: state.get("error") or (None if thread.is_alive() else "server exited"))
    return ServerHandle(url, stop)


def start_workers(config: ServerConfig, workers: int, block: bool, ready_timeout: float = 120.0) -> ServerHandle | None:
    """``workers`` processes bound to one port with SO_REUSEPORT; the metrics directory is removed
    when they stop (``.stop()``, or SIGINT/SIGTERM to this process when ``block``)."""
    if config.port == 0:
        with socket.socket() as probe:
            probe.bind((config.host, 0))
            config.port = probe.getsockname()[1]
    metrics_dir = tempfile.mkdtemp(prefix="mltrack-serve-metrics-")
    config = dataclasses.replace(config, metrics_dir=metrics_dir)
    env = {**os.environ, "MLTRACK_SERVE_CONFIG": config.to_json()}
    command = [sys.executable, "-m", "jupyter_mltrack.serving.worker"]
    procs = [subprocess.Popen(command, env=env) for _ in range(workers)]

    def stop() -> None:
        for proc in procs:
            if proc.poll() is None:
                proc.terminate()
        for proc in procs:
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        shutil.rmtree(metrics_dir, ignore_errors=True)

    url = f"http://{url_host(config.host)}:{config.port}"
    if not block:
        wait_ready(url, ready_timeout, lambda: next((f"worker exited ({p.returncode})" for p in procs
                                                     if p.poll() is not None), None))
        return ServerHandle(url, stop)
    main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _exit) if main else None  # so `finally` cleans up
    try:
        while any(proc.poll() is None for proc in procs):  # polling reaps a worker that died
            time.sleep(0.2)
    finally:
        stop()
        if main:
            signal.signal(signal.SIGTERM, previous if previous is not None else signal.SIG_DFL)
    return None


def _exit(signum: int, frame: Any) -> None:
    raise SystemExit(128 + signum)


def url_host(host: str) -> str:
    host = "127.0.0.1" if host in ("0.0.0.0", "") else "::1" if host == "::" else host
    return f"[{host}]" if ":" in host else host


def wait_ready(url: str, timeout: float, failed: Any) -> None:
    """Poll ``/ping`` until it answers 200 (the models are warm) or the server fails."""
    host, port = url.rsplit("//", 1)[1].rsplit(":", 1)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        problem = failed()
        if problem:
            if isinstance(problem, BaseException):
                raise problem
            raise RuntimeError(f"The scoring server failed: {problem}")
        try:
            conn = http.client.HTTPConnection(host.strip("[]"), int(port), timeout=2)
            conn.request("GET", "/ping")
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.05)
    raise TimeoutError(f"The scoring server at {url} was not ready after {timeout:.0f} s.")
