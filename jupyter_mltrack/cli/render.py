"""Output for the command line: aligned plain-text tables and JSON (no extra dependency).

JSON is always valid JSON: NaN and infinite metric values, which JSON cannot hold, are written as
the strings ``"NaN"``, ``"Infinity"`` and ``"-Infinity"`` (what ``float()`` reads back).
"""

from __future__ import annotations

import json
import math
from datetime import datetime
from enum import Enum
from typing import Any, Sequence

from jupyter_mltrack.entities import as_dict

MAX_CELL = 40
ELLIPSIS = "..."


def jsonable(value: Any) -> Any:
    """Entities, lists and dicts as JSON-ready values (non-finite floats as strings)."""
    value = as_dict(value)
    if isinstance(value, Enum):
        return jsonable(value.value)
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [jsonable(v) for v in value]
    return value


def to_json(value: Any) -> str:
    return json.dumps(jsonable(value), indent=2, allow_nan=False, default=str)


def truncate(text: str, width: int = MAX_CELL) -> str:
    text = " ".join(text.split())  # one line per row, whatever the value holds
    return text if len(text) <= width else text[: width - len(ELLIPSIS)] + ELLIPSIS


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]], right: Sequence[int] = (),
          width: int = MAX_CELL) -> str:
    """Columns separated by two spaces, each cell cut to ``width``; columns in ``right`` right-aligned."""
    cells = [[truncate(str(h), width) for h in headers]]
    cells += [[truncate("" if c is None else str(c), width) for c in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    lines = []
    for row in cells:
        parts = [c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in enumerate(zip(row, widths, strict=True))]
        lines.append("  ".join(parts).rstrip())
    return "\n".join(lines)


def fields(pairs: Sequence[tuple[str, Any]]) -> str:
    """``key: value`` lines with the values aligned (skips None values)."""
    shown = [(k, v) for k, v in pairs if v is not None and v != ""]
    if not shown:
        return ""
    pad = max(len(k) for k, _ in shown) + 2
    return "\n".join(f"{(k + ':').ljust(pad)}{v}" for k, v in shown)


def timestamp(millis: int | None) -> str:
    """Local time of a millisecond timestamp, to the second."""
    if millis is None:
        return ""
    return datetime.fromtimestamp(millis / 1000).strftime("%Y-%m-%d %H:%M:%S")


def duration(start: int | None, end: int | None) -> str:
    if start is None or end is None:
        return ""
    seconds = max(0.0, (end - start) / 1000)
    if seconds < 60:
        return f"{seconds:.1f}s"
    minutes, sec = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m{sec:02d}s" if hours else f"{minutes}m{sec:02d}s"


def number(value: float) -> str:
    """A metric value, compact: 6 significant digits; nan/inf spelled out."""
    if math.isnan(value):
        return "nan"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    return f"{value:.6g}"
