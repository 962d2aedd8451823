"""The jupyter-server extension app: configuration traitlets, the store, and the routes.

``tracking_uri`` and ``artifact_root`` are exported to the server's environment when set, as
``MLTRACK_TRACKING_URI`` / ``MLTRACK_ARTIFACT_ROOT``: kernels started by this server inherit that
environment, so a notebook's ``mlt.start_run()`` and the side panel use the same store. The
server itself then reads its settings exactly like a kernel does (``config.load_settings``).
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import unquote, urlsplit

from jupyter_server.extension.application import ExtensionApp
from traitlets import Int, Unicode

from jupyter_mltrack import config
from jupyter_mltrack.server.base import STATE_KEY, ServerState
from jupyter_mltrack.server.handlers import serving
from jupyter_mltrack.server.routes import handlers
from jupyter_mltrack.tracking import stores


class MltrackExtensionApp(ExtensionApp):
    """jupyter_mltrack's server extension: REST under ``{base_url}/mltrack/api/``."""

    name = "jupyter_mltrack"
    load_other_extensions = True

    tracking_uri = Unicode(
        "",
        help="Tracking store for the server and the kernels it starts (exported as MLTRACK_TRACKING_URI). "
        "A SQLAlchemy URL, a .db file or a folder holding mltrack.db. Empty: MLTRACK_TRACKING_URI, "
        "else the per-user store (~/.mltrack or $MLTRACK_HOME).",
    ).tag(config=True)

    artifact_root = Unicode(
        "",
        help="Where new experiments put artifacts (exported as MLTRACK_ARTIFACT_ROOT): a folder or an "
        "fsspec URL such as s3://bucket/prefix. Empty: MLTRACK_ARTIFACT_ROOT, else beside the SQLite file.",
    ).tag(config=True)

    worker_threads = Int(
        4, help="Threads that run store queries, so slow SQL or file reads never block the server's event loop."
    ).tag(config=True)

    def initialize_settings(self) -> None:
        export_store_environment(self.tracking_uri, self.artifact_root)
        settings = stores.current_settings()
        self.log.info(
            "jupyter_mltrack: tracking store %s, artifacts under %s",
            redact(settings.tracking_uri),
            settings.artifact_root,
        )
        executor = ThreadPoolExecutor(max(1, self.worker_threads), thread_name_prefix="mltrack")
        self._executor = executor
        self.settings[STATE_KEY] = ServerState(
            tracking_uri=settings.tracking_uri, executor=executor, secrets=secrets_of(settings.tracking_uri)
        )

        serving.listen_for_shutdowns(getattr(self.serverapp, "event_logger", None))

    def initialize_handlers(self) -> None:
        self.handlers.extend(handlers())

    async def stop_extension(self) -> None:
        executor = getattr(self, "_executor", None)
        if executor is not None:
            executor.shutdown(wait=False, cancel_futures=True)


def export_store_environment(tracking_uri: str, artifact_root: str) -> None:
    """Put the configured store in ``os.environ`` (absolute, so a kernel's working folder does not matter)."""
    if tracking_uri:
        os.environ[config.ENV_TRACKING_URI] = config.normalize_tracking_uri(tracking_uri)
    if artifact_root:
        local = "://" not in artifact_root and not artifact_root.startswith("file:")
        os.environ[config.ENV_ARTIFACT_ROOT] = (
            os.path.abspath(os.path.expanduser(artifact_root)) if local else artifact_root
        )


def secrets_of(uri: str) -> tuple[str, ...]:
    """The URI's password, raw and URL-decoded: never to appear in a response or a log line."""
    try:
        password = urlsplit(uri).password
    except ValueError:
        return ()
    return tuple(dict.fromkeys(p for p in (password, unquote(password or "")) if p))


def redact(uri: str) -> str:
    for secret in secrets_of(uri):
        uri = uri.replace(":" + secret + "@", ":***@")
    return uri
