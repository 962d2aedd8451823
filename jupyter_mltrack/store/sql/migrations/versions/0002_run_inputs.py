"""Run inputs: datasets (name, digest, schema, source) and which runs used them.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "datasets",
        sa.Column("dataset_uuid", sa.String(32), primary_key=True),
        sa.Column("experiment_id", sa.Integer, nullable=False),
        sa.Column("name", sa.String(500), nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("source_type", sa.String(36), nullable=False),
        sa.Column("source", sa.Text),
        sa.Column("schema", sa.Text),
        sa.Column("profile", sa.Text),
        sa.UniqueConstraint("experiment_id", "name", "digest", name="uq_datasets_experiment_name_digest"),
        sa.ForeignKeyConstraint(["experiment_id"], ["experiments.experiment_id"], name="fk_datasets_experiment"),
    )
    op.create_table(
        "run_inputs",
        sa.Column("run_uuid", sa.String(32), nullable=False),
        sa.Column("dataset_uuid", sa.String(32), nullable=False),
        sa.Column("context", sa.String(64)),
        sa.Column("tags", sa.Text),
        sa.PrimaryKeyConstraint("run_uuid", "dataset_uuid", name="pk_run_inputs"),
        sa.ForeignKeyConstraint(["run_uuid"], ["runs.run_uuid"], name="fk_run_inputs_run", ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["dataset_uuid"], ["datasets.dataset_uuid"], name="fk_run_inputs_dataset"),
    )


def downgrade() -> None:
    op.drop_table("run_inputs")
    op.drop_table("datasets")
