"""The name the user's code gives an object: how autolog names data (``X_test``) after the
variable the user passed, as MLflow does, by identity in the caller's frames.
"""

from __future__ import annotations

import re
import sys
from types import FrameType
from typing import Any

_IPYTHON_CACHE = re.compile(r"^_+(i+)?\d*$|^_(oh|ih|dh)$")


def _is_ours(frame: FrameType) -> bool:
    return str(frame.f_globals.get("__name__", "")).startswith("jupyter_mltrack.autolog")


def _arguments(frame: FrameType) -> list[Any]:
    code = frame.f_code
    count = code.co_argcount + code.co_kwonlyargcount
    names = list(code.co_varnames[:count])
    flags = code.co_flags
    values = [frame.f_locals.get(n) for n in names]
    extra = code.co_varnames[count : count + bool(flags & 0x04) + bool(flags & 0x08)]
    for name in extra:
        found = frame.f_locals.get(name)
        values.extend(found.values() if isinstance(found, dict) else found or ())
    return values


def variable_name(obj: Any, fallback: str) -> str:
    """The name the user's code gives ``obj``: looked up by identity in the first caller frame
    (outside autolog) that did not receive it as an argument, in its locals, then its globals."""
    frame: FrameType | None = sys._getframe(1)
    while frame is not None and _is_ours(frame):
        frame = frame.f_back
    while frame is not None and any(v is obj for v in _arguments(frame)):
        frame = frame.f_back
    if frame is None:
        return fallback
    for namespace in (frame.f_locals, frame.f_globals):
        for name, value in list(namespace.items()):
            if value is obj and not _IPYTHON_CACHE.match(name):
                return name
    return fallback
