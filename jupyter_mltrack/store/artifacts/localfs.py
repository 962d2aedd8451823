"""Local file-system helpers shared by uploads and downloads.

Atomic replacement means a reader (another kernel, the side panel) never sees a half-written
artifact; the tree walk follows symlinked folders like ``shutil.copytree`` without looping forever.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
from collections.abc import Callable

from jupyter_mltrack.errors import ArtifactPathError
from jupyter_mltrack.store.artifacts.paths import is_within_root

TEMP_PREFIX = ".mltrack-"
TEMP_SUFFIX = ".tmp"


def is_temp_name(name: str) -> bool:
    """Whether ``name`` is one of our in-flight temp files (hidden from listings)."""
    return name.startswith(TEMP_PREFIX) and name.endswith(TEMP_SUFFIX)


def atomic_write(destination: str, fill: Callable[[str], object]) -> None:
    """Let ``fill`` write a temp file next to ``destination``, then rename it into place.

    The temp file is created with mode 0o666 (minus the umask), so the result has the usual
    permissions rather than the 0o600 of ``tempfile.mkstemp``.
    """
    directory = os.path.dirname(destination) or "."
    temp = os.path.join(directory, f"{TEMP_PREFIX}{secrets.token_hex(8)}{TEMP_SUFFIX}")
    os.close(os.open(temp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o666))
    try:
        fill(temp)
        os.replace(temp, destination)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)
        raise


def atomic_write_bytes(destination: str, data: bytes) -> None:
    """Write ``data`` to ``destination`` atomically."""

    def fill(temp: str) -> None:
        with open(temp, "wb") as handle:
            handle.write(data)

    atomic_write(destination, fill)


def atomic_copy(source: str, destination: str) -> None:
    """Copy a file (content, mode and times, like ``shutil.copy2``) atomically."""
    atomic_write(destination, lambda temp: shutil.copy2(source, temp))


def walk_tree(top: str, *, confine_to: str | None = None, label_prefix: str = "") -> tuple[list[str], list[str]]:
    """All folders and files under ``top`` as sorted relative posix paths.

    Symlinked folders are followed like ``shutil.copytree`` does, except one that loops back to
    its own ancestor. With ``confine_to``, any entry whose real location is outside that folder
    raises :class:`ArtifactPathError` (labelled ``label_prefix/<relative path>``) before anything
    is read from it.
    """
    dirs: list[str] = []
    files: list[str] = []
    pending: list[tuple[str, frozenset[str]]] = [("", frozenset({os.path.realpath(top)}))]
    while pending:
        relative, ancestors = pending.pop()
        current = os.path.join(top, *relative.split("/")) if relative else top
        with os.scandir(current) as entries:
            for entry in entries:
                child = f"{relative}/{entry.name}" if relative else entry.name
                real = os.path.realpath(entry.path)
                if confine_to is not None and not is_within_root(confine_to, real):
                    label = f"{label_prefix}/{child}" if label_prefix else child
                    raise ArtifactPathError(label, "a symlink leaves the artifact root")
                if entry.is_dir():
                    if real not in ancestors:
                        dirs.append(child)
                        pending.append((child, ancestors | {real}))
                elif entry.is_file():
                    files.append(child)
    return sorted(dirs), sorted(files)
