"""The jupyter-server extension: the side panel's REST API under ``{base_url}/mltrack/api/``.

The config file shipped in the wheel (``jupyter_server_config.d/jupyter_mltrack.json``) names this
module, not the top-level package, so ``import jupyter_mltrack`` stays light in kernels and the
server finds its hook here.
"""

from __future__ import annotations

from typing import Any


def _jupyter_server_extension_points() -> list[dict[str, Any]]:
    """Where jupyter_server finds the extension app (imported only by the server)."""
    from jupyter_mltrack.server.app import MltrackExtensionApp

    return [{"module": "jupyter_mltrack.server.app", "app": MltrackExtensionApp}]
