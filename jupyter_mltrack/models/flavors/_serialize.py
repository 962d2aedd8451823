"""Python-object serialization for flavors: cloudpickle, pickle or skops, and MLflow's pickles.

Loading a pickle runs code; callers check the model's integrity first. Pickles written by MLflow
may name MLflow classes (a custom model subclasses ``mlflow.pyfunc.PythonModel``); those names are
mapped to our equivalents so such models load where MLflow is not installed.
"""

from __future__ import annotations

import importlib
import importlib.util
import pickle
from typing import Any

from jupyter_mltrack.models.errors import ModelFormatError

FORMATS = ("cloudpickle", "pickle", "skops")


def dump(obj: Any, path: str, fmt: str = "cloudpickle", trusted: list[str] | None = None) -> None:
    if fmt == "cloudpickle":
        import cloudpickle  # type: ignore[import-untyped,unused-ignore]

        with open(path, "wb") as handle:
            cloudpickle.dump(obj, handle)
    elif fmt == "pickle":
        with open(path, "wb") as handle:
            pickle.dump(obj, handle)
    elif fmt == "skops":
        from jupyter_mltrack.models.flavors import require

        require("skops.io", "sklearn", "Saving in the skops format").dump(obj, path)
    else:
        raise ModelFormatError(f"Unknown serialization format {fmt!r}; use one of {', '.join(FORMATS)}.")


def load(path: str, fmt: str = "cloudpickle", trusted: list[str] | None = None) -> Any:
    """The object in ``path`` (cloudpickle files are plain pickles with extra reconstructors)."""
    if fmt in ("cloudpickle", "pickle"):  # a cloudpickle file imports cloudpickle itself if it needs it
        with open(path, "rb") as handle:
            return _CompatUnpickler(handle).load()
    if fmt == "skops":
        from jupyter_mltrack.models.flavors import require

        return require("skops.io", "sklearn", "Loading a model saved in the skops format").load(path, trusted=trusted)
    raise ModelFormatError(
        f"Unknown serialization format {fmt!r} in the MLmodel file; use one of {', '.join(FORMATS)}."
    )


def _passthrough(args: Any, kwargs: Any, *_: Any, **__: Any) -> tuple[Any, Any]:
    """Stands in for MLflow's type-hint validation wrapped around ``PythonModel.predict``."""
    return args, kwargs


def _mlflow_names() -> dict[tuple[str, str], Any]:
    from jupyter_mltrack.models.errors import SchemaEnforcementError
    from jupyter_mltrack.models.flavors import custom

    return {
        ("mlflow.pyfunc.model", "PythonModel"): custom.PythonModel,
        ("mlflow.pyfunc", "PythonModel"): custom.PythonModel,
        ("mlflow.pyfunc.model", "PythonModelContext"): custom.PythonModelContext,
        ("mlflow.pyfunc", "PythonModelContext"): custom.PythonModelContext,
        ("mlflow.pyfunc.utils.data_validation", "_validate_model_input"): _passthrough,
        ("mlflow.exceptions", "MlflowException"): SchemaEnforcementError,
    }


class _StandIn:
    """Holds the state of an MLflow helper object (e.g. cached type hints) nothing of ours reads."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.args, self.kwargs = args, kwargs

    def __setstate__(self, state: Any) -> None:
        if isinstance(state, dict):
            self.__dict__.update(state)


_STAND_INS: dict[tuple[str, str], type] = {}


def _stand_in(module: str, name: str) -> type:
    key = (module, name)
    if key not in _STAND_INS:
        _STAND_INS[key] = type(name, (_StandIn,), {"__doc__": f"Stands in for {module}.{name}.", "__module__": module})
    return _STAND_INS[key]


class _CompatUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        if module == "mlflow" or module.startswith("mlflow."):
            known = _mlflow_names().get((module, name))
            if known is not None:
                return known
            if importlib.util.find_spec("mlflow") is None:
                if name.lstrip("_")[:1].isupper():  # a class: its instances only carry data
                    return _stand_in(module, name)
                raise ModelFormatError(
                    f"This model's pickle refers to {module}.{name}, which only MLflow provides. Load it where "
                    "MLflow is installed, or re-save the model with jupyter_mltrack."
                )
        return super().find_class(module, name)
