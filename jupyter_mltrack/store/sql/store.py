"""The SQL tracking store: experiments, runs and their data, on SQLite, PostgreSQL or MySQL.

Methods take and return plain entities; SQLAlchemy stays inside this package. Every write is
one transaction (``BEGIN IMMEDIATE`` on SQLite) retried as a whole on transient lock errors.
"""

from __future__ import annotations

import uuid
from typing import Any, Sequence

from sqlalchemy import Connection, Row, select, update
from sqlalchemy.exc import IntegrityError, OperationalError

from jupyter_mltrack.entities import (
    DatasetInput,
    LifecycleStage,
    Metric,
    PagedList,
    Param,
    Run,
    RunInfo,
    RunStatus,
    RunTag,
    ViewType,
    now_millis,
)
from jupyter_mltrack.errors import (
    ExperimentNotFoundError,
    InvalidParameterError,
    InvalidStateError,
    RunNotFoundError,
)
from jupyter_mltrack.store.sql import run_data
from jupyter_mltrack.store.sql.engine import create_db_engine, read_connection, redact, run_write, unavailable
from jupyter_mltrack.store.sql.experiments import (
    ExperimentsMixin,
    _experiment_int,
    _join,
)
from jupyter_mltrack.store.sql.migrate import ensure_schema
from jupyter_mltrack.store.sql.schema import experiments, runs, tags

RUN_NAME_TAG = "mlflow.runName"
KILLED_REASON_TAG = "mltrack.killedReason"


