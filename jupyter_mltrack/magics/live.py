"""``%%track --live``: a chart under the cell that redraws while the cell logs stepped metrics.

The chart listens to metrics logged to the cell's run (``tracking.events``), keeps every point,
and redraws the displayed output in place (``display(..., display_id=True)`` then ``update``) at
most every :data:`UPDATE_INTERVAL_S` seconds, from the thread running the cell (points logged
from other threads are drawn at the next redraw). One line per metric logged at more than one
step or at a step other than 0; a metric logged once at step 0 is a final score, shown in the
run's card instead. The last redraw, at the end of the cell, is the chart that stays in the
notebook. In a terminal IPython nothing is redrawn: the final chart is displayed once.

Without ``anywidget`` a plotly ``FigureWidget`` cannot be used (plotly 6+ needs it), so this
updates a displayed figure instead; it works in every front end and in saved notebooks.
"""

from __future__ import annotations

import threading
import time
from typing import Any, Sequence, cast

from IPython.display import DisplayHandle

from jupyter_mltrack.entities import Metric
from jupyter_mltrack.magics.charts import PlotlyChart, line_figure
from jupyter_mltrack.magics.ipython import display
from jupyter_mltrack.tracking import events

UPDATE_INTERVAL_S = 0.25


class LiveChart:
    def __init__(self, run_id: str, run_name: str, redraw: bool) -> None:
        self.run_id = run_id
        self.run_name = run_name
        self.redraw = redraw
        self.points: dict[str, list[tuple[int, float]]] = {}
        self.updates = 0
        self._handle: DisplayHandle | None = None
        self._last = 0.0
        self._closed = False

    def start(self) -> None:
        events.add_metric_listener(self._on_metrics)
        if self.redraw:
            self._handle = display(self.chart(final=False), display_id=True)

    def _on_metrics(self, run_id: str, metrics: Sequence[Metric]) -> None:
        if run_id != self.run_id or self._closed:
            return
        for metric in metrics:
            self.points.setdefault(metric.key, []).append((metric.step, metric.value))
        now = time.monotonic()
        on_main = threading.current_thread() is threading.main_thread()
        if self._handle is not None and on_main and now - self._last >= UPDATE_INTERVAL_S:
            self._last = now
            self._update(final=False)

    def stepped(self) -> dict[str, list[tuple[int, float]]]:
        """The metrics drawn as lines (see the module docstring)."""
        return {k: p for k, p in self.points.items() if len(p) > 1 or any(step != 0 for step, _ in p)}

    def chart(self, final: bool) -> PlotlyChart:
        lines = self.stepped()
        title = self.run_name if final else f"{self.run_name} (running)"
        total = sum(len(p) for p in lines.values())
        summary = f"Live chart of run {self.run_name!r}: {len(lines)} metric(s), {total} point(s)"
        return PlotlyChart(line_figure(title, lines), summary, with_html=final)

    def _update(self, final: bool) -> None:
        if self._handle is not None:
            cast(Any, self._handle).update(self.chart(final))
            self.updates += 1

    def close(self) -> None:
        """The cell ended: stop listening and leave the final chart."""
        if self._closed:
            return
        self._closed = True
        events.remove_metric_listener(self._on_metrics)
        if self._handle is not None:
            self._update(final=True)
        else:
            display(self.chart(final=True))


def in_kernel(shell: Any) -> bool:
    return getattr(shell, "kernel", None) is not None
