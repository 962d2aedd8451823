"""A real Jupyter server (pytest-jupyter) with our extension enabled, on an isolated store.

pytest-jupyter's fixtures (``jp_fetch``, ``jp_serverapp``...) and its async-test hooks are
imported here rather than listed in ``pytest_plugins``, so they apply to tests/server only.
"""

from __future__ import annotations

import json
import os
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from pytest_jupyter.jupyter_server import *  # noqa: F403
from tornado.httpclient import HTTPClientError, HTTPResponse

from jupyter_mltrack.tracking import stores

Fetch = Callable[..., Awaitable[HTTPResponse]]
API = ("mltrack", "api")


@pytest.fixture
def jp_server_config() -> dict[str, Any]:
    return {"ServerApp": {"jpserver_extensions": {"jupyter_mltrack.server": True}}}


@pytest.fixture(autouse=True)
def restore_store_environment() -> Iterator[None]:
    """The extension exports the configured store to os.environ (for kernels): undo it after each test."""
    names = ("MLTRACK_TRACKING_URI", "MLTRACK_ARTIFACT_ROOT")
    saved = {name: os.environ.get(name) for name in names}
    yield
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
    stores.close_all()


@pytest.fixture
def api(jp_fetch: Fetch) -> Callable[..., Awaitable[tuple[int, Any]]]:
    """``await api("GET", "runs", run_id)`` -> (status, parsed JSON), never raising on 4xx/5xx."""

    async def call(
        method: str,
        *parts: str,
        body: Any = None,
        params: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, Any]:
        kwargs: dict[str, Any] = {"method": method, "headers": dict(headers or {})}
        if body is not None:
            kwargs["body"] = body if isinstance(body, (str, bytes)) else json.dumps(body)
            kwargs["headers"].setdefault("Content-Type", "application/json")
        elif method in ("POST", "PUT", "PATCH"):
            kwargs["body"] = b""
        try:
            response = await jp_fetch(*API, *parts, params=params, **kwargs)
        except HTTPClientError as exc:
            assert exc.response is not None
            response = exc.response
        assert response.headers["Content-Type"].startswith("application/json"), response.headers["Content-Type"]
        return response.code, json.loads(response.body)

    return call


@pytest.fixture
def home(isolated_home: Path) -> Path:
    return isolated_home
