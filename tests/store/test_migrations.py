"""Schema lifecycle on every backend: migrations match the tables, old databases are refused
untouched then upgraded with their data, and a new database is created exactly once."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from jupyter_mltrack import Client
from jupyter_mltrack.errors import SchemaOutdatedError, SchemaTooNewError
from jupyter_mltrack.store.sql import admin, migrate, schema
from jupyter_mltrack.store.sql.engine import create_db_engine
from jupyter_mltrack.store.sql.store import SqlStore


def test_head_constant_matches_migration_scripts() -> None:
    assert migrate.head_of_scripts() == schema.HEAD_REVISION == schema.KNOWN_REVISIONS[-1]


def test_migrations_build_the_same_schema_as_the_tables(db_uri: str) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    assert admin.upgrade_database(db_uri) == (None, schema.HEAD_REVISION)
    engine = create_db_engine(db_uri)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), schema.metadata)
    engine.dispose()
    assert diff == []


OLD_RUN = "0123456789abcdef0123456789abcdef"


def _insert_old_run(uri: str) -> None:
    """Rows as a revision-0001 database holds them (these tables have not changed since)."""
    engine = create_db_engine(uri)
    with engine.begin() as conn:
        conn.execute(
            schema.experiments.insert().values(
                experiment_id=5, name="old-exp", artifact_location="/tmp/old", lifecycle_stage="active"
            )
        )
        conn.execute(
            schema.runs.insert().values(
                run_uuid=OLD_RUN,
                name="old-run",
                experiment_id=5,
                status="FINISHED",
                start_time=1,
                lifecycle_stage="active",
                artifact_uri="/tmp/old/r",
            )
        )
        conn.execute(schema.params.insert().values(run_uuid=OLD_RUN, key="lr", value="0.1"))
    engine.dispose()


def _tables(uri: str) -> set[str]:
    engine = create_db_engine(uri)
    with engine.connect() as conn:
        names = set(inspect(conn).get_table_names())
    engine.dispose()
    return names


def test_outdated_database_is_refused_untouched_then_upgraded(db_uri: str, tmp_path: Path) -> None:
    assert admin.upgrade_database(db_uri, "0001") == (None, "0001")
    _insert_old_run(db_uri)
    before = _tables(db_uri)
    assert "datasets" not in before
    with pytest.raises(SchemaOutdatedError) as err:
        SqlStore(db_uri, str(tmp_path / "artifacts"))
    assert "mltrack db upgrade" in str(err.value) and "0001" in str(err.value)
    assert err.value.head == schema.HEAD_REVISION
    assert _tables(db_uri) == before  # nothing created, nothing stamped
    assert admin.database_revision(db_uri) == ("0001", schema.HEAD_REVISION)

    assert admin.upgrade_database(db_uri) == ("0001", schema.HEAD_REVISION)
    client = Client(db_uri)
    run = client.get_run(OLD_RUN)
    assert run.info.run_name == "old-run" and run.data.params == {"lr": "0.1"}
    found = client.search_runs(["5"], "params.lr = '0.1'")
    assert [r.info.run_id for r in found] == [run.info.run_id]


def test_database_from_a_newer_version_is_refused(db_uri: str, tmp_path: Path) -> None:
    Client(db_uri)  # create at head
    engine = create_db_engine(db_uri)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    engine.dispose()
    with pytest.raises(SchemaTooNewError, match="pip install -U jupyter-mltrack"):
        SqlStore(db_uri, str(tmp_path / "artifacts"))


OPENER = textwrap.dedent(
    """
    import sys, time
    uri, start_at = sys.argv[1], float(sys.argv[2])
    from jupyter_mltrack.tracking.client import Client  # import before the start line
    while time.time() < start_at:
        time.sleep(0.001)
    client = Client(uri)
    client.create_run(client.default_experiment_id())
    """
)


@pytest.mark.slow
def test_new_database_is_created_once_by_racing_processes(db_uri: str, tmp_path: Path) -> None:
    start_at = time.time() + 4.0  # every process has imported by then
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", OPENER, db_uri, str(start_at)],
            stderr=subprocess.PIPE,
            text=True,
            env={**__import__("os").environ, "MLTRACK_HOME": str(tmp_path / "home")},
        )
        for _ in range(8)
    ]
    errors = [p.communicate(timeout=120)[1] for p in procs]
    assert [p.returncode for p in procs] == [0] * 8, errors
    engine = create_db_engine(db_uri)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all() == [schema.HEAD_REVISION]
        assert conn.execute(text("SELECT COUNT(*) FROM runs")).scalar() == 8
        assert conn.execute(text("SELECT COUNT(*) FROM experiments")).scalar() == 1
    engine.dispose()
