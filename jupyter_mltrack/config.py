"""Where data goes and how the tracker behaves, read from the environment in one place.

Every front door (Python API, CLI, server traitlets) builds a :class:`Settings` through
:func:`load_settings`, so a notebook, a CLI call and the side panel agree on the store.
A leaf module: imports nothing of ours.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path

#: Environment variables, documented in docs/configuration.md.
ENV_TRACKING_URI = "MLTRACK_TRACKING_URI"
ENV_HOME = "MLTRACK_HOME"
ENV_ARTIFACT_ROOT = "MLTRACK_ARTIFACT_ROOT"
ENV_FLUSH_INTERVAL = "MLTRACK_FLUSH_INTERVAL"
ENV_HEARTBEAT_INTERVAL = "MLTRACK_HEARTBEAT_INTERVAL"
ENV_HEARTBEAT_TIMEOUT = "MLTRACK_HEARTBEAT_TIMEOUT"
ENV_S3_ENDPOINT_URL = "MLTRACK_S3_ENDPOINT_URL"
ENV_EXPERIMENT_NAME = "MLTRACK_EXPERIMENT_NAME"
ENV_RUN_ID = "MLTRACK_RUN_ID"

DEFAULT_EXPERIMENT_NAME = "Default"


@dataclass(frozen=True)
class Settings:
    tracking_uri: str
    artifact_root: str
    #: Seconds between background commits of buffered metrics (a hard kill loses at most this).
    flush_interval: float = 0.5
    #: Seconds between heartbeats of a process's running runs.
    heartbeat_interval: float = 10.0
    #: A RUNNING run whose heartbeat is older than this is marked KILLED by any process.
    heartbeat_timeout: float = 60.0
    s3_endpoint_url: str | None = None

    def with_tracking_uri(self, uri: str) -> "Settings":
        uri = normalize_tracking_uri(uri)
        return replace(self, tracking_uri=uri, artifact_root=default_artifact_root(uri))


def home_dir() -> Path:
    env = os.environ.get(ENV_HOME)
    return Path(env).expanduser() if env else Path.home() / ".mltrack"


def default_tracking_uri(home: Path | None = None) -> str:
    home = home or home_dir()
    return f"sqlite:///{(home / 'mltrack.db').as_posix()}"


def default_artifact_root(tracking_uri: str, home: Path | None = None) -> str:
    """Artifacts sit beside a SQLite file; other databases use the per-user folder."""
    explicit = os.environ.get(ENV_ARTIFACT_ROOT)
    if explicit:
        return explicit
    if tracking_uri.startswith("sqlite:///") and tracking_uri != "sqlite:///:memory:":
        db_path = Path(tracking_uri[len("sqlite:///") :])
        return (db_path.parent / "artifacts").as_posix()
    return ((home or home_dir()) / "artifacts").as_posix()


def normalize_tracking_uri(uri: str) -> str:
    """Accept a plain path too: a ``.db`` file, or a folder that holds ``mltrack.db``."""
    if "://" in uri:
        return uri
    if uri.startswith("file:"):
        uri = uri[len("file:") :]
    path = Path(uri).expanduser().absolute()
    if path.suffix in (".db", ".sqlite", ".sqlite3"):
        return f"sqlite:///{path.as_posix()}"
    return default_tracking_uri(path)


def _float_env(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"{name}={raw!r} is not a number of seconds; unset it or give e.g. {default}.") from None
    if value <= 0:
        raise ValueError(f"{name}={raw!r} must be a positive number of seconds.")
    return value


def load_settings(tracking_uri: str | None = None) -> Settings:
    """Settings from arguments first, then the environment, then per-user defaults."""
    uri = normalize_tracking_uri(tracking_uri or os.environ.get(ENV_TRACKING_URI) or default_tracking_uri())
    heartbeat = _float_env(ENV_HEARTBEAT_INTERVAL, 10.0)
    return Settings(
        tracking_uri=uri,
        artifact_root=default_artifact_root(uri),
        flush_interval=_float_env(ENV_FLUSH_INTERVAL, 0.5),
        heartbeat_interval=heartbeat,
        heartbeat_timeout=_float_env(ENV_HEARTBEAT_TIMEOUT, max(6 * heartbeat, 3.0)),
        s3_endpoint_url=os.environ.get(ENV_S3_ENDPOINT_URL) or None,
    )
