"""Stages, aliases, transition requests, promotion policies and the audit history.

An approved request applies its transition in the same transaction that marks it approved, so a
request can never be "approved" without the promotion having happened, or the other way round.
"""

from __future__ import annotations

import json
import re
from typing import Any, Sequence

from sqlalchemy import Connection, Engine, delete, select, update

from jupyter_mltrack.entities import (
    AuditEntry,
    ModelStage,
    ModelVersion,
    PromotionPolicy,
    RequestStatus,
    TransitionRequest,
    now_millis,
)
from jupyter_mltrack.errors import InvalidParameterError, InvalidStateError, ResourceNotFoundError
from jupyter_mltrack.store.sql import registry_common as rc
from jupyter_mltrack.store.sql.engine import read_connection
from jupyter_mltrack.store.sql.schema import (
    audit_log,
    model_versions,
    promotion_policies,
    registered_model_aliases,
    registered_models,
    transition_requests,
)
from jupyter_mltrack.store.validation import validate_key

_RESERVED_ALIAS = re.compile(r"^(latest|v\d+)$", re.IGNORECASE)
EXCLUSIVE_STAGES = (ModelStage.STAGING.value, ModelStage.PRODUCTION.value)


def normalize_target(target: str) -> str:
    """A stage's canonical name, or ``@alias``."""
    text = str(target).strip()
    if text.startswith("@"):
        return "@" + validate_alias(text[1:])
    try:
        return ModelStage.parse(text).value
    except ValueError as exc:
        raise InvalidParameterError(str(exc)) from None


def validate_alias(alias: str) -> str:
    alias = validate_key("alias", alias)
    if _RESERVED_ALIAS.match(alias):
        raise InvalidParameterError(
            f"Alias {alias!r} is reserved ('latest' and 'v<number>' already mean something in model URIs); "
            "pick another."
        )
    return alias


