"""Buffered metric writes and run heartbeats: one background thread per process.

``log_metric`` only validates and appends to a buffer; the thread commits the buffer every
``flush_interval`` seconds (0.5 s by default) in one transaction, so a hard kill loses at most that
much, while ``flush()``, the end of a run, reads through the client, and interpreter exit commit
everything. The same thread refreshes the heartbeat of the runs this process owns, so a run whose
process died can be told from one that is still working (see ``SqlStore.reap_dead_runs``).
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
import time
import weakref
from typing import TYPE_CHECKING, Any

from jupyter_mltrack.entities import Metric
from jupyter_mltrack.errors import MltrackError

if TYPE_CHECKING:
    from jupyter_mltrack.store.sql.store import SqlStore

log = logging.getLogger(__name__)

#: Past this many pending points the caller commits synchronously (bounded memory).
MAX_PENDING = 200_000


class StoreWriter:
    """Pending metrics and owned runs for one store."""

    def __init__(self, store: "SqlStore", flush_interval: float, heartbeat_interval: float) -> None:
        self.store = store
        self.flush_interval = flush_interval
        self.heartbeat_interval = heartbeat_interval
        self._pending: list[tuple[str, Metric]] = []
        self._lock = threading.Lock()
        self._flush_lock = threading.Lock()  # one flush at a time keeps per-run order
        self._owned: set[str] = set()
        #: Runs known to exist and not be deleted, so buffering a point needs no database read.
        #: Shared by every Client of this store in the process; a run deleted by another process
        #: is caught when its points are committed (they are dropped with a warning).
        self.writable: set[str] = set()
        self._last_beat = 0.0
        self._warned = False
        _register(self)

    def add(self, run_id: str, metrics: list[Metric]) -> None:
        with self._lock:
            self._pending.extend((run_id, m) for m in metrics)
            too_many = len(self._pending) >= MAX_PENDING
        if too_many:
            self.flush()

    def flush(self, run_id: str | None = None) -> None:
        """Commit pending metrics (all, or at least those of ``run_id``)."""
        with self._flush_lock:
            with self._lock:
                batch, self._pending = self._pending, []
            if not batch:
                return
            try:
                self.store.log_metrics_multi(batch)
            except MltrackError:
                self._flush_per_run(batch)  # one bad run (deleted meanwhile) must not sink the rest
            except Exception:
                with self._lock:
                    self._pending[:0] = batch  # keep them: the database may come back
                raise

    def _flush_per_run(self, batch: list[tuple[str, Metric]]) -> None:
        by_run: dict[str, list[tuple[str, Metric]]] = {}
        for item in batch:
            by_run.setdefault(item[0], []).append(item)
        for run_id, items in by_run.items():
            try:
                self.store.log_metrics_multi(items)
            except MltrackError as exc:
                log.warning("jupyter_mltrack: dropped %d metric points of run %s: %s", len(items), run_id, exc)

    def close(self) -> None:
        """Stop taking part in background ticks (the store is being closed)."""
        _writers.discard(self)

    def own(self, run_id: str) -> None:
        with self._lock:
            self._owned.add(run_id)

    def disown(self, run_id: str) -> None:
        with self._lock:
            self._owned.discard(run_id)

    def owned(self) -> list[str]:
        with self._lock:
            return sorted(self._owned)

    def tick(self) -> None:
        """One round of the background thread's work."""
        try:
            self.flush()
            now = time.monotonic()
            owned = self.owned()
            if owned and now - self._last_beat >= self.heartbeat_interval:
                self.store.heartbeat(owned)
                self._last_beat = now
            self._warned = False
        except Exception as exc:  # the user's work must not break because the store hiccuped
            if not self._warned:
                log.warning("jupyter_mltrack: could not write to %r, will retry: %s", self.store, exc)
                self._warned = True


_writers: "weakref.WeakSet[StoreWriter]" = weakref.WeakSet()
_thread: threading.Thread | None = None
_thread_pid: int | None = None
_registry_lock = threading.Lock()


def _register(writer: StoreWriter) -> None:
    global _thread, _thread_pid
    with _registry_lock:
        _writers.add(writer)
        if _thread is None or not _thread.is_alive() or _thread_pid != os.getpid():
            _thread = threading.Thread(target=_loop, name="mltrack-writer", daemon=True)
            _thread_pid = os.getpid()
            _thread.start()


def _loop() -> None:
    while True:
        writers = list(_writers)
        interval = min((w.flush_interval for w in writers), default=0.5)
        time.sleep(interval)
        for writer in writers:
            writer.tick()


def flush_all() -> None:
    for writer in list(_writers):
        try:
            writer.flush()
        except Exception as exc:
            log.warning("jupyter_mltrack: could not commit metrics to %r: %s", writer.store, exc)


def _at_exit(*_: Any) -> None:
    flush_all()


atexit.register(_at_exit)
