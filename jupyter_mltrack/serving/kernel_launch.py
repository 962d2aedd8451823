"""Serving kernels started through ``jupyter_client`` (outside a Jupyter server: a terminal
IPython, nbclient, a script). The kernel is this process's child; a watcher thread notices when it
dies and marks its record, so the death is reported on the next look instead of going unseen.

Under a Jupyter server the server's kernel manager starts the kernel instead (see
``jupyter_mltrack.server.handlers.serving``), so it shows among JupyterLab's running kernels.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import signal
import threading
import time
from typing import Any

from jupyter_mltrack.processes import pid_alive
from jupyter_mltrack.serving import kernels

_MANAGERS: dict[str, Any] = {}
_LOCK = threading.Lock()
_WATCHER: list[threading.Thread] = []


def start_local(launch: kernels.Launch, ready_timeout: float = 120.0) -> kernels.ServingKernel:
    """Start the kernel of ``launch`` with jupyter_client; return once its model is warm."""
    record = launch.record
    record.launcher = "jupyter_client"
    kernels.save(record)
    manager = _manager(launch.kernel_name)
    try:
        manager.start_kernel(env=launch.env)
    except Exception:
        kernels.forget(record.id)
        raise
    with _LOCK:
        _MANAGERS[record.id] = manager
    try:
        record = wait_until_serving(record.id, ready_timeout, alive=manager.is_alive)
    except kernels.ServingKernelError:
        stop_local(record.id)
        raise
    _ensure_watcher()
    return record


def wait_until_serving(kernel_id: str, timeout: float, alive: Any) -> kernels.ServingKernel:
    """Poll the record until the kernel serves; raise with the kernel's own error if it cannot."""
    began = time.monotonic()
    while True:
        record = kernels.started(kernel_id, alive(), time.monotonic() - began, timeout)
        if record is not None:
            return record
        time.sleep(0.1)


def stop_local(kernel_id: str) -> bool:
    """Shut down a kernel this process started; False if it is not one of ours."""
    with _LOCK:
        manager = _MANAGERS.pop(kernel_id, None)
    if manager is None:
        return False
    with contextlib.suppress(Exception):
        manager.shutdown_kernel(now=not manager.is_alive())
    kernels.forget(kernel_id)
    return True


def terminate(record: kernels.ServingKernel, grace: float = 5.0) -> None:
    """Stop a kernel some other process started outside a Jupyter server: SIGTERM, then SIGKILL."""
    if record.pid is not None and pid_alive(record.pid):
        os.kill(record.pid, signal.SIGTERM)
        deadline = time.monotonic() + grace
        while pid_alive(record.pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        if pid_alive(record.pid):
            os.kill(record.pid, signal.SIGKILL)
    kernels.forget(record.id)


def launched_here() -> set[str]:
    with _LOCK:
        return set(_MANAGERS)


def _manager(kernel_name: str) -> Any:
    from jupyter_client.manager import KernelManager

    manager = KernelManager(kernel_name=kernel_name, transport="ipc" if os.name == "posix" else "tcp")
    ensure_kernelspec(manager.kernel_spec_manager)
    return manager


def ensure_kernelspec(spec_manager: Any) -> None:
    """The ``mltrack-serving`` kernelspec ships with the package (share/jupyter/kernels); where a
    kernel spec manager cannot see it (a source checkout, a custom JUPYTER_PATH), install it for the
    user from the copy inside the package, so serving never depends on how we were installed."""
    if kernels.KERNEL_NAME in spec_manager.find_kernel_specs():
        return
    source = os.path.join(os.path.dirname(os.path.abspath(__file__)), "kernelspec")
    spec_manager.install_kernel_spec(source, kernels.KERNEL_NAME, user=True)


def _ensure_watcher() -> None:
    with _LOCK:
        if _WATCHER and _WATCHER[0].is_alive():
            return
        thread = threading.Thread(target=_watch, name="mltrack-serving-watch", daemon=True)
        first = not _WATCHER
        _WATCHER[:] = [thread]
    if first:
        atexit.register(stop_all_local)
    thread.start()


def stop_all_local() -> None:
    """At exit, the kernels this process started go with it (no orphaned servers holding ports)."""
    for kernel_id in launched_here():
        stop_local(kernel_id)


def _watch(interval: float = 0.5) -> None:
    """Mark kernels that die as dead (with their exit code) while this process runs."""
    while True:
        time.sleep(interval)
        with _LOCK:
            managers = dict(_MANAGERS)
        if not managers:
            continue
        for kernel_id, manager in managers.items():
            with contextlib.suppress(Exception):
                if manager.is_alive():
                    continue
                process = getattr(getattr(manager, "provisioner", None), "process", None)
                code = process.poll() if process is not None else None
                with contextlib.suppress(Exception):
                    kernels.mark_dead(kernel_id, exit_code=code)
                with _LOCK:
                    _MANAGERS.pop(kernel_id, None)
                manager.cleanup_resources()
