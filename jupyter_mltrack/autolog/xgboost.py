"""XGBoost autologging: native ``xgboost.train`` and the scikit-learn wrappers (``XGBClassifier``,
``XGBRegressor``, ``XGBRanker``, ``XGBRF*``).

Logged: params, every evaluation metric of every iteration (``<data>-<metric>`` with ``step``,
from ``evals``/``eval_set``), ``best_iteration``/``stopped_iteration`` with early stopping,
``feature_importance_weight.json`` and ``feature_importance_gain.json``, and the model with the
profile of its training data (for ``xgboost.train``, rows read back from the DMatrix). The
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
from jupyter_mltrack.autolog._runs import FitRun, optional_module
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
    dtrain = _boosting.argument(call, "dtrain")
    fit = FitRun.open(FRAMEWORK, cfg)
    fit.attempt(fit.log_params, params)
    outcome: Outcome = yield
    if outcome.error is None:
        booster = outcome.result
        fit.attempt(_log_booster, fit, booster, history)
        if cfg.log_models and fit.models_allowed:
            fit.attempt(_log_model, fit, booster, dtrain)
    fit.close(outcome.error)


def _log_model(fit: FitRun, booster: Any, dtrain: Any) -> None:
    fit.log_model(booster, training_data=dmatrix_sample(dtrain))


def dmatrix_sample(dtrain: Any) -> Any:
    """The training DMatrix's rows for the model's profile, read back cheaply: a row sample
    (``DMatrix.slice``, at most ``profile.MAX_ROWS`` rows) through ``get_data()``, with absent
    entries as missing values (as XGBoost treats them), columns named by ``feature_names`` (else
    their positions, as array requests are logged). None when the rows cannot be read back (a
    ``QuantileDMatrix``, external memory, an XGBoost without ``get_data``): the model then has no profile."""
    import numpy as np
    import pandas as pd

    profiles = optional_module("jupyter_mltrack.models.profile")
    if profiles is None or dtrain is None:
        return None
    try:
        total, columns = int(dtrain.num_row()), int(dtrain.num_col())
        rows = profiles.sample_rows(total, columns)
        matrix = (dtrain if rows is None else dtrain.slice(rows)).get_data().tocoo()
        dense = np.full(matrix.shape, np.nan)
        dense[matrix.row, matrix.col] = matrix.data
        names = list(dtrain.feature_names or [str(i) for i in range(columns)])
        return profiles.TrainingSample(pd.DataFrame(dense, columns=names), total)
    except Exception as exc:
        log.debug("xgboost: the training rows of %s cannot be read back for a profile: %s", type(dtrain).__name__, exc)
        return None


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
