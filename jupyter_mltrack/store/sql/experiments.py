"""Experiments in the SQL store: create, read, rename, tag, delete and restore (with their runs).

A mixin of :class:`~jupyter_mltrack.store.sql.store.SqlStore`, kept apart so each module stays small.
"""

from __future__ import annotations

import os
from typing import Any

from sqlalchemy import Connection, Engine, select, text, update
from sqlalchemy.exc import IntegrityError

from jupyter_mltrack.entities import Experiment, LifecycleStage, ViewType, now_millis
from jupyter_mltrack.errors import ExperimentNotFoundError, ResourceAlreadyExistsError
from jupyter_mltrack.store.sql.engine import read_connection
from jupyter_mltrack.store.sql.schema import experiment_tags, experiments, runs
from jupyter_mltrack.store.validation import validate_experiment_name

DEFAULT_EXPERIMENT_ID = "0"
DEFAULT_EXPERIMENT_NAME = "Default"


def _join(root: str, *parts: str) -> str:
    from jupyter_mltrack.store.artifacts import join_uri

    return join_uri(root, *parts)


def _experiment_int(experiment_id: str | int) -> int:
    try:
        return int(experiment_id)
    except (TypeError, ValueError):
        raise ExperimentNotFoundError(str(experiment_id)) from None


