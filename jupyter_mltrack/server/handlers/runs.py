"""``/runs``: search (POST, with MLflow's filter grammar, like MLflow's REST), get, and PATCH."""

from __future__ import annotations

from jupyter_server.auth.decorator import authorized
from tornado import web

from jupyter_mltrack.entities import Run, RunTag
from jupyter_mltrack.errors import InvalidParameterError
from jupyter_mltrack.registry.client import Client
from jupyter_mltrack.server.base import MltrackAPIHandler

#: Runs per page when the request does not say (the side panel's page).
DEFAULT_PAGE_SIZE = 100
STAGES = ("active", "deleted")


class RunSearchHandler(MltrackAPIHandler):
    @web.authenticated
    @authorized
    async def post(self) -> None:
        body = self.body("experiment_ids", "filter", "order_by", "max_results", "page_token", "run_view_type")
        experiment_ids = body.text_list("experiment_ids", required=True, max_items=1000)
        filter_string = body.text("filter") or ""
        order_by = body.text_list("order_by", max_items=20)
        max_results = body.integer("max_results", DEFAULT_PAGE_SIZE, maximum=50_000)
        token = body.text("page_token") or None
        view = body.text("run_view_type") or "ACTIVE_ONLY"
        page = await self.call(
            lambda c: c.search_runs(experiment_ids, filter_string, view, max_results, order_by, token)
        )
        self.send_json({"runs": list(page), "next_page_token": page.token})


class RunHandler(MltrackAPIHandler):
    @web.authenticated
    @authorized
    async def get(self, run_id: str) -> None:
        """Info (with the notebook path, cell id and cell source), params, metrics, tags, inputs."""
        self.send_json({"run": await self.call(lambda c: c.get_run(run_id))})

    @web.authenticated
    @authorized
    async def patch(self, run_id: str) -> None:
        """Tags (one atomic batch), deleted tags, the name, then the lifecycle stage."""
        body = self.body("name", "tags", "delete_tags", "lifecycle_stage")
        name, tags = body.text("name"), body.mapping("tags")
        delete_tags, stage = body.text_list("delete_tags", max_items=1000), body.text("lifecycle_stage")
        if stage is not None and stage not in STAGES:
            raise InvalidParameterError(f"lifecycle_stage must be 'active' or 'deleted', not {stage!r}.")

        def update(c: Client) -> Run:
            current = c.get_run(run_id)
            if tags:
                c.log_batch(run_id, tags=[RunTag(k, str(v)) for k, v in tags.items()])
            for key in delete_tags:
                c.delete_tag(run_id, key)
            if name is not None:
                c.update_run(run_id, name=name)
            if stage is not None and current.info.lifecycle_stage != stage:
                (c.delete_run if stage == "deleted" else c.restore_run)(run_id)
            return c.get_run(run_id)

        self.send_json({"run": await self.call(update)})
