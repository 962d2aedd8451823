"""What a serving kernel runs at start-up (its kernelspec's ``exec_lines``): serve the model named
in ``MLTRACK_SERVING_KERNEL`` from a thread, so the kernel itself stays free to answer JupyterLab
(and a console attached to it can inspect ``mltrack_serving``).

The port is bound at once; ``/ping`` answers 503 until the model is loaded and warm. The record
says ``loading``, then ``serving``, or ``failed`` with the error when the model cannot load.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import threading
import traceback
from pathlib import Path
from typing import Any

from jupyter_mltrack.serving import kernels
from jupyter_mltrack.serving.config import ServerConfig
from jupyter_mltrack.serving.server import run, url_host, wait_ready

log = logging.getLogger("jupyter_mltrack.serving")


class ServingInKernel:
    """The server running inside this kernel: ``.url``, ``.record()``, ``.stop()``."""

    def __init__(self, kernel_id: str, directory: Path, config: ServerConfig) -> None:
        self.kernel_id, self.directory, self.config = kernel_id, directory, config
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self.thread = threading.Thread(target=self._serve, name="mltrack-serving-kernel", daemon=True)

    @property
    def url(self) -> str:
        return self.record().url

    def record(self) -> kernels.ServingKernel:
        return kernels.load(self.kernel_id, self.directory)

    def start(self) -> "ServingInKernel":
        boots = self.record().boots + 1
        kernels.update(self.kernel_id, self.directory, pid=os.getpid(), boots=boots, state="loading", error=None)
        self.thread.start()
        threading.Thread(target=self._watch_ready, name="mltrack-serving-ready", daemon=True).start()
        return self

    def stop(self) -> None:
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        self.thread.join(10)

    def _serve(self) -> None:
        async def main() -> None:
            self._loop, self._stop = asyncio.get_running_loop(), asyncio.Event()
            await run(self.config, self._stop)

        try:
            asyncio.run(main())
        except BaseException as exc:  # the record carries it to whoever lists or launched the kernel
            log.error("serving kernel failed: %s", "".join(traceback.format_exception(exc)))
            kernels.update(self.kernel_id, self.directory, state="failed", error=f"{type(exc).__name__}: {exc}")

    def _watch_ready(self) -> None:
        """Flip the record to ``serving`` once ``/ping`` says the model is warm."""
        url = f"http://{url_host(self.config.host)}:{self.config.port}"
        try:
            wait_ready(url, float("inf"), lambda: None if self.thread.is_alive() else "stopped")
        except RuntimeError:
            return  # the serving thread ended: it has written its own state
        kernels.update(self.kernel_id, self.directory, state="serving")


def boot(environ: dict[str, Any] | None = None) -> ServingInKernel:
    """Start serving as the environment says; called once per kernel start (and restart)."""
    raw = (environ if environ is not None else os.environ).get(kernels.ENV_VAR)
    if not raw:
        raise RuntimeError(
            f"This kernel was started without {kernels.ENV_VAR}; start serving kernels with `%mltrack serve`, "
            "the side panel or POST /mltrack/api/serving."
        )
    spec = json.loads(raw)
    return ServingInKernel(spec["id"], Path(spec["dir"]), ServerConfig.from_json(spec["config"])).start()
