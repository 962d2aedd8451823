"""Plotly charts for ``%mltrack compare`` and ``%%track --live``, shown without plotly's renderers.

A :class:`PlotlyChart` publishes the figure as ``application/vnd.plotly.v1+json`` (drawn natively
by JupyterLab's plotly extension and VS Code) plus an HTML fallback, and one text line for
terminals. Going through plotly's own ``show`` would depend on its renderer settings (a plain
IPython may open a browser). Trace names are user strings: they are HTML-escaped because
plotly.js reads names as a subset of HTML.
"""

from __future__ import annotations

import html
from typing import Any, Mapping, Sequence

PLOTLY_MIME = "application/vnd.plotly.v1+json"
Series = Mapping[str, Sequence[tuple[int, float]]]  # name -> [(step, value)]


class PlotlyChart:
    """A plotly figure as a display object."""

    def __init__(self, figure: Any, summary: str, with_html: bool = True) -> None:
        self.figure = figure
        self.summary = summary
        self.with_html = with_html  # live updates skip the HTML fallback; the final one has it

    def __repr__(self) -> str:
        return self.summary

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        bundle: dict[str, Any] = {PLOTLY_MIME: self.figure.to_plotly_json(), "text/plain": self.summary}
        if self.with_html:
            bundle["text/html"] = self.figure.to_html(full_html=False, include_plotlyjs="cdn")
        return bundle


def _safe(text: str) -> str:
    return html.escape(text, quote=True)


def line_figure(title: str, series: Series, x_title: str = "step") -> Any:
    """One line per series (name -> (step, value) points, drawn in step order)."""
    import plotly.graph_objects as go

    figure = go.Figure()
    for name, points in series.items():
        ordered = sorted(points, key=lambda p: p[0])
        figure.add_trace(
            go.Scatter(x=[p[0] for p in ordered], y=[p[1] for p in ordered], mode="lines+markers", name=_safe(name))
        )
    figure.update_layout(
        title=_safe(title), xaxis_title=x_title, height=320, margin={"l": 40, "r": 20, "t": 40, "b": 40}
    )
    return figure


def bar_figure(title: str, keys: Sequence[str], values: Mapping[str, Mapping[str, float]]) -> Any:
    """Grouped bars: one group per metric key, one bar per run (run label -> key -> value)."""
    import plotly.graph_objects as go

    figure = go.Figure()
    for label, by_key in values.items():
        figure.add_trace(go.Bar(x=[_safe(k) for k in keys], y=[by_key.get(k) for k in keys], name=_safe(label)))
    figure.update_layout(title=_safe(title), barmode="group", height=320, margin={"l": 40, "r": 20, "t": 40, "b": 40})
    return figure
