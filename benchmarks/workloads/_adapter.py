"""The thin layer that lets one workload script drive either tool.

jupyter_mltrack follows MLflow's API names (``start_run``, ``log_metric``, ``Client.log_batch``,
``Client.search_runs``...), so the only difference a workload sees is which modules to import.
A workload calls ``load(tool)`` and then uses ``tool.fluent`` (the ``mlflow`` or ``jupyter_mltrack``
module), ``tool.Client``, ``tool.Metric`` and ``tool.Param``.

Only ``sys`` and ``time`` are imported at module level, so a workload that times ``import <tool>``
does not pre-load modules the tool would otherwise pay for.
"""

from __future__ import annotations

import sys
import time
from typing import Any

#: The top-level package each tool's users import.
PACKAGE = {"ours": "jupyter_mltrack", "mlflow": "mlflow"}
#: The harness reads the one stdout line that starts with this.
RESULT_PREFIX = "BENCH_RESULT "

perf_counter = time.perf_counter


class Tool:
    """The modules of one tool, under the names both tools share."""

    def __init__(self, name: str, fluent: Any, client: type, metric: type, param: type) -> None:
        self.name = name
        self.fluent = fluent  # the module with set_experiment, start_run, log_metric, search_runs...
        self.Client = client
        self.Metric = metric  # Metric(key, value, timestamp, step) in both tools
        self.Param = param  # Param(key, value)


def load(name: str) -> Tool:
    if name == "ours":
        import jupyter_mltrack

        return Tool(name, jupyter_mltrack, jupyter_mltrack.Client, jupyter_mltrack.Metric, jupyter_mltrack.Param)
    if name == "mlflow":
        import mlflow
        from mlflow.entities import Metric, Param

        return Tool(name, mlflow, mlflow.MlflowClient, Metric, Param)
    raise SystemExit(f"unknown tool {name!r}; use one of {sorted(PACKAGE)}")


def args(**defaults: Any) -> dict[str, Any]:
    """``--key value`` pairs from argv, typed like their defaults (no argparse: keeps imports minimal)."""
    found: dict[str, Any] = dict(defaults)
    argv = sys.argv[1:]
    if len(argv) % 2:
        raise SystemExit(f"expected --key value pairs, got {argv}")
    for flag, raw in zip(argv[::2], argv[1::2], strict=True):
        key = flag.removeprefix("--").replace("-", "_")
        if not flag.startswith("--") or key not in found:
            raise SystemExit(f"unknown option {flag}; known: {sorted(found)}")
        default = found[key]
        found[key] = type(default)(raw) if default is not None else raw
    if found.get("tool") not in PACKAGE:
        raise SystemExit(f"--tool must be one of {sorted(PACKAGE)}")
    return found


class Timer:
    """Times sections (``with timer:``); with a profile path, cProfiles them too (all sections, one file)."""

    def __init__(self, profile_path: str | None = None) -> None:
        self.samples: list[float] = []
        self.profile_path = profile_path or None
        self._profiler: Any = None
        if self.profile_path:
            import cProfile

            self._profiler = cProfile.Profile()
        self._t0 = 0.0

    def __enter__(self) -> Timer:
        if self._profiler is not None:
            self._profiler.enable()
        self._t0 = perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        elapsed = perf_counter() - self._t0
        if self._profiler is not None:
            self._profiler.disable()
        self.samples.append(elapsed)

    @property
    def last(self) -> float:
        return self.samples[-1]

    def median(self) -> float:
        ordered = sorted(self.samples)
        mid = len(ordered) // 2
        return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2

    def dump(self) -> None:
        if self._profiler is not None:
            self._profiler.dump_stats(self.profile_path)


def emit(**result: Any) -> None:
    """Hand the result to the harness (one JSON line on stdout)."""
    import json

    print(RESULT_PREFIX + json.dumps(result), flush=True)


def check(condition: bool, message: str) -> None:
    """A sanity check on the work done (not on its speed): fail the workload loudly."""
    if not condition:
        raise SystemExit(f"sanity check failed: {message}")
