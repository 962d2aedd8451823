"""jupyter_mltrack: the ML lifecycle (tracking, projects, models, registry) native to Jupyter.

The module-level API follows MLflow's fluent API, so ``import jupyter_mltrack as mlt`` and
``mlt.start_run()``, ``mlt.log_metric()``... read like the MLflow code users know.

Importing the package is kept light (a few stdlib modules): every name below is loaded on first
use, so ``import jupyter_mltrack`` in a notebook costs milliseconds, not seconds.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_FLUENT = [
    "set_tracking_uri",
    "get_tracking_uri",
    "set_experiment",
    "create_experiment",
    "get_experiment",
    "get_experiment_by_name",
    "search_experiments",
    "delete_experiment",
    "set_experiment_tag",
    "set_experiment_tags",
    "start_run",
    "active_run",
    "last_active_run",
    "end_run",
    "log_param",
    "log_params",
    "log_metric",
    "log_metrics",
    "set_tag",
    "set_tags",
    "delete_tag",
    "log_artifact",
    "log_artifacts",
    "log_text",
    "log_dict",
    "log_figure",
    "log_image",
    "log_table",
    "log_input",
    "get_artifact_uri",
    "flush",
    "get_run",
    "get_metric_history",
    "delete_run",
    "restore_run",
    "search_runs",
    "ActiveRun",
]

_LAZY: dict[str, str] = {name: "jupyter_mltrack.tracking.api" for name in _FLUENT}
_SUBMODULES = frozenset(
    {
        "models",
        "pyfunc",
        "sklearn",
        "xgboost",
        "lightgbm",
        "pytorch",
        "onnx",
        "widgets",
        "dask",
        "spark",
        "monitoring",
        "projects",
    }
)

_LAZY.update(
    {
        "autolog": "jupyter_mltrack.autolog",
        "serve": "jupyter_mltrack.serving.api",
        "predict_batch": "jupyter_mltrack.serving.batch",
        "log_model": "jupyter_mltrack.models.api",
        "save_model": "jupyter_mltrack.models.api",
        "load_model": "jupyter_mltrack.models.api",
        "infer_signature": "jupyter_mltrack.models.signature",
        "ModelInfo": "jupyter_mltrack.models.mlmodel",
        "load_ipython_extension": "jupyter_mltrack.magics",
        "unload_ipython_extension": "jupyter_mltrack.magics",
        "Client": "jupyter_mltrack.registry.client",
        "register_model": "jupyter_mltrack.registry",
        "MltrackError": "jupyter_mltrack.errors",
        "Run": "jupyter_mltrack.entities",
        "RunInfo": "jupyter_mltrack.entities",
        "RunData": "jupyter_mltrack.entities",
        "RunStatus": "jupyter_mltrack.entities",
        "Experiment": "jupyter_mltrack.entities",
        "Metric": "jupyter_mltrack.entities",
        "Param": "jupyter_mltrack.entities",
        "RunTag": "jupyter_mltrack.entities",
        "Dataset": "jupyter_mltrack.entities",
        "ViewType": "jupyter_mltrack.entities",
    }
)

__all__ = sorted([*_LAZY, "__version__"])

if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
    from jupyter_mltrack.autolog import autolog  # noqa: F401
    from jupyter_mltrack.entities import (  # noqa: F401
        Dataset,
        Experiment,
        Metric,
        Param,
        Run,
        RunData,
        RunInfo,
        RunStatus,
        RunTag,
        ViewType,
    )
    from jupyter_mltrack.errors import MltrackError  # noqa: F401
    from jupyter_mltrack.models.api import load_model, log_model, save_model  # noqa: F401
    from jupyter_mltrack.models.mlmodel import ModelInfo  # noqa: F401
    from jupyter_mltrack.models.signature import infer_signature  # noqa: F401
    from jupyter_mltrack.tracking.api import *  # noqa: F403
    from jupyter_mltrack.tracking.client import Client  # noqa: F401


def __getattr__(name: str) -> Any:
    if name in _SUBMODULES:  # `mlt.sklearn.log_model(...)` after a plain `import jupyter_mltrack as mlt`
        submodule = import_module(f"jupyter_mltrack.{name}")
        globals()[name] = submodule
        return submodule
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'jupyter_mltrack' has no attribute {name!r}")
    # The autolog package is callable (mlt.autolog(...)) and holds the rest (mlt.autolog.status()):
    # importing it binds jupyter_mltrack.autolog to the package anyway, so hand out the package.
    value = import_module(module) if name == "autolog" else getattr(import_module(module), name)
    globals()[name] = value  # later lookups skip __getattr__
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


def _jupyter_server_extension_points() -> list[dict[str, Any]]:
    """So `jupyter server extension enable jupyter_mltrack` works as well as the shipped config."""
    from jupyter_mltrack.server import _jupyter_server_extension_points as points

    return list(points())
