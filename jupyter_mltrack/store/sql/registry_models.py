"""Registered models and model versions: create, read, search, update, delete, tags.

Version numbers are allocated under a lock on the model's row (SQLite: the write lock), so
concurrent registrations get distinct consecutive numbers.
"""

from __future__ import annotations

from typing import Any, Sequence

from sqlalchemy import Connection, Engine, delete, func, select, update
from sqlalchemy.exc import IntegrityError

from jupyter_mltrack.entities import ModelStage, ModelVersion, RegisteredModel, now_millis
from jupyter_mltrack.errors import InvalidParameterError, ResourceAlreadyExistsError
from jupyter_mltrack.store.sql import registry_common as rc
from jupyter_mltrack.store.sql.engine import read_connection, run_write
from jupyter_mltrack.store.sql.schema import (
    model_version_tags,
    model_versions,
    registered_model_tags,
    registered_models,
)
from jupyter_mltrack.store.validation import validate_experiment_name, validate_tag


def _exists_error(name: str) -> ResourceAlreadyExistsError:
    return ResourceAlreadyExistsError(
        f"Registered model {name!r} already exists. Add a version with create_model_version() or pick another name."
    )


class RegistryModelsMixin:
    engine: Engine

    def _write(self, work: Any) -> Any:
        return run_write(self.engine, work)

    # ------------------------------------------------------------------------- registered models
    def _insert_model(
        self, conn: Connection, name: str, tags: dict[str, str], description: str | None, actor: str
    ) -> Any:
        if conn.execute(select(registered_models.c.id).where(registered_models.c.name == name)).first():
            raise _exists_error(name)
        now = now_millis()
        model_id = conn.execute(
            registered_models.insert().values(
                name=name, description=description, creation_time=now, last_updated_time=now
            )
        ).inserted_primary_key[0]  # type: ignore[index]
        for key, value in tags.items():
            conn.execute(registered_model_tags.insert().values(model_id=model_id, key=key, value=value))
        rc.audit(
            conn, actor, "create_registered_model", (model_id, name), after={"tags": tags, "description": description}
        )
        return rc.model_row(conn, name)

    def create_registered_model(
        self, name: str, tags: dict[str, str] | None = None, description: str | None = None, *, actor: str
    ) -> RegisteredModel:
        name = validate_experiment_name(name)
        clean = dict(validate_tag(k, v) for k, v in (tags or {}).items())
        try:
            row = self._write(lambda conn: self._insert_model(conn, name, clean, description, actor))
        except IntegrityError:
            raise _exists_error(name) from None
        return self.get_registered_model(row.name)

    def get_registered_model(self, name: str) -> RegisteredModel:
        with read_connection(self.engine) as conn:
            return rc.build_model(conn, rc.model_row(conn, name))

    def list_registered_models(self) -> list[RegisteredModel]:
        with read_connection(self.engine) as conn:
            rows = conn.execute(select(registered_models).order_by(registered_models.c.name)).all()
            return [rc.build_model(conn, r) for r in rows]

    def rename_registered_model(self, name: str, new_name: str, *, actor: str) -> RegisteredModel:
        new_name = validate_experiment_name(new_name)

        def work(conn: Connection) -> None:
            row = rc.model_row(conn, name, lock=True)
            if conn.execute(select(registered_models.c.id).where(registered_models.c.name == new_name)).first():
                raise _exists_error(new_name)
            conn.execute(
                update(registered_models)
                .where(registered_models.c.id == row.id)
                .values(name=new_name, last_updated_time=now_millis())
            )
            rc.audit(
                conn,
                actor,
                "rename_registered_model",
                (row.id, new_name),
                before={"name": name},
                after={"name": new_name},
            )

        self._write(work)
        return self.get_registered_model(new_name)

    def update_registered_model(self, name: str, description: str | None, *, actor: str) -> RegisteredModel:
        def work(conn: Connection) -> None:
            row = rc.model_row(conn, name, lock=True)
            conn.execute(
                update(registered_models)
                .where(registered_models.c.id == row.id)
                .values(description=description, last_updated_time=now_millis())
            )
            rc.audit(
                conn,
                actor,
                "update_registered_model",
                row,
                before={"description": row.description},
                after={"description": description},
            )

        self._write(work)
        return self.get_registered_model(name)

    def delete_registered_model(self, name: str, *, actor: str) -> None:
        def work(conn: Connection) -> None:
            row = rc.model_row(conn, name, lock=True)
            versions = (
                conn.execute(select(model_versions.c.version).where(model_versions.c.model_id == row.id))
                .scalars()
                .all()
            )
            conn.execute(delete(registered_models).where(registered_models.c.id == row.id))
            rc.audit(conn, actor, "delete_registered_model", row, before={"versions": sorted(versions)})

        self._write(work)

    def set_registered_model_tag(self, name: str, key: str, value: Any, *, actor: str) -> None:
        key, text = validate_tag(key, value)

        def work(conn: Connection) -> None:
            row = rc.model_row(conn, name, lock=True)
            old = conn.execute(
                select(registered_model_tags.c.value).where(
                    registered_model_tags.c.model_id == row.id, registered_model_tags.c.key == key
                )
            ).scalar()
            conn.execute(
                delete(registered_model_tags).where(
                    registered_model_tags.c.model_id == row.id, registered_model_tags.c.key == key
                )
            )
            conn.execute(registered_model_tags.insert().values(model_id=row.id, key=key, value=text))
            rc.audit(conn, actor, "set_registered_model_tag", row, target=key, before=old, after=text)

        self._write(work)

    def delete_registered_model_tag(self, name: str, key: str, *, actor: str) -> None:
        def work(conn: Connection) -> None:
            row = rc.model_row(conn, name, lock=True)
            old = conn.execute(
                select(registered_model_tags.c.value).where(
                    registered_model_tags.c.model_id == row.id, registered_model_tags.c.key == key
                )
            ).scalar()
            if old is None:
                raise InvalidParameterError(f"Model {name!r} has no tag {key!r}; nothing was deleted.")
            conn.execute(
                delete(registered_model_tags).where(
                    registered_model_tags.c.model_id == row.id, registered_model_tags.c.key == key
                )
            )
            rc.audit(conn, actor, "delete_registered_model_tag", row, target=key, before=old)

        self._write(work)

    # ---------------------------------------------------------------------------- model versions
    def create_model_version(
        self,
        name: str,
        source: str,
        run_id: str | None = None,
        tags: dict[str, str] | None = None,
        description: str | None = None,
        *,
        actor: str,
        create_model: bool = False,
    ) -> ModelVersion:
        """A new version numbered one past the highest ever used (numbers are never reused)."""
        name = validate_experiment_name(name)
        clean = dict(validate_tag(k, v) for k, v in (tags or {}).items())

        def work(conn: Connection) -> int:
            try:
                row = rc.model_row(conn, name, lock=True)
            except rc.RegisteredModelNotFoundError:
                if not create_model:
                    raise
                row = self._insert_model(conn, name, {}, None, actor)
            highest = max(
                conn.execute(
                    select(func.max(model_versions.c.version)).where(model_versions.c.model_id == row.id)
                ).scalar()
                or 0,
                _highest_audited_version(conn, row.id),
            )
            number = highest + 1
            now = now_millis()
            conn.execute(
                model_versions.insert().values(
                    model_id=row.id,
                    version=number,
                    description=description,
                    user_id=actor,
                    creation_time=now,
                    last_updated_time=now,
                    current_stage=ModelStage.NONE.value,
                    source=source,
                    run_id=run_id,
                    status="READY",
                )
            )
            for key, value in clean.items():
                conn.execute(model_version_tags.insert().values(model_id=row.id, version=number, key=key, value=value))
            conn.execute(
                update(registered_models).where(registered_models.c.id == row.id).values(last_updated_time=now)
            )
            rc.audit(
                conn,
                actor,
                "create_model_version",
                row,
                version=number,
                after={"source": source, "run_id": run_id, "tags": clean},
            )
            return number

        number = self._write(work)
        return self.get_model_version(name, number)

    def get_model_version(self, name: str, version: str | int) -> ModelVersion:
        with read_connection(self.engine) as conn:
            model = rc.model_row(conn, name)
            return rc.build_versions(conn, model.name, [rc.version_row(conn, model.id, name, version)])[0]

    def list_model_versions(self, name: str | None = None, run_id: str | None = None) -> list[ModelVersion]:
        with read_connection(self.engine) as conn:
            query = select(registered_models.c.id, registered_models.c.name)
            if name is not None:
                query = query.where(registered_models.c.name == name)
            found: list[ModelVersion] = []
            for model_id, model_name in conn.execute(query.order_by(registered_models.c.name)).all():
                vq = select(model_versions).where(model_versions.c.model_id == model_id)
                if run_id is not None:
                    vq = vq.where(model_versions.c.run_id == run_id)
                found.extend(
                    rc.build_versions(conn, model_name, list(conn.execute(vq.order_by(model_versions.c.version)).all()))
                )
            return found

    def update_model_version(
        self, name: str, version: str | int, description: str | None, *, actor: str
    ) -> ModelVersion:
        def work(conn: Connection) -> None:
            model = rc.model_row(conn, name, lock=True)
            row = rc.version_row(conn, model.id, name, version)
            conn.execute(
                update(model_versions)
                .where(model_versions.c.model_id == model.id, model_versions.c.version == row.version)
                .values(description=description, last_updated_time=now_millis())
            )
            rc.audit(
                conn,
                actor,
                "update_model_version",
                model,
                version=row.version,
                before={"description": row.description},
                after={"description": description},
            )

        self._write(work)
        return self.get_model_version(name, version)

    def delete_model_version(self, name: str, version: str | int, *, actor: str) -> None:
        def work(conn: Connection) -> None:
            model = rc.model_row(conn, name, lock=True)
            row = rc.version_row(conn, model.id, name, version)
            before = rc.build_versions(conn, name, [row])[0]
            conn.execute(
                delete(model_versions).where(
                    model_versions.c.model_id == model.id, model_versions.c.version == row.version
                )
            )
            rc.audit(
                conn,
                actor,
                "delete_model_version",
                model,
                version=row.version,
                before={"stage": before.current_stage, "aliases": list(before.aliases)},
            )

        self._write(work)

    def set_model_version_tag(self, name: str, version: str | int, key: str, value: Any, *, actor: str) -> None:
        key, text = validate_tag(key, value)

        def work(conn: Connection) -> None:
            model = rc.model_row(conn, name, lock=True)
            row = rc.version_row(conn, model.id, name, version)
            where = (
                model_version_tags.c.model_id == model.id,
                model_version_tags.c.version == row.version,
                model_version_tags.c.key == key,
            )
            old = conn.execute(select(model_version_tags.c.value).where(*where)).scalar()
            conn.execute(delete(model_version_tags).where(*where))
            conn.execute(
                model_version_tags.insert().values(model_id=model.id, version=row.version, key=key, value=text)
            )
            rc.audit(
                conn, actor, "set_model_version_tag", model, version=row.version, target=key, before=old, after=text
            )

        self._write(work)

    def delete_model_version_tag(self, name: str, version: str | int, key: str, *, actor: str) -> None:
        def work(conn: Connection) -> None:
            model = rc.model_row(conn, name, lock=True)
            row = rc.version_row(conn, model.id, name, version)
            where = (
                model_version_tags.c.model_id == model.id,
                model_version_tags.c.version == row.version,
                model_version_tags.c.key == key,
            )
            old = conn.execute(select(model_version_tags.c.value).where(*where)).scalar()
            if old is None:
                raise InvalidParameterError(
                    f"Version {row.version} of {name!r} has no tag {key!r}; nothing was deleted."
                )
            conn.execute(delete(model_version_tags).where(*where))
            rc.audit(conn, actor, "delete_model_version_tag", model, version=row.version, target=key, before=old)

        self._write(work)

    def get_latest_versions(self, name: str, stages: Sequence[str] | None = None) -> list[ModelVersion]:
        """The newest version in each stage (MLflow's get_latest_versions)."""
        wanted = {ModelStage.parse(s).value for s in stages} if stages else None
        model = self.get_registered_model(name)
        return [v for v in model.latest_versions if wanted is None or v.current_stage in wanted]


def _highest_audited_version(conn: Connection, model_id: int) -> int:
    """Deleted versions keep their numbers: MLflow never reuses one, nor do we."""
    from jupyter_mltrack.store.sql.schema import audit_log

    found = conn.execute(
        select(func.max(audit_log.c.version)).where(
            audit_log.c.model_id == model_id, audit_log.c.action == "create_model_version"
        )
    ).scalar()
    return int(found or 0)
