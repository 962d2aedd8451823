"""What an exported ``main.py`` imports: the parts of ``%%track`` that have no plain API call.

``track_cell`` records, at the end of a ``with`` block, what the ``%%track`` cell recorded at the
end of the cell, with the same code (``capture.ast_params``, ``capture.sklearn_metrics``,
``capture.datasets``, ``capture.resources``): the names the cell binds are classified from their
values into params and metrics, ``sklearn.metrics`` calls routed through ``observe`` become
``<function>_<data>`` metrics, ``fit`` inputs become datasets, and the block's cost is logged as
``cell.*`` metrics. So a project run logs the same keys as the notebook run it came from.
No IPython here: the script runs anywhere jupyter-mltrack is installed.
"""

from __future__ import annotations

import argparse
import logging
from contextlib import contextmanager
from typing import Any, Iterator, Mapping, MutableMapping, Sequence

import jupyter_mltrack as mlt
from jupyter_mltrack.capture import ast_params, datasets, resources, sklearn_metrics
from jupyter_mltrack.entities import Metric, Param, now_millis
from jupyter_mltrack.errors import ParamConflictError
from jupyter_mltrack.tracking import events
from jupyter_mltrack.tracking.client import Client

log = logging.getLogger(__name__)
_TRUE = frozenset({"true", "yes", "1", "on"})
_FALSE = frozenset({"false", "no", "0", "off"})


def boolean(text: str) -> bool:
    """argparse type of a bool parameter: true/false, yes/no, 1/0 (any case)."""
    lowered = text.strip().lower()
    if lowered in _TRUE or lowered in _FALSE:
        return lowered in _TRUE
    raise argparse.ArgumentTypeError(f"expected true or false, got {text!r}")


def experiment_id(name: str) -> str:
    """The id of experiment ``name``, created if missing (``%%track -e NAME``); the active one is unchanged."""
    found = mlt.get_experiment_by_name(name)
    return found.experiment_id if found is not None else mlt.create_experiment(name)


class CellTracking:
    """One tracked block; ``observe`` is what the block's ``sklearn.metrics`` calls go through."""

    observe = staticmethod(sklearn_metrics.observe)

    def __init__(self, run_id: str) -> None:
        self.run_id = run_id
        self.logged: set[str] = set()

    def on_metrics(self, run_id: str, metrics: Sequence[Metric]) -> None:
        if run_id == self.run_id:
            self.logged.update(m.key for m in metrics)


@contextmanager
def track_cell(
    namespace: MutableMapping[str, Any],
    names: Sequence[str],
    *,
    params: Sequence[str] = (),
    metrics: Sequence[str] = (),
    fit_inputs: Sequence[str] = (),
    metric_names: Sequence[str] = ast_params.DEFAULT_METRIC_NAMES,
) -> Iterator[CellTracking]:
    """Log what a ``%%track`` cell would have logged into the active run, when the block ends."""
    active = mlt.active_run()
    if active is None:
        raise RuntimeError("track_cell() runs inside `with jupyter_mltrack.start_run():`.")
    tracking = CellTracking(active.info.run_id)
    before = {n: id(namespace[n]) for n in names if n in namespace}
    events.add_metric_listener(tracking.on_metrics)
    sklearn_metrics.start()
    usage = resources.snapshot()
    error: BaseException | None = None
    try:
        yield tracking
    except BaseException as exc:
        error = exc
        raise
    finally:
        end = resources.snapshot()
        collected = sklearn_metrics.stop()
        events.remove_metric_listener(tracking.on_metrics)
        try:
            _record(tracking, namespace, names, before, error, (params, metrics, fit_inputs, metric_names),
                    (usage, end), collected)
        except Exception as exc:  # like %%track: recording never replaces the block's own outcome
            log.warning("jupyter_mltrack: could not record everything about run %s: %s", tracking.run_id, exc)


def _record(
    tracking: CellTracking,
    ns: Mapping[str, Any],
    names: Sequence[str],
    before: Mapping[str, int],
    error: BaseException | None,
    options: tuple[Sequence[str], Sequence[str], Sequence[str], Sequence[str]],
    usage: tuple[resources.Usage, resources.Usage],
    collected: list[tuple[str, float, int]],
) -> None:
    extra_params, extra_metrics, fit_inputs, metric_names = options
    bound = {n: ns[n] for n in names if n in ns and (error is None or before.get(n) != id(ns[n]))}
    params, values = ast_params.classify(bound, tuple(metric_names))
    for name in extra_params:
        if name in ns:
            text = ast_params.param_value(ns[name])
            params[name] = text if text is not None else repr(ns[name])[: ast_params.MAX_REPR]
            values.pop(name, None)
    for name in extra_metrics:
        number = ast_params.metric_value(ns.get(name))
        if number is not None:
            values[name] = number
            params.pop(name, None)
    if fit_inputs:
        datasets.log_named_inputs(tracking.run_id, [(n, ns[n]) for n in fit_inputs if n in ns])
    values = {k: v for k, v in values.items() if k not in tracking.logged}
    values.update(resources.usage_metrics(*usage))
    now = now_millis()
    points = [Metric(k, v, now, 0) for k, v in values.items()]
    points += [Metric(k, v, now, step) for k, v, step in collected if k not in tracking.logged]
    _log(tracking.run_id, points, [Param(k, v) for k, v in params.items()])


def _log(run_id: str, metrics: list[Metric], params: list[Param]) -> None:
    client = Client()
    try:
        client.log_batch(run_id, metrics=metrics, params=params)
    except ParamConflictError:  # the run already holds some of them (a resumed project run)
        existing = client.get_run(run_id).data.params
        client.log_batch(run_id, metrics=metrics, params=[p for p in params if p.key not in existing])


def log_pairs(*pairs: str) -> None:
    """``%mltrack log`` pairs whose values were only known at run time: numbers are metrics."""
    from jupyter_mltrack.export.translate import classify_pairs

    values, params, tags, _ = classify_pairs(pairs, expanded=True)
    if values:
        mlt.log_metrics(values)
    if params:
        mlt.log_params(params)
    if tags:
        mlt.set_tags(tags)
