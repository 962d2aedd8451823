"""Autologging: fit a model and its params, metrics and the model itself are recorded, with no
tracking code (``jupyter_mltrack.autolog()``, or ``%mltrack autolog on`` in a notebook).

One small module per framework (``sklearn``, ``xgboost``, ``lightgbm``, ``pytorch``), each using
only the public tracking API; ``_patch`` makes the patching safe (a failure of ours is one
warning and never changes the user's result) and reversible (``autolog(disable=True)`` puts back
the original objects). A framework imported after autolog was switched on is patched the moment
its import finishes (``_imports``).
"""

from __future__ import annotations

import importlib
import sys
import threading
import types
from dataclasses import asdict
from typing import Any, Iterable

from jupyter_mltrack.autolog import _evaluation, _imports, _state
from jupyter_mltrack.autolog._patch import AutologWarning, PatchSet, warn
from jupyter_mltrack.autolog._state import AUTOLOG_TAG, AutologConfig
from jupyter_mltrack.errors import InvalidParameterError

__all__ = ["AUTOLOG_TAG", "FRAMEWORKS", "AutologConfig", "AutologWarning", "autolog", "status"]

#: framework -> (the module whose import triggers patching, our module that patches it)
FRAMEWORKS: dict[str, tuple[str, str]] = {
    "sklearn": ("sklearn", "jupyter_mltrack.autolog.sklearn"),
    "xgboost": ("xgboost", "jupyter_mltrack.autolog.xgboost"),
    "lightgbm": ("lightgbm", "jupyter_mltrack.autolog.lightgbm"),
    "pytorch": ("lightning.pytorch", "jupyter_mltrack.autolog.pytorch"),
}

#: frameworks whose models are scikit-learn estimators: they share the metric-function patches
_SKLEARN_API = ("sklearn", "xgboost", "lightgbm")
_patches: dict[str, PatchSet] = {}
_lock = threading.RLock()


def autolog(
    disable: bool = False,
    exclusive: bool = False,
    silent: bool = False,
    log_models: bool = True,
    frameworks: Iterable[str] | str | None = None,
    *,
    log_datasets: bool = True,
    log_post_training_metrics: bool = True,
    max_tuning_runs: int | None = 5,
) -> None:
    """Switch autologging on (or off, with ``disable=True``) for ``frameworks`` (default: all).

    - ``exclusive``: never log into a run the user started (or ``%%track``'s): each fit gets a
      new child run of it instead.
    - ``silent``: no warnings or messages from autolog (failures still go to the debug log).
    - ``log_models``: log fitted models (through ``jupyter_mltrack.models``).
    - ``log_datasets``: record the training data as a run input (name, digest, schema).
    - ``log_post_training_metrics``: log ``sklearn.metrics`` results on a fitted model's
      predictions to its run (``accuracy_score_X_test``).
    - ``max_tuning_runs``: child runs for the best candidates of a hyperparameter search
      (``None``: all of them).

    Calling it again changes the options; frameworks not yet imported are patched on import.
    """
    names = _resolve(frameworks)
    if max_tuning_runs is not None and (isinstance(max_tuning_runs, bool) or max_tuning_runs < 0):
        raise InvalidParameterError(f"max_tuning_runs must be None or a non-negative int, not {max_tuning_runs!r}.")
    options = AutologConfig(
        exclusive=bool(exclusive),
        silent=bool(silent),
        log_models=bool(log_models),
        log_datasets=bool(log_datasets),
        log_post_training_metrics=bool(log_post_training_metrics),
        max_tuning_runs=max_tuning_runs,
    )
    with _lock:
        for name in names:
            if disable:
                _switch_off(name)
            else:
                _switch_on(name, options)


def status() -> dict[str, dict[str, Any]]:
    """Per framework: on or off, patched now or waiting for its import, and the options."""
    waiting = set(_imports.watched())
    found: dict[str, dict[str, Any]] = {}
    for name, (module, _ours) in FRAMEWORKS.items():
        cfg = _state.config(name)
        found[name] = {
            "enabled": cfg is not None,
            "patched": name in _patches,
            "waiting_for_import": module in waiting,
            "options": asdict(cfg) if cfg is not None else None,
        }
    return found


def _resolve(frameworks: Iterable[str] | str | None) -> list[str]:
    if frameworks is None:
        return list(FRAMEWORKS)
    names = [frameworks] if isinstance(frameworks, str) else list(frameworks)
    unknown = [n for n in names if n not in FRAMEWORKS]
    if unknown:
        raise InvalidParameterError(
            f"Unknown autolog framework(s) {', '.join(map(repr, unknown))}; use some of {', '.join(FRAMEWORKS)}."
        )
    return names


def _switch_on(name: str, options: AutologConfig) -> None:
    _state.set_config(name, options)
    if name in _patches:
        return  # already patched: the new options apply from the next call
    module_name = FRAMEWORKS[name][0]
    if module_name in sys.modules:
        _apply(name)
    else:
        _imports.watch(module_name, lambda _module: _apply(name))


def _apply(name: str) -> None:
    """Patch one framework now (its module is imported); a failure is a warning, not an error."""
    with _lock:
        if not _state.enabled(name) or name in _patches:
            return
        patches = PatchSet(name)
        try:
            importlib.import_module(FRAMEWORKS[name][1]).patch(patches)
        except Exception as exc:
            patches.revert()
            warn(name, f"patch {name} (autolog stays off for it)", exc, stacklevel=2)
            _state.set_config(name, None)
            return
        _patches[name] = patches
        _sync_metrics(name)


def _switch_off(name: str) -> None:
    _state.set_config(name, None)
    _imports.unwatch(FRAMEWORKS[name][0])
    patches = _patches.pop(name, None)
    if patches is not None:
        patches.revert()
    _sync_metrics(None)
    if not _patches:
        _evaluation.forget_all()


def _sync_metrics(trigger: str | None) -> None:
    """``sklearn.metrics`` is patched while any sklearn-API framework is, and only then."""
    key = _evaluation.METRICS_PATCH
    wanted = any(n in _patches for n in _SKLEARN_API)
    if wanted and key not in _patches and trigger in _SKLEARN_API:
        _state.set_config(key, _state.config(trigger))
        patches = PatchSet(key)
        try:
            _evaluation.patch_metrics(patches)
        except Exception as exc:
            patches.revert()
            warn(trigger, "follow sklearn.metrics calls (post-training metrics stay off)", exc, stacklevel=3)
            _state.set_config(key, None)
            return
        _patches[key] = patches
    elif not wanted and key in _patches:
        _patches.pop(key).revert()
        _state.set_config(key, None)


class _CallableModule(types.ModuleType):
    """``jupyter_mltrack.autolog`` names both this package and its ``autolog`` function, and
    importing the package rebinds ``jupyter_mltrack.autolog`` to the module: so the module is
    callable too, and ``mlt.autolog(...)`` works whichever of the two it resolves to."""

    def __call__(self, *args: Any, **kwargs: Any) -> None:
        autolog(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
