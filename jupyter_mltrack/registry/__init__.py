"""The model registry: registered models, versions, stages, aliases, approvals, gates, audit.

``register_model(model_uri, name)`` is the fluent entry point; everything else is on ``Client``.
"""

from __future__ import annotations

from typing import Any

from jupyter_mltrack.entities import ModelVersion
from jupyter_mltrack.models.uri import register_uri_resolver
from jupyter_mltrack.registry.client import Client
from jupyter_mltrack.registry.errors import PromotionRefusedError

__all__ = ["Client", "PromotionRefusedError", "register_model"]


def _resolve_models_uri(uri: str) -> str:
    """Where a ``models:/`` URI's files are: the version's source (a runs:/ URI, URL or folder)."""
    from jupyter_mltrack.registry.uris import resolve_version

    return resolve_version(Client(), uri).source


def plug_in() -> None:
    """Resolve models:/ URIs through this registry (idempotent; the model loader calls it)."""
    register_uri_resolver("models:", _resolve_models_uri)


# The model loader imports this package on meeting a models:/ URI; importing it plugs the registry in.
plug_in()


def register_model(model_uri: str, name: str, tags: dict[str, Any] | None = None) -> ModelVersion:
    """Register the model at ``model_uri`` (``runs:/...``, a path, ``models:/...``) as a new version of ``name``."""
    return Client().register_model(model_uri, name, tags)
