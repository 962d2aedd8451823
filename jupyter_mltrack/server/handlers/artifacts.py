"""``/runs/{run_id}/artifacts``: list, download, preview, and HTML for a sandboxed frame.

Every path goes through the artifact store's one path check (no ``..``, no absolute paths, no
symlink escapes). Files are served with ``X-Content-Type-Options: nosniff`` and a CSP ``sandbox``,
so neither a download nor an HTML artifact can run script as Jupyter's origin.
"""

from __future__ import annotations

import os
import posixpath
import shutil
import tempfile
from typing import Any

from jupyter_server.auth.decorator import authorized
from tornado import web

from jupyter_mltrack.errors import InvalidParameterError
from jupyter_mltrack.registry.client import Client
from jupyter_mltrack.server import preview
from jupyter_mltrack.server.base import MltrackAPIHandler
from jupyter_mltrack.store.artifacts import ArtifactRepository, get_repository, validate_artifact_path

CHUNK_BYTES = 256 * 1024
#: Added to the API's CSP (which has ``default-src 'none'``): HTML artifacts may style themselves
#: and show inline images, nothing else (no script, no fetch, an opaque origin).
HTML_POLICY = "sandbox; style-src 'unsafe-inline'; img-src data:"


def _repository(c: Client, run_id: str) -> ArtifactRepository:
    return get_repository(c.get_artifact_uri(run_id))


def _file_size(repo: ArtifactRepository, path: str) -> int | None:
    """The size of file ``path`` from its folder's listing; refuses a folder; None if absent."""
    for info in repo.list_artifacts(posixpath.dirname(path) or None):
        if info.path == path:
            if info.is_dir:
                raise InvalidParameterError(f"Artifact {path!r} is a folder; list it instead of opening it.")
            return info.file_size
    return None


def _file_path(handler: MltrackAPIHandler) -> str:
    path = validate_artifact_path(handler.required_query("path"))
    if not path:
        raise InvalidParameterError("Query parameter 'path' must name a file inside the run's artifacts.")
    return path


class ArtifactListHandler(MltrackAPIHandler):
    @web.authenticated
    @authorized
    async def get(self, run_id: str) -> None:
        path = validate_artifact_path(self.query("path"))

        def listing(c: Client) -> dict[str, Any]:
            return {"root_uri": c.get_artifact_uri(run_id), "path": path, "files": c.list_artifacts(run_id, path)}

        self.send_json(await self.call(listing))


class ArtifactPreviewHandler(MltrackAPIHandler):
    @web.authenticated
    @authorized
    async def get(self, run_id: str) -> None:
        path = _file_path(self)
        max_bytes = self.query_int("max_bytes", preview.DEFAULT_TEXT_BYTES, maximum=preview.MAX_TEXT_BYTES)

        def build(c: Client) -> dict[str, Any]:
            repo = _repository(c, run_id)
            size = _file_size(repo, path)
            if size is not None and size > preview.read_limit(preview.kind_of(path)):
                return preview.too_large(path, size)
            return preview.build(path, repo.read_bytes(path), max_bytes)

        self.send_json(await self.call(build))


class _FileHandler(MltrackAPIHandler):
    """Streams one artifact file (copied to a private temp folder first, so any backend works)."""

    policy = "sandbox"

    @property
    def content_security_policy(self) -> str:
        return f"{super().content_security_policy}; {self.policy}"

    async def stream(self, run_id: str, path: str, content_type: str, mode: str) -> None:
        folder = tempfile.mkdtemp(prefix="mltrack-serve-")

        def fetch(c: Client) -> str:
            repo = _repository(c, run_id)
            if _file_size(repo, path) is None:
                repo.read_bytes(path)  # raises the store's "does not exist" error
            return repo.download_artifacts(path, folder)

        try:
            local = await self.call(fetch)
            self.set_header("Content-Type", content_type)
            self.set_header("Content-Disposition", preview.disposition(mode, path))
            self.set_header("Content-Length", str(os.path.getsize(local)))
            with open(local, "rb") as handle:
                while chunk := handle.read(CHUNK_BYTES):
                    self.write(chunk)
                    await self.flush()
            await self.finish(set_content_type=content_type)
        finally:
            shutil.rmtree(folder, ignore_errors=True)


class ArtifactDownloadHandler(_FileHandler):
    @web.authenticated
    @authorized
    async def get(self, run_id: str) -> None:
        path = _file_path(self)
        await self.stream(run_id, path, preview.content_type(path), "attachment")


class ArtifactHtmlHandler(_FileHandler):
    policy = HTML_POLICY

    @web.authenticated
    @authorized
    async def get(self, run_id: str) -> None:
        path = _file_path(self)
        if preview.kind_of(path) != "html":
            raise InvalidParameterError(f"Artifact {path!r} is not an .html file; preview or download it instead.")
        await self.stream(run_id, path, "text/html; charset=utf-8", "inline")
