r"""MLflow's ``mlflow.sklearn`` functions, so MLflow snippets port by changing the import.

``log_model``, ``save_model`` and ``load_model`` write and read MLflow's ``sklearn`` flavor (see
docs/models.md). Models are cloudpickled by default (``serialization_format="skops"`` needs skops).
"""

from __future__ import annotations

import os
from typing import Any

from jupyter_mltrack.models.mlmodel import Model, ModelInfo
from jupyter_mltrack.models.schema import ModelSignature

FLAVOR_NAME = "sklearn"


def save_model(
    sk_model: Any,
    path: str | os.PathLike[str],
    *,
    signature: ModelSignature | bool | None = None,
    input_example: Any = None,
    pip_requirements: Any = None,
    extra_pip_requirements: Any = None,
    code_paths: list[str] | None = None,
    metadata: dict[str, Any] | None = None,
    training_data: Any = None,
    serialization_format: str = "cloudpickle",
    pyfunc_predict_fn: str = "predict",
) -> Model:
    """Save a scikit-learn model to the new folder ``path``.

    ``training_data`` (a DataFrame or array the model was trained on) is profiled into ``profile.json``,
    the reference ``monitoring.drift_report`` compares served inputs with.
    """
    from jupyter_mltrack.models.api import save_model as _save

    return _save(
        sk_model,
        path,
        flavor="sklearn",
        signature=signature,
        input_example=input_example,
        pip_requirements=pip_requirements,
        extra_pip_requirements=extra_pip_requirements,
        code_paths=code_paths,
        metadata=metadata,
        training_data=training_data,
        serialization_format=serialization_format,
        pyfunc_predict_fn=pyfunc_predict_fn,
    )


def log_model(
    sk_model: Any,
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
    serialization_format: str = "cloudpickle",
    pyfunc_predict_fn: str = "predict",
) -> ModelInfo:
    """Log a scikit-learn model into the active run under ``name`` (MLflow 2's ``artifact_path`` works too).

    ``training_data`` (a DataFrame or array the model was trained on) is profiled into ``profile.json``,
    the reference ``monitoring.drift_report`` compares served inputs with.
    """
    from jupyter_mltrack.models.api import log_model as _log
    from jupyter_mltrack.models.api import model_name

    return _log(
        sk_model,
        model_name(name, artifact_path),
        flavor="sklearn",
        signature=signature,
        input_example=input_example,
        registered_model_name=registered_model_name,
        pip_requirements=pip_requirements,
        extra_pip_requirements=extra_pip_requirements,
        code_paths=code_paths,
        metadata=metadata,
        training_data=training_data,
        serialization_format=serialization_format,
        pyfunc_predict_fn=pyfunc_predict_fn,
    )


def load_model(model_uri: str | os.PathLike[str], dst_path: str | os.PathLike[str] | None = None) -> Any:
    """The scikit-learn model at ``model_uri`` (a path, runs:/, models:/ or an artifact URL)."""
    from jupyter_mltrack.models.api import load_flavor

    return load_flavor(model_uri, "sklearn", dst_path)


# ---------------------------------------------------------------------------------------- autolog
# Owned by jupyter_mltrack.autolog; imported lazily so this module stays light.
def autolog(**kwargs: Any) -> Any:
    """``mlflow.sklearn.autolog()``: jupyter_mltrack.autolog.autolog(frameworks=["sklearn"], ...)."""
    from jupyter_mltrack.autolog import autolog as _autolog  # type: ignore[import-not-found,unused-ignore]

    return _autolog(frameworks=["sklearn"], **kwargs)
