"""XGBoost models (Booster or the scikit-learn API), in MLflow's ``xgboost`` flavor layout.

Saved with XGBoost's own format (``model.ubj`` by default), never pickled, so loading runs no code.
"""

from __future__ import annotations

import importlib
import inspect
import os
from typing import Any

from jupyter_mltrack.models.errors import ModelFormatError
from jupyter_mltrack.models.flavors import Saved, flavor_conf, from_modules, mlflow_entry, require

FLAVOR_NAME = "xgboost"


def detect(model: Any) -> bool:
    return from_modules(model, "xgboost")


def save(model: Any, path: str, model_format: str = "ubj", **_: Any) -> Saved:
    xgb = require("xgboost", "xgboost", "Saving an XGBoost model")
    filename = f"model.{model_format}"
    model.save_model(os.path.join(path, filename))
    native = {
        "xgb_version": str(xgb.__version__),
        "data": filename,
        "model_class": f"{type(model).__module__}.{type(model).__qualname__}",
        "model_format": model_format,
    }
    return Saved(native=native, pyfunc={"data": filename}, requirements=["xgboost"], walk=model)


def _model_class(name: str) -> Any:
    """The class named in MLmodel, which must be XGBoost's own (the name comes from a file)."""
    module, _, attr = name.rpartition(".")
    if module.split(".")[0] != "xgboost":
        raise ModelFormatError(f"The xgboost flavor names model class {name!r}, which is not an XGBoost class.")
    require("xgboost", "xgboost", "Loading an XGBoost model")
    return getattr(importlib.import_module(module), attr)


def load_native(path: str, model: Any) -> Any:
    conf = flavor_conf(model, FLAVOR_NAME, path)
    instance = _model_class(conf.get("model_class", "xgboost.core.Booster"))()
    instance.load_model(os.path.join(path, conf["data"]))
    return instance


class XGBoostPyfunc:
    def __init__(self, model: Any) -> None:
        import xgboost as xgb

        self.model = model
        self._booster = isinstance(model, xgb.Booster)
        self._accepted = set(inspect.signature(model.predict).parameters)

    def predict(self, data: Any, params: dict[str, Any] | None = None) -> Any:
        kwargs = {k: v for k, v in (params or {}).items() if k in self._accepted}
        if self._booster:
            import xgboost as xgb

            return self.model.predict(xgb.DMatrix(data), **kwargs)
        return self.model.predict(data, **kwargs)

    def get_raw_model(self) -> Any:
        return self.model


def load_pyfunc(path: str, model: Any) -> XGBoostPyfunc:
    return XGBoostPyfunc(load_native(path, model))


def _load_pyfunc(path: str) -> XGBoostPyfunc:
    """MLflow's loader entry point."""
    root, model = mlflow_entry(path)
    return load_pyfunc(root, model)
