"""MLflow's ``mlflow.lightgbm`` functions, so MLflow snippets port by changing the import.

``log_model``, ``save_model`` and ``load_model`` write and read MLflow's ``lightgbm`` flavor (see
docs/models.md). A Booster is saved as text; scikit-learn API models are cloudpickled.
"""

from __future__ import annotations

import os
from typing import Any

from jupyter_mltrack.models.mlmodel import Model, ModelInfo
from jupyter_mltrack.models.schema import ModelSignature

FLAVOR_NAME = "lightgbm"


def save_model(
    lgb_model: Any,
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
) -> Model:
    """Save a LightGBM model to the new folder ``path``.

    ``training_data`` (a DataFrame or array the model was trained on) is profiled into ``profile.json``,
    the reference ``monitoring.drift_report`` compares served inputs with.
    """
    from jupyter_mltrack.models.api import save_model as _save

    return _save(
        lgb_model,
        path,
        flavor="lightgbm",
        signature=signature,
        input_example=input_example,
        pip_requirements=pip_requirements,
        extra_pip_requirements=extra_pip_requirements,
        code_paths=code_paths,
        metadata=metadata,
        training_data=training_data,
        serialization_format=serialization_format,
    )


def log_model(
    lgb_model: Any,
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
) -> ModelInfo:
    """Log a LightGBM model into the active run under ``name`` (MLflow 2's ``artifact_path`` works too).

    ``training_data`` (a DataFrame or array the model was trained on) is profiled into ``profile.json``,
    the reference ``monitoring.drift_report`` compares served inputs with.
    """
    from jupyter_mltrack.models.api import log_model as _log
    from jupyter_mltrack.models.api import model_name

    return _log(
        lgb_model,
        model_name(name, artifact_path),
        flavor="lightgbm",
        signature=signature,
        input_example=input_example,
        registered_model_name=registered_model_name,
        pip_requirements=pip_requirements,
        extra_pip_requirements=extra_pip_requirements,
        code_paths=code_paths,
        metadata=metadata,
        training_data=training_data,
        serialization_format=serialization_format,
    )


def load_model(model_uri: str | os.PathLike[str], dst_path: str | os.PathLike[str] | None = None) -> Any:
    """The LightGBM model at ``model_uri`` (a path, runs:/, models:/ or an artifact URL)."""
    from jupyter_mltrack.models.api import load_flavor

    return load_flavor(model_uri, "lightgbm", dst_path)


# ---------------------------------------------------------------------------------------- autolog
# Owned by jupyter_mltrack.autolog; imported lazily so this module stays light.
def autolog(**kwargs: Any) -> Any:
    """``mlflow.lightgbm.autolog()``: jupyter_mltrack.autolog.autolog(frameworks=["lightgbm"], ...)."""
    from jupyter_mltrack.autolog import autolog as _autolog  # type: ignore[import-not-found,unused-ignore]

    return _autolog(frameworks=["lightgbm"], **kwargs)
