"""Alembic migrations shipped in the package (`mltrack db upgrade` runs them)."""
