"""``/metrics/histories``: many runs' metric histories in one request, downsampled for drawing."""

from __future__ import annotations

from typing import Any

from jupyter_server.auth.decorator import authorized
from tornado import web

from jupyter_mltrack.errors import InvalidParameterError
from jupyter_mltrack.registry.client import Client
from jupyter_mltrack.server.base import MltrackAPIHandler
from jupyter_mltrack.tracking.downsample import MIN_POINTS, downsample

MAX_RUNS = 1000
MAX_KEYS = 100
#: run_ids x keys: at most this many series per request.
MAX_SERIES = 10_000
DEFAULT_MAX_POINTS = 1000


class MetricHistoriesHandler(MltrackAPIHandler):
    @web.authenticated
    @authorized
    async def post(self) -> None:
        body = self.body("run_ids", "keys", "max_points")
        run_ids = list(dict.fromkeys(body.text_list("run_ids", required=True, max_items=MAX_RUNS)))
        keys = list(dict.fromkeys(body.text_list("keys", required=True, max_items=MAX_KEYS)))
        max_points = body.integer("max_points", DEFAULT_MAX_POINTS, minimum=MIN_POINTS, maximum=100_000)
        if len(run_ids) * len(keys) > MAX_SERIES:
            raise InvalidParameterError(
                f"{len(run_ids)} runs x {len(keys)} keys is {len(run_ids) * len(keys)} series; "
                f"ask for at most {MAX_SERIES} per request."
            )

        def histories(c: Client) -> list[dict[str, Any]]:
            found = []
            histories = c.get_metric_histories(run_ids, keys)
            for run_id in run_ids:
                for key in keys:
                    points = histories[(run_id, key)]
                    shown = downsample(points, max_points)
                    found.append(
                        {
                            "run_id": run_id,
                            "key": key,
                            "total_points": len(points),
                            "downsampled": len(shown) < len(points),
                            "steps": [p.step for p in shown],
                            "values": [p.value for p in shown],
                            "timestamps": [p.timestamp for p in shown],
                        }
                    )
            return found

        self.send_json({"histories": await self.call(histories)})
