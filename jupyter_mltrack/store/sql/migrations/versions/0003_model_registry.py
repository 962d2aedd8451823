"""Model registry: registered models, versions, tags, aliases, transition requests, promotion
policies and the append-only audit log.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_BigId = sa.BigInteger().with_variant(sa.Integer, "sqlite")
_VERSION_FK = (["model_id", "version"], ["model_versions.model_id", "model_versions.version"])


def upgrade() -> None:
    op.create_table(
        "registered_models",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(256), nullable=False),
        sa.Column("description", sa.String(8000)),
        sa.Column("creation_time", sa.BigInteger, nullable=False),
        sa.Column("last_updated_time", sa.BigInteger, nullable=False),
        sa.UniqueConstraint("name", name="uq_registered_models_name"),
    )
    op.create_table(
        "registered_model_tags",
        sa.Column("model_id", sa.Integer, nullable=False),
        sa.Column("key", sa.String(250), nullable=False),
        sa.Column("value", sa.String(8000)),
        sa.PrimaryKeyConstraint("model_id", "key", name="pk_registered_model_tags"),
        sa.ForeignKeyConstraint(["model_id"], ["registered_models.id"], name="fk_rm_tags_model", ondelete="CASCADE"),
    )
    op.create_table(
        "model_versions",
        sa.Column("model_id", sa.Integer, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("description", sa.String(8000)),
        sa.Column("user_id", sa.String(256)),
        sa.Column("creation_time", sa.BigInteger, nullable=False),
        sa.Column("last_updated_time", sa.BigInteger, nullable=False),
        sa.Column("current_stage", sa.String(20), nullable=False),
        sa.Column("source", sa.String(1000), nullable=False),
        sa.Column("run_id", sa.String(32)),
        sa.Column("status", sa.String(20), nullable=False),
        sa.PrimaryKeyConstraint("model_id", "version", name="pk_model_versions"),
        sa.ForeignKeyConstraint(
            ["model_id"], ["registered_models.id"], name="fk_model_versions_model", ondelete="CASCADE"
        ),
    )
    op.create_index("ix_model_versions_run", "model_versions", ["run_id"])
    op.create_table(
        "model_version_tags",
        sa.Column("model_id", sa.Integer, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("key", sa.String(250), nullable=False),
        sa.Column("value", sa.String(8000)),
        sa.PrimaryKeyConstraint("model_id", "version", "key", name="pk_model_version_tags"),
        sa.ForeignKeyConstraint(*_VERSION_FK, name="fk_mv_tags_version", ondelete="CASCADE"),
    )
    op.create_table(
        "registered_model_aliases",
        sa.Column("model_id", sa.Integer, nullable=False),
        sa.Column("alias", sa.String(250), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("model_id", "alias", name="pk_registered_model_aliases"),
        sa.ForeignKeyConstraint(*_VERSION_FK, name="fk_aliases_version", ondelete="CASCADE"),
    )
    op.create_table(
        "transition_requests",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("model_id", sa.Integer, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("target", sa.String(251), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("requested_by", sa.String(256), nullable=False),
        sa.Column("requested_at", sa.BigInteger, nullable=False),
        sa.Column("comment", sa.Text),
        sa.Column("decided_by", sa.String(256)),
        sa.Column("decided_at", sa.BigInteger),
        sa.Column("decision_comment", sa.Text),
        sa.ForeignKeyConstraint(*_VERSION_FK, name="fk_requests_version", ondelete="CASCADE"),
    )
    op.create_index("ix_transition_requests_status", "transition_requests", ["status"])
    op.create_table(
        "promotion_policies",
        sa.Column("model_id", sa.Integer, nullable=False),
        sa.Column("target", sa.String(251), nullable=False),
        sa.Column("require_approval", sa.Boolean, nullable=False),
        sa.Column("gates", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("model_id", "target", name="pk_promotion_policies"),
        sa.ForeignKeyConstraint(["model_id"], ["registered_models.id"], name="fk_policies_model", ondelete="CASCADE"),
    )
    op.create_table(
        "audit_log",
        sa.Column("id", _BigId, primary_key=True, autoincrement=True),
        sa.Column("timestamp", sa.BigInteger, nullable=False),
        sa.Column("actor", sa.String(256), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("model_id", sa.Integer),
        sa.Column("model_name", sa.String(256), nullable=False),
        sa.Column("version", sa.Integer),
        sa.Column("target", sa.String(251)),
        sa.Column("before", sa.Text),
        sa.Column("after", sa.Text),
        sa.Column("comment", sa.Text),
    )
    op.create_index("ix_audit_log_model_time", "audit_log", ["model_id", "timestamp"])


def downgrade() -> None:
    for table in (
        "audit_log",
        "promotion_policies",
        "transition_requests",
        "registered_model_aliases",
        "model_version_tags",
        "model_versions",
        "registered_model_tags",
        "registered_models",
    ):
        op.drop_table(table)
