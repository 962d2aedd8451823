"""Turning a tracking URI into a configured SQLAlchemy engine, and running write transactions.

SQLite needs care to survive many kernels writing at once (DESIGN.md section 3): WAL journal, a
busy timeout, foreign keys on, and ``BEGIN IMMEDIATE`` for writes. A deferred ``BEGIN`` that
reads and then writes cannot wait for the lock (SQLite would deadlock), so it fails at once with
"database is locked" whatever the timeout; taking the write lock up front lets the busy timeout
do its job. Reads use a plain ``BEGIN`` so they never block writers.
"""

from __future__ import annotations

import os
import random
import time
import weakref
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator, TypeVar

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, OperationalError

from jupyter_mltrack.errors import DatabaseUnavailableError, MissingDependencyError, TrackingUriError

T = TypeVar("T")

SQLITE_BUSY_TIMEOUT_S = 60.0
_WRITE_FLAG = "mltrack_write"

# Driver for each backend when the URI names none (psycopg 3 and PyMySQL: pure-Python installs).
_DEFAULT_DRIVERS = {
    "postgresql": "postgresql+psycopg",
    "postgres": "postgresql+psycopg",
    "mysql": "mysql+pymysql",
    "mariadb": "mariadb+pymysql",
}
_EXTRA_FOR_DRIVER = {"psycopg": ("psycopg", "postgres"), "pymysql": ("pymysql", "mysql")}


def normalize_db_uri(uri: str) -> str:
    scheme, sep, rest = uri.partition("://")
    if not sep:
        raise TrackingUriError(uri, "it has no scheme")
    return f"{_DEFAULT_DRIVERS.get(scheme, scheme)}://{rest}"


def dialect_of(uri: str) -> str:
    return normalize_db_uri(uri).split("://", 1)[0].split("+", 1)[0]


def redact(uri: str) -> str:
    """The URI without its password, safe for messages and logs."""
    try:
        return make_url(uri).render_as_string(hide_password=True)
    except ArgumentError:
        return uri


def create_db_engine(uri: str) -> Engine:
    db_uri = normalize_db_uri(uri)
    dialect = dialect_of(db_uri)
    if dialect == "sqlite":
        return _sqlite_engine(db_uri)
    if dialect not in ("postgresql", "mysql", "mariadb"):
        raise TrackingUriError(redact(uri), f"the database kind {dialect!r} is not supported")
    kwargs: dict[str, Any] = {"pool_pre_ping": True, "pool_size": 2, "max_overflow": 8}
    if dialect in ("mysql", "mariadb") and "charset=" not in db_uri:
        db_uri += ("&" if "?" in db_uri else "?") + "charset=utf8mb4"
    try:
        return _forget_in_child(create_engine(db_uri, **kwargs))
    except ModuleNotFoundError as exc:
        package, extra = _EXTRA_FOR_DRIVER.get(exc.name or "", (exc.name or "driver", dialect))
        raise MissingDependencyError(package, extra, f"The tracking URI {redact(uri)}") from exc
    except ArgumentError as exc:
        raise TrackingUriError(redact(uri), str(exc)) from exc


_engines: "weakref.WeakSet[Engine]" = weakref.WeakSet()


def _forget_in_child(engine: Engine) -> Engine:
    """A forked child must not reuse its parent's pooled connections (SQLAlchemy's advice)."""
    _engines.add(engine)
    return engine


def _after_fork_in_child() -> None:
    for engine in list(_engines):
        engine.dispose(close=False)


os.register_at_fork(after_in_child=_after_fork_in_child)


def _sqlite_engine(db_uri: str) -> Engine:
    database = make_url(db_uri).database
    if database and database != ":memory:" and not database.startswith("file:"):
        Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        db_uri,
        connect_args={"timeout": SQLITE_BUSY_TIMEOUT_S, "check_same_thread": False},
        # Pooled: opening a connection and setting its pragmas costs more than most writes. A pooled
        # connection holds no transaction between uses, so it pins no WAL snapshot.
        pool_size=4,
        max_overflow=8,
    )
    _forget_in_child(engine)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves (see _on_begin)
        cursor = dbapi_conn.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {int(SQLITE_BUSY_TIMEOUT_S * 1000)}")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA synchronous = NORMAL")
        mode = cursor.execute("PRAGMA journal_mode").fetchone()[0]
        if str(mode).lower() != "wal":
            cursor.execute("PRAGMA journal_mode = WAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.info.get(_WRITE_FLAG) else "BEGIN")

    return engine


def _is_transient(exc: DBAPIError) -> bool:
    """Lock waits that expired, deadlocks and serialization failures: safe to retry whole."""
    text = str(exc.orig).lower() if exc.orig is not None else str(exc).lower()
    markers = (
        "database is locked",
        "deadlock",
        "could not serialize",
        "lock wait timeout",
        "try restarting transaction",
    )
    return any(m in text for m in markers)


def unavailable(engine: Engine, exc: DBAPIError) -> DatabaseUnavailableError:
    """Our error for a driver error, with the URI's password hidden and the driver's first line."""
    reason = str(exc.orig if exc.orig is not None else exc).strip().splitlines()[0][:300]
    return DatabaseUnavailableError(engine.url.render_as_string(hide_password=True), reason)


@contextmanager
def write_connection(engine: Engine) -> Iterator[Connection]:
    """One write transaction (``BEGIN IMMEDIATE`` on SQLite); commits on success."""
    with engine.connect() as conn:
        conn.info[_WRITE_FLAG] = True
        try:
            with conn.begin():
                yield conn
        finally:
            conn.info.pop(_WRITE_FLAG, None)


def run_write(engine: Engine, work: Callable[[Connection], T], attempts: int = 8) -> T:
    """Run ``work`` in a write transaction, retrying the whole transaction on transient errors."""
    for attempt in range(attempts):
        try:
            with write_connection(engine) as conn:
                return work(conn)
        except (OperationalError, DBAPIError) as exc:
            if isinstance(exc, OperationalError) and not _is_transient(exc):
                raise unavailable(engine, exc) from exc
            if attempt == attempts - 1 or not _is_transient(exc):
                raise
            time.sleep(min(2.0, 0.05 * 2**attempt) * (0.5 + random.random()))
    raise AssertionError("unreachable")


@contextmanager
def read_connection(engine: Engine) -> Iterator[Connection]:
    """A read transaction: one consistent snapshot for multi-query reads."""
    try:
        conn = engine.connect()
    except OperationalError as exc:
        raise unavailable(engine, exc) from exc
    with conn, conn.begin():
        yield conn
