"""sha256 of every file of a model, written at save time and checked before anything is loaded.

The manifest ``checksums.sha256`` uses ``sha256sum``'s format, so ``sha256sum -c checksums.sha256``
checks a model by hand too. It covers the MLmodel file itself. Models without a manifest (saved by
MLflow) load without the check. This catches corruption and edits after saving; it is not a
signature: whoever can rewrite the files can rewrite the manifest too.
"""

from __future__ import annotations

import hashlib
import os

from jupyter_mltrack.models.errors import ModelIntegrityError

MANIFEST = "checksums.sha256"
_IGNORED_DIRS = {"__pycache__"}


def _files(root: str) -> list[str]:
    found = []
    for folder, dirs, names in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in _IGNORED_DIRS)
        for name in names:
            rel = os.path.relpath(os.path.join(folder, name), root).replace(os.sep, "/")
            if rel != MANIFEST:
                found.append(rel)
    return sorted(found)


def file_sha256(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def write_manifest(root: str) -> dict[str, str]:
    """Hash every file under model folder ``root`` into its manifest; returns path -> sha256."""
    sums = {rel: file_sha256(os.path.join(root, *rel.split("/"))) for rel in _files(root)}
    with open(os.path.join(root, MANIFEST), "w", encoding="utf-8") as handle:
        handle.writelines(f"{digest}  {rel}\n" for rel, digest in sums.items())
    return sums


def read_manifest(root: str) -> dict[str, str] | None:
    try:
        with open(os.path.join(root, MANIFEST), encoding="utf-8") as handle:
            lines = handle.read().splitlines()
    except FileNotFoundError:
        return None
    sums: dict[str, str] = {}
    for line in lines:
        if line.strip():
            digest, _, rel = line.partition("  ")
            sums[rel.lstrip("*")] = digest.strip()
    return sums


def verify(root: str) -> bool:
    """Raise ModelIntegrityError naming each changed or missing file; False if there is no manifest."""
    sums = read_manifest(root)
    if sums is None:
        return False
    problems = []
    real_root = os.path.realpath(root)
    for rel, expected in sums.items():
        local = os.path.realpath(os.path.join(root, *rel.split("/")))
        if os.path.commonpath([real_root, local]) != real_root or rel.startswith("/"):
            problems.append(f"{rel}: the manifest names a file outside the model folder")
            continue
        try:
            actual = file_sha256(local)
        except FileNotFoundError:
            problems.append(f"{rel}: missing")
            continue
        if actual != expected:
            problems.append(f"{rel}: changed (sha256 {actual[:12]}..., recorded {expected[:12]}...)")
    if problems:
        raise ModelIntegrityError(root, problems)
    return True
