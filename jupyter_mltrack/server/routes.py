"""The one route table of the REST API (paths as in openapi.yaml, relative to ``/mltrack/api``).

A test checks that these routes and their methods and the OpenAPI spec match exactly, both ways.
Path parameters match one URL segment (``[^/]+``, percent-decoded by tornado, so a model named
``a/b`` is ``a%2Fb``). Anything else under the prefix answers a JSON 404.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from jupyter_server.auth.decorator import authorized
from tornado import web

from jupyter_mltrack.server.base import MltrackAPIHandler
from jupyter_mltrack.server.handlers import (
    artifacts,
    experiments,
    export,
    health,
    metrics,
    models,
    promotions,
    runs,
    serving,
)

API_PREFIX = "/mltrack/api"
HTTP_METHODS = ("get", "post", "put", "patch", "delete")
_PARAMETER = re.compile(r"\{([a-z_]+)\}")


@dataclass(frozen=True)
class Route:
    path: str
    handler: type[MltrackAPIHandler]

    @property
    def pattern(self) -> str:
        return API_PREFIX + _PARAMETER.sub(r"(?P<\1>[^/]+)", self.path)

    @property
    def methods(self) -> tuple[str, ...]:
        """The HTTP verbs the handler class itself defines (not the base class's OPTIONS)."""
        return tuple(m for m in HTTP_METHODS if getattr(self.handler, m) is not getattr(MltrackAPIHandler, m))


ROUTES: tuple[Route, ...] = (
    Route("/status", health.StatusHandler),
    Route("/experiments", experiments.ExperimentsHandler),
    Route("/experiments/{experiment_id}", experiments.ExperimentHandler),
    Route("/runs/search", runs.RunSearchHandler),
    Route("/runs/{run_id}", runs.RunHandler),
    Route("/runs/{run_id}/artifacts", artifacts.ArtifactListHandler),
    Route("/runs/{run_id}/artifacts/download", artifacts.ArtifactDownloadHandler),
    Route("/runs/{run_id}/artifacts/preview", artifacts.ArtifactPreviewHandler),
    Route("/runs/{run_id}/artifacts/html", artifacts.ArtifactHtmlHandler),
    Route("/metrics/histories", metrics.MetricHistoriesHandler),
    Route("/export", export.ExportHandler),
    Route("/serving", serving.ServingKernelsHandler),
    Route("/serving/{kernel_id}", serving.ServingKernelHandler),
    Route("/models", models.ModelsHandler),
    Route("/models/{name}", models.ModelHandler),
    Route("/models/{name}/versions", models.ModelVersionsHandler),
    Route("/models/{name}/versions/{version}", models.ModelVersionHandler),
    Route("/models/{name}/versions/{version}/stage", models.ModelVersionStageHandler),
    Route("/models/{name}/latest-versions", models.LatestVersionsHandler),
    Route("/models/{name}/aliases/{alias}", models.AliasHandler),
    Route("/models/{name}/policies", promotions.PoliciesHandler),
    Route("/models/{name}/policies/{target}", promotions.PolicyHandler),
    Route("/models/{name}/history", promotions.HistoryHandler),
    Route("/models/{name}/version-at", promotions.VersionAtHandler),
    Route("/model-versions", models.ModelVersionSearchHandler),
    Route("/transition-requests", promotions.TransitionRequestsHandler),
    Route("/transition-requests/{request_id}/approve", promotions.ApproveHandler),
    Route("/transition-requests/{request_id}/reject", promotions.RejectHandler),
)


class NotFoundHandler(MltrackAPIHandler):
    """A JSON 404 for paths under the prefix that no route matches (a typo, an old client)."""

    def _missing(self) -> None:
        raise web.HTTPError(404, "No such endpoint: %s. See docs/rest.md for the routes.", self.request.path)

    @web.authenticated
    @authorized
    async def get(self, *args: str) -> None:
        self._missing()

    @web.authenticated
    @authorized
    async def post(self, *args: str) -> None:
        self._missing()

    @web.authenticated
    @authorized
    async def put(self, *args: str) -> None:
        self._missing()

    @web.authenticated
    @authorized
    async def patch(self, *args: str) -> None:
        self._missing()

    @web.authenticated
    @authorized
    async def delete(self, *args: str) -> None:
        self._missing()


def handlers() -> list[tuple[str, type[MltrackAPIHandler]]]:
    """(pattern, handler) pairs for the extension app; the catch-all 404 comes last."""
    return [(route.pattern, route.handler) for route in ROUTES] + [(API_PREFIX + "/.*", NotFoundHandler)]
