"""The process-wide tracking URI and one shared store (and writer) per URI.

Opening a store checks the schema and builds an engine: done once per URI per process, not per
call. ``set_tracking_uri`` lives here, not in the fluent module, so the stateless ``Client`` can
follow it too (MLflow's behaviour).
"""

from __future__ import annotations

import os
import threading
import time
from typing import TYPE_CHECKING

from jupyter_mltrack import config
from jupyter_mltrack.config import Settings, load_settings, normalize_tracking_uri

if TYPE_CHECKING:
    from jupyter_mltrack.store.sql.store import SqlStore
    from jupyter_mltrack.tracking.writer import StoreWriter

_uri_override: str | None = None
_stores: dict[tuple[str, str, int], tuple["SqlStore", "StoreWriter", Settings]] = {}
_lock = threading.Lock()
_last_reap: dict[str, float] = {}


def set_tracking_uri(uri: str | os.PathLike[str]) -> None:
    """Where this process tracks from now on (overrides MLTRACK_TRACKING_URI)."""
    global _uri_override
    _uri_override = normalize_tracking_uri(os.fspath(uri))


def tracking_uri_override() -> str | None:
    """The URI given to set_tracking_uri(), if any (``mltrack doctor`` says where the URI came from)."""
    return _uri_override


def reset_tracking_uri() -> None:
    global _uri_override
    _uri_override = None


def get_tracking_uri() -> str:
    return current_settings().tracking_uri


# What decides *which* store a call goes to; other settings (flush interval, heartbeats) are read
# when a store is first opened in the process. Few keys: this runs on every log_metric.
_SETTINGS_ENV = (config.ENV_TRACKING_URI, config.ENV_HOME, config.ENV_ARTIFACT_ROOT)
_settings_cache: dict[tuple[str | None, tuple[str | None, ...]], Settings] = {}


def current_settings(tracking_uri: str | None = None) -> Settings:
    """Settings for this call; cached per (URI, environment) since every log_metric asks for them."""
    key = (tracking_uri or _uri_override, tuple(os.environ.get(name) for name in _SETTINGS_ENV))
    found = _settings_cache.get(key)
    if found is not None:
        return found
    try:
        found = _settings_cache[key] = load_settings(tracking_uri or _uri_override)
        return found
    except ValueError as exc:  # config is a leaf and raises plain ValueError; give it our contract
        from jupyter_mltrack.errors import InvalidParameterError

        raise InvalidParameterError(str(exc)) from None


def open_store(tracking_uri: str | None = None) -> tuple["SqlStore", "StoreWriter", Settings]:
    settings = current_settings(tracking_uri)
    key = (settings.tracking_uri, settings.artifact_root, os.getpid())
    with _lock:
        found = _stores.get(key)
        if found is None:
            from jupyter_mltrack.store.sql.store import SqlStore
            from jupyter_mltrack.tracking.writer import StoreWriter

            store = SqlStore(settings.tracking_uri, settings.artifact_root)
            writer = StoreWriter(store, settings.flush_interval, settings.heartbeat_interval)
            found = _stores[key] = (store, writer, settings)
    reap_if_due(found[0], found[2])
    return found


def reap_if_due(store: "SqlStore", settings: Settings) -> None:
    """Mark dead runs KILLED, at most once per heartbeat interval per store."""
    now = time.monotonic()
    if now - _last_reap.get(store.uri, -1e9) < min(settings.heartbeat_interval, settings.heartbeat_timeout / 2):
        return
    _last_reap[store.uri] = now
    store.reap_dead_runs(int(settings.heartbeat_timeout * 1000))


def close_all() -> None:
    """Commit pending metrics and close every open store (tests; dropping a database)."""
    with _lock:
        opened = list(_stores.values())
        _stores.clear()
        _last_reap.clear()
    for store, writer, _ in opened:
        try:
            writer.flush()
        finally:
            writer.close()
            store.close()
