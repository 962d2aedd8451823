"""Batch scoring of files larger than memory: read a chunk, score it, append it, forget it.

Parquet is read batch by batch (pyarrow), CSV and JSON lines in pandas chunks; the output format
follows the output file's extension. Peak memory is a few chunks, whatever the input size. A schema
error names the rows of the chunk it happened in.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

from jupyter_mltrack.models.errors import SchemaEnforcementError
from jupyter_mltrack.serving.errors import BatchScoringError

FORMATS = {".parquet": "parquet", ".pq": "parquet", ".csv": "csv", ".jsonl": "jsonl", ".json": "jsonl"}


def _format(path: str) -> str:
    ext = os.path.splitext(path)[1].lower()
    if ext not in FORMATS:
        raise BatchScoringError(f"Cannot tell the format of {path!r}: use a .parquet, .csv or .jsonl file.")
    return FORMATS[ext]


def _chunks(path: str, kind: str, batch_size: int) -> tuple[Iterator[Any], int | None]:
    """DataFrame chunks of ``path`` and the total row count when it is known up front."""
    import pandas as pd

    if kind == "parquet":
        import pyarrow.parquet as pq

        file = pq.ParquetFile(path)
        batches = file.iter_batches(batch_size=batch_size)
        return (b.to_pandas() for b in batches), file.metadata.num_rows
    if kind == "csv":
        return iter(pd.read_csv(path, chunksize=batch_size)), None
    return iter(pd.read_json(path, lines=True, chunksize=batch_size)), None


def _as_frame(predictions: Any, index: Any) -> Any:
    import numpy as np
    import pandas as pd

    if isinstance(predictions, pd.DataFrame):
        return predictions.reset_index(drop=True)
    if isinstance(predictions, pd.Series):
        return predictions.reset_index(drop=True).to_frame(name=predictions.name or "prediction")
    values = np.asarray(predictions)
    if values.ndim == 2:
        return pd.DataFrame(values, columns=[f"prediction_{i}" for i in range(values.shape[1])])
    return pd.DataFrame({"prediction": list(values) if values.ndim > 2 else values})


class _Writer:
    """Appends prediction chunks to one file of the output's format."""

    def __init__(self, path: str, kind: str) -> None:
        self.path, self.kind = path, kind
        self._parquet: Any = None
        self._first = True

    def write(self, frame: Any) -> None:
        if self.kind == "parquet":
            import pyarrow as pa
            import pyarrow.parquet as pq

            table = pa.Table.from_pandas(frame, preserve_index=False)
            if self._parquet is None:
                self._parquet = pq.ParquetWriter(self.path, table.schema)
            self._parquet.write_table(table.cast(self._parquet.schema))
        elif self.kind == "csv":
            frame.to_csv(self.path, mode="w" if self._first else "a", header=self._first, index=False)
        else:
            with open(self.path, "w" if self._first else "a", encoding="utf-8") as handle:
                frame.to_json(handle, orient="records", lines=True)
                if len(frame):
                    handle.write("\n")
        self._first = False

    def close(self) -> None:
        if self._parquet is not None:
            self._parquet.close()
        elif self._first:
            open(self.path, "w").close()  # no rows in, an empty file out


def predict_batch(model_uri: str | os.PathLike[str], input: str | os.PathLike[str], output: str | os.PathLike[str],
                  batch_size: int = 50_000, progress: bool = True) -> int:
    """Score ``input`` (csv, parquet or jsonl) into ``output`` chunk by chunk; returns the row count.

    The output holds the predictions, one row per input row in input order (``prediction``, or the
    model's own output columns).
    """
    from jupyter_mltrack.models.pyfunc import load_pyfunc

    if batch_size < 1:
        raise BatchScoringError(f"batch_size must be at least 1, got {batch_size}.")
    source, target = os.fspath(input), os.fspath(output)
    kind_in, kind_out = _format(source), _format(target)
    model = load_pyfunc(model_uri, suppress_warnings=True)
    chunks, total = _chunks(source, kind_in, batch_size)
    bar = _progress(total, progress)
    writer = _Writer(target, kind_out)
    done = 0
    try:
        for chunk in chunks:
            try:
                predictions = model.predict(chunk)
            except SchemaEnforcementError as err:
                raise BatchScoringError(f"Rows {done}-{done + len(chunk) - 1} of {source}: {err.message}") from None
            writer.write(_as_frame(predictions, chunk.index))
            done += len(chunk)
            bar.update(len(chunk))
    finally:
        writer.close()
        bar.close()
    return done


def _progress(total: int | None, enabled: bool) -> Any:
    """tqdm's notebook bar in Jupyter, its text bar in a terminal (tqdm.auto picks)."""
    from tqdm.auto import tqdm

    return tqdm(total=total, unit="rows", unit_scale=True, disable=not enabled, desc="scoring")
