"""The IPython extension: ``%load_ext jupyter_mltrack`` gives ``%%track`` and ``%mltrack``.

A front door (DESIGN.md section 1): parsing and rendering here, recording in ``capture`` and the
tracking API. See docs/magics.md for every magic and option, and how to load the extension in
every kernel automatically.
"""

from __future__ import annotations

from typing import Any

_loaded: dict[int, Any] = {}


def load_ipython_extension(shell: Any) -> None:
    """Register the magics and cell hooks; loading again into the same shell does nothing."""
    if id(shell) in _loaded:
        return
    from jupyter_mltrack.magics.extension import Extension

    extension = Extension(shell)
    extension.register()
    _loaded[id(shell)] = extension


def unload_ipython_extension(shell: Any) -> None:
    """Remove everything :func:`load_ipython_extension` installed."""
    extension = _loaded.pop(id(shell), None)
    if extension is not None:
        extension.unregister()
