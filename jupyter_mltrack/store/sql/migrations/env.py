"""Alembic environment: runs on the connection that `jupyter_mltrack.store.sql.migrate` hands in."""

from __future__ import annotations

from alembic import context

from jupyter_mltrack.store.sql.schema import metadata

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",  # SQLite cannot ALTER most things
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
