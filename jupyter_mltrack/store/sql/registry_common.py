"""Shared pieces of the registry store: row lookups, entity building and the audit writer.

Every registry change calls :func:`audit` inside its own transaction, so a change and its audit
row commit together or not at all. The audit table is append-only: nothing here updates or
deletes it.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Connection, Row, select

from jupyter_mltrack.entities import AuditEntry, ModelVersion, RegisteredModel, TransitionRequest, now_millis
from jupyter_mltrack.errors import ResourceNotFoundError
from jupyter_mltrack.store.sql.schema import (
    audit_log,
    model_version_tags,
    model_versions,
    registered_model_aliases,
    registered_model_tags,
    registered_models,
    transition_requests,
)


class RegisteredModelNotFoundError(ResourceNotFoundError):
    def __init__(self, name: str) -> None:
        self.name = name
        super().__init__(
            f"Registered model {name!r} does not exist. List models with `mltrack models list`, "
            "or register one with register_model()."
        )


class ModelVersionNotFoundError(ResourceNotFoundError):
    def __init__(self, name: str, version: str | int) -> None:
        self.name = name
        self.version = str(version)
        super().__init__(
            f"Model {name!r} has no version {version}. See its versions with `mltrack models show {name}`."
        )


def model_row(conn: Connection, name: str, lock: bool = False) -> Row[Any]:
    """The model's row; ``lock`` serialises writers of one model (PostgreSQL/MySQL row lock)."""
    query = select(registered_models).where(registered_models.c.name == name)
    if lock and conn.dialect.name != "sqlite":  # SQLite's BEGIN IMMEDIATE already serialises
        query = query.with_for_update()
    row = conn.execute(query).first()
    if row is None:
        raise RegisteredModelNotFoundError(name)
    return row


def version_number(version: str | int, name: str) -> int:
    try:
        number = int(version)
    except (TypeError, ValueError):
        raise ModelVersionNotFoundError(name, version) from None
    if number < 1:
        raise ModelVersionNotFoundError(name, version)
    return number


def version_row(conn: Connection, model_id: int, name: str, version: str | int) -> Row[Any]:
    number = version_number(version, name)
    row = conn.execute(
        select(model_versions).where(model_versions.c.model_id == model_id, model_versions.c.version == number)
    ).first()
    if row is None:
        raise ModelVersionNotFoundError(name, version)
    return row


def audit(
    conn: Connection,
    actor: str,
    action: str,
    model: Row[Any] | tuple[int | None, str],
    version: int | None = None,
    target: str | None = None,
    before: Any = None,
    after: Any = None,
    comment: str | None = None,
) -> None:
    model_id, name = (model.id, model.name) if isinstance(model, Row) else model
    conn.execute(
        audit_log.insert().values(
            timestamp=now_millis(),
            actor=actor,
            action=action,
            model_id=model_id,
            model_name=name,
            version=version,
            target=target,
            before=None if before is None else json.dumps(before, sort_keys=True),
            after=None if after is None else json.dumps(after, sort_keys=True),
            comment=comment,
        )
    )


def audit_entry(row: Row[Any]) -> AuditEntry:
    return AuditEntry(
        entry_id=int(row.id),
        timestamp=row.timestamp,
        actor=row.actor,
        action=row.action,
        name=row.model_name,
        version=None if row.version is None else str(row.version),
        target=row.target,
        before=None if row.before is None else json.loads(row.before),
        after=None if row.after is None else json.loads(row.after),
        comment=row.comment,
    )


def build_versions(conn: Connection, name: str, rows: list[Row[Any]]) -> list[ModelVersion]:
    if not rows:
        return []
    model_id = rows[0].model_id
    numbers = [r.version for r in rows]
    tags: dict[int, dict[str, str]] = {n: {} for n in numbers}
    for version, key, value in conn.execute(
        select(model_version_tags.c.version, model_version_tags.c.key, model_version_tags.c.value).where(
            model_version_tags.c.model_id == model_id, model_version_tags.c.version.in_(numbers)
        )
    ):
        tags[version][key] = value
    aliases: dict[int, list[str]] = {n: [] for n in numbers}
    for alias, version in conn.execute(
        select(registered_model_aliases.c.alias, registered_model_aliases.c.version).where(
            registered_model_aliases.c.model_id == model_id, registered_model_aliases.c.version.in_(numbers)
        )
    ):
        aliases[version].append(alias)
    return [
        ModelVersion(
            name=name,
            version=str(r.version),
            creation_timestamp=r.creation_time,
            last_updated_timestamp=r.last_updated_time,
            current_stage=r.current_stage,
            source=r.source,
            run_id=r.run_id,
            status=r.status,
            description=r.description,
            user_id=r.user_id,
            tags=tags[r.version],
            aliases=tuple(sorted(aliases[r.version])),
        )
        for r in rows
    ]


def build_model(conn: Connection, row: Row[Any]) -> RegisteredModel:
    tags = dict(
        conn.execute(
            select(registered_model_tags.c.key, registered_model_tags.c.value).where(
                registered_model_tags.c.model_id == row.id
            )
        ).all()
    )
    aliases = {
        alias: str(version)
        for alias, version in conn.execute(
            select(registered_model_aliases.c.alias, registered_model_aliases.c.version).where(
                registered_model_aliases.c.model_id == row.id
            )
        )
    }
    # MLflow's latest_versions: the newest version in each stage.
    latest_rows = conn.execute(
        select(model_versions).where(model_versions.c.model_id == row.id).order_by(model_versions.c.version.desc())
    ).all()
    newest_per_stage: dict[str, Row[Any]] = {}
    for r in latest_rows:
        newest_per_stage.setdefault(r.current_stage, r)
    latest = build_versions(conn, row.name, sorted(newest_per_stage.values(), key=lambda r: r.version))
    return RegisteredModel(
        name=row.name,
        creation_timestamp=row.creation_time,
        last_updated_timestamp=row.last_updated_time,
        description=row.description,
        tags=tags,
        aliases=aliases,
        latest_versions=tuple(latest),
    )


def build_request(row: Row[Any], name: str) -> TransitionRequest:
    return TransitionRequest(
        request_id=str(row.id),
        name=name,
        version=str(row.version),
        target=row.target,
        status=row.status,
        requested_by=row.requested_by,
        requested_at=row.requested_at,
        comment=row.comment,
        decided_by=row.decided_by,
        decided_at=row.decided_at,
        decision_comment=row.decision_comment,
    )


def request_row(conn: Connection, request_id: str | int) -> Row[Any]:
    try:
        number = int(request_id)
    except (TypeError, ValueError):
        number = -1
    row = conn.execute(select(transition_requests).where(transition_requests.c.id == number)).first()
    if row is None:
        raise ResourceNotFoundError(
            f"Transition request {request_id!r} does not exist. List requests with list_transition_requests()."
        )
    return row
