"""Post-training metrics: ``accuracy_score(y_test, model.predict(X_test))`` on a model fitted under
autolog lands in that model's run as ``accuracy_score_X_test`` (MLflow's naming).

How (MLflow's ``_AutologgingMetricsManager``): fitting registers model -> run; ``predict`` (and
``predict_proba``, ``decision_function``...) on a registered model registers its result ->
(run, name of the data variable, found by identity in the caller's frame); a patched metric
function that receives a registered result (or a numpy view of one, e.g. ``proba[:, 1]``) logs
its value. Keys are ``<metric>[-<call index>]_<data name>[-<data index>]``: a second call of the
same metric in a run gets ``-2``, a second, different object under the same variable name gets
``X_test-2``. ``model.score(X_test, y_test)`` logs ``<Class>_score_X_test``. Runs may have ended:
metrics go to them by id through ``Client``.
"""

from __future__ import annotations

import importlib
import inspect
import threading
import weakref
from typing import Any

from jupyter_mltrack.autolog import _state
from jupyter_mltrack.autolog._names import variable_name
from jupyter_mltrack.autolog._patch import Call, Handler, Outcome, PatchSet, Session
from jupyter_mltrack.autolog._runs import is_number
from jupyter_mltrack.tracking.client import Client

PREDICT_METHODS = ("predict", "predict_proba", "predict_log_proba", "decision_function")
METRICS_PATCH = "sklearn.metrics"  # the patch set of the metric functions, shared by the sklearn-API frameworks
_NOT_METRICS = {"check_scoring", "get_scorer", "make_scorer", "get_scorer_names"}
UNKNOWN_DATASET = "unknown_dataset"

_lock = threading.Lock()
_models: dict[int, tuple["weakref.ref[Any]", str, str]] = {}  # id(model) -> (ref, run id, framework)
_results: dict[int, tuple[str, str]] = {}  # id(prediction) -> (run id, data name)
_data_ids: dict[str, dict[str, list[int]]] = {}  # run id -> data name -> ids of the objects so named
_calls: dict[str, dict[str, int]] = {}  # run id -> metric name -> calls so far


def register_model(model: Any, run_id: str, framework: str) -> None:
    key = id(model)
    try:
        ref = weakref.ref(model, lambda _ref, key=key: _models.pop(key, None))  # type: ignore[misc]
    except TypeError:
        return  # not weak-referenceable: no post-training metrics for it
    with _lock:
        _models[key] = (ref, run_id, framework)


def _model_run(model: Any) -> tuple[str, str] | None:
    found = _models.get(id(model))
    if found is None or found[0]() is not model:
        return None
    cfg = _state.config(found[2])
    return (found[1], found[2]) if cfg is not None and cfg.log_post_training_metrics else None


def _data_name(run_id: str, data: Any) -> str:
    name = variable_name(data, UNKNOWN_DATASET) if data is not None else UNKNOWN_DATASET
    with _lock:
        ids = _data_ids.setdefault(run_id, {}).setdefault(name, [])
        if id(data) not in ids:
            ids.append(id(data))
        index = ids.index(id(data))
    return _with_index(name, index)


def _with_index(name: str, index: int) -> str:
    return name if index == 0 else f"{name}-{index + 1}"


def _first_data_arg(call: Call) -> Any:
    if len(call.args) > 1:
        return call.args[1]
    return next(iter(call.kwargs.values()), None)


def _predict_handler(call: Call) -> Session | None:
    found = _model_run(call.args[0])
    if found is None:
        return None
    return _predict_session(found[0], _data_name(found[0], _first_data_arg(call)))


def _predict_session(run_id: str, data_name: str) -> Session:
    outcome: Outcome = yield
    if outcome.error is None:
        _register_result(outcome.result, run_id, data_name)


def _register_result(result: Any, run_id: str, data_name: str) -> None:
    key = id(result)
    try:
        weakref.finalize(result, _results.pop, key, None)
    except TypeError:
        return  # a list or a scalar: cannot be followed safely
    with _lock:
        _results[key] = (run_id, data_name)


def _lookup(value: Any) -> tuple[str, str] | None:
    """The (run, data name) of a registered prediction, following numpy views to their base."""
    depth = 0
    while value is not None and depth < 4:
        found = _results.get(id(value))
        if found is not None:
            return found
        value = getattr(value, "base", None) if type(value).__module__ == "numpy" else None
        depth += 1
    return None


def _metric_key(run_id: str, metric: str, data_name: str) -> str:
    with _lock:
        counts = _calls.setdefault(run_id, {})
        index = counts.get(metric, 0)
        counts[metric] = index + 1
    return f"{_with_index(metric, index)}_{data_name}"


def metric_handler(metric: str) -> Handler:
    """The handler of one ``sklearn.metrics`` function."""

    def handler(call: Call) -> Session | None:
        if not _results:
            return None
        for value in (*call.args, *call.kwargs.values()):
            found = _lookup(value)
            if found is not None:
                return _metric_session(found[0], metric, found[1])
        return None

    return handler


def _metric_session(run_id: str, metric: str, data_name: str) -> Session:
    outcome: Outcome = yield
    if outcome.error is None and is_number(outcome.result):
        Client().log_metric(run_id, _metric_key(run_id, metric, data_name), float(outcome.result))


def _score_handler(call: Call) -> Session | None:
    model = call.args[0]
    found = _model_run(model)
    if found is None:
        return None
    return _metric_session(found[0], f"{type(model).__name__}_score", _data_name(found[0], _first_data_arg(call)))


def patch_predictions(patches: PatchSet, cls: type) -> None:
    """Follow ``predict``-like calls and ``score`` of one estimator class."""
    for name in PREDICT_METHODS:
        patches.wrap(cls, name, _predict_handler)
    patches.wrap(cls, "score", _score_handler)


def metric_names() -> list[str]:
    metrics = importlib.import_module("sklearn.metrics")
    return [
        name
        for name in metrics.__all__
        if name not in _NOT_METRICS
        and not name.startswith("plot_")
        and inspect.isfunction(getattr(metrics, name, None))
    ]


def patch_metrics(patches: PatchSet) -> None:
    """Follow every ``sklearn.metrics`` function. Most are ``validate_params`` wrappers around
    ``func``: patching ``func`` also reaches names imported before autolog was on."""
    metrics = importlib.import_module("sklearn.metrics")
    for name in metric_names():
        handler = metric_handler(name)
        if not patches.wrap_inner(getattr(metrics, name), "func", handler):
            patches.wrap(metrics, name, handler)


def forget_all() -> None:
    """Drop every registration (autolog switched off)."""
    with _lock:
        _models.clear()
        _results.clear()
        _data_ids.clear()
        _calls.clear()
