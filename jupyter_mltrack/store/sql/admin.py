"""Database administration without opening a full store (which refuses an outdated schema)."""

from __future__ import annotations

from sqlalchemy.exc import OperationalError

from jupyter_mltrack.store.sql import migrate, schema
from jupyter_mltrack.store.sql.engine import create_db_engine, unavailable


def database_revision(uri: str) -> tuple[str | None, str]:
    """(revision the database is at, or None if it has no schema; the head this code needs)."""
    engine = create_db_engine(uri)
    try:
        with engine.connect() as conn:
            return migrate.current_revision(conn), schema.HEAD_REVISION
    except OperationalError as exc:
        raise unavailable(engine, exc) from exc
    finally:
        engine.dispose()


def upgrade_database(uri: str, revision: str = "head") -> tuple[str | None, str | None]:
    """Apply the shipped migrations; returns (before, after)."""
    engine = create_db_engine(uri)
    try:
        return migrate.upgrade(engine, revision)
    finally:
        engine.dispose()