class ExperimentsMixin:
    engine: Engine
    artifact_root: str

    def _write(self, work: Any, retry_integrity: bool = False) -> Any:  # provided by SqlStore
        raise NotImplementedError

    def create_experiment(
        self,
        name: str,
        artifact_location: str | None = None,
        tags_: dict[str, str] | None = None,
        experiment_id: int | None = None,
    ) -> str:
        name = validate_experiment_name(name)
        if artifact_location and "://" not in artifact_location:
            artifact_location = os.path.abspath(os.path.expanduser(artifact_location))

        def work(conn: Connection) -> str:
            if conn.execute(select(experiments.c.experiment_id).where(experiments.c.name == name)).first():
                raise ResourceAlreadyExistsError(
                    f"Experiment {name!r} already exists. Use set_experiment({name!r}) to make it active, "
                    "or pick another name."
                )
            now = now_millis()
            values: dict[str, Any] = {
                "name": name,
                "artifact_location": artifact_location or "",
                "lifecycle_stage": LifecycleStage.ACTIVE.value,
                "creation_time": now,
                "last_update_time": now,
            }
            if experiment_id is not None:
                values["experiment_id"] = experiment_id
                if conn.dialect.name in ("mysql", "mariadb"):  # else MySQL turns id 0 into the next id
                    conn.execute(text("SET SESSION sql_mode = CONCAT(@@sql_mode, ',NO_AUTO_VALUE_ON_ZERO')"))
            inserted = conn.execute(experiments.insert().values(**values)).inserted_primary_key
            assert inserted is not None
            new_id = inserted[0]
            if not artifact_location:
                location = _join(self.artifact_root, str(new_id))
                conn.execute(
                    update(experiments).where(experiments.c.experiment_id == new_id).values(artifact_location=location)
                )
            for key, value in (tags_ or {}).items():
                conn.execute(experiment_tags.insert().values(experiment_id=new_id, key=key, value=value))
            return str(new_id)

        try:
            return str(self._write(work))
        except IntegrityError:
            raise ResourceAlreadyExistsError(f"Experiment {name!r} already exists.") from None

    def default_experiment_id(self) -> str:
        """Experiment "0", "Default", made on first use (MLflow's id, so old habits work)."""
        with read_connection(self.engine) as conn:
            if conn.execute(select(experiments.c.experiment_id).where(experiments.c.experiment_id == 0)).first():
                return DEFAULT_EXPERIMENT_ID
        try:
            self.create_experiment(DEFAULT_EXPERIMENT_NAME, experiment_id=0)
        except ResourceAlreadyExistsError:
            pass  # another process made it first
        return DEFAULT_EXPERIMENT_ID

    def _experiment_rows(self, conn: Connection, where: Any) -> list[Experiment]:
        rows = conn.execute(select(experiments).where(where).order_by(experiments.c.experiment_id)).all()
        ids = [r.experiment_id for r in rows]
        tag_map: dict[int, dict[str, str]] = {i: {} for i in ids}
        if ids:
            for eid, key, value in conn.execute(
                select(experiment_tags.c.experiment_id, experiment_tags.c.key, experiment_tags.c.value).where(
                    experiment_tags.c.experiment_id.in_(ids)
                )
            ):
                tag_map[eid][key] = value
        return [
            Experiment(
                experiment_id=str(r.experiment_id),
                name=r.name,
                artifact_location=r.artifact_location,
                lifecycle_stage=r.lifecycle_stage,
                tags=tag_map[r.experiment_id],
                creation_time=r.creation_time,
                last_update_time=r.last_update_time,
            )
            for r in rows
        ]

    def get_experiment(self, experiment_id: str) -> Experiment:
        numeric = _experiment_int(experiment_id)
        with read_connection(self.engine) as conn:
            found = self._experiment_rows(conn, experiments.c.experiment_id == numeric)
        if not found:
            raise ExperimentNotFoundError(str(experiment_id))
        return found[0]

    def get_experiment_by_name(self, name: str) -> Experiment | None:
        with read_connection(self.engine) as conn:
            found = self._experiment_rows(conn, experiments.c.name == name)
        return found[0] if found else None

    def list_experiments(self, view_type: ViewType = ViewType.ACTIVE_ONLY) -> list[Experiment]:
        with read_connection(self.engine) as conn:
            return self._experiment_rows(conn, experiments.c.lifecycle_stage.in_(view_type.stages()))

    def _set_experiment_stage(self, experiment_id: str, stage: LifecycleStage) -> None:
        """Deleting an experiment deletes its active runs (as MLflow does); restoring it restores
        exactly those, recognised by the deletion time they share with the experiment."""
        numeric = _experiment_int(experiment_id)

        def work(conn: Connection) -> None:
            row = conn.execute(select(experiments).where(experiments.c.experiment_id == numeric)).first()
            if row is None:
                raise ExperimentNotFoundError(str(experiment_id))
            if row.lifecycle_stage == stage.value:
                return
            now = now_millis()
            conn.execute(
                update(experiments)
                .where(experiments.c.experiment_id == numeric)
                .values(lifecycle_stage=stage.value, last_update_time=now)
            )
            in_experiment = runs.c.experiment_id == numeric
            if stage is LifecycleStage.DELETED:
                conn.execute(
                    update(runs)
                    .where(in_experiment, runs.c.lifecycle_stage == LifecycleStage.ACTIVE.value)
                    .values(lifecycle_stage=stage.value, deleted_time=now)
                )
            else:
                conn.execute(
                    update(runs)
                    .where(in_experiment, runs.c.deleted_time == row.last_update_time)
                    .values(lifecycle_stage=stage.value, deleted_time=None)
                )

        self._write(work)

    def delete_experiment(self, experiment_id: str) -> None:
        self._set_experiment_stage(experiment_id, LifecycleStage.DELETED)

    def restore_experiment(self, experiment_id: str) -> None:
        self._set_experiment_stage(experiment_id, LifecycleStage.ACTIVE)

    def rename_experiment(self, experiment_id: str, new_name: str) -> None:
        new_name = validate_experiment_name(new_name)
        numeric = _experiment_int(experiment_id)

        def work(conn: Connection) -> None:
            if not conn.execute(
                update(experiments)
                .where(experiments.c.experiment_id == numeric)
                .values(name=new_name, last_update_time=now_millis())
            ).rowcount:
                raise ExperimentNotFoundError(str(experiment_id))

        try:
            self._write(work)
        except IntegrityError:
            raise ResourceAlreadyExistsError(f"Experiment {new_name!r} already exists; pick another name.") from None

    def set_experiment_tag(self, experiment_id: str, key: str, value: str) -> None:
        numeric = _experiment_int(experiment_id)

        def work(conn: Connection) -> None:
            if not conn.execute(
                select(experiments.c.experiment_id).where(experiments.c.experiment_id == numeric)
            ).first():
                raise ExperimentNotFoundError(str(experiment_id))
            conn.execute(
                experiment_tags.delete().where(experiment_tags.c.experiment_id == numeric, experiment_tags.c.key == key)
            )
            conn.execute(experiment_tags.insert().values(experiment_id=numeric, key=key, value=value))

        self._write(work)
