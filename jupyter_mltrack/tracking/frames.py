"""Runs as a pandas DataFrame with MLflow's columns, so ``search_runs`` output ports unchanged."""

from __future__ import annotations

from typing import Any, Sequence

from jupyter_mltrack.entities import Run

BASE_COLUMNS = ("run_id", "experiment_id", "status", "artifact_uri", "start_time", "end_time")


def runs_to_frame(runs: Sequence[Run]) -> Any:
    """``run_id, experiment_id, status, artifact_uri, start_time, end_time, metrics.*, params.*, tags.*``."""
    import pandas as pd

    columns: dict[str, list[Any]] = {name: [] for name in BASE_COLUMNS}
    metric_keys = sorted({k for r in runs for k in r.data.metrics})
    param_keys = sorted({k for r in runs for k in r.data.params})
    tag_keys = sorted({k for r in runs for k in r.data.tags})
    for run in runs:
        info = run.info
        columns["run_id"].append(info.run_id)
        columns["experiment_id"].append(info.experiment_id)
        columns["status"].append(info.status)
        columns["artifact_uri"].append(info.artifact_uri)
        columns["start_time"].append(info.start_time)
        columns["end_time"].append(info.end_time)
    for key in metric_keys:
        columns[f"metrics.{key}"] = [r.data.metrics.get(key) for r in runs]
    for key in param_keys:
        columns[f"params.{key}"] = [r.data.params.get(key) for r in runs]
    for key in tag_keys:
        columns[f"tags.{key}"] = [r.data.tags.get(key) for r in runs]
    frame = pd.DataFrame(columns)
    for name in ("start_time", "end_time"):
        frame[name] = pd.to_datetime(frame[name], unit="ms", utc=True)
    for key in metric_keys:
        frame[f"metrics.{key}"] = frame[f"metrics.{key}"].astype("float64")
    return frame
