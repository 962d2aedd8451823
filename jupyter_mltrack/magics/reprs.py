"""Rich displays of runs: the card under a ``%%track`` cell, ``%mltrack show``, run tables.

Each object renders as HTML in Jupyter (``_repr_html_``) and as one readable line in a terminal
(``__repr__``), so it shows when it is a cell's last value. ``Run`` objects returned by the
Python API (``mlt.get_run(...)``) get the same card through an IPython HTML formatter that the
extension registers (the entities stay free of presentation code).
"""

from __future__ import annotations

import json
import os
from typing import Any, Sequence

from jupyter_mltrack.entities import Run
from jupyter_mltrack.magics import render as r

SYSTEM_METRIC_PREFIX = "cell."
MODEL_HISTORY_TAG = "mlflow.log-model.history"
HIDDEN_TAG_PREFIXES = ("mlflow.", "mltrack.")


def user_metrics(run: Run) -> dict[str, float]:
    return {k: v for k, v in run.data.metrics.items() if not k.startswith(SYSTEM_METRIC_PREFIX)}


def models_from_tags(run: Run) -> list[str]:
    """Model artifact paths from MLflow's ``mlflow.log-model.history`` tag (a JSON list)."""
    try:
        history = json.loads(run.data.tags.get(MODEL_HISTORY_TAG, "[]"))
        return [str(m["artifact_path"]) for m in history if isinstance(m, dict) and m.get("artifact_path")]
    except (ValueError, TypeError):
        return []


def find_models(client: Any, run: Run, limit: int = 10) -> list[str]:
    """Model directories of a run: the history tag, else top-level artifact folders with an MLmodel file.

    A local artifact folder is scanned directly (no store round trip: the card is shown after
    every tracked cell); any other location is listed through the client.
    """
    found = models_from_tags(run)
    if found:
        return found
    root = run.info.artifact_uri
    if root.startswith("file://"):
        root = root[len("file://") :]
    if "://" not in root:
        try:
            with os.scandir(root) as entries:
                folders = sorted(e.name for e in entries if e.is_dir())[:limit]
        except OSError:
            return []
        return [f for f in folders if os.path.isfile(os.path.join(root, f, "MLmodel"))]
    try:
        folders = [f.path for f in client.list_artifacts(run.info.run_id) if f.is_dir][:limit]
        return [
            p for p in folders if any(f.path.endswith("MLmodel") for f in client.list_artifacts(run.info.run_id, p))
        ]
    except Exception:
        return []


class RunCard:
    """A run at a glance: name, id, status, params, metrics, models, datasets (``full``: and more)."""

    def __init__(self, run: Run, models: Sequence[str] | None = None, full: bool = False) -> None:
        self.run = run
        self.models = list(models) if models is not None else models_from_tags(run)
        self.full = full

    def __repr__(self) -> str:
        info, data = self.run.info, self.run.data
        params = ", ".join(f"{k}={r.truncate(v, 30)}" for k, v in list(data.params.items())[:6])
        metrics = ", ".join(f"{k}={r.number(v)}" for k, v in list(user_metrics(self.run).items())[:6])
        parts = [f"Run {info.run_name!r} ({info.run_id}) {info.status}"]
        parts += [f"params: {params}"] if params else []
        parts += [f"metrics: {metrics}"] if metrics else []
        parts += [f"models: {', '.join(self.models)}"] if self.models else []
        return " | ".join(parts)

    def _header(self) -> str:
        info = self.run.info
        wall = self.run.data.metrics.get(SYSTEM_METRIC_PREFIX + "wall_time_s")
        bits = [f"run {r.code(info.run_id)}", f"experiment {r.code(info.experiment_id)}"]
        if info.parent_run_id:
            bits.append(f"parent {r.code(info.parent_run_id[:8], info.parent_run_id)}")
        if wall is not None:
            bits.append(f"{wall:.2f} s")
        memory = self.run.data.metrics.get(SYSTEM_METRIC_PREFIX + "peak_memory_growth_mb")
        if memory:
            bits.append(f"+{memory:.1f} MB peak memory")
        meta = " &middot; ".join(bits)
        return f'{r.status(info.status)} <b>{r.esc(info.run_name)}</b> <span style="{r.MUTED}">&middot; {meta}</span>'

    def _sections(self) -> list[str]:
        run = self.run
        limit = 1000 if self.full else 12
        parts = []
        if run.data.params:
            parts.append(r.section("Params", r.key_values(run.data.params, limit, lambda v: r.truncate(v, 60))))
        metrics = run.data.metrics if self.full else user_metrics(run)
        if metrics:
            parts.append(r.section("Metrics", r.key_values(metrics, limit, r.number)))
        if self.models:
            parts.append(r.section("Models", "<br>".join(r.code(m) for m in self.models)))
        inputs = [i.dataset.name for i in run.inputs.dataset_inputs]
        if inputs:
            parts.append(r.section("Datasets", "<br>".join(r.esc(n) for n in inputs)))
        if self.full:
            tags = {k: v for k, v in run.data.tags.items() if not k.startswith(HIDDEN_TAG_PREFIXES)}
            if tags:
                parts.append(r.section("Tags", r.key_values(tags, limit, lambda v: r.truncate(v, 60))))
        return parts

    def _footer(self) -> str:
        info, tags = self.run.info, self.run.data.tags
        lines = []
        if "mltrack.error.type" in tags:
            error = f"{tags['mltrack.error.type']}: {tags.get('mltrack.error.message', '')}"
            lines.append(f'<div style="color:#cf222e">{r.esc(r.truncate(error, 200))}</div>')
        if self.full:
            where = [
                f"started {r.esc(r.when(info.start_time))}",
                f"duration {r.esc(r.duration(info.start_time, info.end_time))}",
            ]
            if info.notebook_path:
                where.append(f"notebook {r.code(info.notebook_path)}")
            if info.cell_id:
                where.append(f"cell {r.code(info.cell_id)}")
            lines.append(f'<div style="{r.MUTED}">{" &middot; ".join(where)}</div>')
            if info.source:
                lines.append(f'<pre style="margin:4px 0;max-height:240px;overflow:auto">{r.esc(info.source)}</pre>')
        return "".join(lines)

    def _repr_html_(self) -> str:
        body = f"<div>{self._header()}</div>{r.columns(self._sections())}{self._footer()}"
        return r.box(body, "run", run_id=self.run.info.run_id)


