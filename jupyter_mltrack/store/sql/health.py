"""Health probes for ``mltrack doctor``: can we write, what is stored, and safe error summaries.

Each probe opens its own short-lived engine and works on databases at any schema revision
(it never goes through :class:`SqlStore`, which refuses an outdated schema).
"""

from __future__ import annotations

import uuid

from sqlalchemy import func, inspect, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from jupyter_mltrack.errors import MltrackError
from jupyter_mltrack.store.sql.engine import create_db_engine
from jupyter_mltrack.store.sql.migrate import VERSION_TABLE
from jupyter_mltrack.store.sql.schema import experiments, runs


def probe_write(uri: str) -> str:
    """Try a write in a transaction that is rolled back; raises if the database refuses it.

    With a schema: ``UPDATE alembic_version SET version_num = version_num`` (a no-op even if it
    were committed; it needs the same write access as tracking). Without one: create and drop a
    scratch table (needed to create the schema anyway; dropped explicitly for MySQL, whose DDL
    commits). A temporary table would prove nothing: SQLite writes those outside the database file.
    """
    engine = create_db_engine(uri)
    try:
        with engine.connect() as conn:
            has_schema = inspect(conn).has_table(VERSION_TABLE)
            conn.rollback()
            if has_schema:
                with conn.begin() as transaction:
                    conn.execute(text(f"UPDATE {VERSION_TABLE} SET version_num = version_num"))
                    transaction.rollback()
                return "a write was accepted (and rolled back)"
            name = f"mltrack_probe_{uuid.uuid4().hex[:12]}"
            with conn.begin() as transaction:
                conn.execute(text(f"CREATE TABLE {name} (probe INTEGER)"))
                try:
                    conn.execute(text(f"DROP TABLE {name}"))
                finally:
                    transaction.rollback()
            return "created and dropped a scratch table"
    finally:
        engine.dispose()


def count_rows(uri: str) -> dict[str, dict[str, int]] | None:
    """Experiments and runs per lifecycle stage, or None when the database has no tables yet."""
    engine = create_db_engine(uri)
    try:
        with engine.connect() as conn:
            names = set(inspect(conn).get_table_names())
            if not {"experiments", "runs"} <= names:
                return None
            result: dict[str, dict[str, int]] = {}
            for label, table in (("experiments", experiments), ("runs", runs)):
                stage = table.c.lifecycle_stage
                counted = {str(k): int(n) for k, n in conn.execute(select(stage, func.count()).group_by(stage))}
                result[label] = {"active": int(counted.get("active", 0)), "deleted": int(counted.get("deleted", 0))}
            return result
    finally:
        engine.dispose()


def describe_error(exc: BaseException, uri: str) -> str:
    """One line about ``exc``, safe to show: SQL and the URI's password left out."""
    if isinstance(exc, MltrackError):
        message = exc.message
    else:
        first = str(exc).strip().splitlines()
        message = f"{type(exc).__name__}: {first[0] if first else 'no details'}"
    password = _password(uri)
    if password:
        message = message.replace(password, "***")
    return " ".join(message.split())


def _password(uri: str) -> str | None:
    try:
        return make_url(uri).password
    except ArgumentError:
        return None
