"""Shared plumbing of the side-by-side benchmarks: MLflow's virtualenv, running a workload in a
fresh subprocess on a fresh store, rows with targets, the table, machine facts and profiles.

MLflow is never a dependency of jupyter_mltrack: it lives in a virtualenv of its own that the
benchmark builds on first use (``python -m venv`` + ``pip install "mlflow==3.17.*"``).
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator

BENCH_DIR = Path(__file__).resolve().parent
REPO_DIR = BENCH_DIR.parent
WORKLOADS = BENCH_DIR / "workloads"
RESULTS_DIR = BENCH_DIR / "results"

MLFLOW_SPEC = "mlflow==3.17.*"
MLFLOW_SERIES = "3.17."
DEFAULT_VENV = Path.home() / ".cache" / "jupyter_mltrack" / "bench" / "mlflow-venv"
_VENV_OK = ".mltrack-bench-ok"
RESULT_PREFIX = "BENCH_RESULT "

TOOLS = ("ours", "mlflow")
LABEL = {"ours": "jupyter_mltrack", "mlflow": "MLflow"}


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# ------------------------------------------------------------------------------------- interpreters
def package_version(python: str, package: str) -> str | None:
    """The installed version of ``package`` for ``python`` (without importing it), or None."""
    code = f"import importlib.metadata as m; print(m.version({package!r}))"
    done = subprocess.run([python, "-c", code], capture_output=True, text=True, check=False)
    return done.stdout.strip() if done.returncode == 0 else None


def ensure_mlflow_python(explicit: str | None = None, venv: Path = DEFAULT_VENV) -> tuple[str, str]:
    """(python, mlflow version): ``explicit`` if given, else the benchmark's own venv, built if missing."""
    if explicit:
        version = package_version(explicit, "mlflow")
        if version is None:
            raise SystemExit(f"--mlflow-python {explicit}: that interpreter cannot import mlflow.")
        if not version.startswith(MLFLOW_SERIES):
            log(f"warning: {explicit} has mlflow {version}; the targets were set against {MLFLOW_SPEC}.")
        return explicit, version
    python = venv / "bin" / "python"
    if (venv / _VENV_OK).exists() and python.exists():
        version = package_version(str(python), "mlflow")
        if version and version.startswith(MLFLOW_SERIES):
            return str(python), version
    log(f"building MLflow's virtualenv at {venv} ({MLFLOW_SPEC}; a few minutes, once)...")
    shutil.rmtree(venv, ignore_errors=True)
    venv.parent.mkdir(parents=True, exist_ok=True)
    try:
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run(
            [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", MLFLOW_SPEC], check=True
        )
    except subprocess.CalledProcessError as exc:
        shutil.rmtree(venv, ignore_errors=True)
        raise SystemExit(f"could not build MLflow's virtualenv ({exc}); or pass --mlflow-python PATH.") from None
    version = package_version(str(python), "mlflow")
    if version is None:
        raise SystemExit(f"{venv}: mlflow installed but not importable; delete the folder and retry.")
    (venv / _VENV_OK).write_text(version + "\n")
    return str(python), version


# ---------------------------------------------------------------------------------------- workloads
@contextlib.contextmanager
def fresh_store(tool: str) -> Iterator[Path]:
    """A new empty folder for one tool's store (and the workload's working directory)."""
    path = Path(tempfile.mkdtemp(prefix=f"mltrack-bench-{tool}-"))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def tool_env(tool: str, store: Path, pythonpath: str | None = None) -> dict[str, str]:
    """The environment of a workload: nothing of the caller's tracker settings, the store in ``store``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MLTRACK_", "MLFLOW_"))}
    if pythonpath:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [pythonpath, env.get("PYTHONPATH")]))
    if tool == "ours":
        env["MLTRACK_HOME"] = str(store)
    else:
        env["MLFLOW_TRACKING_URI"] = f"sqlite:///{store / 'mlflow.db'}"
        # Artifacts default to ./mlruns in the working directory, which is the store folder.
        # No usage telemetry from a benchmark (it would also add network noise to the timings).
        env["MLFLOW_DISABLE_TELEMETRY"] = "true"
        env["DO_NOT_TRACK"] = "true"
    return env


class WorkloadError(RuntimeError):
    pass


def run_workload(python: str, script: str, tool: str, store: Path, timeout: float = 900,
                 python_flags: tuple[str, ...] = (), pythonpath: str | None = None, **options: Any) -> dict[str, Any]:
    """Run ``workloads/<script>.py --tool <tool> --k v...`` in a fresh process; return its result."""
    argv = [python, *python_flags, str(WORKLOADS / f"{script}.py"), "--tool", tool]
    for key, value in options.items():
        if value is not None:
            argv += [f"--{key.replace('_', '-')}", str(value)]
    try:
        done = subprocess.run(argv, cwd=store, env=tool_env(tool, store, pythonpath), capture_output=True, text=True,
                              timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        raise WorkloadError(f"{tool} {script}: no result after {timeout:.0f} s") from None
    lines = [line for line in done.stdout.splitlines() if line.startswith(RESULT_PREFIX)]
    if done.returncode != 0 or not lines:
        tail = "\n".join((done.stderr or done.stdout).strip().splitlines()[-15:])
        raise WorkloadError(f"{tool} {script} failed (exit {done.returncode}):\n{tail}")
    result: dict[str, Any] = json.loads(lines[-1][len(RESULT_PREFIX) :])
    result["_stderr"] = done.stderr
    return result


def snapshot_package(dest: Path, python: str) -> tuple[str, str]:
    """Copy jupyter_mltrack's source into ``dest`` and return (PYTHONPATH entry, digest of the copy).

    Other people edit the working tree while a full run (~20 minutes) goes on; measuring a copy
    taken at the start keeps every workload on the same code (a schema migration landing between
    populating a store and searching it would otherwise break the run).
    """
    source = package_source()
    target = dest / "jupyter_mltrack"
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__", "labextension"))
    code = "import jupyter_mltrack; print(jupyter_mltrack.__file__)"
    env = {**os.environ, "PYTHONPATH": str(dest)}
    found = subprocess.run([python, "-c", code], capture_output=True, text=True, env=env, cwd=dest,
                           check=True).stdout.strip()
    if not found.startswith(str(target)):
        raise SystemExit(f"the snapshot of jupyter_mltrack is not the one imported ({found}); use --no-snapshot.")
    return str(dest), tree_digest(target)


def package_source() -> Path:
    """Where this interpreter imports jupyter_mltrack from (without importing it)."""
    import importlib.util

    spec = importlib.util.find_spec("jupyter_mltrack")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("jupyter_mltrack is not importable here: `pip install -e .` first.")
    return Path(next(iter(spec.submodule_search_locations)))


def tree_digest(*roots: Path) -> str:
    """A short digest of the files under ``roots`` (names and contents; caches and build output skipped)."""
    import hashlib

    digest = hashlib.sha256()
    for root in roots:
        files = root.rglob("*") if root.is_dir() else [root]
        for path in sorted(files):
            if path.is_file() and "__pycache__" not in path.parts and "labextension" not in path.parts:
                digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:12]


class StoreCache:
    """Populated stores kept between invocations, keyed by everything that shapes their content.

    Filling 10,000 runs through MLflow's client takes 4-16 minutes here. The search rows only need
    a store filled that way, not a new one each time: a copy of the cached folder goes into a fresh
    temporary folder, and the cached population time is reported. Only the newest entry per tool
    and store size is kept.
    """

    def __init__(self, root: Path = DEFAULT_VENV.parent / "stores") -> None:
        self.root = root

    def entry(self, tool: str, key: str) -> Path:
        return self.root / f"{tool}-{key}"

    def load(self, tool: str, key: str, into: Path) -> dict[str, Any] | None:
        entry = self.entry(tool, key)
        meta = entry / "populate.json"
        if not meta.exists():
            return None
        for item in (entry / "store").iterdir():
            copy = shutil.copytree if item.is_dir() else shutil.copy2
            copy(item, into / item.name)
        result: dict[str, Any] = json.loads(meta.read_text())
        return result

    def store(self, tool: str, key: str, source: Path, result: dict[str, Any]) -> None:
        family = key.split("-", 1)[0]  # e.g. "10000runs": a --quick run does not evict the full-size store
        for old in self.root.glob(f"{tool}-{family}-*"):
            shutil.rmtree(old, ignore_errors=True)
        entry = self.entry(tool, key)
        partial = entry.with_name(entry.name + ".partial")
        shutil.rmtree(partial, ignore_errors=True)
        shutil.copytree(source, partial / "store")
        (partial / "populate.json").write_text(json.dumps(result, indent=2) + "\n")
        partial.rename(entry)


def median(values: list[float]) -> float:
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


# --------------------------------------------------------------------------------------------- rows
@dataclass
class Row:
    """One line of the table; values in ``unit`` (lower is better), ``ratio`` = MLflow / ours."""

    key: str
    operation: str
    ours: float
    mlflow: float
    unit: str
    target: str = "(info)"
    check: Callable[[float, float], bool] | None = None  # (ours, ratio) -> met?
    note: str = ""
    raw: dict[str, Any] = field(default_factory=dict)

    @property
    def ratio(self) -> float:
        return self.mlflow / self.ours if self.ours > 0 else float("inf")

    @property
    def status(self) -> str:
        if self.check is None:
            return "-"
        return "PASS" if self.check(self.ours, self.ratio) else "MISS"

    def as_dict(self) -> dict[str, Any]:
        return {"key": self.key, "operation": self.operation, "unit": self.unit, "jupyter_mltrack": self.ours,
                "mlflow": self.mlflow, "ratio_mlflow_over_ours": self.ratio, "target": self.target,
                "status": self.status, "note": self.note}


def fmt(value: float, unit: str) -> str:
    digits = 0 if value >= 100 else 1 if value >= 10 else 2 if value >= 1 else 3
    return f"{value:,.{digits}f} {unit}"


def table(rows: list[Row]) -> str:
    """A Markdown table (so it pastes into benchmarks/README.md as it is)."""
    header = ["operation", "jupyter_mltrack", "MLflow", "ratio (MLflow/ours)", "target", "result"]
    body = [
        [r.operation, fmt(r.ours, r.unit), fmt(r.mlflow, r.unit), f"{r.ratio:,.1f}x faster" if r.ratio >= 1
         else f"{1 / r.ratio:,.1f}x slower", r.target, r.status]
        for r in rows
    ]
    widths = [max(len(line[i]) for line in [header, *body]) for i in range(len(header))]
    right = {1, 2, 3}

    def render(cells: list[str]) -> str:
        return "| " + " | ".join(c.rjust(w) if i in right else c.ljust(w)
                                 for i, (c, w) in enumerate(zip(cells, widths, strict=True))) + " |"

    rule = "|" + "|".join(("-" * (w + 1) + ":") if i in right else "-" * (w + 2) for i, w in enumerate(widths)) + "|"
    return "\n".join([render(header), rule, *(render(line) for line in body)])


# ------------------------------------------------------------------------------------------ context
def machine() -> dict[str, Any]:
    cpu = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {"platform": platform.platform(), "cpu": cpu, "cpus_usable": usable, "python": platform.python_version()}


def git_revision() -> str:
    def git(*args: str) -> str:
        done = subprocess.run(["git", "-C", str(REPO_DIR), *args], capture_output=True, text=True, check=False)
        return done.stdout.strip() if done.returncode == 0 else ""

    commit = git("rev-parse", "--short", "HEAD") or "unknown"
    return commit + ("+dirty" if git("status", "--porcelain", "--untracked-files=no") else "")


def save(payload: dict[str, Any], date: str) -> Path:
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"tracking-{date}.json"
    path.write_text(json.dumps(payload, indent=2, sort_keys=False) + "\n")
    return path


# ---------------------------------------------------------------------------------------- profiles
def print_profile(path: Path, limit: int = 25) -> None:
    """cProfile's top entries: by cumulative time (where the time goes) and by own time (hot spots)."""
    import io
    import pstats

    for order in ("cumulative", "tottime"):
        out = io.StringIO()
        stats = pstats.Stats(str(path), stream=out)
        stats.strip_dirs().sort_stats(order).print_stats(limit)
        text = out.getvalue()
        start = text.find("   ncalls")
        print(f"\n  top {limit} by {order}:")
        print("\n".join("  " + line for line in text[start:].rstrip().splitlines()))


def print_importtime(stderr: str, limit: int = 20) -> None:
    """``python -X importtime``'s slowest modules, by their own (self) time."""
    entries = []
    for line in stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        self_us, cumulative_us, name = (part.strip() for part in line[len("import time:") :].split("|"))
        if name == "_adapter":  # the workload's own helper: what follows is the timed import
            entries.clear()
            continue
        entries.append((int(self_us), int(cumulative_us), name))
        if name == "jupyter_mltrack":  # the timed import is done; later imports are the workload's
            break
    print(f"\n  slowest {limit} modules by self time (us; cumulative in brackets):")
    for self_us, cumulative_us, name in sorted(entries, reverse=True)[:limit]:
        print(f"  {self_us:>9,} ({cumulative_us:>9,})  {name}")
