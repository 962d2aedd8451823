"""The artifact repository contract, with the checks every backend must share.

Public methods live here and validate every path before a backend sees it, so a new backend
cannot forget a check; backends only implement the small ``_`` hooks on clean relative paths.
Method names and list semantics follow MLflow's ``ArtifactRepository`` so its habits carry over.
"""

from __future__ import annotations

import abc
import os
import tempfile
from typing import Literal, Union

from jupyter_mltrack.entities import FileInfo
from jupyter_mltrack.errors import (
    ArtifactPathError,
    InvalidParameterError,
    ResourceNotFoundError,
)
from jupyter_mltrack.store.artifacts.localfs import walk_tree
from jupyter_mltrack.store.artifacts.paths import validate_artifact_path

LocalPath = Union[str, "os.PathLike[str]"]
Kind = Literal["file", "dir"]


class ArtifactRepository(abc.ABC):
    """Files under one root (a run's or an experiment's artifact location)."""

    root_uri: str

    def __init__(self, root_uri: str) -> None:
        self.root_uri = root_uri

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.root_uri!r})"

    # -- writing ------------------------------------------------------------------------------

    def log_artifact(self, local_file: LocalPath, artifact_path: str | None = None) -> None:
        """Copy one local file into folder ``artifact_path``, keeping its file name."""
        folder = validate_artifact_path(artifact_path)
        source = _local_source(local_file, want_dir=False)
        self._put_file(source, _checked_join(folder, os.path.basename(source)))

    def log_artifacts(self, local_dir: LocalPath, artifact_path: str | None = None) -> None:
        """Copy the contents of a local folder into folder ``artifact_path``.

        Every name is checked before the first byte is written, so a bad name copies nothing.
        """
        folder = validate_artifact_path(artifact_path)
        source = _local_source(local_dir, want_dir=True)
        dirs, files = walk_tree(source)
        planned_dirs = [_checked_join(folder, d) for d in dirs]
        planned_files = [(os.path.join(source, *f.split("/")), _checked_join(folder, f)) for f in files]
        self._make_dir(folder)
        for d in planned_dirs:
            self._make_dir(d)
        for local, remote in planned_files:
            self._put_file(local, remote)

    def write_bytes(self, artifact_file: str, data: bytes) -> None:
        """Store ``data`` as ``artifact_file``, replacing any previous content."""
        self._write_bytes(_file_path(artifact_file), data)

    # -- reading ------------------------------------------------------------------------------

    def read_bytes(self, artifact_file: str) -> bytes:
        """The content of ``artifact_file``."""
        path = _file_path(artifact_file)
        try:
            return self._read_bytes(path)
        except FileNotFoundError:
            raise self._not_found(path) from None
        except IsADirectoryError:
            raise InvalidParameterError(
                f"Artifact {path!r} under {self.root_uri} is a folder, not a file. "
                "List it with list_artifacts() or fetch it with download_artifacts()."
            ) from None

    def list_artifacts(self, path: str | None = None) -> list[FileInfo]:
        """Direct children of folder ``path``, sorted, with paths relative to the root.

        A missing folder or a file lists as [] (MLflow's behaviour).
        """
        return sorted(self._list(validate_artifact_path(path)), key=lambda info: info.path)

    def exists(self, artifact_path: str | None = None) -> bool:
        """Whether a file or folder ``artifact_path`` ('' or None: the root) exists."""
        return self._kind(validate_artifact_path(artifact_path)) is not None

    def download_artifacts(self, artifact_path: str, dst_path: LocalPath | None = None) -> str:
        """Copy a file or a whole folder into local folder ``dst_path`` (a new temp folder if None).

        The relative layout is kept (``a/b.txt`` lands at ``dst_path/a/b.txt``); returns the local
        path of the downloaded file or folder.
        """
        path = validate_artifact_path(artifact_path)
        kind = self._kind(path)
        if kind is None:
            raise self._not_found(path)
        destination = _local_destination(dst_path)
        target = os.path.join(destination, *path.split("/")) if path else destination
        if kind == "file":
            os.makedirs(os.path.dirname(target), exist_ok=True)
            self._get_file(path, target)
            return target
        planned = []
        for name in self._list_files(path):
            clean = validate_artifact_path(name)  # names stored by others are untrusted too
            if path and not clean.startswith(path + "/"):
                raise ArtifactPathError(name, f"it is not inside the folder {path!r}")
            planned.append((clean, os.path.join(destination, *clean.split("/"))))
        os.makedirs(target, exist_ok=True)
        for clean, local in planned:
            os.makedirs(os.path.dirname(local), exist_ok=True)
            self._get_file(clean, local)
        return target

    # -- deleting -----------------------------------------------------------------------------

    def delete_artifacts(self, artifact_path: str | None = None) -> None:
        """Delete a file or folder; None deletes everything under the root (garbage collection).

        Deleting something that does not exist is not an error, so a retried cleanup succeeds.
        """
        self._delete(validate_artifact_path(artifact_path))

    # -- backend hooks: paths are already validated, relative, posix; '' is the root ------------

    @abc.abstractmethod
    def _put_file(self, local_file: str, path: str) -> None:
        """Upload an existing local file to ``path``."""

    @abc.abstractmethod
    def _make_dir(self, path: str) -> None:
        """Create folder ``path`` (a no-op where folders do not exist on their own)."""

    @abc.abstractmethod
    def _write_bytes(self, path: str, data: bytes) -> None: ...

    @abc.abstractmethod
    def _read_bytes(self, path: str) -> bytes:
        """Raise FileNotFoundError (missing) or IsADirectoryError (a folder)."""

    @abc.abstractmethod
    def _list(self, path: str) -> list[FileInfo]: ...

    @abc.abstractmethod
    def _kind(self, path: str) -> Kind | None:
        """'file', 'dir', or None when nothing is at ``path``."""

    @abc.abstractmethod
    def _list_files(self, path: str) -> list[str]:
        """Every file below folder ``path``, recursively, relative to the root."""

    @abc.abstractmethod
    def _get_file(self, path: str, local_file: str) -> None:
        """Download file ``path`` to ``local_file`` (whose folder exists), atomically."""

    @abc.abstractmethod
    def _delete(self, path: str) -> None: ...

    def _not_found(self, path: str) -> ResourceNotFoundError:
        return ResourceNotFoundError(
            f"Artifact {path!r} does not exist under {self.root_uri}. See what was logged with list_artifacts()."
        )


