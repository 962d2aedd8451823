"""The flavor registry: one small module per framework, found by name, by MLflow loader or by object.

A flavor module provides:

* ``FLAVOR_NAME`` (the key of its entry in MLmodel, MLflow's name) and ``detect(model) -> bool``;
* ``save(model, path, **options) -> Saved``: write the model files into ``path``;
* ``load_native(path, model)``: the native object, from the model folder and its MLmodel ``Model``;
* ``load_pyfunc(path, model)``: an object with ``predict(data, params=None)``;
* ``_load_pyfunc(path)``: the same for MLflow, which calls it as the ``loader_module``.

Frameworks are imported inside those functions only, so the registry itself costs nothing.
"""

from __future__ import annotations

import importlib
import os
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from jupyter_mltrack.models.errors import ModelFormatError, UnsupportedModelError

_BASE = "jupyter_mltrack.models.flavors"
#: flavor name -> module, in detection order (xgboost and lightgbm models are sklearn estimators too)
FLAVORS: dict[str, str] = {
    "python_model": f"{_BASE}.custom",
    "xgboost": f"{_BASE}.xgboost",
    "lightgbm": f"{_BASE}.lightgbm",
    "onnx": f"{_BASE}.onnx",
    "pytorch": f"{_BASE}.pytorch",
    "sklearn": f"{_BASE}.sklearn",
}
#: MLmodel flavor keys that are not flavor names
ALIASES: dict[str, str] = {"mltrack_pytorch": "pytorch"}
#: MLflow's loader modules -> ours, so models saved by MLflow load here without MLflow
MLFLOW_LOADERS: dict[str, str] = {
    "mlflow.sklearn": FLAVORS["sklearn"],
    "mlflow.xgboost": FLAVORS["xgboost"],
    "mlflow.lightgbm": FLAVORS["lightgbm"],
    "mlflow.pytorch": FLAVORS["pytorch"],
    "mlflow.onnx": FLAVORS["onnx"],
    "mlflow.pyfunc.model": FLAVORS["python_model"],
}


@dataclass
class Saved:
    """What a flavor's ``save`` wrote: its MLmodel entries and what the model needs installed."""

    native: dict[str, Any] | None
    pyfunc: dict[str, Any] = field(default_factory=dict)
    requirements: list[str] = field(default_factory=list)
    #: the object whose classes and code decide the inferred requirements
    walk: Any = None
    #: the MLmodel key of the native entry, when it is not the module's FLAVOR_NAME
    name: str | None = None


def register_flavor(name: str, module: str, mlflow_loader: str | None = None) -> None:
    """Add (or replace) a flavor: ``module`` follows the contract in this module's docstring."""
    FLAVORS[name] = module
    if mlflow_loader:
        MLFLOW_LOADERS[mlflow_loader] = module


def flavor_module(name: str) -> ModuleType:
    module = FLAVORS.get(ALIASES.get(name, name)) or (name if name in FLAVORS.values() else None)
    if module is None:
        raise ModelFormatError(f"Unknown model flavor {name!r}; known flavors: {', '.join(sorted(FLAVORS))}.")
    return importlib.import_module(module)


def loader_module(name: str) -> ModuleType:
    """Our module for an MLmodel ``loader_module`` (ours, or one of MLflow's)."""
    ours = MLFLOW_LOADERS.get(name) or (name if name in FLAVORS.values() else None)
    if ours is None:
        raise ModelFormatError(
            f"This model's python_function loader is {name!r}, which jupyter_mltrack does not know. "
            f"Supported: {', '.join(sorted(set(FLAVORS.values()) | set(MLFLOW_LOADERS)))}."
        )
    return importlib.import_module(ours)


def _class_modules(model: Any) -> set[str]:
    return {c.__module__.split(".")[0] for c in type(model).__mro__}


def detect_flavor(model: Any) -> str:
    """The flavor that saves ``model``, judged from its classes (no framework is imported)."""
    for name in FLAVORS:
        if flavor_module(name).detect(model):
            return name
    raise UnsupportedModelError(
        f"No flavor saves a {type(model).__module__}.{type(model).__qualname__}. Supported: scikit-learn "
        "estimators, XGBoost and LightGBM models, torch.nn.Module, ONNX ModelProto, and "
        "jupyter_mltrack.pyfunc.PythonModel subclasses (wrap anything else in one)."
    )


def from_modules(model: Any, *prefixes: str) -> bool:
    """Whether a class of ``model``'s MRO comes from one of the top-level packages ``prefixes``."""
    return bool(_class_modules(model) & set(prefixes))


def model_root(path: str) -> str:
    """The model folder from what MLflow passes a loader (the folder, a file in it, or ``data/``)."""
    folder = os.path.dirname(path) if os.path.isfile(path) else path
    if not os.path.exists(os.path.join(folder, "MLmodel")) and os.path.exists(
        os.path.join(os.path.dirname(folder), "MLmodel")
    ):
        return os.path.dirname(folder)
    return folder


def mlflow_entry(path: str) -> tuple[str, Any]:
    """MLflow's entry point: (model folder, its MLmodel) after the integrity check."""
    from jupyter_mltrack.models.integrity import verify
    from jupyter_mltrack.models.mlmodel import Model

    root = model_root(path)
    verify(root)
    return root, Model.load(root)


def require(module: str, extra: str, purpose: str) -> Any:
    """Import a framework, or say which extra installs it."""
    from jupyter_mltrack.errors import MissingDependencyError

    try:
        return importlib.import_module(module)
    except ImportError:
        raise MissingDependencyError(module.split(".")[0], extra, purpose) from None


def flavor_conf(model: Any, name: str, path: str) -> dict[str, Any]:
    conf = model.flavors.get(name)
    if conf is None:
        raise ModelFormatError(f"The model at {path} has no {name!r} flavor (it has {sorted(model.flavors)}).")
    return dict(conf)
