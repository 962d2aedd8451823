"""Serving: MLflow's scoring protocol over a lean HTTP server, and batch scoring.

Depends on ``jupyter_mltrack.models`` only: a served model is a folder, never a database row.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

_LAZY = {
    "serve": "jupyter_mltrack.serving.api",
    "ServerHandle": "jupyter_mltrack.serving.server",
    "predict_batch": "jupyter_mltrack.serving.batch",
    "ServingError": "jupyter_mltrack.serving.errors",
    "BatchScoringError": "jupyter_mltrack.serving.errors",
}
__all__ = sorted(_LAZY)

if TYPE_CHECKING:  # pragma: no cover
    from jupyter_mltrack.serving.api import serve as serve
    from jupyter_mltrack.serving.batch import predict_batch as predict_batch
    from jupyter_mltrack.serving.errors import BatchScoringError as BatchScoringError
    from jupyter_mltrack.serving.errors import ServingError as ServingError
    from jupyter_mltrack.serving.server import ServerHandle as ServerHandle


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'jupyter_mltrack.serving' has no attribute {name!r}")
    return getattr(import_module(module), name)
