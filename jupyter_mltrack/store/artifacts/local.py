"""Artifacts in a local folder: plain paths and ``file://`` URIs.

The default store on a laptop, imported when the extension loads, so it uses the standard library
only (no fsspec). Every operation resolves symlinks and refuses any that lead out of the root, so
a link planted in a run's folder cannot make us read or write elsewhere.
"""

from __future__ import annotations

import os
import shutil
from urllib.parse import urlparse
from urllib.request import url2pathname

from jupyter_mltrack.entities import FileInfo
from jupyter_mltrack.errors import ArtifactPathError, InvalidParameterError
from jupyter_mltrack.store.artifacts.base import ArtifactRepository, Kind
from jupyter_mltrack.store.artifacts.localfs import (
    atomic_copy,
    atomic_write_bytes,
    is_temp_name,
    walk_tree,
)
from jupyter_mltrack.store.artifacts.paths import ensure_within_root


def is_local_uri(uri: str) -> bool:
    """Whether ``uri`` is a local path or a ``file:`` URI (a one-letter scheme is a drive)."""
    scheme = urlparse(uri).scheme
    return scheme in ("", "file") or len(scheme) == 1


def local_path_from_uri(uri: str) -> str:
    """The absolute local folder named by a plain path or a ``file:`` URI."""
    if uri.startswith("file:"):
        parsed = urlparse(uri)
        if parsed.netloc not in ("", "localhost"):
            raise InvalidParameterError(
                f"Artifact location {uri!r} names the remote host {parsed.netloc!r}; file:// URIs "
                "must be local (file:///absolute/path). Use s3:// or another URL for shared storage."
            )
        path = url2pathname(parsed.path)
    else:
        path = os.path.expanduser(uri)
    return os.path.abspath(path)


class LocalArtifactRepository(ArtifactRepository):
    """Artifacts as files under a local folder, created on the first write."""

    def __init__(self, root_uri: str) -> None:
        super().__init__(root_uri)
        self.root = local_path_from_uri(root_uri)

    def _resolve(self, path: str) -> str:
        """The real location of ``path``, refused if a symlink takes it out of the root."""
        local = os.path.join(self.root, *path.split("/")) if path else self.root
        return ensure_within_root(self.root, local, path)

    def _make_real_dir(self, real_dir: str, path: str) -> None:
        try:
            os.makedirs(real_dir, exist_ok=True)
        except (FileExistsError, NotADirectoryError):
            raise InvalidParameterError(
                f"Cannot write artifact {path!r} under {self.root_uri}: part of its folder path "
                "is an existing file. Choose another artifact path."
            ) from None
        ensure_within_root(self.root, real_dir, path)  # a link swapped in meanwhile

    def _file_destination(self, path: str) -> str:
        destination = self._resolve(path)
        self._make_real_dir(os.path.dirname(destination), path)
        if os.path.isdir(destination):
            raise InvalidParameterError(
                f"Cannot write artifact {path!r} under {self.root_uri}: a folder of that name "
                "exists. Delete it first or choose another name."
            )
        return destination

    def _put_file(self, local_file: str, path: str) -> None:
        atomic_copy(local_file, self._file_destination(path))

    def _make_dir(self, path: str) -> None:
        self._make_real_dir(self._resolve(path), path)

    def _write_bytes(self, path: str, data: bytes) -> None:
        atomic_write_bytes(self._file_destination(path), data)

    def _read_bytes(self, path: str) -> bytes:
        real = self._resolve(path)
        if os.path.isdir(real):
            raise IsADirectoryError(real)
        with open(real, "rb") as handle:
            return handle.read()

    def _list(self, path: str) -> list[FileInfo]:
        real = self._resolve(path)
        if not os.path.isdir(real):
            return []
        infos = []
        with os.scandir(real) as entries:
            for entry in entries:
                child = f"{path}/{entry.name}" if path else entry.name
                if is_temp_name(entry.name) or self._leaves_root(entry.path, child):
                    continue  # in-flight writes, and links we would refuse to follow anyway
                if entry.is_dir():
                    infos.append(FileInfo(child, True, None))
                elif entry.is_file():
                    infos.append(FileInfo(child, False, entry.stat().st_size))
        return infos

    def _leaves_root(self, local: str, path: str) -> bool:
        try:
            ensure_within_root(self.root, local, path)
        except ArtifactPathError:
            return True
        return False

    def _kind(self, path: str) -> Kind | None:
        real = self._resolve(path)
        if os.path.isdir(real):
            return "dir"
        if os.path.isfile(real):
            return "file"
        return None

    def _list_files(self, path: str) -> list[str]:
        real = self._resolve(path)
        _, files = walk_tree(real, confine_to=self.root, label_prefix=path)
        kept = [f for f in files if not is_temp_name(f.rsplit("/", 1)[-1])]
        return [f"{path}/{f}" if path else f for f in kept]

    def _get_file(self, path: str, local_file: str) -> None:
        atomic_copy(self._resolve(path), local_file)

    def _delete(self, path: str) -> None:
        if not path:
            # A symlinked root is unlinked, never followed: its target may hold others' data.
            if os.path.islink(self.root):
                os.unlink(self.root)
            elif os.path.isdir(self.root):
                shutil.rmtree(self.root)
            return
        local = os.path.join(self.root, *path.split("/"))
        parent = ensure_within_root(self.root, os.path.dirname(local), path)
        target = os.path.join(parent, os.path.basename(local))
        if os.path.islink(target) or os.path.isfile(target):
            os.unlink(target)  # a link is removed itself, whatever it points at
        elif os.path.isdir(target):
            shutil.rmtree(target)
