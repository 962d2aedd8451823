"""The versions of the packages a notebook imported, as one searchable tag.

"Imported by the notebook" is read from the notebook itself: the ``import`` statements of the
cells run so far (IPython's input history), restricted to modules that are really loaded. A
blocklist of what the kernel imports for itself would always be out of date, and scanning every
installed distribution (``packages_distributions()``) costs a fifth of a second. Cells are parsed
once each and versions looked up once per module, so a tracked cell pays microseconds.

Python's version, the user, host and git commit/dirty state are system tags every run gets from
the tracking API (``mltrack.python.version``, ``mlflow.source.git.commit``, ``mltrack.git.dirty``).
"""

from __future__ import annotations

import ast
import importlib.metadata as metadata
import sys
from typing import Sequence

PACKAGES_TAG = "mltrack.packages"
MAX_TAG = 8000

#: Import names whose distribution is named differently.
DISTRIBUTIONS = {
    "sklearn": "scikit-learn",
    "skimage": "scikit-image",
    "PIL": "pillow",
    "yaml": "PyYAML",
    "cv2": "opencv-python",
    "bs4": "beautifulsoup4",
    "dateutil": "python-dateutil",
    "dotenv": "python-dotenv",
    "attr": "attrs",
    "jupyter_mltrack": "jupyter-mltrack",
    "pytorch_lightning": "pytorch-lightning",
    "sentence_transformers": "sentence-transformers",
}

_versions: dict[str, str | None] = {}


class ImportHistory:
    """Top-level modules named in ``import`` statements of the cells seen so far."""

    def __init__(self) -> None:
        self._parsed = 0
        self._modules: set[str] = set()
        self._history: int | None = None

    def update(self, cells: Sequence[str]) -> set[str]:
        if id(cells) != self._history or len(cells) < self._parsed:  # another shell, or history was reset
            self._parsed, self._modules, self._history = 0, set(), id(cells)
        for source in cells[self._parsed :]:
            self._modules.update(imported_modules(source))
        self._parsed = len(cells)
        return set(self._modules)


def imported_modules(source: str) -> set[str]:
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return set()
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name.partition(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module.partition(".")[0])
    return found


def version_of(module: str) -> str | None:
    """The installed version of an imported module's distribution (cached), or None."""
    if module in _versions:
        return _versions[module]
    version: str | None = None
    for name in (DISTRIBUTIONS.get(module, module), module.replace("_", "-")):
        try:
            version = metadata.version(name)
            break
        except (metadata.PackageNotFoundError, ValueError):
            continue
    if version is None:
        loaded = sys.modules.get(module)
        raw = getattr(loaded, "__version__", None)
        version = raw if isinstance(raw, str) else None
    _versions[module] = version
    return version


def package_versions(modules: set[str]) -> dict[str, str]:
    """``{distribution: version}`` for the loaded, non-stdlib modules among ``modules``."""
    stdlib: frozenset[str] = getattr(sys, "stdlib_module_names", frozenset())
    found: dict[str, str] = {}
    for module in sorted(modules):
        if module in stdlib or module.startswith("_") or module not in sys.modules:
            continue
        version = version_of(module)
        if version:
            found[DISTRIBUTIONS.get(module, module)] = version
    return found


def packages_tag(versions: dict[str, str]) -> str:
    """``"numpy==2.1.0 pandas==2.2.2"``: search it with ``tags.mltrack.packages LIKE '%numpy==2.%'``."""
    text = " ".join(f"{name}=={version}" for name, version in sorted(versions.items(), key=lambda kv: kv[0].lower()))
    return text[:MAX_TAG]
