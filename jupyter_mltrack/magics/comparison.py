"""Runs side by side (``%mltrack compare``): what differs in their params, and their metrics drawn.

Params: only the keys whose values differ (a missing param differs), the rest counted. Metrics:
their latest values in a table, then charts: one line chart per metric logged at several steps
(a line per run) and one grouped bar chart of the single-value metrics. As a cell's last value
it displays the tables as HTML and the charts as plotly figures; ``_repr_html_`` gives the whole
comparison as one HTML fragment for other consumers.
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

from jupyter_mltrack.entities import Run
from jupyter_mltrack.magics import render as r
from jupyter_mltrack.magics.charts import PlotlyChart, bar_figure, line_figure
from jupyter_mltrack.magics.ipython import display, html
from jupyter_mltrack.magics.reprs import user_metrics
from jupyter_mltrack.tracking.compare import param_diff

History = Mapping[str, Mapping[str, Sequence[tuple[int, float]]]]  # run id -> key -> points
MAX_LINE_CHARTS = 12


class RunComparison:
    def __init__(self, runs: Sequence[Run], histories: History) -> None:
        self.runs = list(runs)
        self.histories = histories
        names = [x.info.run_name for x in self.runs]
        self.labels = [
            f"{x.info.run_name} ({x.info.run_id[:6]})" if names.count(x.info.run_name) > 1 else x.info.run_name
            for x in self.runs
        ]

    def param_diff(self) -> tuple[list[str], list[str]]:
        """(keys whose values differ, keys equal in every run)."""
        return param_diff(self.runs)

    def stepped_keys(self) -> list[str]:
        keys = sorted({k for points in self.histories.values() for k, p in points.items() if len(p) > 1})
        return keys[:MAX_LINE_CHARTS]

    def charts(self) -> list[PlotlyChart]:
        charts = []
        for key in self.stepped_keys():
            series = {
                label: self.histories.get(x.info.run_id, {}).get(key, [])
                for label, x in zip(self.labels, self.runs, strict=False)
            }
            charts.append(PlotlyChart(line_figure(key, series), f"Chart of {key} for {len(self.runs)} runs"))
        stepped = set(self.stepped_keys())
        single = sorted({k for x in self.runs for k in user_metrics(x) if k not in stepped})
        if single:
            values = {label: user_metrics(x) for label, x in zip(self.labels, self.runs, strict=False)}
            charts.append(PlotlyChart(bar_figure("Metrics", single, values), f"Bar chart of {len(single)} metrics"))
        return charts

    def _tables_html(self) -> str:
        differ, same = self.param_diff()
        heads = ["", *self.labels]
        parts = [f"<div><b>Comparing {len(self.runs)} runs</b></div>"]
        if differ:
            rows = [[k, *(x.data.params.get(k, "\u2014") for x in self.runs)] for k in differ]
            parts.append(r.section("Params that differ", r.table(heads, rows)))
        if same:
            listed = ", ".join(same[:20]) + (" ..." if len(same) > 20 else "")
            parts.append(f'<div style="{r.MUTED}">{len(same)} params equal in every run: {r.esc(listed)}</div>')
        keys = sorted({k for x in self.runs for k in x.data.metrics})
        if keys:
            rows = [[k, *(r.number(x.data.metrics[k]) if k in x.data.metrics else "" for x in self.runs)] for k in keys]
            parts.append(r.section("Metrics (latest)", r.table(heads, rows)))
        return r.box("".join(parts), "compare")

    def _repr_html_(self) -> str:
        figures = "".join(c.figure.to_html(full_html=False, include_plotlyjs="cdn") for c in self.charts())
        return self._tables_html() + figures

    def _ipython_display_(self) -> None:
        display(html(self._tables_html()))
        for chart in self.charts():
            display(chart)

    def __repr__(self) -> str:
        differ, _ = self.param_diff()
        lines = [f"Comparing {len(self.runs)} runs: {', '.join(self.labels)}"]
        for key in differ:
            lines.append(f"  {key}: " + " | ".join(x.data.params.get(key, "-") for x in self.runs))
        return "\n".join(lines)


def fetch_histories(client: Any, runs: Sequence[Run]) -> dict[str, dict[str, list[tuple[int, float]]]]:
    found: dict[str, dict[str, list[tuple[int, float]]]] = {}
    for run in runs:
        found[run.info.run_id] = {
            key: [(m.step, m.value) for m in client.get_metric_history(run.info.run_id, key)]
            for key in user_metrics(run)
        }
    return found
