"""What XGBoost and LightGBM have in common: per-iteration evaluation history, best iteration,
feature importance files, and the params and training data of their native ``train`` functions.
"""

from __future__ import annotations

import re
import time
from typing import Any, Mapping, Sequence

from jupyter_mltrack.autolog._patch import Call
from jupyter_mltrack.autolog._runs import FitRun, is_number
from jupyter_mltrack.entities import Metric

MAX_POINTS_PER_BATCH = 100_000
_BAD_KEY_CHARS = re.compile(r"[^\w\-. /:]")


def metric_key(*parts: str) -> str:
    """``<data>-<metric>`` (the frameworks' own naming); characters keys cannot hold become ``_``
    (``error@0.7`` -> ``error_0.7``)."""
    return _BAD_KEY_CHARS.sub("_", "-".join(parts))


def log_history(fit: FitRun, history: Mapping[str, Mapping[str, Sequence[Any]]] | None) -> int:
    """Every evaluation metric of every iteration, ``step`` = iteration; returns the iteration count."""
    now = int(time.time() * 1000)
    points: list[Any] = []
    iterations = 0
    for data_name, metrics in (history or {}).items():
        for metric_name, values in metrics.items():
            key = metric_key(str(data_name), str(metric_name))
            iterations = max(iterations, len(values))
            for step, value in enumerate(values):
                value = value[0] if isinstance(value, (tuple, list)) else value  # (mean, std) from cv
                if is_number(value):
                    points.append(Metric(key, float(value), now, step))
    for start in range(0, len(points), MAX_POINTS_PER_BATCH):
        fit.client.log_batch(fit.run_id, metrics=points[start : start + MAX_POINTS_PER_BATCH])
    return iterations


def log_best_iteration(fit: FitRun, best: Any, iterations: int) -> None:
    """With early stopping: the best iteration and the last one that ran (MLflow's names)."""
    if is_number(best):
        found = {"best_iteration": float(best)}
        if iterations:
            found["stopped_iteration"] = float(iterations - 1)
        fit.log_metrics(found)


def log_importance(fit: FitRun, importances: Mapping[str, Mapping[str, Any]]) -> None:
    """``feature_importance_<type>.json``: {feature name: importance}."""
    for kind, values in importances.items():
        table = {str(k): float(v) for k, v in values.items()}
        fit.client.log_dict(fit.run_id, table, f"feature_importance_{kind}.json")


def train_params(call: Call, params_name: str, not_params: frozenset[str]) -> dict[str, Any]:
    """The params dict of a native ``train`` call plus its other scalar arguments (defaults too)."""
    import inspect

    signature = inspect.signature(call.original)
    bound = signature.bind(*call.args, **call.kwargs)
    bound.apply_defaults()
    arguments = dict(bound.arguments)
    raw = arguments.get(params_name) or {}
    found = dict(raw.items() if isinstance(raw, Mapping) else raw)  # a dict, or a list of pairs
    for name, value in arguments.items():
        if name != params_name and name not in not_params and name not in found:
            found[name] = value
    return found


def argument(call: Call, name: str) -> Any:
    """One argument of a native ``train`` call, by its parameter name (None if not given)."""
    import inspect

    try:
        return inspect.signature(call.original).bind(*call.args, **call.kwargs).arguments.get(name)
    except (TypeError, ValueError):
        return None
