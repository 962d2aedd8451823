"""Artifact storage: where a run's files live (a local folder, or any fsspec URL such as S3).

``get_repository`` picks the backend from the URI; ``join_uri`` builds experiment and run roots;
``validate_artifact_path`` is the single check every artifact path goes through. The fsspec
backend is imported only when a non-local URI is used, to keep ``%load_ext`` fast.
"""

from __future__ import annotations

import os

from jupyter_mltrack.store.artifacts.base import ArtifactRepository
from jupyter_mltrack.store.artifacts.local import LocalArtifactRepository, is_local_uri
from jupyter_mltrack.store.artifacts.paths import validate_artifact_path

__all__ = [
    "ArtifactRepository",
    "LocalArtifactRepository",
    "get_repository",
    "join_uri",
    "validate_artifact_path",
]


def get_repository(root_uri: str, *, s3_endpoint_url: str | None = None) -> ArtifactRepository:
    """The repository for ``root_uri``: local for paths and file:// URIs, fsspec for other URLs.

    ``s3_endpoint_url`` (else $MLTRACK_S3_ENDPOINT_URL, else $AWS_ENDPOINT_URL) points s3:// at
    MinIO, moto or another S3-compatible server.
    """
    if is_local_uri(root_uri):
        return LocalArtifactRepository(root_uri)
    from jupyter_mltrack.store.artifacts.fsspec_repo import FsspecArtifactRepository

    return FsspecArtifactRepository(root_uri, s3_endpoint_url=s3_endpoint_url)


def join_uri(root: str, *parts: str) -> str:
    """``root`` (a local path or a URL) extended by validated relative ``parts``.

    Used to derive experiment and run artifact roots, so an experiment id or a run id can never
    steer a root outside its parent. Empty parts are skipped.
    """
    relative = "/".join(p for p in (validate_artifact_path(part) for part in parts) if p)
    if not relative:
        return root
    if is_local_uri(root) and not root.startswith("file:"):
        return os.path.join(root, *relative.split("/"))
    return root + relative if root.endswith("/") else f"{root}/{relative}"
