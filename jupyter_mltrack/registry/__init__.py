"""The model registry: registered models, versions, stages, aliases, approvals, gates, audit.

``register_model(model_uri, name)`` is the fluent entry point; everything else is on ``Client``.
"""

from __future__ import annotations

from typing import Any

from jupyter_mltrack.entities import ModelVersion
from jupyter_mltrack.registry.client import Client
from jupyter_mltrack.registry.errors import PromotionRefusedError

__all__ = ["Client", "PromotionRefusedError", "register_model"]


def register_model(model_uri: str, name: str, tags: dict[str, Any] | None = None) -> ModelVersion:
    """Register the model at ``model_uri`` (``runs:/...``, a path, ``models:/...``) as a new version of ``name``."""
    return Client().register_model(model_uri, name, tags)
