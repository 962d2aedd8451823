"""LightGBM models, in MLflow's ``lightgbm`` flavor layout.

A ``Booster`` is saved in LightGBM's text format (``model.lgb``); scikit-learn API models
(``LGBMClassifier``...) are pickled like scikit-learn models (``model.pkl``).
"""

from __future__ import annotations

import inspect
import os
from typing import Any

from jupyter_mltrack.models.flavors import Saved, _serialize, flavor_conf, from_modules, mlflow_entry, require

FLAVOR_NAME = "lightgbm"
_BOOSTER = "lightgbm.basic.Booster"


def detect(model: Any) -> bool:
    return from_modules(model, "lightgbm")


def save(model: Any, path: str, serialization_format: str = "cloudpickle", **_: Any) -> Saved:
    lgb = require("lightgbm", "lightgbm", "Saving a LightGBM model")
    model_class = f"{type(model).__module__}.{type(model).__qualname__}"
    native: dict[str, Any] = {"lgb_version": str(lgb.__version__), "model_class": model_class}
    if isinstance(model, lgb.Booster):
        filename = "model.lgb"
        model.save_model(os.path.join(path, filename))
        extras: list[str] = []
    else:
        filename = "model.skops" if serialization_format == "skops" else "model.pkl"
        _serialize.dump(model, os.path.join(path, filename), serialization_format)
        extras = ["cloudpickle"] if serialization_format == "cloudpickle" else [serialization_format]
        native["serialization_format"] = serialization_format
    native["data"] = filename
    return Saved(native=native, pyfunc={"data": filename}, requirements=["lightgbm", *extras], walk=model)


def load_native(path: str, model: Any) -> Any:
    conf = flavor_conf(model, FLAVOR_NAME, path)
    target = os.path.join(path, conf["data"])
    if conf.get("model_class", _BOOSTER) == _BOOSTER:
        lgb = require("lightgbm", "lightgbm", "Loading a LightGBM model")
        return lgb.Booster(model_file=target)
    return _serialize.load(target, conf.get("serialization_format", "cloudpickle"), conf.get("skops_trusted_types"))


class LightGBMPyfunc:
    def __init__(self, model: Any) -> None:
        self.model = model
        self._accepted = set(inspect.signature(model.predict).parameters)

    def predict(self, data: Any, params: dict[str, Any] | None = None) -> Any:
        kwargs = {k: v for k, v in (params or {}).items() if k in self._accepted}
        return self.model.predict(data, **kwargs)

    def get_raw_model(self) -> Any:
        return self.model


def load_pyfunc(path: str, model: Any) -> LightGBMPyfunc:
    return LightGBMPyfunc(load_native(path, model))


def _load_pyfunc(path: str) -> LightGBMPyfunc:
    """MLflow's loader entry point."""
    root, model = mlflow_entry(path)
    return load_pyfunc(root, model)
