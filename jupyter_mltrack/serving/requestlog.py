"""Sampled request log: a fraction of scored rows (inputs and predictions) to rotated Parquet files.

Off unless a rate is given. Rows are buffered and written ``rows_per_file`` at a time, every
``flush_seconds`` and at shutdown; each flush is a new file ``requests-<time>-<pid>-<n>.parquet``, so
files stay small, worker processes never share a file, and readers see only complete files.
"""

from __future__ import annotations

import os
import random
import threading
import time
from typing import Any


class RequestLog:
    def __init__(self, log_dir: str, sample_rate: float, rows_per_file: int = 10_000,
                 flush_seconds: float = 10.0) -> None:
        if not 0.0 <= sample_rate <= 1.0:
            raise ValueError(f"sample_rate must be between 0 and 1, got {sample_rate}.")
        self.log_dir = log_dir
        self.sample_rate = sample_rate
        self.rows_per_file = rows_per_file
        self.flush_seconds = flush_seconds
        self._last_flush = time.monotonic()
        self._frames: list[Any] = []
        self._rows = 0
        self._count = 0
        self._lock = threading.Lock()
        os.makedirs(log_dir, exist_ok=True)

    def maybe_record(self, model: str, version: str, data: Any, predictions: Any) -> None:
        """Keep this request's rows with probability ``sample_rate``."""
        if self.sample_rate <= 0 or random.random() >= self.sample_rate:
            return
        import pandas as pd

        if not isinstance(data, pd.DataFrame):
            try:
                data = pd.DataFrame(data)
            except ValueError:
                return  # a tensor input of rank > 2 has no row layout to log
        frame = data.reset_index(drop=True).copy()
        frame.columns = [str(c) for c in frame.columns]
        frame["_prediction"] = _prediction_column(predictions, len(frame))
        frame["_model"] = model
        frame["_version"] = version
        frame["_timestamp"] = pd.Timestamp.now(tz="UTC")
        with self._lock:
            self._frames.append(frame)
            self._rows += len(frame)
            if self._rows >= self.rows_per_file or time.monotonic() - self._last_flush > self.flush_seconds:
                self._flush_locked()

    def flush(self) -> None:
        with self._lock:
            self._flush_locked()

    def _flush_locked(self) -> None:
        self._last_flush = time.monotonic()
        if not self._frames:
            return
        import pandas as pd

        frame = pd.concat(self._frames, ignore_index=True)
        self._frames, self._rows = [], 0
        self._count += 1
        name = f"requests-{time.strftime('%Y%m%dT%H%M%S')}-{os.getpid()}-{self._count:05d}.parquet"
        temp = os.path.join(self.log_dir, "." + name)
        frame.to_parquet(temp, index=False)
        os.replace(temp, os.path.join(self.log_dir, name))  # readers never see a half-written file


def _prediction_column(predictions: Any, rows: int) -> Any:
    """One value per row: the prediction itself, or its JSON for multi-output models."""
    import json

    import numpy as np
    import pandas as pd

    if isinstance(predictions, pd.DataFrame):
        return [json.dumps(r, default=str) for r in predictions.to_dict(orient="records")]
    values = np.asarray(predictions)
    if values.ndim == 1 and len(values) == rows and values.dtype.kind in "biufUO":
        return values if values.dtype.kind != "O" else [str(v) for v in values]
    return [json.dumps(np.asarray(v).tolist()) for v in values] if len(values) == rows else [None] * rows
