"""A compact profile of training data, stored with a model so drift can be measured without it.

Numeric features keep 101 quantiles (the reference distribution for Kolmogorov-Smirnov) and the
fractions of ten quantile bins (the reference for PSI); categorical ones their value frequencies
(the 50 most common, the rest pooled as ``__other__``); every feature its missing rate.

Memory stays bounded whatever the data's size: at most ``MAX_ROWS`` rows (fewer for wide data,
``MAX_CELLS`` values in all) are profiled, a sample drawn with a fixed seed so the same data always
gives the same profile, and rows are picked before any conversion or densifying. Feature names are
what the served model's requests carry: a DataFrame's columns, and for arrays (whose signature is a
nameless tensor) the positions ``"0"``, ``"1"``... that array requests are logged under.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Any

from jupyter_mltrack.errors import InvalidParameterError

PROFILE_FILE = "profile.json"
QUANTILES = 101
BINS = 10
TOP_CATEGORIES = 50
MAX_ROWS = 100_000
MAX_CELLS = 10_000_000
SEED = 0

__all__ = ["MAX_ROWS", "PROFILE_FILE", "ProfileError", "TrainingSample", "profile_data", "read_profile",
           "sample_rows", "training_sample", "write_profile"]


class ProfileError(InvalidParameterError):
    """Data that has no per-feature profile (an image batch, an opaque object...)."""


@dataclass(frozen=True)
class TrainingSample:
    """A bounded sample of training data as a DataFrame, with the size of the data it came from.

    What ``training_sample`` returns; ``training_data=`` accepts it (autolog passes one, so it can
    report data that cannot be profiled before the model is saved)."""

    frame: Any
    rows: int


def sample_rows(total: int, columns: int = 1, max_rows: int = MAX_ROWS) -> Any:
    """Sorted row positions to profile out of ``total`` (None: all of them); fixed seed."""
    import numpy as np

    limit = max(1, min(max_rows, MAX_CELLS // max(1, columns)))
    if total <= limit:
        return None
    return np.sort(np.random.default_rng(SEED).choice(total, size=limit, replace=False))


def training_sample(data: Any, max_rows: int = MAX_ROWS) -> TrainingSample:
    """``data`` (DataFrame, Series, array, sparse matrix, tensor, list, dict of columns) as a
    bounded DataFrame sample; ``ProfileError`` when it has no rows of features."""
    import pandas as pd

    if isinstance(data, TrainingSample):
        return data
    if data is None or isinstance(data, (str, bytes, os.PathLike)):
        raise ProfileError(f"Cannot profile {type(data).__name__} training data: pass a DataFrame or an array")
    if isinstance(data, pd.Series):
        data = data.to_frame()
    if isinstance(data, pd.DataFrame):
        rows = sample_rows(len(data), data.shape[1], max_rows)
        return TrainingSample(data if rows is None else data.iloc[rows], len(data))
    try:
        if hasattr(data, "to_pandas") and hasattr(data, "__len__"):  # pyarrow or polars tables
            rows = sample_rows(len(data), len(getattr(data, "columns", ())) or 1, max_rows)
            part = data if rows is None else data.take(rows) if hasattr(data, "take") else data[rows]
            return TrainingSample(part.to_pandas(), len(data))
        if hasattr(data, "detach") and hasattr(data, "cpu"):  # a torch tensor
            data = data.detach().cpu()
        if _is_sparse(data) or (hasattr(data, "shape") and hasattr(data, "__getitem__") and not isinstance(data, dict)):
            return _array_sample(data, max_rows)
        if isinstance(data, (list, tuple, dict)):
            return training_sample(pd.DataFrame(data), max_rows)
    except ProfileError:
        raise
    except (ValueError, TypeError) as exc:
        raise ProfileError(f"Cannot profile this {type(data).__name__} as a table of features: {exc}") from None
    raise ProfileError(
        f"Cannot profile training data of type {type(data).__module__}.{type(data).__qualname__}: "
        "pass a pandas DataFrame, a 1-D or 2-D array, or a list of rows"
    )


def _array_sample(data: Any, max_rows: int) -> TrainingSample:
    import numpy as np
    import pandas as pd

    shape = tuple(getattr(data, "shape", ()))
    if len(shape) not in (1, 2):
        raise ProfileError(
            f"Cannot profile an array of shape {shape}: a profile describes rows of features (a table, or a "
            "1-D or 2-D array)"
        )
    total = int(shape[0])
    rows = sample_rows(total, shape[1] if len(shape) == 2 else 1, max_rows)
    part = data if rows is None else data[rows]
    if _is_sparse(part):
        part = part.toarray()
    return TrainingSample(pd.DataFrame(np.asarray(part)), total)


def _is_sparse(data: Any) -> bool:
    return type(data).__module__.startswith("scipy.sparse") and hasattr(data, "toarray")


def profile_data(data: Any) -> dict[str, Any]:
    """The profile of training data (a DataFrame, an array, a ``TrainingSample``...) as JSON-ready data.

    ``rows`` counts the whole data; ``sampled_rows`` the rows the statistics come from."""
    sample = training_sample(data)
    frame = sample.frame
    features: dict[str, Any] = {}
    for name in frame.columns:
        column = frame[name]
        if column.ndim != 1:  # duplicate column names: the first one stands for them
            column = column.iloc[:, 0]
        features[str(name)] = _feature(column)
    return {"version": 1, "rows": sample.rows, "sampled_rows": len(frame), "features": features}


def _feature(column: Any) -> dict[str, Any]:
    import numpy as np

    missing = float(column.isna().mean()) if len(column) else 0.0
    values = column.dropna()
    if column.dtype.kind in "iuf":
        numbers = values.to_numpy(dtype=float)
        if not len(numbers):
            return {"kind": "numeric", "missing_rate": missing, "quantiles": [], "bins": []}
        quantiles = np.quantile(numbers, np.linspace(0, 1, QUANTILES))
        edges = np.unique(np.quantile(numbers, np.linspace(0, 1, BINS + 1))[1:-1])
        counts = np.bincount(np.searchsorted(edges, numbers, side="right"), minlength=len(edges) + 1)
        return {
            "kind": "numeric", "missing_rate": missing, "quantiles": quantiles.tolist(),
            "bins": edges.tolist(), "fractions": (counts / counts.sum()).tolist(),
        }
    shares = values.astype(str).value_counts(normalize=True)
    frequencies = {str(k): float(v) for k, v in shares.iloc[:TOP_CATEGORIES].items()}
    if len(shares) > TOP_CATEGORIES:
        frequencies["__other__"] = float(shares.iloc[TOP_CATEGORIES:].sum())
    return {"kind": "categorical", "missing_rate": missing, "frequencies": frequencies}


def write_profile(model_path: str, data: Any) -> None:
    """Store the profile of ``data`` in a model folder (the ``log_model``/``save_model`` hook)."""
    profile = profile_data(data)
    with open(os.path.join(model_path, PROFILE_FILE), "w", encoding="utf-8") as handle:
        json.dump(profile, handle)


def read_profile(model_path: str) -> dict[str, Any] | None:
    """The stored profile of the model folder ``model_path``, or None if it was saved without one."""
    path = os.path.join(model_path, PROFILE_FILE)
    if not os.path.exists(path):
        return None
    with open(path, encoding="utf-8") as handle:
        profile: dict[str, Any] = json.load(handle)
    return profile
