"""``Client``: the tracking client plus MLflow's model-registry methods, approvals and audit.

Promotions (a stage transition or an alias) obey the model's promotion policy for that target:
with ``require_approval`` they must go through ``request_transition`` and ``approve_transition``;
with gates, the version's source run must match every gate. A refusal names the rule.
"""

from __future__ import annotations

from typing import Any, Sequence

from jupyter_mltrack.entities import (
    AuditEntry,
    ModelVersion,
    PagedList,
    PromotionPolicy,
    RegisteredModel,
    TransitionRequest,
)
from jupyter_mltrack.registry import gates as gate_rules
from jupyter_mltrack.registry.actor import current_actor
from jupyter_mltrack.registry.errors import PromotionRefusedError
from jupyter_mltrack.tracking.client import Client as TrackingClient


class Client(TrackingClient):
    """Everything MLflow's ``MlflowClient`` does, on one store; registry changes are audited."""

    @property
    def _registry(self) -> Any:
        return self.store.registry

    # ------------------------------------------------------------------------- registered models
    def create_registered_model(
        self, name: str, tags: dict[str, Any] | None = None, description: str | None = None
    ) -> RegisteredModel:
        result: RegisteredModel = self._registry.create_registered_model(name, tags, description, actor=current_actor())
        return result

    def get_registered_model(self, name: str) -> RegisteredModel:
        result: RegisteredModel = self._registry.get_registered_model(name)
        return result

    def search_registered_models(
        self,
        filter_string: str | None = None,
        max_results: int = 100,
        order_by: Sequence[str] | None = None,
        page_token: str | None = None,
    ) -> PagedList[RegisteredModel]:
        from jupyter_mltrack.registry.search import search_models

        return search_models(self._registry.list_registered_models(), filter_string, order_by, max_results, page_token)

    def rename_registered_model(self, name: str, new_name: str) -> RegisteredModel:
        result: RegisteredModel = self._registry.rename_registered_model(name, new_name, actor=current_actor())
        return result

    def update_registered_model(self, name: str, description: str | None = None) -> RegisteredModel:
        result: RegisteredModel = self._registry.update_registered_model(name, description, actor=current_actor())
        return result

    def delete_registered_model(self, name: str) -> None:
        self._registry.delete_registered_model(name, actor=current_actor())

    def set_registered_model_tag(self, name: str, key: str, value: Any) -> None:
        self._registry.set_registered_model_tag(name, key, value, actor=current_actor())

    def delete_registered_model_tag(self, name: str, key: str) -> None:
        self._registry.delete_registered_model_tag(name, key, actor=current_actor())

    # ---------------------------------------------------------------------------- model versions
    def create_model_version(
        self,
        name: str,
        source: str,
        run_id: str | None = None,
        tags: dict[str, Any] | None = None,
        description: str | None = None,
    ) -> ModelVersion:
        result: ModelVersion = self._registry.create_model_version(
            name, source, run_id, tags, description, actor=current_actor()
        )
        return result

    def get_model_version(self, name: str, version: str | int) -> ModelVersion:
        result: ModelVersion = self._registry.get_model_version(name, version)
        return result

    def search_model_versions(
        self,
        filter_string: str | None = None,
        max_results: int = 10_000,
        order_by: Sequence[str] | None = None,
        page_token: str | None = None,
    ) -> PagedList[ModelVersion]:
        from jupyter_mltrack.registry.search import search_versions

        return search_versions(self._registry.list_model_versions(), filter_string, order_by, max_results, page_token)

    def update_model_version(self, name: str, version: str | int, description: str | None = None) -> ModelVersion:
        result: ModelVersion = self._registry.update_model_version(name, version, description, actor=current_actor())
        return result

    def delete_model_version(self, name: str, version: str | int) -> None:
        self._registry.delete_model_version(name, version, actor=current_actor())

    def set_model_version_tag(self, name: str, version: str | int, key: str, value: Any) -> None:
        self._registry.set_model_version_tag(name, version, key, value, actor=current_actor())

    def delete_model_version_tag(self, name: str, version: str | int, key: str) -> None:
        self._registry.delete_model_version_tag(name, version, key, actor=current_actor())

    def get_latest_versions(self, name: str, stages: Sequence[str] | None = None) -> list[ModelVersion]:
        result: list[ModelVersion] = self._registry.get_latest_versions(name, stages)
        return result

    def get_model_version_download_uri(self, name: str, version: str | int) -> str:
        return self.get_model_version(name, version).source

    # -------------------------------------------------------------------------------- promotions
    def _check_policy(self, name: str, version: str | int, target: str, via_request: bool) -> None:
        from jupyter_mltrack.store.sql.registry_promotion import normalize_target

        target = normalize_target(target)
        policy = self._registry.get_policy(name, target)
        if policy is None:
            return
        if policy.require_approval and not via_request:
            raise PromotionRefusedError(
                name,
                str(version),
                target,
                f"the policy for {target} requires approval",
                f"Ask with request_transition({name!r}, {str(version)!r}, {target!r}, comment=...), "
                "then have it approved with approve_transition(request_id).",
            )
        failed = gate_rules.failed_gates(self, self.get_model_version(name, version), policy.gates)
        if failed:
            mv = self.get_model_version(name, version)
            why = "it has no source run to check" if not mv.run_id else f"its run {mv.run_id} does not pass"
            raise PromotionRefusedError(
                name,
                str(version),
                target,
                f"gate {failed[0]!r} failed ({why})",
                "Promote a version whose run passes every gate, or change the policy with set_promotion_policy().",
            )

    def transition_model_version_stage(
        self,
        name: str,
        version: str | int,
        stage: str,
        archive_existing_versions: bool = False,
        comment: str | None = None,
    ) -> ModelVersion:
        self._check_policy(name, version, stage, via_request=False)
        result: ModelVersion = self._registry.transition_stage(
            name, version, stage, archive_existing_versions, actor=current_actor(), comment=comment
        )
        return result

    def set_registered_model_alias(self, name: str, alias: str, version: str | int, comment: str | None = None) -> None:
        self._check_policy(name, version, "@" + alias, via_request=False)
        self._registry.set_alias(name, alias, version, actor=current_actor(), comment=comment)

    def delete_registered_model_alias(self, name: str, alias: str) -> None:
        self._registry.delete_alias(name, alias, actor=current_actor())

    def get_model_version_by_alias(self, name: str, alias: str) -> ModelVersion:
        result: ModelVersion = self._registry.get_version_by_alias(name, alias)
        return result

    def pin_model_uri(self, model_uri: str) -> tuple[str, str | None]:
        """``models:/iris@champion`` as ``(models:/iris/3, "iris")``: what a server should keep
        serving even if the alias moves later. Other URIs come back unchanged, with no name."""
        from jupyter_mltrack.registry.uris import MODELS_PREFIX, resolve_version

        if not model_uri.startswith(MODELS_PREFIX):
            return model_uri, None
        version = resolve_version(self, model_uri)
        return f"{MODELS_PREFIX}{version.name}/{version.version}", version.name

    # ----------------------------------------------------------------------------------- approvals
    def request_transition(
        self, name: str, version: str | int, target: str, comment: str | None = None
    ) -> TransitionRequest:
        """Ask for a stage (``"Production"``) or alias (``"@champion"``); gates are checked now too."""
        self._check_policy(name, version, target, via_request=True)
        result: TransitionRequest = self._registry.create_request(
            name, version, target, actor=current_actor(), comment=comment
        )
        return result

    def approve_transition(
        self, request_id: str | int, comment: str | None = None, archive_existing_versions: bool = False
    ) -> TransitionRequest:
        request = self._registry.get_request(request_id)
        self._check_policy(request.name, request.version, request.target, via_request=True)
        result: TransitionRequest = self._registry.decide_request(
            request_id,
            True,
            actor=current_actor(),
            comment=comment,
            archive_existing_versions=archive_existing_versions,
        )
        return result

    def reject_transition(self, request_id: str | int, comment: str | None = None) -> TransitionRequest:
        result: TransitionRequest = self._registry.decide_request(
            request_id, False, actor=current_actor(), comment=comment
        )
        return result

    def list_transition_requests(self, name: str | None = None, status: str | None = None) -> list[TransitionRequest]:
        result: list[TransitionRequest] = self._registry.list_requests(name, status)
        return result

    def set_promotion_policy(
        self, name: str, target: str, require_approval: bool = True, gates: Sequence[str] = ()
    ) -> PromotionPolicy:
        result: PromotionPolicy = self._registry.set_policy(
            name, target, require_approval, gate_rules.validate_gates(gates), actor=current_actor()
        )
        return result

    def get_promotion_policy(self, name: str, target: str) -> PromotionPolicy | None:
        result: PromotionPolicy | None = self._registry.get_policy(name, target)
        return result

    def list_promotion_policies(self, name: str) -> list[PromotionPolicy]:
        result: list[PromotionPolicy] = self._registry.list_policies(name)
        return result

    # ------------------------------------------------------------------------------------- audit
    def get_model_history(self, name: str) -> list[AuditEntry]:
        result: list[AuditEntry] = self._registry.history(name)
        return result

    def version_at(self, name: str, alias_or_stage: str, time: int) -> str | None:
        """The version that held ``alias_or_stage`` (``"Production"``, ``"@champion"``) at ``time`` (ms)."""
        result: str | None = self._registry.version_at(name, alias_or_stage, int(time))
        return result

    # ------------------------------------------------------------------------------ registration
    def register_model(self, model_uri: str, name: str, tags: dict[str, Any] | None = None) -> ModelVersion:
        from jupyter_mltrack.registry.uris import source_of

        source, run_id = source_of(self, model_uri)
        result: ModelVersion = self._registry.create_model_version(
            name, source, run_id, tags, None, actor=current_actor(), create_model=True
        )
        return result
