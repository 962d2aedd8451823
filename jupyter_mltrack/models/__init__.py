"""Models in MLflow's format: save, log and load them, with signatures, environments and flavors.

``save_model``/``log_model`` write an MLflow model folder (``MLmodel``, the model files, the input
example, ``requirements.txt``, ``python_env.yaml``, ``conda.yaml`` and an integrity manifest);
``load_model`` gives back the native object; ``jupyter_mltrack.pyfunc.load_model`` a uniform
``PyFuncModel``. Names load on first use: importing this package imports no framework.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

_LAZY: dict[str, str] = {
    "save_model": "jupyter_mltrack.models.api",
    "log_model": "jupyter_mltrack.models.api",
    "load_model": "jupyter_mltrack.models.api",
    "infer_signature": "jupyter_mltrack.models.signature",
    "ModelInfo": "jupyter_mltrack.models.mlmodel",
    "Model": "jupyter_mltrack.models.mlmodel",
    "ModelSignature": "jupyter_mltrack.models.schema",
    "Schema": "jupyter_mltrack.models.schema",
    "ColSpec": "jupyter_mltrack.models.schema",
    "TensorSpec": "jupyter_mltrack.models.schema",
    "ParamSchema": "jupyter_mltrack.models.schema",
    "ParamSpec": "jupyter_mltrack.models.schema",
    "DataType": "jupyter_mltrack.models.schema",
    "PyFuncModel": "jupyter_mltrack.models.pyfunc",
    "register_uri_resolver": "jupyter_mltrack.models.uri",
    "resolve_model_uri": "jupyter_mltrack.models.uri",
    "register_flavor": "jupyter_mltrack.models.flavors",
}

__all__ = sorted(_LAZY)

if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
    from jupyter_mltrack.models.api import load_model as load_model
    from jupyter_mltrack.models.api import log_model as log_model
    from jupyter_mltrack.models.api import save_model as save_model
    from jupyter_mltrack.models.flavors import register_flavor as register_flavor
    from jupyter_mltrack.models.mlmodel import Model as Model
    from jupyter_mltrack.models.mlmodel import ModelInfo as ModelInfo
    from jupyter_mltrack.models.pyfunc import PyFuncModel as PyFuncModel
    from jupyter_mltrack.models.schema import ColSpec as ColSpec
    from jupyter_mltrack.models.schema import DataType as DataType
    from jupyter_mltrack.models.schema import ModelSignature as ModelSignature
    from jupyter_mltrack.models.schema import ParamSchema as ParamSchema
    from jupyter_mltrack.models.schema import ParamSpec as ParamSpec
    from jupyter_mltrack.models.schema import Schema as Schema
    from jupyter_mltrack.models.schema import TensorSpec as TensorSpec
    from jupyter_mltrack.models.signature import infer_signature as infer_signature
    from jupyter_mltrack.models.uri import register_uri_resolver as register_uri_resolver
    from jupyter_mltrack.models.uri import resolve_model_uri as resolve_model_uri


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'jupyter_mltrack.models' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
