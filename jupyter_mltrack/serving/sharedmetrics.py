"""Metric values shared by the ``--workers`` processes of one server, through memory-mapped files.

With ``SO_REUSEPORT`` the kernel hands each connection to one worker, so a scrape of ``/metrics``
reaches one process. Each worker therefore keeps its values in its own file in a directory the
server creates (``start_workers``) and any worker sums all the files when scraped, like
prometheus_client's multiprocess mode. Updating a value is one 8-byte store into the mapping, so
the scoring path pays nothing; a scrape reads a few kilobytes per worker and is exact at once,
with no flushing. A worker that dies leaves its file behind: its counts stay in the totals.

File layout: an 8-byte header (bytes used), then entries ``[u32 key length][key, JSON][padding to
8][f64 value]``. A new entry is written in full before the header covers it, so a reader never
sees half a key; values are aligned 8-byte stores.
"""

from __future__ import annotations

import json
import mmap
import os
import struct
from collections.abc import Iterator

from jupyter_mltrack.processes import pid_alive

Key = tuple[str, ...]
_HEADER = struct.Struct("<Q")
_LENGTH = struct.Struct("<I")
_VALUE = struct.Struct("<d")
_PREFIX, _SUFFIX = "metrics-", ".bin"


def _padded(size: int) -> int:
    return (size + 7) & ~7


def _entries(data: bytes | mmap.mmap) -> Iterator[tuple[Key, float, int]]:
    """(key, value, offset of the value) of each complete entry."""
    used = _HEADER.unpack_from(data, 0)[0] if len(data) >= 8 else 0
    position = 8
    while position + 4 <= min(used, len(data)):
        (length,) = _LENGTH.unpack_from(data, position)
        start = position + _padded(4 + length)
        key = tuple(json.loads(bytes(data[position + 4 : position + 4 + length])))
        yield key, _VALUE.unpack_from(data, start)[0], start
        position = start + 8


class SharedValues:
    """This process's values in ``<directory>/metrics-<pid>.bin``."""

    def __init__(self, directory: str, pid: int | None = None, initial_size: int = 16384) -> None:
        self.pid = pid or os.getpid()
        self.path = os.path.join(directory, f"{_PREFIX}{self.pid}{_SUFFIX}")
        self.offsets: dict[Key, int] = {}
        self.values: dict[Key, float] = {}
        self._file = open(self.path, "a+b")  # noqa: SIM115 - kept open for the life of the mapping
        size = os.fstat(self._file.fileno()).st_size
        if size < initial_size:
            self._file.truncate(initial_size)
        self._map = mmap.mmap(self._file.fileno(), max(size, initial_size))
        if size == 0:
            _HEADER.pack_into(self._map, 0, 8)
        for key, value, offset in _entries(self._map):  # a reused pid continues the counts it finds
            self.offsets[key], self.values[key] = offset, value
        self.used = int(_HEADER.unpack_from(self._map, 0)[0])

    def set(self, key: Key, value: float) -> None:
        offset = self.offsets.get(key)
        if offset is None:
            offset = self._append(key)
        _VALUE.pack_into(self._map, offset, value)
        self.values[key] = value

    def _append(self, key: Key) -> int:
        encoded = json.dumps(list(key)).encode()
        size = _padded(4 + len(encoded)) + 8
        if self.used + size > len(self._map):
            self._grow(self.used + size)
        _LENGTH.pack_into(self._map, self.used, len(encoded))
        self._map[self.used + 4 : self.used + 4 + len(encoded)] = encoded
        offset = self.used + _padded(4 + len(encoded))
        _VALUE.pack_into(self._map, offset, 0.0)
        self.used += size
        _HEADER.pack_into(self._map, 0, self.used)  # the entry is complete: now readers may see it
        self.offsets[key] = offset
        return offset

    def _grow(self, needed: int) -> None:
        size = len(self._map)
        while size < needed:
            size *= 2
        self._map.flush()
        self._map.close()
        self._file.truncate(size)
        self._map = mmap.mmap(self._file.fileno(), size)

    def close(self) -> None:
        self._map.flush()
        self._map.close()
        self._file.close()


def read_others(directory: str, own_pid: int) -> list[tuple[int, bool, dict[Key, float]]]:
    """(pid, alive, values) of every other worker that has written to ``directory``."""
    out = []
    try:
        names = os.listdir(directory)
    except OSError:
        return []
    for name in names:
        if not (name.startswith(_PREFIX) and name.endswith(_SUFFIX)):
            continue
        try:
            pid = int(name[len(_PREFIX) : -len(_SUFFIX)])
        except ValueError:
            continue
        if pid == own_pid:
            continue
        try:
            with open(os.path.join(directory, name), "rb") as handle:
                data = handle.read()
            values = {key: value for key, value, _ in _entries(data)}
        except (OSError, ValueError, struct.error):
            continue  # a file being created: it holds nothing yet
        out.append((pid, pid_alive(pid), values))
    return out
