"""Score a Dask DataFrame on a ``dask.distributed`` cluster, loading the model once per worker.

The model URI is resolved to a folder on the client (the registry and the tracking store stay
there); each worker process loads that folder on first use and keeps it in a per-process cache keyed
by the folder, so later partitions and later calls reuse it. Workers must see the folder (one
machine, or a shared file system).
"""

from __future__ import annotations

import os
from typing import Any

from jupyter_mltrack.models.process_cache import load_counts as process_load_counts
from jupyter_mltrack.models.process_cache import load_once


def _score(partition: Any, path: str) -> Any:
    import numpy as np
    import pandas as pd

    predictions = load_once(path).predict(partition)
    if isinstance(predictions, pd.DataFrame):
        return predictions.set_axis(partition.index, axis=0)
    if isinstance(predictions, pd.Series):
        return pd.Series(predictions.to_numpy(), index=partition.index, name="prediction")
    return pd.Series(np.asarray(predictions), index=partition.index, name="prediction")


def predict(model_uri: str | os.PathLike[str], frame: Any) -> Any:
    """Predictions for a Dask DataFrame: a Dask Series ``prediction`` (or the model's output columns),
    partitioned and indexed like ``frame``. Lazy: ``.compute()`` runs it on the current client."""
    from jupyter_mltrack.models.uri import resolve_model_uri

    path = resolve_model_uri(model_uri)
    meta = _score(frame._meta_nonempty, path).iloc[:0]  # output type from one local call on fake rows
    return frame.map_partitions(_score, path, meta=meta)


def load_counts() -> dict[str, int]:
    """Per-process load counts (``client.run(jupyter_mltrack.dask.load_counts)`` shows each worker's)."""
    return process_load_counts()
