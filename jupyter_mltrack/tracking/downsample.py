"""Downsampling a metric history for drawing, keeping its shape (the M4 idea, by point count).

A series of ``n`` points (in step order) larger than ``max_points`` is cut into
``b = max_points // 4`` consecutive buckets of (almost) equal point count: bucket ``i`` holds the
points at indices ``[i*n//b, (i+1)*n//b)``. From each bucket we keep its first point, its last
point, and the points holding its minimum and maximum value (the first such point on ties; NaN
values never count as a minimum or maximum), de-duplicated and in step order. So at most four
points per bucket, at most ``max_points`` in all; every bucket's extremes survive, and so do the
series' first and last points and its global minimum and maximum, which is what a line chart at
that resolution shows. A series of at most ``max_points`` points is returned unchanged.
"""

from __future__ import annotations

import math
from typing import Sequence, TypeVar

from jupyter_mltrack.entities import Metric

#: Smallest useful budget: one bucket of four points.
MIN_POINTS = 4

M = TypeVar("M", bound=Metric)


def bucket_bounds(n: int, max_points: int) -> list[tuple[int, int]]:
    """The ``[start, end)`` index range of each bucket (documented above; tests rebuild it)."""
    buckets = max(1, max_points // MIN_POINTS)
    bounds = [(i * n // buckets, (i + 1) * n // buckets) for i in range(buckets)]
    return [(lo, hi) for lo, hi in bounds if lo < hi]


def downsample(points: Sequence[M], max_points: int) -> list[M]:
    """At most ``max_points`` of ``points`` (already in step order) with each bucket's first/min/max/last."""
    if len(points) <= max_points:
        return list(points)
    values = [p.value for p in points]
    kept: list[M] = []
    for lo, hi in bucket_bounds(len(points), max_points):
        picks = {lo, hi - 1}
        finite = [i for i in range(lo, hi) if not math.isnan(values[i])]
        if finite:
            picks.add(min(finite, key=values.__getitem__))
            picks.add(max(finite, key=values.__getitem__))
        kept.extend(points[i] for i in sorted(picks))
    return kept
