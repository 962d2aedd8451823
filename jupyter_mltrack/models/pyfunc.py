"""``PyFuncModel``: one ``predict(data, params=None)`` for every flavor, with the signature enforced.

Input may be a DataFrame, a numpy array, a list, a dict or a Series. With a column-based signature
it becomes a DataFrame checked and cast by MLflow's rules (see ``enforce.py``); with a tensor-based
one an array checked for shape and dtype; with no signature it goes to the model as given (dicts
and Series become one-row DataFrames). The per-call cost is kept to a few checks, so scoring one row
costs little more than calling the model itself.
"""

from __future__ import annotations

import os
import sys
from typing import Any

from jupyter_mltrack.models.enforce import enforce_params, enforce_schema
from jupyter_mltrack.models.errors import ModelFormatError
from jupyter_mltrack.models.mlmodel import PYFUNC, Model


class PyFuncModel:
    """A loaded model behind the uniform python_function interface."""

    def __init__(self, model_meta: Model, model_impl: Any, path: str | None = None) -> None:
        self._meta = model_meta
        self._impl = model_impl
        self._path = path
        self._input_schema = model_meta.get_input_schema()
        self._params_schema = model_meta.get_params_schema()
        self._predict = model_impl.predict

    @property
    def metadata(self) -> Model:
        """The model's MLmodel file (flavors, signature, run id...)."""
        return self._meta

    @property
    def loader_module(self) -> str | None:
        return self._meta.flavors.get(PYFUNC, {}).get("loader_module")

    @property
    def model_path(self) -> str | None:
        """The local folder the model was loaded from."""
        return self._path

    def predict(self, data: Any, params: dict[str, Any] | None = None) -> Any:
        """Predictions for ``data``; a SchemaEnforcementError names expected and received columns."""
        schema = self._input_schema
        data = enforce_schema(data, schema) if schema is not None else _plain(data)
        if params is None and self._params_schema is None:
            return self._predict(data)
        return self._predict(data, params=enforce_params(params, self._params_schema))

    def get_raw_model(self) -> Any:
        """The framework object (estimator, booster, module, session) or the PythonModel instance."""
        raw = getattr(self._impl, "get_raw_model", None)
        return raw() if raw else self._impl

    def unwrap_python_model(self) -> Any:
        """MLflow's name for the PythonModel of a custom model."""
        model = getattr(self._impl, "python_model", None)
        if model is None:
            raise ModelFormatError("This model is not a custom Python model; use get_raw_model().")
        return model

    def __repr__(self) -> str:
        flavor = self._meta.native_flavor() or "python_model"
        where = f" from {self._path}" if self._path else ""
        return f"<PyFuncModel {flavor}{where}; signature inputs: {self._input_schema!r}>"


def _plain(data: Any) -> Any:
    """No signature: the data as given, except dicts and Series, which become a one-row table."""
    import pandas as pd

    if isinstance(data, pd.Series):
        return data.to_frame().T.infer_objects()
    if isinstance(data, dict) and not any(type(v).__module__.startswith("numpy") for v in data.values()):
        return (
            pd.DataFrame([data]) if all(not isinstance(v, (list, tuple)) for v in data.values()) else pd.DataFrame(data)
        )
    return data


def add_code_paths(path: str, conf: dict[str, Any]) -> None:
    """Put the model's ``code/`` folder (its ``code_paths``) on sys.path, as MLflow does."""
    code = conf.get("code")
    if code:
        folder = os.path.join(path, code)
        if folder not in sys.path:
            sys.path.insert(0, folder)


def load_pyfunc(
    model_uri: str | os.PathLike[str], dst_path: str | os.PathLike[str] | None = None, suppress_warnings: bool = False
) -> PyFuncModel:
    """The model at ``model_uri`` (a path, runs:/, models:/ or an artifact URL) as a PyFuncModel."""
    from jupyter_mltrack.models.environment import warn_on_mismatch
    from jupyter_mltrack.models.flavors import flavor_module, loader_module
    from jupyter_mltrack.models.integrity import verify
    from jupyter_mltrack.models.uri import resolve_model_uri

    path = resolve_model_uri(model_uri, dst_path)
    meta = Model.load(path)
    verify(path)
    conf = meta.flavors.get(PYFUNC)
    if conf is not None and conf.get("loader_module"):
        module = loader_module(str(conf["loader_module"]))
    elif meta.native_flavor():
        module = flavor_module(str(meta.native_flavor()))
    else:
        raise ModelFormatError(f"The model at {path} has no python_function flavor and no flavor we know.")
    add_code_paths(path, conf or {})
    if not suppress_warnings:
        warn_on_mismatch(path)
    return PyFuncModel(meta, module.load_pyfunc(path, meta), path)
