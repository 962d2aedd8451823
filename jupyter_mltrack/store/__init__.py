"""Persistence: the SQL store (``store.sql``) and artifact repositories (``store.artifacts``).

The SQLAlchemy ORM and Core objects never leave this package: everything above it sees
plain entities (DESIGN.md section 1).
"""
