"""Tracking core: experiments, runs, params, metrics (full history and latest), tags.

Revision ID: 0001
Revises:
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

_BigId = sa.BigInteger().with_variant(sa.Integer, "sqlite")


def upgrade() -> None:
    op.create_table(
        "experiments",
        sa.Column("experiment_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(256), nullable=False),
        sa.Column("artifact_location", sa.String(1000), nullable=False),
        sa.Column("lifecycle_stage", sa.String(32), nullable=False),
        sa.Column("creation_time", sa.BigInteger),
        sa.Column("last_update_time", sa.BigInteger),
        sa.UniqueConstraint("name", name="uq_experiments_name"),
    )
    op.create_table(
        "experiment_tags",
        sa.Column("experiment_id", sa.Integer, nullable=False),
        sa.Column("key", sa.String(250), nullable=False),
        sa.Column("value", sa.String(8000)),
        sa.PrimaryKeyConstraint("experiment_id", "key", name="pk_experiment_tags"),
        sa.ForeignKeyConstraint(["experiment_id"], ["experiments.experiment_id"], name="fk_experiment_tags_experiment"),
    )
    op.create_table(
        "runs",
        sa.Column("run_uuid", sa.String(32), primary_key=True),
        sa.Column("name", sa.String(250)),
        sa.Column("experiment_id", sa.Integer, nullable=False),
        sa.Column("user_id", sa.String(256)),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("start_time", sa.BigInteger, nullable=False),
        sa.Column("end_time", sa.BigInteger),
        sa.Column("deleted_time", sa.BigInteger),
        sa.Column("lifecycle_stage", sa.String(20), nullable=False),
        sa.Column("artifact_uri", sa.String(1000), nullable=False),
        sa.Column("parent_run_id", sa.String(32)),
        sa.Column("notebook_path", sa.String(1000)),
        sa.Column("cell_id", sa.String(256)),
        sa.Column("source", sa.Text),
        sa.Column("heartbeat_time", sa.BigInteger),
        sa.Column("owner", sa.String(256)),
        sa.ForeignKeyConstraint(["experiment_id"], ["experiments.experiment_id"], name="fk_runs_experiment"),
    )
    op.create_index("ix_runs_experiment_start", "runs", ["experiment_id", "start_time"])
    op.create_index("ix_runs_status_heartbeat", "runs", ["status", "heartbeat_time"])
    op.create_table(
        "params",
        sa.Column("run_uuid", sa.String(32), nullable=False),
        sa.Column("key", sa.String(250), nullable=False),
        sa.Column("value", sa.String(6000), nullable=False),
        sa.PrimaryKeyConstraint("run_uuid", "key", name="pk_params"),
        sa.ForeignKeyConstraint(["run_uuid"], ["runs.run_uuid"], name="fk_params_run", ondelete="CASCADE"),
    )
    op.create_table(
        "tags",
        sa.Column("run_uuid", sa.String(32), nullable=False),
        sa.Column("key", sa.String(250), nullable=False),
        sa.Column("value", sa.String(8000)),
        sa.PrimaryKeyConstraint("run_uuid", "key", name="pk_tags"),
        sa.ForeignKeyConstraint(["run_uuid"], ["runs.run_uuid"], name="fk_tags_run", ondelete="CASCADE"),
    )
    op.create_table(
        "metrics",
        sa.Column("id", _BigId, primary_key=True, autoincrement=True),
        sa.Column("run_uuid", sa.String(32), nullable=False),
        sa.Column("key", sa.String(250), nullable=False),
        sa.Column("value", sa.Double(), nullable=False),
        sa.Column("special", sa.SmallInteger, nullable=False),
        sa.Column("timestamp", sa.BigInteger, nullable=False),
        sa.Column("step", sa.BigInteger, nullable=False),
        sa.ForeignKeyConstraint(["run_uuid"], ["runs.run_uuid"], name="fk_metrics_run", ondelete="CASCADE"),
    )
    op.create_index("ix_metrics_run_key_step", "metrics", ["run_uuid", "key", "step"])
    op.create_table(
        "latest_metrics",
        sa.Column("run_uuid", sa.String(32), nullable=False),
        sa.Column("key", sa.String(250), nullable=False),
        sa.Column("value", sa.Double(), nullable=False),
        sa.Column("special", sa.SmallInteger, nullable=False),
        sa.Column("timestamp", sa.BigInteger, nullable=False),
        sa.Column("step", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("run_uuid", "key", name="pk_latest_metrics"),
        sa.ForeignKeyConstraint(["run_uuid"], ["runs.run_uuid"], name="fk_latest_metrics_run", ondelete="CASCADE"),
    )
    op.create_index("ix_latest_metrics_key_value", "latest_metrics", ["key", "value"])


def downgrade() -> None:
    for table in ("latest_metrics", "metrics", "tags", "params", "runs", "experiment_tags", "experiments"):
        op.drop_table(table)
