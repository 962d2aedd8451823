"""scikit-learn models, in MLflow's ``sklearn`` flavor layout (``model.pkl``, cloudpickle by default).

MLflow 3 saves in skops by default; such models load here too when skops is installed.
"""

from __future__ import annotations

import os
from typing import Any

from jupyter_mltrack.models.flavors import Saved, _serialize, flavor_conf, from_modules, mlflow_entry, require

FLAVOR_NAME = "sklearn"


def detect(model: Any) -> bool:
    return from_modules(model, "sklearn")


def save(
    model: Any,
    path: str,
    serialization_format: str = "cloudpickle",
    pyfunc_predict_fn: str = "predict",
    skops_trusted_types: list[str] | None = None,
    **_: Any,
) -> Saved:
    sklearn = require("sklearn", "sklearn", "Saving a scikit-learn model")
    filename = "model.skops" if serialization_format == "skops" else "model.pkl"
    _serialize.dump(model, os.path.join(path, filename), serialization_format)
    native = {
        "pickled_model": filename,
        "serialization_format": serialization_format,
        "sklearn_version": str(sklearn.__version__),
        "skops_trusted_types": skops_trusted_types,
    }
    extras = {"cloudpickle": ["cloudpickle"], "skops": ["skops"]}.get(serialization_format, [])
    pyfunc = {"model_path": filename, "predict_fn": pyfunc_predict_fn} if hasattr(model, pyfunc_predict_fn) else None
    return Saved(native=native, pyfunc=pyfunc or {}, requirements=["scikit-learn", *extras], walk=model)


def load(path: str, conf: dict[str, Any]) -> Any:
    target = os.path.join(path, conf.get("pickled_model", "model.pkl"))
    return _serialize.load(target, conf.get("serialization_format", "pickle"), conf.get("skops_trusted_types"))


class SklearnPyfunc:
    """predict(data, params=None) over the estimator's predict (or the predict_fn saved with it)."""

    def __init__(self, model: Any, predict_fn: str = "predict") -> None:
        self.model = model
        self._predict = getattr(model, predict_fn)

    def predict(self, data: Any, params: dict[str, Any] | None = None) -> Any:
        return self._predict(data)

    def get_raw_model(self) -> Any:
        return self.model


def load_pyfunc(path: str, model: Any) -> SklearnPyfunc:
    pyfunc = model.flavors.get("python_function", {})
    conf = model.flavors.get(FLAVOR_NAME) or {"pickled_model": pyfunc.get("model_path", "model.pkl")}
    return SklearnPyfunc(load(path, conf), pyfunc.get("predict_fn", "predict"))


def load_native(path: str, model: Any) -> Any:
    return load(path, flavor_conf(model, FLAVOR_NAME, path))


def _load_pyfunc(path: str) -> SklearnPyfunc:
    """MLflow's loader entry point (``loader_module: jupyter_mltrack.models.flavors.sklearn``)."""
    root, model = mlflow_entry(path)
    return load_pyfunc(root, model)
