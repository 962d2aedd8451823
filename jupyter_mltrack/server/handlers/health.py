"""``/status``: which store the server uses (password hidden), its schema revision, our version.

It never opens a tracking store, so it answers on an outdated database too and says so
(``upgrade_needed``), where every other route answers 500 ``SCHEMA_OUTDATED``.
"""

from __future__ import annotations

from typing import Any

from jupyter_server.auth.decorator import authorized
from tornado import web

from jupyter_mltrack import __version__
from jupyter_mltrack.server.base import MltrackAPIHandler
from jupyter_mltrack.tracking import maintenance, stores


class StatusHandler(MltrackAPIHandler):
    @web.authenticated
    @authorized
    async def get(self) -> None:
        uri = self.state.tracking_uri

        def status() -> dict[str, Any]:
            schema = maintenance.current_revision(uri)
            return {
                "version": __version__,
                "tracking_uri": schema.uri,
                "artifact_root": stores.current_settings(uri).artifact_root,
                "schema": {"revision": schema.revision, "head": schema.head, "upgrade_needed": schema.upgrade_needed},
            }

        self.send_json(await self.run(status))
