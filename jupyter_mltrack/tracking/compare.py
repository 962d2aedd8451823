"""What comparing runs means, shared by every front door that compares (magics, widgets, panel)."""

from __future__ import annotations

from typing import Sequence

from jupyter_mltrack.entities import Run


def param_diff(runs: Sequence[Run]) -> tuple[list[str], list[str]]:
    """(param keys whose values differ between the runs, keys equal in all); a missing param differs."""
    keys = sorted({k for r in runs for k in r.data.params})
    differ = [k for k in keys if len({r.data.params.get(k) for r in runs}) > 1]
    return differ, [k for k in keys if k not in differ]
