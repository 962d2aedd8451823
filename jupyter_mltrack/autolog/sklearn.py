"""scikit-learn autologging: every estimator's ``fit`` (and ``fit_transform``/``fit_predict``).

Patched: the classes ``sklearn.utils.all_estimators()`` lists (Pipelines and meta-estimators
included; each class gets its own wrapper, so nothing of scikit-learn's base classes or mixins
changes and user subclasses inherit the patch), and their ``predict``-like methods and ``score``
for post-training metrics (the metric functions themselves: ``_evaluation.patch_metrics``).

Logged for the outermost fit (a Pipeline's steps are part of its params, never runs of their own):
``get_params(deep=True)`` (``deep=False`` for searches, whose seed params are not what ran),
``training_score`` and MLflow's ``training_*`` metrics, the training data as a run input,
``estimator.html``, the model (with signature, input example and the profile of ``X`` for drift
reports) and, for searches, the best params/score and child runs (``_search.py``).
"""

from __future__ import annotations

import functools
import importlib
import inspect
import logging
import math
from typing import Any, Callable

from jupyter_mltrack.autolog import _evaluation, _search, _state
from jupyter_mltrack.autolog._names import variable_name
from jupyter_mltrack.autolog._patch import Call, Outcome, PatchSet, Session
from jupyter_mltrack.autolog._runs import FitRun, head, notify_fit

log = logging.getLogger("jupyter_mltrack.autolog")

FRAMEWORK = "sklearn"
FIT_METHODS = ("fit", "fit_transform", "fit_predict")
TRAINING_PREFIX = "training_"
MODEL_SELECTION_HELPERS = (
    "cross_validate", "cross_val_score", "cross_val_predict", "learning_curve", "validation_curve",
    "permutation_test_score",
)  # fmt: skip

#: A hook a wrapper library adds to the estimator session (xgboost, lightgbm): (fit, estimator).
Extra = Callable[[FitRun, Any], None]


def patch(patches: PatchSet) -> None:
    """Patch every scikit-learn estimator class (the metric functions: ``_evaluation``)."""
    for cls in estimator_classes():
        for method in FIT_METHODS:
            patches.wrap(cls, method, _fit_handler)
        _evaluation.patch_predictions(patches, cls)
    validation = importlib.import_module("sklearn.model_selection._validation")
    for name in MODEL_SELECTION_HELPERS:
        function = getattr(validation, name, None)
        if function is not None and not patches.wrap_inner(function, "func", _quiet_handler):
            patches.wrap(validation, name, _quiet_handler)


def _quiet_handler(call: Call) -> None:
    """Logs nothing: as the outermost patched call it makes every fit inside it a nested one, so
    the throwaway clones cross-validation fits do not each make a run."""
    return None


def estimator_classes() -> list[type]:
    utils = importlib.import_module("sklearn.utils")
    return [cls for _name, cls in utils.all_estimators()]


def _fit_handler(call: Call) -> Session:
    return estimator_session(call, FRAMEWORK)


# ------------------------------------------------------------------------------------- session
def estimator_session(call: Call, framework: str, extra: Extra | None = None) -> Session:
    """The whole logging of one sklearn-API ``fit`` (also used for XGBoost/LightGBM wrappers)."""
    cfg = _state.config(framework)
    assert cfg is not None  # the patcher only calls us while the framework is on
    estimator = call.args[0]
    X, y, sample_weight = fit_arguments(call)
    fit = FitRun.open(framework, cfg, tags=estimator_tags(estimator))
    names = None
    if cfg.log_datasets:  # the user's names for the data, looked up now (their frames are live)
        names = (variable_name(X, "dataset"), variable_name(y, "targets") if y is not None else None)
    fit.attempt(_before_fit, fit, estimator, X, y, names)
    outcome: Outcome = yield
    if outcome.error is None:
        fit.attempt(_after_fit, fit, estimator, X, y, sample_weight)
        if extra is not None:
            fit.attempt(extra, fit, estimator)
        if _search.is_search(estimator):
            fit.attempt(_search.log_search, fit, estimator, cfg.max_tuning_runs)
        if cfg.log_models and fit.models_allowed:
            fit.attempt(_log_models, fit, estimator, X)
        _evaluation.register_model(estimator, fit.run_id, framework)
    fit.close(outcome.error)


def _before_fit(fit: FitRun, estimator: Any, X: Any, y: Any, names: tuple[str, str | None] | None) -> None:
    """Params, then the training data (``names``: the variables' names; None: do not log data)."""
    fit.log_params(estimator.get_params(deep=not _search.is_search(estimator)))
    if names is None or X is None:
        return
    if fit.cell is not None:
        notify_fit(estimator, X, y, names)  # in a notebook the capture records X and y by name
    else:
        fit.log_dataset(X, names[0])


def _after_fit(fit: FitRun, estimator: Any, X: Any, y: Any, sample_weight: Any) -> None:
    fit.log_metrics(training_metrics(estimator, X, y, sample_weight))
    html = importlib.import_module("sklearn.utils").estimator_html_repr(estimator)
    fit.client.log_text(fit.run_id, html, "estimator.html")


