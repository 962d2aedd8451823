"""Listeners on logged metrics: how front doors watch a run while it is being written.

``%%track --live`` redraws a chart as a training loop logs its loss, and ``%%track`` avoids logging
a cell variable twice when the cell already logged it. Both need to see metrics as they are
logged, without wrapping the client. ``Client.log_metric`` and ``Client.log_batch`` call
:func:`metrics_logged` after validating; with no listener that is one truthiness test.

A listener is ``fn(run_id, metrics)``; it runs in the logging thread, must be quick, and a
listener that raises is logged as a warning and never breaks the user's ``log_metric`` call.
"""

from __future__ import annotations

import logging
from typing import Callable, Sequence

from jupyter_mltrack.entities import Metric

MetricListener = Callable[[str, Sequence[Metric]], None]

log = logging.getLogger(__name__)
_listeners: list[MetricListener] = []


def add_metric_listener(listener: MetricListener) -> None:
    """Call ``listener(run_id, metrics)`` for every metric logged in this process from now on."""
    if listener not in _listeners:
        _listeners.append(listener)


def remove_metric_listener(listener: MetricListener) -> None:
    """Stop calling ``listener``; removing one that is not registered is fine."""
    try:
        _listeners.remove(listener)
    except ValueError:
        pass


def metrics_logged(run_id: str, metrics: Sequence[Metric]) -> None:
    """Tell the listeners (called by the tracking client, after validation)."""
    if not _listeners or not metrics:
        return
    for listener in tuple(_listeners):
        try:
            listener(run_id, metrics)
        except Exception as exc:  # a broken listener must not break logging
            log.warning("jupyter_mltrack: metric listener %r failed: %s", listener, exc)
