"""Artifacts in any fsspec file system: ``s3://bucket/prefix``, ``gs://``, ``memory://``...

fsspec and its backends are imported only when such a location is used: every kernel loading the
extension would otherwise pay for them. Object stores have no real folders -- a folder is a key
prefix that exists while some key lives under it -- so empty folders are not kept, and the root
of a bare bucket is emptied, never deleted.
"""

from __future__ import annotations

import contextlib
import os
import posixpath
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlparse

from jupyter_mltrack.entities import FileInfo
from jupyter_mltrack.errors import (
    InvalidParameterError,
    MissingDependencyError,
    ResourceNotFoundError,
)
from jupyter_mltrack.store.artifacts.base import ArtifactRepository, Kind
from jupyter_mltrack.store.artifacts.localfs import atomic_write

S3_ENDPOINT_ENV_VARS = ("MLTRACK_S3_ENDPOINT_URL", "AWS_ENDPOINT_URL")
_S3 = frozenset({"s3", "s3a"})
_OBJECT_STORES = _S3 | {"gs", "gcs", "az", "abfs", "abfss", "adl", "oss"}


def resolve_s3_endpoint(explicit: str | None) -> str | None:
    """The S3 endpoint to use: the argument, else $MLTRACK_S3_ENDPOINT_URL, else $AWS_ENDPOINT_URL."""
    if explicit:
        return explicit
    for name in S3_ENDPOINT_ENV_VARS:
        value = os.environ.get(name)
        if value:
            return value
    return None


class FsspecArtifactRepository(ArtifactRepository):
    """Artifacts under a URL handled by fsspec."""

    def __init__(
        self,
        root_uri: str,
        *,
        s3_endpoint_url: str | None = None,
        storage_options: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(root_uri)
        self.protocol = urlparse(root_uri).scheme.lower()
        options = dict(storage_options or {})
        endpoint = resolve_s3_endpoint(s3_endpoint_url) if self.protocol in _S3 else None
        if endpoint:
            options["client_kwargs"] = {"endpoint_url": endpoint, **options.get("client_kwargs", {})}
        self._fs, root = _open_filesystem(root_uri, self.protocol, options)
        self._root: str = root.rstrip("/")

    # -- paths --------------------------------------------------------------------------------

    def _full(self, path: str) -> str:
        return "/".join(part for part in (self._root, path) if part)

    def _relative(self, name: str) -> str | None:
        """``name`` (as the file system reports it) relative to the root; None if outside it."""
        name = name.rstrip("/")
        if not self._root:
            return name.lstrip("/") or None
        prefix = self._root + "/"
        return name[len(prefix) :] if name.startswith(prefix) else None

    def _fresh(self) -> None:
        """Drop cached listings: another kernel or machine may have written since."""
        self._fs.invalidate_cache()

    # -- writing ------------------------------------------------------------------------------

    def _put_file(self, local_file: str, path: str) -> None:
        full = self._full(path)
        self._write(full, lambda: self._fs.put_file(local_file, full))

    def _make_dir(self, path: str) -> None:
        """Nothing to do: object stores have no folders, and others create them on write."""

    def _write_bytes(self, path: str, data: bytes) -> None:
        full = self._full(path)
        self._write(full, lambda: self._fs.pipe_file(full, data))

    def _write(self, full: str, action: Callable[[], object]) -> None:
        """Run a write; on file systems with real folders, create the parents and retry once."""
        try:
            action()
            return
        except FileNotFoundError:
            if self.protocol in _OBJECT_STORES:  # makedirs here could create a bucket
                raise ResourceNotFoundError(
                    f"Cannot write to {self.root_uri}: the bucket does not exist. Create it "
                    "first, or point the artifact location at an existing bucket."
                ) from None
        self._fs.makedirs(posixpath.dirname(full), exist_ok=True)
        action()

    # -- reading ------------------------------------------------------------------------------

    def _read_bytes(self, path: str) -> bytes:
        try:
            data = self._fs.cat_file(self._full(path))
        except FileNotFoundError:
            if self._kind(path) == "dir":
                raise IsADirectoryError(path) from None
            raise
        return bytes(data)

    def _list(self, path: str) -> list[FileInfo]:
        self._fresh()
        full = self._full(path)
        try:
            entries = self._fs.ls(full, detail=True)
        except FileNotFoundError:
            return []
        infos = []
        for entry in entries:
            child = self._relative(entry["name"])
            if child is None or child == path:  # a file lists itself; so does an S3 folder marker
                continue
            if entry["type"] == "directory":
                infos.append(FileInfo(child, True, None))
            else:
                infos.append(FileInfo(child, False, int(entry["size"])))
        return infos

    def _kind(self, path: str) -> Kind | None:
        self._fresh()
        try:
            info = self._fs.info(self._full(path))
        except FileNotFoundError:
            return None
        return "dir" if info["type"] == "directory" else "file"

    def _list_files(self, path: str) -> list[str]:
        self._fresh()
        names = self._fs.find(self._full(path))
        relative = (self._relative(name) for name in names if not name.endswith("/"))
        return sorted(name for name in relative if name)

    def _get_file(self, path: str, local_file: str) -> None:
        full = self._full(path)
        atomic_write(local_file, lambda temp: self._fs.get_file(full, temp))

    # -- deleting -----------------------------------------------------------------------------

    def _delete(self, path: str) -> None:
        kind = self._kind(path)
        full = self._full(path)
        if kind == "file":
            self._fs.rm_file(full)
        elif kind == "dir" and path:
            self._fs.rm(full, recursive=True)
        elif kind == "dir":
            # The root may be a bare bucket: empty it rather than remove it.
            for child in self._fs.ls(full, detail=False):
                self._fs.rm(child, recursive=True)
            if self.protocol not in _OBJECT_STORES:
                with contextlib.suppress(FileNotFoundError):
                    self._fs.rm(full, recursive=True)
        self._fresh()


def _open_filesystem(uri: str, protocol: str, options: dict[str, Any]) -> tuple[Any, str]:
    """fsspec's file system and root path for ``uri``, with errors that say what to install."""
    purpose = f"The artifact location {uri!r}"
    try:
        import fsspec
    except ImportError:
        raise MissingDependencyError("fsspec", extra="s3", purpose=purpose) from None
    try:
        fs, root = fsspec.core.url_to_fs(uri, **options)
    except ImportError as error:
        if protocol in _S3:
            raise MissingDependencyError("s3fs", extra="s3", purpose=purpose) from None
        # No extra bundles gcsfs, adlfs...; fsspec's own message names the package to install.
        raise InvalidParameterError(f"{purpose} needs a package that is not installed: {error}") from None
    except ValueError as error:
        raise InvalidParameterError(
            f"{purpose} is not usable: {error}. Use a local path, file://, s3:// or another scheme fsspec knows."
        ) from None
    return fs, str(root)
