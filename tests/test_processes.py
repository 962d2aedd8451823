"""``jupyter_mltrack.processes``: liveness that sees through zombies, and parent pids."""

from __future__ import annotations

import os
import subprocess
import sys
import time

from jupyter_mltrack.processes import parent_pid, pid_alive


def test_a_running_child_is_alive_and_an_unreaped_dead_one_is_not() -> None:
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        assert pid_alive(child.pid)
        assert parent_pid(child.pid) == os.getpid()
        child.kill()
        deadline = time.monotonic() + 10
        while pid_alive(child.pid):  # a zombie until wait(): it must already count as gone
            assert time.monotonic() < deadline, "a killed, unreaped child still counts as alive"
            time.sleep(0.05)
    finally:
        child.kill()
        child.wait()
    assert not pid_alive(child.pid)


def test_our_own_parent_and_unreadable_pids() -> None:
    assert parent_pid(os.getpid()) == os.getppid()
    assert parent_pid(2**22 + 12345) == 0
    assert not pid_alive(2**22 + 12345)