def _checked_join(folder: str, name: str) -> str:
    """Join a local file name onto a validated folder, validating the name as well."""
    joined = f"{folder}/{name}" if folder else name
    return validate_artifact_path(joined)


def _file_path(artifact_file: str) -> str:
    path = validate_artifact_path(artifact_file)
    if not path:
        raise ArtifactPathError(str(artifact_file), "it names the artifact root, not a file")
    return path


def _local_source(local: LocalPath, *, want_dir: bool) -> str:
    """An existing local file (or folder) to upload, with an error that says what to do."""
    path = os.path.abspath(os.fspath(local))
    if os.path.isdir(path) if want_dir else os.path.isfile(path):
        return path
    if os.path.exists(path):
        other = "log_artifact()" if want_dir else "log_artifacts()"
        what = "a file" if want_dir else "a folder"
        raise InvalidParameterError(f"Local path {path!r} is {what}; log it with {other}.")
    noun = "folder" if want_dir else "file"
    raise ResourceNotFoundError(
        f"Local {noun} {path!r} does not exist. Relative paths are resolved against the working "
        f"directory {os.getcwd()!r}; check the path or pass an absolute one."
    )


def _local_destination(dst_path: LocalPath | None) -> str:
    if dst_path is None:
        return tempfile.mkdtemp(prefix="mltrack-download-")
    destination = os.path.abspath(os.fspath(dst_path))
    if os.path.exists(destination) and not os.path.isdir(destination):
        raise InvalidParameterError(f"Download destination {destination!r} is a file; pass a folder to download into.")
    os.makedirs(destination, exist_ok=True)
    return destination
