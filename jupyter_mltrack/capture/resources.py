"""What a cell cost: wall time, CPU time and how far it raised the process's peak memory.

Three cheap reads (microseconds) at each end of the cell: ``perf_counter``, ``process_time`` (all
threads of the kernel, so BLAS and data-loader threads count) and ``getrusage``'s peak RSS.
``tracemalloc`` is not used: it sees Python allocations only and slows every allocation.
Peak RSS never goes down, so the growth is how far the cell pushed the process's high-water
mark: 0 when the cell stayed under an earlier peak.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass

WALL_TIME = "cell.wall_time_s"
CPU_TIME = "cell.cpu_time_s"
PEAK_MEMORY_GROWTH = "cell.peak_memory_growth_mb"
RESOURCE_METRICS = (WALL_TIME, CPU_TIME, PEAK_MEMORY_GROWTH)

try:
    import resource as _resource
except ImportError:  # pragma: no cover - Windows
    _resource = None  # type: ignore[assignment]

# ru_maxrss is in kilobytes on Linux and in bytes on macOS.
_RSS_UNIT_MB = 1 / (1024 * 1024) if sys.platform == "darwin" else 1 / 1024


@dataclass(frozen=True)
class Usage:
    wall: float
    cpu: float
    peak_rss_mb: float | None


def snapshot() -> Usage:
    peak = _resource.getrusage(_resource.RUSAGE_SELF).ru_maxrss * _RSS_UNIT_MB if _resource else None
    return Usage(time.perf_counter(), time.process_time(), peak)


def usage_metrics(start: Usage, end: Usage) -> dict[str, float]:
    """The cell's resource metrics (documented in docs/magics.md)."""
    found = {WALL_TIME: round(end.wall - start.wall, 6), CPU_TIME: round(end.cpu - start.cpu, 6)}
    if start.peak_rss_mb is not None and end.peak_rss_mb is not None:
        found[PEAK_MEMORY_GROWTH] = round(max(0.0, end.peak_rss_mb - start.peak_rss_mb), 3)
    return found
