"""A compact profile of training data, stored with a model so drift can be measured without it.

Numeric features keep 101 quantiles (the reference distribution for Kolmogorov-Smirnov) and the
fractions of ten quantile bins (the reference for PSI); categorical ones their value frequencies
(the 50 most common, the rest pooled as ``__other__``); every feature its missing rate.
"""

from __future__ import annotations

import json
import os
from typing import Any

PROFILE_FILE = "profile.json"
QUANTILES = 101
BINS = 10
TOP_CATEGORIES = 50


def profile_data(frame: Any) -> dict[str, Any]:
    """The profile of a DataFrame (or anything ``pandas.DataFrame()`` accepts) as JSON-ready data."""
    import numpy as np
    import pandas as pd

    frame = frame if isinstance(frame, pd.DataFrame) else pd.DataFrame(frame)
    features: dict[str, Any] = {}
    for name in frame.columns:
        column = frame[name]
        missing = float(column.isna().mean()) if len(column) else 0.0
        values = column.dropna()
        if column.dtype.kind in "biuf" and column.dtype.kind != "b":
            numbers = values.to_numpy(dtype=float)
            if not len(numbers):
                features[str(name)] = {"kind": "numeric", "missing_rate": missing, "quantiles": [], "bins": []}
                continue
            quantiles = np.quantile(numbers, np.linspace(0, 1, QUANTILES))
            edges = np.unique(np.quantile(numbers, np.linspace(0, 1, BINS + 1))[1:-1])
            counts = np.bincount(np.searchsorted(edges, numbers, side="right"), minlength=len(edges) + 1)
            features[str(name)] = {
                "kind": "numeric", "missing_rate": missing, "quantiles": quantiles.tolist(),
                "bins": edges.tolist(), "fractions": (counts / counts.sum()).tolist(),
            }
        else:
            shares = values.astype(str).value_counts(normalize=True)
            top = shares.iloc[:TOP_CATEGORIES]
            frequencies = {str(k): float(v) for k, v in top.items()}
            if len(shares) > TOP_CATEGORIES:
                frequencies["__other__"] = float(shares.iloc[TOP_CATEGORIES:].sum())
            features[str(name)] = {"kind": "categorical", "missing_rate": missing, "frequencies": frequencies}
    return {"version": 1, "rows": len(frame), "features": features}


def write_profile(model_path: str, data: Any) -> None:
    """Store the profile of ``data`` in a model folder (the ``log_model``/``save_model`` hook)."""
    with open(os.path.join(model_path, PROFILE_FILE), "w", encoding="utf-8") as handle:
        json.dump(profile_data(data), handle)


def read_profile(model_path: str) -> dict[str, Any] | None:
    path = os.path.join(model_path, PROFILE_FILE)
    if not os.path.exists(path):
        return None
    with open(path, encoding="utf-8") as handle:
        profile: dict[str, Any] = json.load(handle)
    return profile
