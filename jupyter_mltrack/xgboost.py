"""MLflow's ``mlflow.xgboost`` functions, so MLflow snippets port by changing the import.

``log_model``, ``save_model`` and ``load_model`` write and read MLflow's ``xgboost`` flavor (see
docs/models.md). Models are saved in XGBoost's own format, never pickled.
"""

from __future__ import annotations

import os
from typing import Any

from jupyter_mltrack.models.mlmodel import Model, ModelInfo
from jupyter_mltrack.models.schema import ModelSignature

FLAVOR_NAME = "xgboost"


def save_model(
    xgb_model: Any,
    path: str | os.PathLike[str],
    *,
    signature: ModelSignature | bool | None = None,
    input_example: Any = None,
    pip_requirements: Any = None,
    extra_pip_requirements: Any = None,
    code_paths: list[str] | None = None,
    metadata: dict[str, Any] | None = None,
    training_data: Any = None,
    model_format: str = "ubj",
) -> Model:
    """Save a XGBoost model to the new folder ``path``.

    ``training_data`` (a DataFrame or array the model was trained on) is profiled into ``profile.json``,
    the reference ``monitoring.drift_report`` compares served inputs with.
    """
    from jupyter_mltrack.models.api import save_model as _save

    return _save(
        xgb_model,
        path,
        flavor="xgboost",
        signature=signature,
        input_example=input_example,
        pip_requirements=pip_requirements,
        extra_pip_requirements=extra_pip_requirements,
        code_paths=code_paths,
        metadata=metadata,
        training_data=training_data,
        model_format=model_format,
    )


def log_model(
    xgb_model: Any,
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
    model_format: str = "ubj",
) -> ModelInfo:
    """Log a XGBoost model into the active run under ``name`` (MLflow 2's ``artifact_path`` works too).

    ``training_data`` (a DataFrame or array the model was trained on) is profiled into ``profile.json``,
    the reference ``monitoring.drift_report`` compares served inputs with.
    """
    from jupyter_mltrack.models.api import log_model as _log
    from jupyter_mltrack.models.api import model_name

    return _log(
        xgb_model,
        model_name(name, artifact_path),
        flavor="xgboost",
        signature=signature,
        input_example=input_example,
        registered_model_name=registered_model_name,
        pip_requirements=pip_requirements,
        extra_pip_requirements=extra_pip_requirements,
        code_paths=code_paths,
        metadata=metadata,
        training_data=training_data,
        model_format=model_format,
    )


def load_model(model_uri: str | os.PathLike[str], dst_path: str | os.PathLike[str] | None = None) -> Any:
    """The XGBoost model at ``model_uri`` (a path, runs:/, models:/ or an artifact URL)."""
    from jupyter_mltrack.models.api import load_flavor

    return load_flavor(model_uri, "xgboost", dst_path)


# ---------------------------------------------------------------------------------------- autolog
# Owned by jupyter_mltrack.autolog; imported lazily so this module stays light.
def autolog(**kwargs: Any) -> Any:
    """``mlflow.xgboost.autolog()``: jupyter_mltrack.autolog.autolog(frameworks=["xgboost"], ...)."""
    from jupyter_mltrack.autolog import autolog as _autolog  # type: ignore[import-not-found,unused-ignore]

    return _autolog(frameworks=["xgboost"], **kwargs)
