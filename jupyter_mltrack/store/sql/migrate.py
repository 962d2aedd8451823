"""Schema lifecycle: create a brand-new database at head once, refuse an outdated one, upgrade.

Creating a fresh database runs ``metadata.create_all`` and writes the head revision into Alembic's
version table directly, without importing Alembic (it costs more than the rest of a first run).
Several processes may open the same new database at once; a database-level lock makes exactly
one of them create it: SQLite's write lock (``BEGIN IMMEDIATE``), a PostgreSQL advisory
transaction lock, or MySQL's ``GET_LOCK``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Column, Connection, Engine, MetaData, String, Table, inspect, select, text

from jupyter_mltrack.errors import SchemaOutdatedError, SchemaTooNewError
from jupyter_mltrack.store.sql import schema
from jupyter_mltrack.store.sql.engine import redact, write_connection

VERSION_TABLE = "alembic_version"
_LOCK_NAME = "jupyter_mltrack_schema"
_PG_LOCK_KEY = 0x6D6C7472  # "mltr"

_version_table = Table(VERSION_TABLE, MetaData(), Column("version_num", String(32), primary_key=True))


def current_revision(conn: Connection) -> str | None:
    if not inspect(conn).has_table(VERSION_TABLE):
        return None
    return conn.execute(select(_version_table.c.version_num)).scalar()


def _has_any_table(conn: Connection) -> bool:
    names = set(inspect(conn).get_table_names())
    return bool(names & set(schema.metadata.tables))


def check_revision(revision: str | None, uri: str) -> None:
    if revision == schema.HEAD_REVISION:
        return
    if revision is None or revision in schema.KNOWN_REVISIONS:
        raise SchemaOutdatedError(redact(uri), revision, schema.HEAD_REVISION)
    raise SchemaTooNewError(redact(uri), revision)


def ensure_schema(engine: Engine, uri: str) -> None:
    """Make sure the database is at head: create it if empty, raise if it is out of date."""
    with engine.connect() as conn:
        revision = current_revision(conn)
    if revision is None:
        # Empty, or being created by another process right now (MySQL's DDL is visible before it is
        # stamped): decide under the creation lock.
        revision = _create_fresh(engine)
    check_revision(revision, uri)


def _create_fresh(engine: Engine) -> str | None:
    """Create tables and stamp head under a lock; return the revision found afterwards."""
    dialect = engine.dialect.name
    if dialect in ("mysql", "mariadb"):
        return _create_fresh_mysql(engine)
    with write_connection(engine) as conn:
        if dialect == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_LOCK_KEY})
        return _create_if_still_empty(conn)


def _create_fresh_mysql(engine: Engine) -> str | None:
    # MySQL DDL commits implicitly, so a transaction cannot serialise creators: a named lock can.
    with engine.connect() as conn:
        got = conn.execute(text("SELECT GET_LOCK(:n, 120)"), {"n": _LOCK_NAME}).scalar()
        conn.commit()  # the named lock belongs to the session and outlives this autobegun transaction
        if got != 1:
            raise TimeoutError("Timed out waiting for another process to create the tracking schema.")
        try:
            with conn.begin():
                return _create_if_still_empty(conn)
        finally:
            conn.execute(text("SELECT RELEASE_LOCK(:n)"), {"n": _LOCK_NAME})
            conn.commit()


def _create_if_still_empty(conn: Connection) -> str | None:
    revision = current_revision(conn)
    if revision is not None or _has_any_table(conn):
        return revision
    schema.metadata.create_all(conn)
    _version_table.create(conn, checkfirst=True)
    conn.execute(_version_table.insert().values(version_num=schema.HEAD_REVISION))
    return schema.HEAD_REVISION


def _alembic_config(conn: Connection) -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(Path(__file__).with_name("migrations")))
    cfg.attributes["connection"] = conn
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> tuple[str | None, str | None]:
    """Apply migrations (Alembic); returns (before, after) revisions."""
    from alembic import command

    with engine.connect() as conn:
        before = current_revision(conn)
        if before is None and _has_any_table(conn):
            raise SchemaOutdatedError(str(engine.url), None, schema.HEAD_REVISION)
        command.upgrade(_alembic_config(conn), revision)
        conn.commit()
        after = current_revision(conn)
    return before, after


def head_of_scripts() -> str:
    from alembic.script import ScriptDirectory

    cfg = _alembic_config(None)  # type: ignore[arg-type]
    head = ScriptDirectory.from_config(cfg).get_current_head()
    assert head is not None
    return head