class RegistryPromotionMixin:
    engine: Engine

    def _write(self, work: Any) -> Any:  # provided by RegistryModelsMixin
        raise NotImplementedError

    # ---------------------------------------------------------------------------- stages & aliases
    def _transition(
        self,
        conn: Connection,
        model: Any,
        version: int,
        stage: str,
        archive_existing: bool,
        actor: str,
        comment: str | None,
    ) -> None:
        row = rc.version_row(conn, model.id, model.name, version)
        now = now_millis()
        if archive_existing and stage in EXCLUSIVE_STAGES:
            others = conn.execute(
                select(model_versions.c.version, model_versions.c.current_stage).where(
                    model_versions.c.model_id == model.id,
                    model_versions.c.current_stage == stage,
                    model_versions.c.version != row.version,
                )
            ).all()
            for other, old in others:
                conn.execute(
                    update(model_versions)
                    .where(model_versions.c.model_id == model.id, model_versions.c.version == other)
                    .values(current_stage=ModelStage.ARCHIVED.value, last_updated_time=now)
                )
                rc.audit(
                    conn,
                    actor,
                    "transition_stage",
                    model,
                    version=other,
                    target=ModelStage.ARCHIVED.value,
                    before=old,
                    after=ModelStage.ARCHIVED.value,
                    comment=f"archived: version {row.version} moved to {stage}",
                )
        conn.execute(
            update(model_versions)
            .where(model_versions.c.model_id == model.id, model_versions.c.version == row.version)
            .values(current_stage=stage, last_updated_time=now)
        )
        _touch(conn, model.id, now)
        rc.audit(
            conn,
            actor,
            "transition_stage",
            model,
            version=row.version,
            target=stage,
            before=row.current_stage,
            after=stage,
            comment=comment,
        )

    def transition_stage(
        self,
        name: str,
        version: str | int,
        stage: str,
        archive_existing_versions: bool = False,
        *,
        actor: str,
        comment: str | None = None,
    ) -> ModelVersion:
        target = normalize_target(stage)
        if target.startswith("@"):
            raise InvalidParameterError(f"{stage!r} is an alias; use set_registered_model_alias for aliases.")

        def work(conn: Connection) -> None:
            model = rc.model_row(conn, name, lock=True)
            self._transition(
                conn, model, rc.version_number(version, name), target, archive_existing_versions, actor, comment
            )

        self._write(work)
        return self.get_model_version(name, version)  # type: ignore[attr-defined,no-any-return]

    def _set_alias(
        self, conn: Connection, model: Any, alias: str, version: int, actor: str, comment: str | None
    ) -> None:
        row = rc.version_row(conn, model.id, model.name, version)
        where = (registered_model_aliases.c.model_id == model.id, registered_model_aliases.c.alias == alias)
        old = conn.execute(select(registered_model_aliases.c.version).where(*where)).scalar()
        conn.execute(delete(registered_model_aliases).where(*where))
        conn.execute(registered_model_aliases.insert().values(model_id=model.id, alias=alias, version=row.version))
        _touch(conn, model.id, now_millis())
        rc.audit(
            conn,
            actor,
            "set_alias",
            model,
            version=row.version,
            target="@" + alias,
            before=old,
            after=row.version,
            comment=comment,
        )

    def set_alias(self, name: str, alias: str, version: str | int, *, actor: str, comment: str | None = None) -> None:
        alias = validate_alias(alias)

        def work(conn: Connection) -> None:
            model = rc.model_row(conn, name, lock=True)
            self._set_alias(conn, model, alias, rc.version_number(version, name), actor, comment)

        self._write(work)

    def delete_alias(self, name: str, alias: str, *, actor: str, comment: str | None = None) -> None:
        def work(conn: Connection) -> None:
            model = rc.model_row(conn, name, lock=True)
            where = (registered_model_aliases.c.model_id == model.id, registered_model_aliases.c.alias == alias)
            old = conn.execute(select(registered_model_aliases.c.version).where(*where)).scalar()
            if old is None:
                raise ResourceNotFoundError(f"Model {name!r} has no alias {alias!r}; nothing was deleted.")
            conn.execute(delete(registered_model_aliases).where(*where))
            rc.audit(conn, actor, "delete_alias", model, version=old, target="@" + alias, before=old, comment=comment)

        self._write(work)

    def get_version_by_alias(self, name: str, alias: str) -> ModelVersion:
        with read_connection(self.engine) as conn:
            model = rc.model_row(conn, name)
            number = conn.execute(
                select(registered_model_aliases.c.version).where(
                    registered_model_aliases.c.model_id == model.id, registered_model_aliases.c.alias == alias
                )
            ).scalar()
            if number is None:
                raise ResourceNotFoundError(
                    f"Model {name!r} has no alias {alias!r}. Set it with set_registered_model_alias()."
                )
            return rc.build_versions(conn, name, [rc.version_row(conn, model.id, name, number)])[0]

    # ------------------------------------------------------------------------- transition requests
    def create_request(
        self, name: str, version: str | int, target: str, *, actor: str, comment: str | None = None
    ) -> TransitionRequest:
        target = normalize_target(target)

        def work(conn: Connection) -> int:
            model = rc.model_row(conn, name, lock=True)
            row = rc.version_row(conn, model.id, name, version)
            pending = conn.execute(
                select(transition_requests.c.id).where(
                    transition_requests.c.model_id == model.id,
                    transition_requests.c.version == row.version,
                    transition_requests.c.target == target,
                    transition_requests.c.status == RequestStatus.PENDING.value,
                )
            ).scalar()
            if pending is not None:
                raise InvalidStateError(
                    f"Request {pending} to move version {row.version} of {name!r} to {target} is already pending; "
                    "approve or reject it first."
                )
            request_id = conn.execute(
                transition_requests.insert().values(
                    model_id=model.id,
                    version=row.version,
                    target=target,
                    status=RequestStatus.PENDING.value,
                    requested_by=actor,
                    requested_at=now_millis(),
                    comment=comment,
                )
            ).inserted_primary_key[0]  # type: ignore[index]
            rc.audit(
                conn,
                actor,
                "request_transition",
                model,
                version=row.version,
                target=target,
                after={"request_id": request_id},
                comment=comment,
            )
            return int(request_id)

        return self.get_request(self._write(work))

    def get_request(self, request_id: str | int) -> TransitionRequest:
        with read_connection(self.engine) as conn:
            row = rc.request_row(conn, request_id)
            name = conn.execute(
                select(registered_models.c.name).where(registered_models.c.id == row.model_id)
            ).scalar_one()
            return rc.build_request(row, name)

    def list_requests(self, name: str | None = None, status: str | None = None) -> list[TransitionRequest]:
        with read_connection(self.engine) as conn:
            query = select(transition_requests, registered_models.c.name.label("model_name")).join(
                registered_models, registered_models.c.id == transition_requests.c.model_id
            )
            if name is not None:
                query = query.where(registered_models.c.name == name)
            if status is not None:
                query = query.where(transition_requests.c.status == status.upper())
            rows = conn.execute(query.order_by(transition_requests.c.id)).all()
            return [rc.build_request(r, r.model_name) for r in rows]

    def decide_request(
        self,
        request_id: str | int,
        approve: bool,
        *,
        actor: str,
        comment: str | None = None,
        archive_existing_versions: bool = False,
    ) -> TransitionRequest:
        def work(conn: Connection) -> None:
            row = rc.request_row(conn, request_id)
            model = conn.execute(select(registered_models).where(registered_models.c.id == row.model_id)).first()
            assert model is not None
            model = rc.model_row(conn, model.name, lock=True)
            row = rc.request_row(conn, request_id)  # re-read under the lock
            if row.status != RequestStatus.PENDING.value:
                raise InvalidStateError(f"Request {row.id} is already {row.status.lower()}; nothing to decide.")
            status = RequestStatus.APPROVED if approve else RequestStatus.REJECTED
            conn.execute(
                update(transition_requests)
                .where(transition_requests.c.id == row.id)
                .values(status=status.value, decided_by=actor, decided_at=now_millis(), decision_comment=comment)
            )
            action = "approve_transition" if approve else "reject_transition"
            rc.audit(
                conn,
                actor,
                action,
                model,
                version=row.version,
                target=row.target,
                before={"request_id": row.id, "status": row.status},
                after={"status": status.value},
                comment=comment,
            )
            if approve:
                note = f"request {row.id} approved by {actor}"
                if row.target.startswith("@"):
                    self._set_alias(conn, model, row.target[1:], row.version, actor, note)
                else:
                    self._transition(conn, model, row.version, row.target, archive_existing_versions, actor, note)

        self._write(work)
        return self.get_request(request_id)

    # ---------------------------------------------------------------------------------- policies
    def set_policy(
        self, name: str, target: str, require_approval: bool, gates: Sequence[str], *, actor: str
    ) -> PromotionPolicy:
        target = normalize_target(target)

        def work(conn: Connection) -> None:
            model = rc.model_row(conn, name, lock=True)
            where = (promotion_policies.c.model_id == model.id, promotion_policies.c.target == target)
            old = conn.execute(
                select(promotion_policies.c.require_approval, promotion_policies.c.gates).where(*where)
            ).first()
            conn.execute(delete(promotion_policies).where(*where))
            conn.execute(
                promotion_policies.insert().values(
                    model_id=model.id, target=target, require_approval=require_approval, gates=json.dumps(list(gates))
                )
            )
            before = None if old is None else {"require_approval": bool(old[0]), "gates": json.loads(old[1])}
            rc.audit(
                conn,
                actor,
                "set_promotion_policy",
                model,
                target=target,
                before=before,
                after={"require_approval": require_approval, "gates": list(gates)},
            )

        self._write(work)
        policy = self.get_policy(name, target)
        assert policy is not None
        return policy

    def get_policy(self, name: str, target: str) -> PromotionPolicy | None:
        target = normalize_target(target)
        with read_connection(self.engine) as conn:
            model = rc.model_row(conn, name)
            row = conn.execute(
                select(promotion_policies).where(
                    promotion_policies.c.model_id == model.id, promotion_policies.c.target == target
                )
            ).first()
        if row is None:
            return None
        return PromotionPolicy(
            name=name, target=target, require_approval=bool(row.require_approval), gates=tuple(json.loads(row.gates))
        )

    def list_policies(self, name: str) -> list[PromotionPolicy]:
        with read_connection(self.engine) as conn:
            model = rc.model_row(conn, name)
            rows = conn.execute(
                select(promotion_policies)
                .where(promotion_policies.c.model_id == model.id)
                .order_by(promotion_policies.c.target)
            ).all()
        return [PromotionPolicy(name, r.target, bool(r.require_approval), tuple(json.loads(r.gates))) for r in rows]

    # ----------------------------------------------------------------------------------- history
    def history(self, name: str) -> list[AuditEntry]:
        """Every audit row of the model, oldest first, including rows from before a rename."""
        with read_connection(self.engine) as conn:
            model_id = conn.execute(select(registered_models.c.id).where(registered_models.c.name == name)).scalar()
            condition = audit_log.c.model_id == model_id if model_id is not None else audit_log.c.model_name == name
            rows = conn.execute(select(audit_log).where(condition).order_by(audit_log.c.id)).all()
        if not rows:
            raise rc.RegisteredModelNotFoundError(name)
        return [rc.audit_entry(r) for r in rows]

    def version_at(self, name: str, alias_or_stage: str, timestamp: int) -> str | None:
        """Which version held an alias or stage at ``timestamp`` (ms), replayed from the audit log."""
        target = normalize_target(
            alias_or_stage if alias_or_stage.startswith("@") or _is_stage(alias_or_stage) else "@" + alias_or_stage
        )
        stages: dict[str, tuple[str, int]] = {}  # version -> (stage, since)
        aliases: dict[str, str] = {}
        for entry in self.history(name):
            if entry.timestamp > timestamp:
                break
            version = entry.version
            if entry.action == "create_model_version" and version:
                stages[version] = (ModelStage.NONE.value, entry.timestamp)
            elif entry.action == "transition_stage" and version:
                stages[version] = (str(entry.after), entry.timestamp)
            elif entry.action == "set_alias" and entry.target:
                aliases[entry.target] = str(entry.after)
            elif entry.action == "delete_alias" and entry.target:
                aliases.pop(entry.target, None)
            elif entry.action == "delete_model_version" and version:
                stages.pop(version, None)
                aliases = {a: v for a, v in aliases.items() if v != version}
            elif entry.action == "delete_registered_model":
                stages, aliases = {}, {}
        if target.startswith("@"):
            return aliases.get(target)
        holders = [(since, int(v)) for v, (stage, since) in stages.items() if stage == target]
        return str(max(holders)[1]) if holders else None


def _is_stage(text: str) -> bool:
    try:
        ModelStage.parse(text)
        return True
    except ValueError:
        return False


def _touch(conn: Connection, model_id: int, now: int) -> None:
    """A promotion is an update of the model too (``models list`` sorts by it)."""
    conn.execute(update(registered_models).where(registered_models.c.id == model_id).values(last_updated_time=now))
