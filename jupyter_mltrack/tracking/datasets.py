"""Describing training data as a run input: a name, a content digest, a schema and a source.

The digest is what tells two runs on different data apart, so it hashes the content (pandas'
row hashes, or the array's bytes), not the object's identity.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from jupyter_mltrack.entities import Dataset
from jupyter_mltrack.errors import InvalidParameterError


def _frame_digest(frame: Any) -> str:
    import pandas as pd

    h = hashlib.sha256(pd.util.hash_pandas_object(frame, index=True).values.tobytes())
    h.update(json.dumps([str(c) for c in frame.columns]).encode())
    return h.hexdigest()[:16]


def describe(data: Any, name: str | None = None, source: str = "", source_type: str = "local") -> Dataset:
    """A Dataset for a DataFrame, Series, numpy array, or an existing Dataset (returned as is)."""
    if isinstance(data, Dataset):
        return data
    module = type(data).__module__
    if module.startswith("pandas"):
        import pandas as pd

        frame = data.to_frame() if isinstance(data, pd.Series) else data
        if not isinstance(frame, pd.DataFrame):
            raise InvalidParameterError(f"log_input cannot describe a {type(data).__name__}.")
        schema = {
            "type": "dataframe",
            "shape": list(frame.shape),
            "columns": {str(c): str(t) for c, t in frame.dtypes.items()},
        }
        digest = _frame_digest(frame)
    elif module == "numpy":
        import numpy as np

        array = np.ascontiguousarray(data)
        schema = {"type": "ndarray", "shape": list(array.shape), "dtype": str(array.dtype)}
        h = hashlib.sha256(array.tobytes() if array.dtype != object else repr(array.tolist()).encode())
        h.update(str(array.shape).encode())
        digest = h.hexdigest()[:16]
    else:
        raise InvalidParameterError(
            f"log_input takes a pandas DataFrame/Series, a numpy array or a jupyter_mltrack Dataset; "
            f"got {type(data).__name__}."
        )
    return Dataset(
        name=name or "dataset", digest=digest, source_type=source_type, source=source, schema=json.dumps(schema)
    )
