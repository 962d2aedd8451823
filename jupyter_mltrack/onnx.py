"""MLflow's ``mlflow.onnx`` functions, so MLflow snippets port by changing the import.

``log_model``, ``save_model`` and ``load_model`` write and read MLflow's ``onnx`` flavor (see
docs/models.md). A scikit-learn model passed here is converted with skl2onnx and checked first.
"""

from __future__ import annotations

import os
from typing import Any

from jupyter_mltrack.models.mlmodel import Model, ModelInfo
from jupyter_mltrack.models.schema import ModelSignature

FLAVOR_NAME = "onnx"


def save_model(
    onnx_model: Any,
    path: str | os.PathLike[str],
    *,
    signature: ModelSignature | bool | None = None,
    input_example: Any = None,
    pip_requirements: Any = None,
    extra_pip_requirements: Any = None,
    code_paths: list[str] | None = None,
    metadata: dict[str, Any] | None = None,
    training_data: Any = None,
    onnx_execution_providers: list[str] | None = None,
) -> Model:
    """Save a ONNX model to the new folder ``path``.

    ``training_data`` (a DataFrame or array the model was trained on) is profiled into ``profile.json``,
    the reference ``monitoring.drift_report`` compares served inputs with.
    """
    from jupyter_mltrack.models.api import save_model as _save

    return _save(
        onnx_model,
        path,
        flavor="onnx",
        signature=signature,
        input_example=input_example,
        pip_requirements=pip_requirements,
        extra_pip_requirements=extra_pip_requirements,
        code_paths=code_paths,
        metadata=metadata,
        training_data=training_data,
        onnx_execution_providers=onnx_execution_providers,
    )


def log_model(
    onnx_model: Any,
    name: str | None = None,
    *,
    artifact_path: str | None = None,
    signature: ModelSignature | bool | None = None,
    input_example: Any = None,
    registered_model_name: str | None = None,
    pip_requirements: Any = None,
    extra_pip_requirements: Any = None,
    code_paths: list[str] | None = None,
    metadata: dict[str, Any] | None = None,
    training_data: Any = None,
    onnx_execution_providers: list[str] | None = None,
) -> ModelInfo:
    """Log a ONNX model into the active run under ``name`` (MLflow 2's ``artifact_path`` works too).

    ``training_data`` (a DataFrame or array the model was trained on) is profiled into ``profile.json``,
    the reference ``monitoring.drift_report`` compares served inputs with.
    """
    from jupyter_mltrack.models.api import log_model as _log
    from jupyter_mltrack.models.api import model_name

    return _log(
        onnx_model,
        model_name(name, artifact_path),
        flavor="onnx",
        signature=signature,
        input_example=input_example,
        registered_model_name=registered_model_name,
        pip_requirements=pip_requirements,
        extra_pip_requirements=extra_pip_requirements,
        code_paths=code_paths,
        metadata=metadata,
        training_data=training_data,
        onnx_execution_providers=onnx_execution_providers,
    )


def load_model(model_uri: str | os.PathLike[str], dst_path: str | os.PathLike[str] | None = None) -> Any:
    """The ONNX model at ``model_uri`` (a path, runs:/, models:/ or an artifact URL)."""
    from jupyter_mltrack.models.api import load_flavor

    return load_flavor(model_uri, "onnx", dst_path)
