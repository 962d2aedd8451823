"""``/experiments``: list/search, create, get, and rename/tag/delete/restore (PATCH)."""

from __future__ import annotations

from jupyter_server.auth.decorator import authorized
from tornado import web

from jupyter_mltrack.entities import Experiment
from jupyter_mltrack.errors import InvalidParameterError
from jupyter_mltrack.registry.client import Client
from jupyter_mltrack.server.base import MltrackAPIHandler

STAGES = ("active", "deleted")


class ExperimentsHandler(MltrackAPIHandler):
    @web.authenticated
    @authorized
    async def get(self) -> None:
        view = self.query("view_type", "ACTIVE_ONLY") or "ACTIVE_ONLY"
        filter_string = self.query("filter")
        order_by = self.query_list("order_by")
        max_results = self.query_int("max_results", 1000, maximum=50_000)
        token = self.query("page_token") or None
        page = await self.call(lambda c: c.search_experiments(view, max_results, filter_string, order_by, token))
        self.send_json({"experiments": list(page), "next_page_token": page.token})

    @web.authenticated
    @authorized
    async def post(self) -> None:
        body = self.body("name", "artifact_location", "tags")
        name, location, tags = body.required_text("name"), body.text("artifact_location"), body.mapping("tags")

        def create(c: Client) -> Experiment:
            return c.get_experiment(c.create_experiment(name, location, dict(tags)))

        self.send_json({"experiment": await self.call(create)}, status=201)


class ExperimentHandler(MltrackAPIHandler):
    @web.authenticated
    @authorized
    async def get(self, experiment_id: str) -> None:
        self.send_json({"experiment": await self.call(lambda c: c.get_experiment(experiment_id))})

    @web.authenticated
    @authorized
    async def patch(self, experiment_id: str) -> None:
        """Tags first, then the name, then the lifecycle stage (deleting also deletes the runs)."""
        body = self.body("name", "tags", "lifecycle_stage")
        name, tags, stage = body.text("name"), body.mapping("tags"), body.text("lifecycle_stage")
        if stage is not None and stage not in STAGES:
            raise InvalidParameterError(f"lifecycle_stage must be 'active' or 'deleted', not {stage!r}.")

        def update(c: Client) -> Experiment:
            for key, value in tags.items():
                c.set_experiment_tag(experiment_id, key, value)
            if name is not None:
                c.rename_experiment(experiment_id, name)
            current = c.get_experiment(experiment_id)
            if stage is not None and current.lifecycle_stage != stage:
                (c.delete_experiment if stage == "deleted" else c.restore_experiment)(experiment_id)
                current = c.get_experiment(experiment_id)
            return current

        self.send_json({"experiment": await self.call(update)})