def _log_models(fit: FitRun, estimator: Any, X: Any) -> None:
    """The model, with its input example and the profile of ``X`` (sampled once for both models)."""
    example = head(X)
    sample = fit.training_sample(X)
    fit.log_model(estimator, example, _predictor(estimator), training_data=sample)
    best = getattr(estimator, "best_estimator_", None)
    if best is not None:
        fit.log_model(best, example, _predictor(best), name="best_estimator", training_data=sample)


def _predictor(estimator: Any) -> Callable[[Any], Any] | None:
    for method in ("predict", "transform"):
        if hasattr(estimator, method):
            found: Callable[[Any], Any] = getattr(estimator, method)
            return found
    return None


def estimator_tags(estimator: Any) -> dict[str, str]:
    cls = type(estimator)
    return {"estimator_name": cls.__name__, "estimator_class": f"{cls.__module__}.{cls.__name__}"}


# ----------------------------------------------------------------------------------- arguments
@functools.lru_cache(maxsize=2048)
def _signature(function: Callable[..., Any]) -> inspect.Signature | None:
    try:
        return inspect.signature(function)
    except (TypeError, ValueError):
        return None


def fit_arguments(call: Call) -> tuple[Any, Any, Any]:
    """(X, y, sample_weight) of a fit call, whatever the parameters are called."""
    signature = _signature(call.original)
    try:
        bound = signature.bind(*call.args, **call.kwargs).arguments if signature else None
    except TypeError:
        bound = None
    if bound is None or signature is None:
        rest = call.args[1:]
        return (rest[0] if rest else None), (rest[1] if len(rest) > 1 else None), None
    names = list(signature.parameters)[1:]
    extra = {
        k: v for p in signature.parameters.values() if p.kind is p.VAR_KEYWORD for k, v in bound.get(p.name, {}).items()
    }
    X = bound.get(names[0]) if names else None
    y = bound.get("y", bound.get("Y"))
    return X, y, bound.get("sample_weight", extra.get("sample_weight"))


# -------------------------------------------------------------------------------------- metrics
def training_metrics(estimator: Any, X: Any, y: Any, sample_weight: Any = None) -> dict[str, float]:
    """MLflow's ``training_*`` metrics: what the fitted model scores on its own training data."""
    if y is None:
        return {}
    base = importlib.import_module("sklearn.base")
    found: dict[str, float] = {}
    if base.is_classifier(estimator):
        found.update(_classifier_metrics(estimator, X, y, sample_weight))
    elif base.is_regressor(estimator):
        found.update(_regressor_metrics(estimator, X, y, sample_weight))
    if hasattr(estimator, "score"):
        weighted = sample_weight is not None and "sample_weight" in _parameters(estimator.score)
        _measure(found, "score", estimator.score, X, y, **({"sample_weight": sample_weight} if weighted else {}))
    return {TRAINING_PREFIX + k: v for k, v in found.items()}


def _classifier_metrics(estimator: Any, X: Any, y: Any, weights: Any) -> dict[str, float]:
    m = importlib.import_module("sklearn.metrics")
    found: dict[str, float] = {}
    predicted = estimator.predict(X)
    try:  # one pass gives what precision_score, recall_score and f1_score each compute
        precision, recall, f1, _ = m.precision_recall_fscore_support(
            y, predicted, average="weighted", sample_weight=weights
        )
        found.update(precision_score=float(precision), recall_score=float(recall), f1_score=float(f1))
    except Exception as exc:
        log.debug("training precision/recall/f1 skipped: %s", exc)
    _measure(found, "accuracy_score", m.accuracy_score, y, predicted, sample_weight=weights)
    if hasattr(estimator, "predict_proba"):
        proba = estimator.predict_proba(X)
        _measure(found, "log_loss", m.log_loss, y, proba, sample_weight=weights)
        scores = proba[:, 1] if getattr(proba, "ndim", 0) == 2 and proba.shape[1] == 2 else proba
        _measure(
            found, "roc_auc", m.roc_auc_score, y, scores, average="weighted", multi_class="ovo", sample_weight=weights
        )
    return found


def _regressor_metrics(estimator: Any, X: Any, y: Any, weights: Any) -> dict[str, float]:
    m = importlib.import_module("sklearn.metrics")
    found: dict[str, float] = {}
    predicted = estimator.predict(X)
    for name in ("mean_squared_error", "mean_absolute_error", "r2_score"):
        _measure(found, name, getattr(m, name), y, predicted, sample_weight=weights, multioutput="uniform_average")
    if "mean_squared_error" in found:
        found["root_mean_squared_error"] = math.sqrt(found["mean_squared_error"])
    return {
        k: found[k]
        for k in ("mean_squared_error", "root_mean_squared_error", "mean_absolute_error", "r2_score")
        if k in found
    }


def _measure(found: dict[str, float], name: str, metric: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
    """One metric; one that does not apply (a single class, NaN labels...) is left out, not an error."""
    try:
        found[name] = float(metric(*args, **kwargs))
    except Exception as exc:
        log.debug("training metric %s skipped: %s", name, exc)


def _parameters(function: Any) -> list[str]:
    signature = _signature(getattr(function, "__func__", function))  # never cache a bound method
    return list(signature.parameters) if signature else []
