"""``/serving``: serving kernels started through this server's kernel manager, so each one is a
kernel JupyterLab lists among its running kernels and can stop or restart there.

A restart (from JupyterLab, or the kernel manager's auto-restarter after a crash) serves the same
model on the same port again: what to serve lives in the kernel's environment. A kernel shut down
from JupyterLab drops out of the list; one that dies for good is listed as ``dead``.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from jupyter_server.auth.decorator import authorized
from tornado import web

from jupyter_mltrack.errors import InvalidStateError, MltrackError
from jupyter_mltrack.processes import pid_alive
from jupyter_mltrack.server.base import MltrackAPIHandler
from jupyter_mltrack.serving import kernel_launch, kernels

KERNEL_ACTIONS = "https://events.jupyter.org/jupyter_server/kernel_actions/v1"
READY_TIMEOUT = 120.0
LAUNCHER = "jupyter-server"


def require_kernel_rights(handler: MltrackAPIHandler) -> None:
    """A serving kernel is a kernel that runs the model's code: starting or stopping one needs the
    user's right to write kernels too, not only mltrack's (JupyterHub may grant one without the other)."""
    if not handler.authorizer.is_authorized(handler, handler.current_user, "write", "kernels"):
        raise web.HTTPError(403, "User is not authorized to write on resource: kernels.")


class ServingKernelsHandler(MltrackAPIHandler):
    @web.authenticated
    @authorized
    async def get(self) -> None:
        records = await self.run(lambda: listed(self.kernel_manager))
        self.send_json({"kernels": [r.to_dict() for r in records]})

    @web.authenticated
    @authorized
    async def post(self) -> None:
        require_kernel_rights(self)
        body = self.body("model_uri", "port", "host")
        model_uri = body.required_text("model_uri")
        port = body.integer("port", 0, minimum=0, maximum=65535) or None
        host = body.text("host") or "127.0.0.1"

        def plan(client: Any) -> kernels.Launch:
            served, name = client.pin_model_uri(model_uri)
            return kernels.plan_launch(served, requested=model_uri, model_name=name, port=port, host=host)

        launch = await self.call(plan)
        record = launch.record
        record.launcher = LAUNCHER
        kernels.save(record)
        km = self.kernel_manager
        try:
            kernel_launch.ensure_kernelspec(km.kernel_spec_manager)
            await km.start_kernel(kernel_id=launch.kernel_id, kernel_name=launch.kernel_name, env=launch.env)
        except Exception:
            kernels.forget(record.id)
            raise
        watch_restarts(km, record.id)
        try:
            record = await wait_serving(record.id, lambda: record.id in km)
        except kernels.ServingKernelError:
            if record.id in km:
                await km.shutdown_kernel(record.id, now=True)  # type: ignore[no-untyped-call]
            kernels.forget(record.id)
            raise
        self.send_json(record.to_dict(), status=201)


class ServingKernelHandler(MltrackAPIHandler):
    @web.authenticated
    @authorized
    async def get(self, kernel_id: str) -> None:
        records = await self.run(lambda: listed(self.kernel_manager))
        match = [r for r in records if r.id == kernel_id]
        if not match:
            kernels.load(kernel_id)  # raises the not-found error with its hint
        self.send_json(match[0].to_dict())

    @web.authenticated
    @authorized
    async def delete(self, kernel_id: str) -> None:
        require_kernel_rights(self)
        record = kernels.load(kernel_id)
        km = self.kernel_manager
        if kernel_id in km:
            await km.shutdown_kernel(kernel_id)  # type: ignore[no-untyped-call]
        elif record.state in kernels.LIVE_STATES and record.pid is not None and pid_alive(record.pid):
            raise InvalidStateError(
                f"Serving kernel {kernel_id} was started by another Jupyter server or process; stop it there."
            )
        kernels.forget(kernel_id)
        self.send_json({})


def listed(km: Any) -> list[kernels.ServingKernel]:
    """The records (a gone process is marked dead by the listing itself), plus this server's kernels
    that never booted and are no longer in its kernel manager."""
    records = kernels.list_kernels()
    for index, record in enumerate(records):
        lost = record.pid is None and record.id not in km
        if lost and record.launcher == LAUNCHER and record.state in kernels.LIVE_STATES:
            records[index] = kernels.mark_dead(record.id)
            records[index].health = "down"
    return records


async def wait_serving(kernel_id: str, known: Any, timeout: float = READY_TIMEOUT) -> kernels.ServingKernel:
    began = time.monotonic()
    while True:
        record = kernels.started(kernel_id, known(), time.monotonic() - began, timeout)
        if record is not None:
            return record
        await asyncio.sleep(0.1)


def watch_restarts(km: Any, kernel_id: str) -> None:
    """The auto-restarter's verdicts go into the record: a death before a restart, and a final one."""
    kernel = km.get_kernel(kernel_id)

    def on_restart() -> None:
        try:
            kernels.update(kernel_id, died_at=time.time(), state="loading")
        except MltrackError:
            pass

    def on_dead() -> None:
        try:
            kernels.mark_dead(kernel_id)
        except MltrackError:
            pass

    kernel.add_restart_callback(on_restart, "restart")
    kernel.add_restart_callback(on_dead, "dead")


async def on_kernel_action(logger: Any, schema_id: str, data: dict[str, Any]) -> None:
    """A serving kernel shut down from JupyterLab's running-kernels list stops being listed."""
    if data.get("action") == "shutdown" and data.get("status") == "success" and data.get("kernel_id"):
        kernels.forget(str(data["kernel_id"]))


def listen_for_shutdowns(event_logger: Any) -> None:
    if event_logger is not None:
        event_logger.add_listener(schema_id=KERNEL_ACTIONS, listener=on_kernel_action)
