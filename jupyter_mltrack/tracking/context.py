"""System tags every run gets: who, from where (script, notebook, CLI), which git commit.

Tag names are MLflow's (``mlflow.user``, ``mlflow.source.*``) so MLflow filters keep working;
what MLflow lacks is under ``mltrack.*``.
"""

from __future__ import annotations

import getpass
import os
import platform
import socket
import subprocess
import sys
import time
from pathlib import Path

USER_TAG = "mlflow.user"
SOURCE_NAME_TAG = "mlflow.source.name"
SOURCE_TYPE_TAG = "mlflow.source.type"
GIT_COMMIT_TAG = "mlflow.source.git.commit"
GIT_BRANCH_TAG = "mlflow.source.git.branch"
GIT_DIRTY_TAG = "mltrack.git.dirty"
PYTHON_VERSION_TAG = "mltrack.python.version"
HOST_TAG = "mltrack.host"
PARENT_RUN_TAG = "mlflow.parentRunId"
DESCRIPTION_TAG = "mlflow.note.content"

_GIT_TTL_S = 5.0
_git_cache: dict[str, tuple[float, dict[str, str]]] = {}


def current_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no passwd entry (containers)
        return os.environ.get("USER", "unknown")


def source() -> tuple[str, str]:
    """(source name, source type): NOTEBOOK inside a Jupyter kernel, CLI for `mltrack`, else LOCAL."""
    if "ipykernel" in sys.modules and _in_kernel():
        return os.environ.get("JPY_SESSION_NAME", "") or "<notebook>", "NOTEBOOK"
    argv0 = sys.argv[0] if sys.argv and sys.argv[0] else ""
    if Path(argv0).name == "mltrack":
        return "mltrack " + " ".join(sys.argv[1:2]), "CLI"
    if argv0 in ("", "-c", "-"):
        return "<interactive>", "LOCAL"
    return os.path.abspath(argv0), "LOCAL"


def _in_kernel() -> bool:
    ipython = sys.modules.get("IPython")  # already imported when ipykernel is; never import it here
    shell = ipython.get_ipython() if ipython is not None else None
    return shell is not None and getattr(shell, "kernel", None) is not None


def git_info(directory: str) -> dict[str, str]:
    """Commit, branch and dirty flag of the repository holding ``directory`` (empty outside one)."""
    now = time.monotonic()
    cached = _git_cache.get(directory)
    if cached and now - cached[0] < _GIT_TTL_S:
        return cached[1]
    info: dict[str, str] = {}
    try:
        out = subprocess.run(
            ["git", "-C", directory, "status", "--porcelain=v2", "--branch", "--untracked-files=no"],
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        out = None
    if out is not None and out.returncode == 0:
        dirty = False
        for line in out.stdout.splitlines():
            if line.startswith("# branch.oid ") and "(initial)" not in line:
                info[GIT_COMMIT_TAG] = line.split()[2]
            elif line.startswith("# branch.head ") and "(detached)" not in line:
                info[GIT_BRANCH_TAG] = line.split(maxsplit=2)[2]
            elif not line.startswith("#"):
                dirty = True
        if info:
            info[GIT_DIRTY_TAG] = "true" if dirty else "false"
    _git_cache[directory] = (now, info)
    return info


def system_tags() -> dict[str, str]:
    name, kind = source()
    tags = {
        USER_TAG: current_user(),
        SOURCE_NAME_TAG: name,
        SOURCE_TYPE_TAG: kind,
        PYTHON_VERSION_TAG: platform.python_version(),
        HOST_TAG: socket.gethostname(),
    }
    directory = os.path.dirname(name) if kind == "LOCAL" and os.path.isabs(name) else os.getcwd()
    tags.update(git_info(directory))
    return tags
