"""Runs side by side, for :class:`~jupyter_mltrack.widgets.RunsExplorer`'s Compare area.

Pure functions of entities: labels for runs, which params differ, the params table, and the
metric curves drawn into a plotly figure. Long series are downsampled the way the REST API does
it (each bucket's first, last, min and max point survive), so the widget and the side panel draw
the same shape.
"""

from __future__ import annotations

import math
from typing import Any, Mapping, Sequence

from jupyter_mltrack.entities import Metric, Run
from jupyter_mltrack.registry.reprs import SYSTEM_METRIC_PREFIX, time_text
from jupyter_mltrack.tracking.compare import param_diff
from jupyter_mltrack.tracking.downsample import downsample
from jupyter_mltrack.widgets._base import esc, message_html, table_html

#: Points drawn per run at most; longer histories are downsampled (min/max shape kept).
MAX_POINTS = 1000
#: Series with at most this many points also get markers.
MARKERS_UP_TO = 50
_MISSING = '<span style="color: var(--jp-ui-font-color3, #9e9e9e)">&mdash;</span>'


def run_labels(runs: Sequence[Run]) -> list[str]:
    """Each run's name, with the start of its id when several runs share the name."""
    names = [r.info.run_name for r in runs]
    return [
        f"{r.info.run_name} ({r.info.run_id[:6]})" if names.count(r.info.run_name) > 1 else r.info.run_name
        for r in runs
    ]


def metric_keys(runs: Sequence[Run]) -> list[str]:
    """Every metric key the runs logged: theirs alphabetically, what ``%%track`` measures (cell.*) last."""
    keys = {k for r in runs for k in r.data.metrics}
    return sorted(keys, key=lambda k: (k.startswith(SYSTEM_METRIC_PREFIX), k))


def params_html(runs: Sequence[Run], only_differences: bool) -> str:
    """The runs' params side by side (a row per param; differing rows in bold)."""
    if not runs:
        return ""
    differ, same = param_diff(runs)
    keys = differ if only_differences else sorted(differ + same)
    if not keys:
        text = f"All {len(same)} params are equal." if same else "The runs have no params."
        return message_html(text)
    rows = [[esc(k), *[esc(r.data.params[k]) if k in r.data.params else _MISSING for r in runs]] for k in keys]
    table = table_html(["param", *run_labels(runs)], rows, bold=[i for i, k in enumerate(keys) if k in differ])
    hidden = f"{len(same)} equal params hidden." if only_differences and same else ""
    return table + message_html(hidden)


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None  # plotly draws a gap for None


def draw_metric(
    figure: Any,
    runs: Sequence[Run],
    histories: Mapping[tuple[str, str], Sequence[Metric]],
    metric: str | None,
    max_points: int = MAX_POINTS,
) -> int:
    """Replace ``figure``'s traces by one line per run of ``metric`` over steps; returns how many
    runs were downsampled. Names go through :func:`esc`: plotly.js reads them as a subset of HTML."""
    downsampled = 0
    with figure.batch_update():
        figure.data = []
        for run, label in zip(runs, run_labels(runs), strict=True):
            points = list(histories.get((run.info.run_id, metric or ""), ()))
            shown = downsample(points, max_points)
            downsampled += len(shown) < len(points)
            figure.add_scatter(
                x=[p.step for p in shown],
                y=[_finite(p.value) for p in shown],
                name=esc(label),
                mode="lines+markers" if len(shown) <= MARKERS_UP_TO else "lines",
                meta=run.info.run_id,
            )
        figure.layout.xaxis.title.text = "step"
        figure.layout.yaxis.title.text = esc(metric) if metric else ""
        figure.layout.title.text = esc(metric) if metric else "No metric to draw"
    return downsampled


def runs_table_html(
    runs: Sequence[Run], selected: set[str], experiments: Mapping[str, str], max_columns: int = 6
) -> str:
    """A page of runs: a mark for the selected ones, name, id, experiment, status, start time,
    then up to ``max_columns`` metric and param columns each (the rest are counted)."""
    if not runs:
        return message_html("No runs match.")
    metrics = metric_keys(runs)
    params = sorted({k for r in runs for k in r.data.params})
    shown_m, shown_p = metrics[:max_columns], params[:max_columns]
    headers = ["", "run", "id", "experiment", "status", "started", *shown_m, *[f"params.{k}" for k in shown_p]]
    rows = []
    for r in runs:
        values = [esc(f"{r.data.metrics[k]:.6g}") if k in r.data.metrics else "" for k in shown_m]
        rows.append(
            [
                "&#10003;" if r.info.run_id in selected else "",
                esc(r.info.run_name),
                f"<code>{esc(r.info.run_id[:8])}</code>",
                esc(experiments.get(r.info.experiment_id, r.info.experiment_id)),
                esc(r.info.status),
                esc(time_text(r.info.start_time)),
                *values,
                *[esc(r.data.params.get(k, "")) for k in shown_p],
            ]
        )
    more = len(metrics) - len(shown_m) + len(params) - len(shown_p)
    note = message_html(f"{more} more metric/param columns not shown." if more else "")
    return table_html(headers, rows, numeric=list(range(6, 6 + len(shown_m)))) + note
