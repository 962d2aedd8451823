"""Promotion workflow: transition requests and their approval, policies, and the audit history.

``/transition-requests`` asks for a stage (``"Production"``) or an alias (``"@champion"``) and
approves or rejects it; ``/models/{name}/policies`` says which targets need approval or gates;
``/models/{name}/history`` is the append-only audit log (who, when, before, after).
"""

from __future__ import annotations

from jupyter_server.auth.decorator import authorized
from tornado import web

from jupyter_mltrack.entities import PromotionPolicy
from jupyter_mltrack.errors import InvalidParameterError, ResourceNotFoundError
from jupyter_mltrack.registry.client import Client
from jupyter_mltrack.server.base import MltrackAPIHandler

REQUEST_STATUSES = ("PENDING", "APPROVED", "REJECTED")


class TransitionRequestsHandler(MltrackAPIHandler):
    @web.authenticated
    @authorized
    async def get(self) -> None:
        name, status = self.query("name") or None, self.query("status") or None
        if status is not None and status.upper() not in REQUEST_STATUSES:
            raise InvalidParameterError(f"status must be one of {', '.join(REQUEST_STATUSES)}, not {status!r}.")
        status = status.upper() if status else None
        found = await self.call(lambda c: c.list_transition_requests(name, status))
        self.send_json({"requests": found})

    @web.authenticated
    @authorized
    async def post(self) -> None:
        """Ask for a promotion; gates are checked now too (403 naming the failed gate)."""
        body = self.body("name", "version", "target", "comment")
        name, version = body.required_text("name"), body.identifier("version")
        target, comment = body.required_text("target"), body.text("comment")
        made = await self.call(lambda c: c.request_transition(name, version, target, comment))
        self.send_json({"request": made}, status=201)


class ApproveHandler(MltrackAPIHandler):
    @web.authenticated
    @authorized
    async def post(self, request_id: str) -> None:
        body = self.body("comment", "archive_existing_versions")
        comment, archive = body.text("comment"), body.flag("archive_existing_versions")
        decided = await self.call(lambda c: c.approve_transition(request_id, comment, archive))
        self.send_json({"request": decided})


class RejectHandler(MltrackAPIHandler):
    @web.authenticated
    @authorized
    async def post(self, request_id: str) -> None:
        comment = self.body("comment").text("comment")
        self.send_json({"request": await self.call(lambda c: c.reject_transition(request_id, comment))})


class PoliciesHandler(MltrackAPIHandler):
    @web.authenticated
    @authorized
    async def get(self, name: str) -> None:
        self.send_json({"policies": await self.call(lambda c: c.list_promotion_policies(name))})


class PolicyHandler(MltrackAPIHandler):
    @web.authenticated
    @authorized
    async def get(self, name: str, target: str) -> None:
        def policy(c: Client) -> PromotionPolicy:
            found = c.get_promotion_policy(name, target)
            if found is None:
                raise ResourceNotFoundError(
                    f"Model {name!r} has no promotion policy for {target!r}; promotions to it need no approval."
                )
            return found

        self.send_json({"policy": await self.call(policy)})

    @web.authenticated
    @authorized
    async def put(self, name: str, target: str) -> None:
        body = self.body("require_approval", "gates")
        require_approval, gates = body.flag("require_approval", default=True), body.text_list("gates", max_items=100)
        made = await self.call(lambda c: c.set_promotion_policy(name, target, require_approval, gates))
        self.send_json({"policy": made})


class HistoryHandler(MltrackAPIHandler):
    @web.authenticated
    @authorized
    async def get(self, name: str) -> None:
        self.send_json({"entries": await self.call(lambda c: c.get_model_history(name))})


class VersionAtHandler(MltrackAPIHandler):
    @web.authenticated
    @authorized
    async def get(self, name: str) -> None:
        """Which version held a stage or alias at a time (ms since the epoch), from the audit log."""
        target = self.required_query("target")
        time = self.query_int("time", 0, minimum=0, maximum=2**62)
        if self.query("time") is None:
            raise InvalidParameterError("Query parameter 'time' (milliseconds since the epoch) is required.")
        self.send_json({"version": await self.call(lambda c: c.version_at(name, target, time))})