class SqlStore(ExperimentsMixin):
    """One tracking database. Cheap to share: the engine pools connections."""

    def __init__(self, uri: str, artifact_root: str) -> None:
        self.uri = uri
        self.artifact_root = artifact_root
        self.engine = create_db_engine(uri)
        try:
            ensure_schema(self.engine, uri)
        except OperationalError as exc:
            self.engine.dispose()
            raise unavailable(self.engine, exc) from exc
        self._registry: Any = None

    def __repr__(self) -> str:
        return f"SqlStore({redact(self.uri)!r})"

    @property
    def registry(self) -> Any:
        """The registry store on the same database (built on first use)."""
        if self._registry is None:
            from jupyter_mltrack.store.sql.registry_store import SqlRegistryStore

            self._registry = SqlRegistryStore(self.engine)
        return self._registry

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def _write(self, work: Any, retry_integrity: bool = False) -> Any:
        if not retry_integrity:
            return run_write(self.engine, work)
        for attempt in range(3):
            try:
                return run_write(self.engine, work)
            except IntegrityError:
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    # ------------------------------------------------------------------------------------ runs
    def create_run(
        self,
        experiment_id: str,
        *,
        user_id: str,
        start_time: int,
        run_name: str,
        tags_: Sequence[RunTag] = (),
        parent_run_id: str | None = None,
        owner: str | None = None,
        notebook_path: str | None = None,
        cell_id: str | None = None,
        source: str | None = None,
    ) -> Run:
        numeric = _experiment_int(experiment_id)
        run_id = uuid.uuid4().hex

        def work(conn: Connection) -> None:
            exp = conn.execute(
                select(experiments.c.artifact_location, experiments.c.lifecycle_stage).where(
                    experiments.c.experiment_id == numeric
                )
            ).first()
            if exp is None:
                raise ExperimentNotFoundError(str(experiment_id))
            if exp.lifecycle_stage != LifecycleStage.ACTIVE.value:
                raise InvalidStateError(
                    f"Experiment {experiment_id} is deleted; restore it (`mltrack experiments restore`) or use another."
                )
            conn.execute(
                runs.insert().values(
                    run_uuid=run_id,
                    name=run_name,
                    experiment_id=numeric,
                    user_id=user_id,
                    status=RunStatus.RUNNING.value,
                    start_time=start_time,
                    lifecycle_stage=LifecycleStage.ACTIVE.value,
                    artifact_uri=_join(exp.artifact_location, run_id, "artifacts"),
                    parent_run_id=parent_run_id,
                    notebook_path=notebook_path,
                    cell_id=cell_id,
                    source=source,
                    heartbeat_time=start_time if owner else None,
                    owner=owner,
                )
            )
            all_tags = [RunTag(RUN_NAME_TAG, run_name), *tags_]
            run_data.write_tags(conn, run_id, all_tags)

        self._write(work)
        return self.get_run(run_id)

    def _run_row(self, conn: Connection, run_id: str) -> Row[Any]:
        row = conn.execute(select(runs).where(runs.c.run_uuid == run_id)).first()
        if row is None:
            raise RunNotFoundError(run_id)
        return row

    def _active_run_row(self, conn: Connection, run_id: str) -> Row[Any]:
        row = self._run_row(conn, run_id)
        if row.lifecycle_stage != LifecycleStage.ACTIVE.value:
            raise InvalidStateError(f"Run {run_id} is deleted; restore it with restore_run() before logging to it.")
        return row

    def get_run(self, run_id: str) -> Run:
        with read_connection(self.engine) as conn:
            return self._runs_from_rows(conn, [self._run_row(conn, run_id)])[0]

    def _runs_from_rows(self, conn: Connection, rows: Sequence[Row[Any]]) -> list[Run]:
        ids = [r.run_uuid for r in rows]
        data = run_data.read_run_data(conn, ids)
        inputs = run_data.read_run_inputs(conn, ids)
        return [Run(info=_run_info(r), data=data[r.run_uuid], inputs=inputs[r.run_uuid]) for r in rows]

    def update_run_info(
        self, run_id: str, status: RunStatus | None = None, end_time: int | None = None, run_name: str | None = None
    ) -> RunInfo:
        def work(conn: Connection) -> None:
            self._run_row(conn, run_id)
            values: dict[str, Any] = {}
            if status is not None:
                values["status"] = status.value
                if status.is_terminated:
                    values["end_time"] = end_time if end_time is not None else now_millis()
                    values["heartbeat_time"] = None
            if run_name is not None:
                values["name"] = run_name
                run_data.write_tags(conn, run_id, [RunTag(RUN_NAME_TAG, run_name)])
            if values:
                conn.execute(update(runs).where(runs.c.run_uuid == run_id).values(**values))

        self._write(work)
        return self.get_run(run_id).info

    def set_run_provenance(self, run_id: str, **fields: str | None) -> None:
        allowed = {"notebook_path", "cell_id", "source", "parent_run_id"}
        unknown = set(fields) - allowed
        if unknown:
            raise InvalidParameterError(f"Unknown run provenance fields {sorted(unknown)}; use {sorted(allowed)}.")

        def work(conn: Connection) -> None:
            self._run_row(conn, run_id)
            conn.execute(update(runs).where(runs.c.run_uuid == run_id).values(**fields))

        self._write(work)

    def _set_run_stage(self, run_id: str, stage: LifecycleStage) -> None:
        def work(conn: Connection) -> None:
            row = self._run_row(conn, run_id)
            if row.lifecycle_stage == stage.value:
                return  # deleting twice keeps the first deletion time (gc's --older-than counts from it)
            deleted_time = now_millis() if stage is LifecycleStage.DELETED else None
            conn.execute(
                update(runs)
                .where(runs.c.run_uuid == run_id)
                .values(lifecycle_stage=stage.value, deleted_time=deleted_time)
            )

        self._write(work)

    def delete_run(self, run_id: str) -> None:
        self._set_run_stage(run_id, LifecycleStage.DELETED)

    def restore_run(self, run_id: str) -> None:
        self._set_run_stage(run_id, LifecycleStage.ACTIVE)

    def deleted_runs(self, older_than_ms: int | None = None) -> list[tuple[str, str]]:
        """(run_id, artifact_uri) of deleted runs, for garbage collection."""
        query = select(runs.c.run_uuid, runs.c.artifact_uri).where(
            runs.c.lifecycle_stage == LifecycleStage.DELETED.value
        )
        if older_than_ms is not None:
            query = query.where(runs.c.deleted_time <= now_millis() - older_than_ms)
        with read_connection(self.engine) as conn:
            return [(r, a) for r, a in conn.execute(query)]

    def purge_runs(self, run_ids: Sequence[str]) -> None:
        """Remove deleted runs and everything they hold. Refuses a run that is not deleted."""
        from jupyter_mltrack.store.sql.schema import latest_metrics, metrics, params, run_inputs

        def work(conn: Connection) -> None:
            for part in run_data.chunks(list(run_ids)):
                live = (
                    conn.execute(
                        select(runs.c.run_uuid).where(
                            runs.c.run_uuid.in_(part), runs.c.lifecycle_stage != LifecycleStage.DELETED.value
                        )
                    )
                    .scalars()
                    .all()
                )
                if live:
                    raise InvalidStateError(f"Runs {sorted(live)} are not deleted; delete them before purging.")
                for table in (metrics, latest_metrics, params, tags, run_inputs):
                    conn.execute(table.delete().where(table.c.run_uuid.in_(part)))
                conn.execute(runs.delete().where(runs.c.run_uuid.in_(part)))

        self._write(work)

    # -------------------------------------------------------------------------------- run data
    def log_batch(
        self, run_id: str, metrics: Sequence[Metric] = (), params: Sequence[Param] = (), tags_: Sequence[RunTag] = ()
    ) -> None:
        run_data.check_batch_sizes(len(metrics), len(params), len(tags_))

        def work(conn: Connection) -> None:
            self._active_run_row(conn, run_id)
            run_data.write_params(conn, run_id, params)
            run_data.write_tags(conn, run_id, tags_)
            run_data.write_metrics(conn, [(run_id, m) for m in metrics])

        self._write(work, retry_integrity=True)

    def log_metrics_multi(self, items: Sequence[tuple[str, Metric]]) -> None:
        """Metrics for several runs in one transaction (the tracking client's buffer flush)."""
        run_ids = sorted({run_id for run_id, _ in items})

        def work(conn: Connection) -> None:
            for run_id in run_ids:
                self._active_run_row(conn, run_id)
            run_data.write_metrics(conn, items)

        self._write(work, retry_integrity=True)

    def delete_tag(self, run_id: str, key: str) -> None:
        def work(conn: Connection) -> None:
            self._active_run_row(conn, run_id)
            if not run_data.delete_tag(conn, run_id, key):
                raise InvalidParameterError(f"Run {run_id} has no tag {key!r}; nothing was deleted.")

        self._write(work)

    def log_inputs(self, run_id: str, inputs: Sequence[DatasetInput]) -> None:
        def work(conn: Connection) -> None:
            row = self._active_run_row(conn, run_id)
            run_data.write_inputs(conn, run_id, row.experiment_id, inputs)

        self._write(work, retry_integrity=True)

    def get_metric_history(self, run_id: str, key: str) -> list[Metric]:
        with read_connection(self.engine) as conn:
            self._run_row(conn, run_id)
            return run_data.read_metric_history(conn, run_id, key)

    def get_metric_histories(self, run_ids: Sequence[str], keys: Sequence[str]) -> dict[tuple[str, str], list[Metric]]:
        with read_connection(self.engine) as conn:
            for part in run_data.chunks(list(dict.fromkeys(run_ids))):
                found = set(conn.execute(select(runs.c.run_uuid).where(runs.c.run_uuid.in_(part))).scalars())
                missing = [r for r in part if r not in found]
                if missing:
                    raise RunNotFoundError(missing[0])
            return run_data.read_metric_histories(conn, list(run_ids), list(keys))

    # ------------------------------------------------------------------------------ search
    def search_runs(
        self,
        experiment_ids: Sequence[str],
        filter_string: str | None = None,
        view_type: ViewType = ViewType.ACTIVE_ONLY,
        max_results: int = 1000,
        order_by: Sequence[str] | None = None,
        page_token: str | None = None,
    ) -> PagedList[Run]:
        from jupyter_mltrack.store.sql import search

        ids = [_experiment_int(e) for e in experiment_ids]
        with read_connection(self.engine) as conn:
            rows, token = search.find_run_rows(conn, ids, filter_string, view_type, max_results, order_by, page_token)
            return PagedList(self._runs_from_rows(conn, rows), token)

    # --------------------------------------------------------------------------- liveness
    def heartbeat(self, run_ids: Sequence[str], now: int | None = None) -> None:
        if not run_ids:
            return
        beat = now if now is not None else now_millis()

        def work(conn: Connection) -> None:
            conn.execute(
                update(runs)
                .where(runs.c.run_uuid.in_(list(run_ids)), runs.c.status == RunStatus.RUNNING.value)
                .values(heartbeat_time=beat)
            )

        self._write(work)

    def reap_dead_runs(self, timeout_ms: int, now: int | None = None) -> list[str]:
        """Mark KILLED the RUNNING runs whose owner stopped beating; returns their ids."""
        cutoff = (now if now is not None else now_millis()) - timeout_ms
        stale = (
            (runs.c.status == RunStatus.RUNNING.value)
            & runs.c.heartbeat_time.is_not(None)
            & (runs.c.heartbeat_time < cutoff)
        )
        with read_connection(self.engine) as conn:  # cheap check first: reads never take the write lock
            if conn.execute(select(runs.c.run_uuid).where(stale).limit(1)).first() is None:
                return []

        def work(conn: Connection) -> list[str]:
            dead = conn.execute(select(runs.c.run_uuid, runs.c.heartbeat_time, runs.c.owner).where(stale)).all()
            for run_id, last_beat, owner in dead:
                conn.execute(
                    update(runs)
                    .where(runs.c.run_uuid == run_id, stale)
                    .values(status=RunStatus.KILLED.value, end_time=last_beat, heartbeat_time=None)
                )
                reason = f"process {owner} stopped sending heartbeats; last one at {last_beat} ms"
                run_data.write_tags(conn, run_id, [RunTag(KILLED_REASON_TAG, reason)])
            return [d[0] for d in dead]

        result: list[str] = self._write(work)
        return result

    def schema_revision(self) -> str | None:
        from jupyter_mltrack.store.sql.migrate import current_revision

        with self.engine.connect() as conn:
            return current_revision(conn)

    def close(self) -> None:
        self.engine.dispose()


def _run_info(row: Row[Any]) -> RunInfo:
    return RunInfo(
        run_id=row.run_uuid,
        experiment_id=str(row.experiment_id),
        run_name=row.name or "",
        user_id=row.user_id or "",
        status=row.status,
        start_time=row.start_time,
        end_time=row.end_time,
        artifact_uri=row.artifact_uri,
        lifecycle_stage=row.lifecycle_stage,
        parent_run_id=row.parent_run_id,
        notebook_path=row.notebook_path,
        cell_id=row.cell_id,
        source=row.source,
    )
