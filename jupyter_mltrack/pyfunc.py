"""MLflow's ``mlflow.pyfunc``: custom Python models and the uniform ``PyFuncModel`` for any model.

``load_model`` returns a :class:`PyFuncModel` whose ``predict(data, params=None)`` takes a
DataFrame, array, list, dict or Series and enforces the signature. ``PythonModel`` is the base
class of custom models; ``log_model``/``save_model`` store one with its artifacts.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from jupyter_mltrack.models.flavors.custom import PythonModel, PythonModelContext
from jupyter_mltrack.models.mlmodel import Model, ModelInfo
from jupyter_mltrack.models.schema import ModelSignature

if TYPE_CHECKING:
    from jupyter_mltrack.models.pyfunc import PyFuncModel

__all__ = ["PyFuncModel", "PythonModel", "PythonModelContext", "load_model", "log_model", "save_model"]


def __getattr__(name: str) -> Any:
    if name == "PyFuncModel":  # loaded on first use: it pulls in the enforcement code
        from jupyter_mltrack.models.pyfunc import PyFuncModel

        return PyFuncModel
    raise AttributeError(f"module 'jupyter_mltrack.pyfunc' has no attribute {name!r}")


def load_model(
    model_uri: str | os.PathLike[str], dst_path: str | os.PathLike[str] | None = None, suppress_warnings: bool = False
) -> PyFuncModel:
    """Any saved model (ours or MLflow's) behind ``predict(data, params=None)``."""
    from jupyter_mltrack.models.pyfunc import load_pyfunc

    return load_pyfunc(model_uri, dst_path, suppress_warnings)


def save_model(
    path: str | os.PathLike[str],
    python_model: Any = None,
    *,
    artifacts: dict[str, str] | None = None,
    signature: ModelSignature | bool | None = None,
    input_example: Any = None,
    pip_requirements: Any = None,
    extra_pip_requirements: Any = None,
    code_paths: list[str] | None = None,
    metadata: dict[str, Any] | None = None,
    training_data: Any = None,
    model_config: dict[str, Any] | None = None,
) -> Model:
    """Save a PythonModel (or a function of the input) and its ``artifacts`` (name -> path or URI).

    ``training_data`` (a DataFrame or array the model was trained on) is profiled into ``profile.json``,
    the reference ``monitoring.drift_report`` compares served inputs with.
    """
    from jupyter_mltrack.models.api import save_model as _save

    return _save(
        _required(python_model),
        path,
        flavor="python_model",
        signature=signature,
        input_example=input_example,
        pip_requirements=pip_requirements,
        extra_pip_requirements=extra_pip_requirements,
        code_paths=code_paths,
        metadata=metadata,
        training_data=training_data,
        artifacts=artifacts,
        model_config=model_config,
    )


def log_model(
    name: str | None = None,
    python_model: Any = None,
    *,
    artifact_path: str | None = None,
    artifacts: dict[str, str] | None = None,
    signature: ModelSignature | bool | None = None,
    input_example: Any = None,
    registered_model_name: str | None = None,
    pip_requirements: Any = None,
    extra_pip_requirements: Any = None,
    code_paths: list[str] | None = None,
    metadata: dict[str, Any] | None = None,
    training_data: Any = None,
    model_config: dict[str, Any] | None = None,
) -> ModelInfo:
    """Log a PythonModel and its artifacts into the active run under ``name``.

    ``training_data`` (a DataFrame or array the model was trained on) is profiled into ``profile.json``,
    the reference ``monitoring.drift_report`` compares served inputs with.
    """
    from jupyter_mltrack.models.api import log_model as _log
    from jupyter_mltrack.models.api import model_name

    return _log(
        _required(python_model),
        model_name(name, artifact_path),
        flavor="python_model",
        signature=signature,
        input_example=input_example,
        registered_model_name=registered_model_name,
        pip_requirements=pip_requirements,
        extra_pip_requirements=extra_pip_requirements,
        code_paths=code_paths,
        metadata=metadata,
        training_data=training_data,
        artifacts=artifacts,
        model_config=model_config,
    )


def _required(python_model: Any) -> Any:
    if python_model is None:
        from jupyter_mltrack.errors import InvalidParameterError

        raise InvalidParameterError("python_model is required: an instance of a PythonModel subclass, or a function.")
    return python_model
