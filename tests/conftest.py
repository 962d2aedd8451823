"""Shared fixtures: an isolated store per test, and fresh databases on the real servers.

PostgreSQL (127.0.0.1:5432, user postgres) and MariaDB (127.0.0.1:3306, root) run on the
development and CI machines (.ci/run starts them); each test makes its own database and drops it.
Set MLTRACK_TEST_BACKENDS=sqlite to run only SQLite locally when a server is down.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

PG_ADMIN_URI = os.environ.get("MLTRACK_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
MYSQL_ADMIN_URI = os.environ.get("MLTRACK_TEST_MYSQL", "mysql+pymysql://root@127.0.0.1:3306/")
ALL_BACKENDS = ("sqlite", "postgresql", "mysql")


def selected_backends() -> tuple[str, ...]:
    raw = os.environ.get("MLTRACK_TEST_BACKENDS")
    return tuple(b.strip() for b in raw.split(",")) if raw else ALL_BACKENDS


def _admin_engine(kind: str):  # type: ignore[no-untyped-def]
    from sqlalchemy import create_engine
    from sqlalchemy.pool import NullPool

    uri = PG_ADMIN_URI if kind == "postgresql" else MYSQL_ADMIN_URI
    return create_engine(uri, isolation_level="AUTOCOMMIT", poolclass=NullPool)


def make_database(kind: str, tmp_path: Path) -> tuple[str, object]:
    """A fresh database of ``kind``; returns (uri, cleanup token)."""
    if kind == "sqlite":
        return f"sqlite:///{(tmp_path / 'mltrack.db').as_posix()}", None
    from sqlalchemy import text

    name = f"mltrack_test_{uuid.uuid4().hex[:12]}"
    engine = _admin_engine(kind)
    with engine.connect() as conn:
        if kind == "postgresql":
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        else:
            conn.execute(text(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"))
    engine.dispose()
    if kind == "postgresql":
        return f"postgresql://postgres@127.0.0.1:5432/{name}", (kind, name)
    return f"mysql+pymysql://root@127.0.0.1:3306/{name}", (kind, name)


def drop_database(token: object) -> None:
    if token is None:
        return
    from sqlalchemy import text

    kind, name = token  # type: ignore[misc]
    from jupyter_mltrack.tracking import stores

    stores.close_all()
    engine = _admin_engine(kind)
    with engine.connect() as conn:
        if kind == "postgresql":
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        else:
            conn.execute(text(f"DROP DATABASE IF EXISTS `{name}`"))
    engine.dispose()


@pytest.fixture(params=selected_backends())
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def db_uri(backend: str, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database URI on each backend (the test is run once per backend)."""
    uri, token = make_database(backend, tmp_path)
    try:
        yield uri
    finally:
        drop_database(token)


@pytest.fixture(autouse=True)
def isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Every test tracks into its own MLTRACK_HOME, with no active run or URI override leaking in."""
    home = tmp_path / "mltrack-home"
    monkeypatch.setenv("MLTRACK_HOME", str(home))
    for name in ("MLTRACK_TRACKING_URI", "MLTRACK_ARTIFACT_ROOT", "MLTRACK_EXPERIMENT_NAME", "MLTRACK_RUN_ID"):
        monkeypatch.delenv(name, raising=False)
    from jupyter_mltrack.tracking import stores

    stores.reset_tracking_uri()
    yield home
    import jupyter_mltrack.tracking.fluent as fluent

    while fluent.active_run() is not None:
        fluent.end_run()
    stores.reset_tracking_uri()


@pytest.fixture
def tracking_uri(db_uri: str) -> Iterator[str]:
    """Point the process at a fresh database of each backend (SQLite, PostgreSQL, MySQL)."""
    from jupyter_mltrack.tracking import stores

    stores.set_tracking_uri(db_uri)
    yield db_uri
    stores.reset_tracking_uri()
