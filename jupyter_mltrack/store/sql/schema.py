"""The tracking schema as SQLAlchemy Core tables (not ORM classes: cheaper to import and build).

A brand-new database is created from these tables and stamped with :data:`HEAD_REVISION`; an
existing one only changes through the Alembic migrations in ``migrations/versions``. A test
checks that the migrations and these tables describe the same schema on every backend.

Metric values: SQLite stores NaN as NULL and MySQL has neither NaN nor infinity, so a value is
stored as (``value``, ``special``): ``special`` is 0 for a finite value, 1 for NaN (value 0),
2 for +inf and 3 for -inf (value = the largest float of that sign, so ORDER BY still sorts).
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Double,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from jupyter_mltrack.store.validation import (
    MAX_EXPERIMENT_NAME_LENGTH,
    MAX_KEY_LENGTH,
    MAX_PARAM_VALUE_LENGTH,
    MAX_RUN_NAME_LENGTH,
    MAX_TAG_VALUE_LENGTH,
)

#: The Alembic revision that these tables correspond to.
HEAD_REVISION = "0003"
#: Every revision we know, oldest first: an older one means "run mltrack db upgrade".
KNOWN_REVISIONS = ("0001", "0002", "0003")


# SQLite only auto-increments an INTEGER PRIMARY KEY, not a BIGINT one.
_BigId = BigInteger().with_variant(Integer, "sqlite")

metadata = MetaData()

experiments = Table(
    "experiments",
    metadata,
    Column("experiment_id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(MAX_EXPERIMENT_NAME_LENGTH), nullable=False),
    Column("artifact_location", String(1000), nullable=False),
    Column("lifecycle_stage", String(32), nullable=False),
    Column("creation_time", BigInteger),
    Column("last_update_time", BigInteger),
    UniqueConstraint("name", name="uq_experiments_name"),
)

experiment_tags = Table(
    "experiment_tags",
    metadata,
    Column("experiment_id", Integer, nullable=False),
    Column("key", String(MAX_KEY_LENGTH), nullable=False),
    Column("value", String(MAX_TAG_VALUE_LENGTH)),
    PrimaryKeyConstraint("experiment_id", "key", name="pk_experiment_tags"),
    ForeignKeyConstraint(["experiment_id"], ["experiments.experiment_id"], name="fk_experiment_tags_experiment"),
)

runs = Table(
    "runs",
    metadata,
    Column("run_uuid", String(32), primary_key=True),
    Column("name", String(MAX_RUN_NAME_LENGTH)),
    Column(
        "experiment_id", Integer, ForeignKey("experiments.experiment_id", name="fk_runs_experiment"), nullable=False
    ),
    Column("user_id", String(256)),
    Column("status", String(20), nullable=False),
    Column("start_time", BigInteger, nullable=False),
    Column("end_time", BigInteger),
    Column("deleted_time", BigInteger),
    Column("lifecycle_stage", String(20), nullable=False),
    Column("artifact_uri", String(1000), nullable=False),
    Column("parent_run_id", String(32)),
    Column("notebook_path", String(1000)),
    Column("cell_id", String(256)),
    Column("source", Text),
    # Liveness of a RUNNING run: its owning process updates heartbeat_time; see tracking/heartbeat.py.
    Column("heartbeat_time", BigInteger),
    Column("owner", String(256)),
    Index("ix_runs_experiment_start", "experiment_id", "start_time"),
    Index("ix_runs_status_heartbeat", "status", "heartbeat_time"),
)

params = Table(
    "params",
    metadata,
    Column("run_uuid", String(32), nullable=False),
    Column("key", String(MAX_KEY_LENGTH), nullable=False),
    Column("value", String(MAX_PARAM_VALUE_LENGTH), nullable=False),
    PrimaryKeyConstraint("run_uuid", "key", name="pk_params"),
    ForeignKeyConstraint(["run_uuid"], ["runs.run_uuid"], name="fk_params_run", ondelete="CASCADE"),
)

tags = Table(
    "tags",
    metadata,
    Column("run_uuid", String(32), nullable=False),
    Column("key", String(MAX_KEY_LENGTH), nullable=False),
    Column("value", String(MAX_TAG_VALUE_LENGTH)),
    PrimaryKeyConstraint("run_uuid", "key", name="pk_tags"),
    ForeignKeyConstraint(["run_uuid"], ["runs.run_uuid"], name="fk_tags_run", ondelete="CASCADE"),
)

metrics = Table(
    "metrics",
    metadata,
    Column("id", _BigId, primary_key=True, autoincrement=True),
    Column("run_uuid", String(32), nullable=False),
    Column("key", String(MAX_KEY_LENGTH), nullable=False),
    Column("value", Double(), nullable=False),
    Column("special", SmallInteger, nullable=False),
    Column("timestamp", BigInteger, nullable=False),
    Column("step", BigInteger, nullable=False),
    ForeignKeyConstraint(["run_uuid"], ["runs.run_uuid"], name="fk_metrics_run", ondelete="CASCADE"),
    Index("ix_metrics_run_key_step", "run_uuid", "key", "step"),
)

latest_metrics = Table(
    "latest_metrics",
    metadata,
    Column("run_uuid", String(32), nullable=False),
    Column("key", String(MAX_KEY_LENGTH), nullable=False),
    Column("value", Double(), nullable=False),
    Column("special", SmallInteger, nullable=False),
    Column("timestamp", BigInteger, nullable=False),
    Column("step", BigInteger, nullable=False),
    PrimaryKeyConstraint("run_uuid", "key", name="pk_latest_metrics"),
    ForeignKeyConstraint(["run_uuid"], ["runs.run_uuid"], name="fk_latest_metrics_run", ondelete="CASCADE"),
    Index("ix_latest_metrics_key_value", "key", "value"),
)

# Revision 0002: run inputs (datasets).
datasets = Table(
    "datasets",
    metadata,
    Column("dataset_uuid", String(32), primary_key=True),
    Column(
        "experiment_id", Integer, ForeignKey("experiments.experiment_id", name="fk_datasets_experiment"), nullable=False
    ),
    Column("name", String(500), nullable=False),
    Column("digest", String(64), nullable=False),
    Column("source_type", String(36), nullable=False),
    Column("source", Text),
    Column("schema", Text),
    Column("profile", Text),
    UniqueConstraint("experiment_id", "name", "digest", name="uq_datasets_experiment_name_digest"),
)

run_inputs = Table(
    "run_inputs",
    metadata,
    Column("run_uuid", String(32), nullable=False),
    Column("dataset_uuid", String(32), nullable=False),
    Column("context", String(64)),
    Column("tags", Text),
    PrimaryKeyConstraint("run_uuid", "dataset_uuid", name="pk_run_inputs"),
    ForeignKeyConstraint(["run_uuid"], ["runs.run_uuid"], name="fk_run_inputs_run", ondelete="CASCADE"),
    ForeignKeyConstraint(["dataset_uuid"], ["datasets.dataset_uuid"], name="fk_run_inputs_dataset"),
)

# Revision 0003: the model registry. Models have a surrogate id so a rename touches one row, and
# the audit log keeps the id and the name at the time, with no foreign key: it outlives deletions.
registered_models = Table(
    "registered_models",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(MAX_EXPERIMENT_NAME_LENGTH), nullable=False),
    Column("description", String(MAX_TAG_VALUE_LENGTH)),
    Column("creation_time", BigInteger, nullable=False),
    Column("last_updated_time", BigInteger, nullable=False),
    UniqueConstraint("name", name="uq_registered_models_name"),
)

registered_model_tags = Table(
    "registered_model_tags",
    metadata,
    Column("model_id", Integer, nullable=False),
    Column("key", String(MAX_KEY_LENGTH), nullable=False),
    Column("value", String(MAX_TAG_VALUE_LENGTH)),
    PrimaryKeyConstraint("model_id", "key", name="pk_registered_model_tags"),
    ForeignKeyConstraint(["model_id"], ["registered_models.id"], name="fk_rm_tags_model", ondelete="CASCADE"),
)

model_versions = Table(
    "model_versions",
    metadata,
    Column("model_id", Integer, nullable=False),
    Column("version", Integer, nullable=False),
    Column("description", String(MAX_TAG_VALUE_LENGTH)),
    Column("user_id", String(256)),
    Column("creation_time", BigInteger, nullable=False),
    Column("last_updated_time", BigInteger, nullable=False),
    Column("current_stage", String(20), nullable=False),
    Column("source", String(1000), nullable=False),
    Column("run_id", String(32)),
    Column("status", String(20), nullable=False),
    PrimaryKeyConstraint("model_id", "version", name="pk_model_versions"),
    ForeignKeyConstraint(["model_id"], ["registered_models.id"], name="fk_model_versions_model", ondelete="CASCADE"),
    Index("ix_model_versions_run", "run_id"),
)

model_version_tags = Table(
    "model_version_tags",
    metadata,
    Column("model_id", Integer, nullable=False),
    Column("version", Integer, nullable=False),
    Column("key", String(MAX_KEY_LENGTH), nullable=False),
    Column("value", String(MAX_TAG_VALUE_LENGTH)),
    PrimaryKeyConstraint("model_id", "version", "key", name="pk_model_version_tags"),
    ForeignKeyConstraint(
        ["model_id", "version"],
        ["model_versions.model_id", "model_versions.version"],
        name="fk_mv_tags_version",
        ondelete="CASCADE",
    ),
)

registered_model_aliases = Table(
    "registered_model_aliases",
    metadata,
    Column("model_id", Integer, nullable=False),
    Column("alias", String(MAX_KEY_LENGTH), nullable=False),
    Column("version", Integer, nullable=False),
    PrimaryKeyConstraint("model_id", "alias", name="pk_registered_model_aliases"),
    ForeignKeyConstraint(
        ["model_id", "version"],
        ["model_versions.model_id", "model_versions.version"],
        name="fk_aliases_version",
        ondelete="CASCADE",
    ),
)

transition_requests = Table(
    "transition_requests",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("model_id", Integer, nullable=False),
    Column("version", Integer, nullable=False),
    Column("target", String(MAX_KEY_LENGTH + 1), nullable=False),
    Column("status", String(20), nullable=False),
    Column("requested_by", String(256), nullable=False),
    Column("requested_at", BigInteger, nullable=False),
    Column("comment", Text),
    Column("decided_by", String(256)),
    Column("decided_at", BigInteger),
    Column("decision_comment", Text),
    ForeignKeyConstraint(
        ["model_id", "version"],
        ["model_versions.model_id", "model_versions.version"],
        name="fk_requests_version",
        ondelete="CASCADE",
    ),
    Index("ix_transition_requests_status", "status"),
)

promotion_policies = Table(
    "promotion_policies",
    metadata,
    Column("model_id", Integer, nullable=False),
    Column("target", String(MAX_KEY_LENGTH + 1), nullable=False),
    Column("require_approval", Boolean, nullable=False),
    Column("gates", Text, nullable=False),
    PrimaryKeyConstraint("model_id", "target", name="pk_promotion_policies"),
    ForeignKeyConstraint(["model_id"], ["registered_models.id"], name="fk_policies_model", ondelete="CASCADE"),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", _BigId, primary_key=True, autoincrement=True),
    Column("timestamp", BigInteger, nullable=False),
    Column("actor", String(256), nullable=False),
    Column("action", String(64), nullable=False),
    Column("model_id", Integer),
    Column("model_name", String(MAX_EXPERIMENT_NAME_LENGTH), nullable=False),
    Column("version", Integer),
    Column("target", String(MAX_KEY_LENGTH + 1)),
    Column("before", Text),
    Column("after", Text),
    Column("comment", Text),
    Index("ix_audit_log_model_time", "model_id", "timestamp"),
)
