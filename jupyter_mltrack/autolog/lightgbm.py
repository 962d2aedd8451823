"""LightGBM autologging: native ``lightgbm.train`` and the scikit-learn wrappers
(``LGBMClassifier``, ``LGBMRegressor``, ``LGBMRanker``).

Logged: params, every evaluation metric of every iteration (``<data>-<metric>`` with ``step``,
from ``valid_sets``/``eval_set``), ``best_iteration``/``stopped_iteration`` with early stopping,
``feature_importance_split.json`` and ``feature_importance_gain.json``, and the model with the
profile of its training data (for ``lightgbm.train``, the Dataset's raw data, sampled before
training because LightGBM frees it). The wrappers also get everything a scikit-learn estimator gets.

``lightgbm.train`` only records its history through a callback: autolog appends LightGBM's own
``record_evaluation`` to a copy of the user's ``callbacks`` (it only reads; training is unchanged).
"""

from __future__ import annotations

import importlib
import inspect
import logging
import os
from typing import Any

from jupyter_mltrack.autolog import _boosting, _evaluation, _state
from jupyter_mltrack.autolog._patch import Call, Outcome, PatchSet, Session
from jupyter_mltrack.autolog._runs import FitRun
from jupyter_mltrack.autolog.sklearn import estimator_session

log = logging.getLogger("jupyter_mltrack.autolog")

FRAMEWORK = "lightgbm"
IMPORTANCE_TYPES = ("split", "gain")
WRAPPERS = ("LGBMClassifier", "LGBMRegressor", "LGBMRanker")
_NOT_PARAMS = frozenset({"train_set", "valid_sets", "valid_names", "feval", "init_model", "callbacks"})


def patch(patches: PatchSet) -> None:
    lightgbm = importlib.import_module("lightgbm")
    patches.wrap(lightgbm, "train", _train_handler)
    for name in WRAPPERS:
        cls = getattr(lightgbm, name, None)
        if cls is not None:
            patches.wrap(cls, "fit", _fit_handler)
            _evaluation.patch_predictions(patches, cls)


# --------------------------------------------------------------------------------- native train
def _train_handler(call: Call) -> Session:
    return _train_session(call)


def _train_session(call: Call) -> Session:
    cfg = _state.config(FRAMEWORK)
    assert cfg is not None
    params = _boosting.train_params(call, "params", _NOT_PARAMS)
    history: dict[str, Any] = {}
    _add_recorder(call, history)
    fit = FitRun.open(FRAMEWORK, cfg)
    fit.attempt(fit.log_params, params)
    sample = None
    if cfg.log_models and fit.models_allowed:  # before training: LightGBM frees its raw data then
        sample = fit.training_sample(dataset_data(_boosting.argument(call, "train_set")))
    outcome: Outcome = yield
    if outcome.error is None:
        booster = outcome.result
        fit.attempt(_log_booster, fit, booster, history)
        if cfg.log_models and fit.models_allowed:
            fit.attempt(_log_model, fit, booster, sample)
    fit.close(outcome.error)


def _log_model(fit: FitRun, booster: Any, sample: Any) -> None:
    fit.log_model(booster, training_data=sample)


def dataset_data(train_set: Any) -> Any:
    """The raw data of an unconstructed ``lightgbm.Dataset`` (a DataFrame, array, sparse matrix...);
    None when it is gone (``free_raw_data`` after construction), a file, or a subset's parent."""
    data = getattr(train_set, "data", None)
    if data is None or isinstance(data, (str, os.PathLike)) or getattr(train_set, "used_indices", None) is not None:
        log.debug("lightgbm: the training data cannot be read back for a profile")
        return None
    return data


def _add_recorder(call: Call, history: dict[str, Any]) -> None:
    """``callbacks`` = the user's callbacks (a new list) + ``record_evaluation(history)``."""
    bound = inspect.signature(call.original).bind(*call.args, **call.kwargs)
    recorder = importlib.import_module("lightgbm").record_evaluation(history)
    bound.arguments["callbacks"] = [*(bound.arguments.get("callbacks") or []), recorder]
    call.args, call.kwargs = tuple(bound.args), dict(bound.kwargs)


def _log_booster(fit: FitRun, booster: Any, history: Any) -> None:
    iterations = _boosting.log_history(fit, history)
    best = getattr(booster, "best_iteration", 0)
    _boosting.log_best_iteration(fit, best if best and best > 0 else None, iterations)
    _boosting.log_importance(fit, importances(booster))


def importances(booster: Any) -> dict[str, dict[str, float]]:
    names = booster.feature_name()
    found: dict[str, dict[str, float]] = {}
    for kind in IMPORTANCE_TYPES:
        try:
            found[kind] = dict(zip(names, booster.feature_importance(importance_type=kind).tolist(), strict=True))
        except Exception as exc:
            log.debug("lightgbm importance %r not available: %s", kind, exc)
    return found


# -------------------------------------------------------------------------- scikit-learn API
def _fit_handler(call: Call) -> Session:
    return estimator_session(call, FRAMEWORK, extra=_wrapper_extras)


def _wrapper_extras(fit: FitRun, estimator: Any) -> None:
    iterations = _boosting.log_history(fit, getattr(estimator, "evals_result_", None))
    best = getattr(estimator, "best_iteration_", 0)
    _boosting.log_best_iteration(fit, best if best and best > 0 else None, iterations)
    _boosting.log_importance(fit, importances(estimator.booster_))