class RunTable:
    """Runs as a table (``%mltrack runs``): one row each, the commonest metrics and params as columns."""

    def __init__(self, runs: Sequence[Run], max_columns: int = 6) -> None:
        self.runs = list(runs)
        self.metric_keys = _common([list(user_metrics(x)) for x in self.runs], max_columns)
        self.param_keys = _common([list(x.data.params) for x in self.runs], max_columns)

    def __len__(self) -> int:
        return len(self.runs)

    def __repr__(self) -> str:
        lines = [f"{len(self.runs)} run(s)"]
        for run in self.runs:
            metrics = ", ".join(
                f"{k}={r.number(run.data.metrics[k])}" for k in self.metric_keys if k in run.data.metrics
            )
            lines.append(f"  {run.info.run_id}  {run.info.status:<8} {run.info.run_name}  {metrics}".rstrip())
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        if not self.runs:
            return r.box(f'<span style="{r.MUTED}">No runs match.</span>', "runs")
        headers = ["run", "id", "status", "started", "duration", *self.metric_keys, *self.param_keys]
        rows = []
        for run in self.runs:
            info, data = run.info, run.data
            row = [
                f"<b>{r.esc(info.run_name)}</b>",
                r.code(info.run_id[:8], info.run_id),
                r.status(info.status),
                r.esc(r.when(info.start_time)),
                r.esc(r.duration(info.start_time, info.end_time)),
            ]
            row += [r.esc(r.number(data.metrics[k])) if k in data.metrics else "" for k in self.metric_keys]
            row += [r.esc(r.truncate(data.params.get(k, ""), 30)) for k in self.param_keys]
            rows.append(row)
        return r.box(r.table(headers, rows, raw=True), "runs")


def _common(key_lists: Sequence[Sequence[str]], limit: int) -> list[str]:
    counts: dict[str, int] = {}
    for keys in key_lists:
        for key in keys:
            counts[key] = counts.get(key, 0) + 1
    return [k for k, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]]


class StatusView:
    """``%mltrack status``: where runs go and what is active."""

    def __init__(self, fields: dict[str, str]) -> None:
        self.fields = fields

    def __repr__(self) -> str:
        width = max(len(k) for k in self.fields)
        return "\n".join(f"{k:<{width}}  {v}" for k, v in self.fields.items())

    def _repr_html_(self) -> str:
        return r.box(r.key_values(self.fields, limit=100), "status")


def run_html(run: Run) -> str:
    """The IPython HTML formatter for ``Run`` objects."""
    return RunCard(run)._repr_html_()
