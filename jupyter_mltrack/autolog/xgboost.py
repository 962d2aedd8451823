"""XGBoost autologging: native ``xgboost.train`` and the scikit-learn wrappers (``XGBClassifier``,
``XGBRegressor``, ``XGBRanker``, ``XGBRF*``).

Logged: params, every evaluation metric of every iteration (``<data>-<metric>`` with ``step``,
from ``evals``/``eval_set``), ``best_iteration``/``stopped_iteration`` with early stopping,
``feature_importance_weight.json`` and ``feature_importance_gain.json``, and the model. The
wrappers also get everything a scikit-learn estimator gets (training metrics, ``estimator.html``,
post-training metrics).

``xgboost.train`` only records its history when given an ``evals_result`` dict; when the user did
not pass one, autolog passes a fresh one (an output-only argument: training is unchanged).
"""

from __future__ import annotations

import importlib
import logging
from typing import Any

from jupyter_mltrack.autolog import _boosting, _evaluation, _state
from jupyter_mltrack.autolog._patch import Call, Outcome, PatchSet, Session
from jupyter_mltrack.autolog._runs import FitRun
from jupyter_mltrack.autolog.sklearn import estimator_session

log = logging.getLogger("jupyter_mltrack.autolog")

FRAMEWORK = "xgboost"
IMPORTANCE_TYPES = ("weight", "gain")
WRAPPERS = ("XGBClassifier", "XGBRegressor", "XGBRanker", "XGBRFClassifier", "XGBRFRegressor")
_NOT_PARAMS = frozenset({"dtrain", "evals", "obj", "evals_result", "custom_metric", "feval", "callbacks", "xgb_model"})


def patch(patches: PatchSet) -> None:
    xgboost = importlib.import_module("xgboost")
    patches.wrap(xgboost, "train", _train_handler)
    wrappers = importlib.import_module("xgboost.sklearn")
    for name in WRAPPERS:
        cls = getattr(wrappers, name, None)
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
    history = call.kwargs.get("evals_result")
    if history is None:
        history = {}
        call.kwargs = {**call.kwargs, "evals_result": history}
    fit = FitRun.open(FRAMEWORK, cfg)
    fit.attempt(fit.log_params, params)
    outcome: Outcome = yield
    if outcome.error is None:
        booster = outcome.result
        fit.attempt(_log_booster, fit, booster, history)
        if cfg.log_models and fit.models_allowed:
            fit.attempt(fit.log_model, booster)
    fit.close(outcome.error)


def _log_booster(fit: FitRun, booster: Any, history: Any) -> None:
    iterations = _boosting.log_history(fit, history)
    _boosting.log_best_iteration(fit, getattr(booster, "best_iteration", None), iterations)
    _boosting.log_importance(fit, importances(booster))


def importances(booster: Any) -> dict[str, dict[str, float]]:
    found: dict[str, dict[str, float]] = {}
    for kind in IMPORTANCE_TYPES:
        try:
            found[kind] = booster.get_score(importance_type=kind)
        except Exception as exc:  # e.g. gblinear has no "gain"
            log.debug("xgboost importance %r not available: %s", kind, exc)
    return found


# -------------------------------------------------------------------------- scikit-learn API
def _fit_handler(call: Call) -> Session:
    return estimator_session(call, FRAMEWORK, extra=_wrapper_extras)


def _wrapper_extras(fit: FitRun, estimator: Any) -> None:
    iterations = _boosting.log_history(fit, getattr(estimator, "evals_result_", None))
    _boosting.log_best_iteration(fit, getattr(estimator, "best_iteration", None), iterations)
    _boosting.log_importance(fit, importances(estimator.get_booster()))
