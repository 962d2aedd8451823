"""MLflow's ``mlflow.pytorch`` functions, so MLflow snippets port by changing the import.

``log_model``, ``save_model`` and ``load_model`` write and read MLflow's ``pytorch`` flavor (see
docs/models.md). A state dict plus the model class (the contract is in docs/models.md), or TorchScript.
"""

from __future__ import annotations

import os
from typing import Any

from jupyter_mltrack.models.mlmodel import Model, ModelInfo
from jupyter_mltrack.models.schema import ModelSignature

FLAVOR_NAME = "pytorch"


def save_model(
    pytorch_model: Any,
    path: str | os.PathLike[str],
    *,
    signature: ModelSignature | bool | None = None,
    input_example: Any = None,
    pip_requirements: Any = None,
    extra_pip_requirements: Any = None,
    code_paths: list[str] | None = None,
    metadata: dict[str, Any] | None = None,
    training_data: Any = None,
    serialization_format: str | None = None,
    init_kwargs: dict[str, Any] | None = None,
) -> Model:
    """Save a PyTorch model to the new folder ``path``.

    ``training_data`` (a DataFrame or array the model was trained on) is profiled into ``profile.json``,
    the reference ``monitoring.drift_report`` compares served inputs with.
    A 2-D tensor of features works; image or sequence batches have no per-feature profile.
    """
    from jupyter_mltrack.models.api import save_model as _save

    return _save(
        pytorch_model,
        path,
        flavor="pytorch",
        signature=signature,
        input_example=input_example,
        pip_requirements=pip_requirements,
        extra_pip_requirements=extra_pip_requirements,
        code_paths=code_paths,
        metadata=metadata,
        training_data=training_data,
        serialization_format=serialization_format,
        init_kwargs=init_kwargs,
    )


def log_model(
    pytorch_model: Any,
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
    serialization_format: str | None = None,
    init_kwargs: dict[str, Any] | None = None,
) -> ModelInfo:
    """Log a PyTorch model into the active run under ``name`` (MLflow 2's ``artifact_path`` works too).

    ``training_data`` (a DataFrame or array the model was trained on) is profiled into ``profile.json``,
    the reference ``monitoring.drift_report`` compares served inputs with.
    A 2-D tensor of features works; image or sequence batches have no per-feature profile.
    """
    from jupyter_mltrack.models.api import log_model as _log
    from jupyter_mltrack.models.api import model_name

    return _log(
        pytorch_model,
        model_name(name, artifact_path),
        flavor="pytorch",
        signature=signature,
        input_example=input_example,
        registered_model_name=registered_model_name,
        pip_requirements=pip_requirements,
        extra_pip_requirements=extra_pip_requirements,
        code_paths=code_paths,
        metadata=metadata,
        training_data=training_data,
        serialization_format=serialization_format,
        init_kwargs=init_kwargs,
    )


def load_model(model_uri: str | os.PathLike[str], dst_path: str | os.PathLike[str] | None = None) -> Any:
    """The PyTorch model at ``model_uri`` (a path, runs:/, models:/ or an artifact URL)."""
    from jupyter_mltrack.models.api import load_flavor

    return load_flavor(model_uri, "pytorch", dst_path)


# ---------------------------------------------------------------------------------------- autolog
# Owned by jupyter_mltrack.autolog; imported lazily so this module stays light.
def autolog(**kwargs: Any) -> Any:
    """``mlflow.pytorch.autolog()``: jupyter_mltrack.autolog.autolog(frameworks=["pytorch"], ...)."""
    from jupyter_mltrack.autolog import autolog as _autolog  # type: ignore[import-not-found,unused-ignore]

    return _autolog(frameworks=["pytorch"], **kwargs)


# MetricLogger (plain loops) and MltrackLogger (a Lightning logger) live in jupyter_mltrack.autolog.pytorch;
# loaded on first use so importing this module stays light (MltrackLogger imports lightning).
_HELPERS = ("MetricLogger", "MltrackLogger")


def __getattr__(name: str) -> Any:
    if name in _HELPERS:
        from jupyter_mltrack.autolog import pytorch as _helpers

        return getattr(_helpers, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
