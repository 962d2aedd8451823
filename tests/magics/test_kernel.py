"""``%%track`` in a real kernel: interrupting a cell (SIGINT, as the stop button does) ends its run KILLED."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from tests.magics.shellkit import runs

pytestmark = pytest.mark.slow


def test_interrupting_a_tracked_cell_kills_its_run(tmp_path: Path, isolated_home: Path) -> None:
    from jupyter_client.manager import start_new_kernel

    env = {**os.environ, "MLTRACK_HOME": str(isolated_home)}
    manager, client = start_new_kernel(kernel_name="python3", env=env, cwd=str(tmp_path))
    try:
        client.execute_interactive("%load_ext jupyter_mltrack", timeout=60)
        timer = threading.Timer(2.0, manager.interrupt_kernel)
        timer.start()
        started = time.monotonic()
        errors: list[dict[str, Any]] = []
        reply = client.execute_interactive(
            "%%track long-training\nimport time\nfor epoch in range(600):\n    time.sleep(0.1)\n",
            timeout=60,
            output_hook=lambda m: errors.append(m["content"]) if m["msg_type"] == "error" else None,
        )
        timer.join()
        assert time.monotonic() - started < 30
        assert reply["content"]["status"] == "error" and reply["content"]["ename"] == "KeyboardInterrupt"
        after = client.execute_interactive("import jupyter_mltrack as mlt\nassert mlt.active_run() is None", timeout=60)
        assert after["content"]["status"] == "ok"
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
    [run] = runs()
    assert run.info.run_name == "long-training" and run.info.status == "KILLED"
    assert run.data.tags["mltrack.error.type"] == "KeyboardInterrupt"
    assert any("time.sleep(0.1)" in "\n".join(e["traceback"]) for e in errors)  # the user's own line
