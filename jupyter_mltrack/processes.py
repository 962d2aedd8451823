"""Other processes, as /proc and signals see them: is one alive, who is its parent.

A leaf (imports nothing of ours), shared by serving (kernels, worker metrics), capture (which
Jupyter server runs this kernel) and the magics.
"""

from __future__ import annotations

import os


def pid_alive(pid: int) -> bool:
    """True for a running process; a zombie (exited, not yet reaped) counts as gone."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:
        return False
    stat = _stat(pid)
    return stat is None or stat[0] not in ("Z", "X")


def parent_pid(pid: int) -> int:
    """The parent's pid, or 0 when it cannot be read."""
    stat = _stat(pid)
    try:
        return int(stat[1]) if stat else 0
    except ValueError:
        return 0


def _stat(pid: int) -> list[str] | None:
    """The fields of ``/proc/<pid>/stat`` after the command name (state first); None off Linux."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as stat:
            return stat.read().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
