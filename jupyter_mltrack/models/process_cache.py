"""A model folder loaded once per process, for workers that score many partitions or batches
(Dask workers, Spark Python workers): loading per batch would cost more than scoring it."""

from __future__ import annotations

import threading
from typing import Any

_CACHE: dict[str, Any] = {}
_LOCK = threading.Lock()
_LOADS: dict[str, int] = {}


def load_once(path: str) -> Any:
    """The pyfunc model at the local folder ``path``, loaded once even when threads ask together."""
    model = _CACHE.get(path)
    if model is None:
        with _LOCK:
            model = _CACHE.get(path)
            if model is None:
                from jupyter_mltrack.models.pyfunc import load_pyfunc

                model = _CACHE[path] = load_pyfunc(path, suppress_warnings=True)
                _LOADS[path] = _LOADS.get(path, 0) + 1
    return model


def load_counts() -> dict[str, int]:
    """How many times each folder was loaded in this process (a worker's view, for tests and checks)."""
    return dict(_LOADS)
