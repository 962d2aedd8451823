"""The one place where artifact paths are checked.

An artifact path comes from user code, a notebook, the CLI or a REST request, and is joined onto a
run's artifact root (a local folder or a bucket prefix). Anything that could leave that root -- a
parent component, an absolute path, a drive, a URL, a path hidden behind URL-encoding -- is refused
here, so the repositories only ever see clean relative posix paths.
"""

from __future__ import annotations

import os
import re
import unicodedata
from urllib.parse import unquote

from jupyter_mltrack.errors import ArtifactPathError

# Each round of URL-decoding peels one layer (%252e -> %2e -> .). More layers than this is no
# honest file name: refuse rather than guess.
_MAX_DECODE_ROUNDS = 4

_DRIVE = re.compile(r"^[A-Za-z]:")
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:")
# A percent-encoded '/' or '\' changes the path's structure once someone decodes it.
_ENCODED_SEPARATOR = re.compile(r"%(2f|5c)", re.IGNORECASE)


def validate_artifact_path(path: str | None) -> str:
    """Return ``path`` as a normalized relative posix path ('' for the root), or refuse it.

    Every stage of URL-decoding (and its NFKC form) is checked, because a store, a proxy or a
    browser may decode a name once more than we did.
    """
    if path is None:
        return ""
    if not isinstance(path, str):
        raise ArtifactPathError(repr(path), f"it must be a string, not {type(path).__name__}")
    for stage in _decoding_stages(path):
        _check_stage(path, stage)
        _check_stage(path, unicodedata.normalize("NFKC", stage))
    return "/".join(part for part in path.split("/") if part not in ("", "."))


def ensure_within_root(root: str, destination: str, artifact_path: str) -> str:
    """Resolve symlinks in ``destination`` and refuse it if it ends up outside ``root``.

    Validation cannot see the file system: a symlink inside the root pointing elsewhere would
    still let a clean path read or write outside it. Returns the resolved destination.
    """
    real_destination = os.path.realpath(destination)
    if not is_within_root(root, real_destination):
        raise ArtifactPathError(artifact_path, "a symlink leaves the artifact root")
    return real_destination


def is_within_root(root: str, real_path: str) -> bool:
    """Whether the already-resolved ``real_path`` is ``root`` (resolved here) or inside it."""
    real_root = os.path.realpath(root)
    try:
        return os.path.commonpath([real_root, real_path]) == real_root
    except ValueError:  # different drives on Windows
        return False


def _decoding_stages(path: str) -> list[str]:
    """The path and each successively URL-decoded form of it, until decoding changes nothing."""
    stages = [path]
    current = path
    for _ in range(_MAX_DECODE_ROUNDS):
        decoded = unquote(current)
        if decoded == current:
            return stages
        stages.append(decoded)
        current = decoded
    raise ArtifactPathError(path, "it is URL-encoded more times than any real file name")


def _check_stage(original: str, stage: str) -> None:
    """Refuse one (possibly decoded) form of ``original`` that could escape the artifact root."""
    if any(unicodedata.category(char) == "Cc" for char in stage):
        raise ArtifactPathError(original, "it contains NUL or control characters")
    if _ENCODED_SEPARATOR.search(stage):
        raise ArtifactPathError(original, "it contains a URL-encoded path separator (%2F or %5C)")
    if "\\" in stage:
        raise ArtifactPathError(original, "it contains a backslash; separate folders with '/'")
    if stage.startswith("/"):
        raise ArtifactPathError(original, "it is an absolute path")
    if _DRIVE.match(stage):
        raise ArtifactPathError(original, "it starts with a Windows drive")
    if _SCHEME.match(stage):
        raise ArtifactPathError(original, "it is a URL, not a path inside the artifact root")
    if stage.startswith("~"):
        raise ArtifactPathError(original, "it starts with '~' (home directory expansion)")
    for part in stage.split("/"):
        # '..' climbs out; Windows also strips trailing dots and spaces, so '...' or '.. ' do too.
        if part != "." and part and part.strip(". ") == "":
            raise ArtifactPathError(original, "it contains a '..' (parent directory) or dots-and-spaces-only component")
