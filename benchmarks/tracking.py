"""Side-by-side tracking benchmarks: jupyter_mltrack vs MLflow, same work, same run.

    python benchmarks/tracking.py [--quick] [--runs N] [--mlflow-python PATH] [--save]
                                  [--only OPS] [--profile [ROWS]]

Every measurement runs in fresh subprocesses, one per tool (ours with this interpreter, MLflow with
its own virtualenv), each on a SQLite store in a fresh temporary folder. See benchmarks/README.md.
Timings are reported, never asserted: a MISS is a finding, not a failure (exit status stays 0).
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import shutil
import sys
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Callable

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (
    LABEL,
    TOOLS,
    WORKLOADS,
    Row,
    StoreCache,
    WorkloadError,
    ensure_mlflow_python,
    fresh_store,
    git_revision,
    log,
    machine,
    median,
    package_source,
    package_version,
    print_importtime,
    print_profile,
    run_workload,
    save,
    snapshot_package,
    table,
    tree_digest,
)

OPS = ("import", "first_run", "log_metric", "log_batch", "search")


@dataclass(frozen=True)
class Sizes:
    import_repeats: int = 5
    first_run_repeats: int = 3
    metric_n_ours: int = 50_000
    metric_n_mlflow: int = 200
    batch_keys: int = 10
    batch_steps: int = 1000
    batch_repeats: int = 3
    runs: int = 10_000
    search_repeats: int = 5


FULL = Sizes()
QUICK = Sizes(import_repeats=3, first_run_repeats=1, metric_n_ours=5_000, metric_n_mlflow=50, batch_repeats=1,
              runs=300, search_repeats=3)


class Bench:
    def __init__(self, pythons: dict[str, str], sizes: Sizes, pythonpath: dict[str, str] | None = None,
                 code_ids: dict[str, str] | None = None, cache: StoreCache | None = None) -> None:
        self.pythons = pythons
        self.pythonpath = pythonpath or {}
        self.code_ids = code_ids or {}  # what identifies each tool's code (our source digest, MLflow's version)
        self.cache = cache  # populated search stores kept between invocations (None: always populate)
        self.reuse_stores = True  # False: populate anew, but still refresh the cache
        self.sizes = sizes
        self.sanity: dict[str, Any] = {}
        self.problems: list[str] = []  # failed sanity checks across tools: the run exits 1
        self.raw: dict[str, Any] = {}

    def run(self, script: str, tool: str, store: Path, **options: Any) -> dict[str, Any]:
        return run_workload(self.pythons[tool], script, tool, store, pythonpath=self.pythonpath.get(tool), **options)

    def fresh(self, script: str, tool: str, **options: Any) -> dict[str, Any]:
        with fresh_store(tool) as store:
            result = self.run(script, tool, store, **options)
            result["_store"] = store.name
            return result

    # ------------------------------------------------------------------------------------ rows
    def bench_import(self) -> list[Row]:
        n = self.sizes.import_repeats
        log(f"import: 1 warm-up + {n} fresh interpreters per tool (interleaved)")
        for tool in TOOLS:
            self.fresh("import_time", tool)  # writes bytecode caches, warms the page cache
        samples: dict[str, list[float]] = {t: [] for t in TOOLS}
        modules: dict[str, int] = {}
        for _ in range(n):
            for tool in TOOLS:
                result = self.fresh("import_time", tool)
                samples[tool].append(result["seconds"])
                modules[tool] = result["modules_loaded"]
        self.raw["import"] = {"samples_s": samples, "modules_loaded": modules}
        return [Row("import", f"import (median of {n}, ms)", median(samples["ours"]) * 1000,
                    median(samples["mlflow"]) * 1000, "ms", "ours <= 300 ms", lambda ours, ratio: ours <= 300,
                    note=f"modules loaded: ours {modules['ours']}, MLflow {modules['mlflow']}")]

    def bench_first_run(self) -> list[Row]:
        n = self.sizes.first_run_repeats
        log(f"first run in a fresh store: 1 warm-up + {n} fresh processes and stores per tool (interleaved)")
        for tool in TOOLS:
            self.fresh("first_run", tool)
        total: dict[str, list[float]] = {t: [] for t in TOOLS}
        after: dict[str, list[float]] = {t: [] for t in TOOLS}
        for _ in range(n):
            for tool in TOOLS:
                result = self.fresh("first_run", tool)
                total[tool].append(result["total"])
                after[tool].append(result["after_import"])
                inside = result["_store"] in result["artifact_uri"]
                self.sanity.setdefault("artifact_root_inside_temp_store", {})[tool] = inside
                if not inside:
                    self.problems.append(f"{tool} put artifacts at {result['artifact_uri']}, outside its temp store")
        self.raw["first_run"] = {"total_s": total, "after_import_s": after}
        return [
            Row("first_run", f"first run, fresh store, incl. import (median of {n}, s)", median(total["ours"]),
                median(total["mlflow"]), "s", "ours <= 0.5 s", lambda ours, ratio: ours <= 0.5),
            Row("first_run_after_import", "first run, fresh store, after import (s)", median(after["ours"]),
                median(after["mlflow"]), "s"),
        ]

    def bench_log_metric(self) -> list[Row]:
        n = {"ours": self.sizes.metric_n_ours, "mlflow": self.sizes.metric_n_mlflow}
        log(f"log_metric loop: N={n['ours']} (ours), N={n['mlflow']} (MLflow), end_run included")
        results = {tool: self.fresh("log_metric", tool, n=n[tool]) for tool in TOOLS}
        self.raw["log_metric"] = {t: {k: v for k, v in r.items() if not k.startswith("_")} for t, r in results.items()}
        return [Row("log_metric", f"log_metric in a run, per call (N={n['ours']:,} / {n['mlflow']:,}, us)",
                    results["ours"]["per_call_us"], results["mlflow"]["per_call_us"], "us", ">= 100x faster",
                    lambda ours, ratio: ratio >= 100)]

    def bench_log_batch(self) -> list[Row]:
        s = self.sizes
        points = s.batch_keys * s.batch_steps
        log(f"log_batch: {points:,} points ({s.batch_keys} keys x {s.batch_steps} steps), median of {s.batch_repeats}")
        results = {tool: self.fresh("log_batch", tool, keys=s.batch_keys, steps=s.batch_steps,
                                    repeats=s.batch_repeats) for tool in TOOLS}
        self.raw["log_batch"] = {t: r["samples"] for t, r in results.items()}
        return [Row("log_batch", f"log_batch of {points:,} points (median of {s.batch_repeats}, ms)",
                    results["ours"]["seconds"] * 1000, results["mlflow"]["seconds"] * 1000, "ms", ">= 20x faster",
                    lambda ours, ratio: ratio >= 20)]

    def bench_search(self, runs: int, keep: dict[str, Path] | None = None) -> list[Row]:
        s = self.sizes
        populated: dict[str, dict[str, Any]] = {}
        searched: dict[str, dict[str, Any]] = {}
        workload_id = tree_digest(WORKLOADS / "search.py", WORKLOADS / "_adapter.py")
        for tool in TOOLS:
            digest = hashlib.sha256(f"{self.code_ids.get(tool)}|{workload_id}|{runs}".encode()).hexdigest()[:16]
            key = f"{runs}runs-{digest}"
            with fresh_store(tool) as store:
                cached = self.cache.load(tool, key, store) if self.cache and self.reuse_stores else None
                if cached is not None:
                    populated[tool] = {**cached, "cached": True}
                    log(f"search_runs: {LABEL[tool]}'s store of {runs:,} runs comes from the cache (populated "
                        f"{cached['populated_at']} in {cached['seconds']:.1f} s); searching in a fresh process...")
                else:
                    log(f"search_runs: populating {LABEL[tool]}'s store with {runs:,} runs "
                        "(create_run + log_batch of 10 params and 10 metrics + set_terminated)...")
                    result = self.run("search", tool, store, phase="populate", runs=runs,
                                      timeout=max(900.0, runs * 0.5))
                    populated[tool] = {k: v for k, v in result.items() if not k.startswith("_")}
                    populated[tool]["populated_at"] = dt.datetime.now().isoformat(timespec="minutes")
                    if self.cache:
                        self.cache.store(tool, key, store, populated[tool])
                    populated[tool]["cached"] = False
                    log(f"  {populated[tool]['seconds']:.1f} s ({populated[tool]['per_run_ms']:.1f} ms per run); "
                        f"searching in a fresh process...")
                searched[tool] = self.run("search", tool, store, phase="search", repeats=s.search_repeats)
                if keep is not None and tool == "ours":
                    kept = Path(tempfile.mkdtemp(prefix="mltrack-bench-kept-"))
                    for item in store.iterdir():
                        item.rename(kept / item.name)
                    keep["search"] = kept
        same_order = searched["ours"]["names"] == searched["mlflow"]["names"]
        expected = populated["ours"]["expected_matches"]
        self.sanity["search_runs"] = {
            "expected_matches_from_data": expected,
            "matches": {t: searched[t]["matches"] for t in TOOLS},
            "frame_rows": {t: searched[t]["frame_rows"] for t in TOOLS},
            "same_runs_same_order": same_order,
        }
        if not same_order or any(searched[t]["matches"] != expected for t in TOOLS):
            self.problems.append(f"search_runs: the tools disagree or miss the expected {expected} runs: "
                                 f"{self.sanity['search_runs']}")
        self.raw["search"] = {
            t: {k: v for k, v in {**populated[t], **searched[t]}.items() if not k.startswith("_") and k != "names"}
            for t in TOOLS
        }
        n = s.search_repeats
        return [
            Row("search_client", f"Client.search_runs, {runs:,} runs, 3-clause filter + order_by (median of {n}, ms)",
                searched["ours"]["seconds"] * 1000, searched["mlflow"]["seconds"] * 1000, "ms",
                ">= 5x faster and ours < 100 ms", lambda ours, ratio: ratio >= 5 and ours < 100),
            Row("search_frame", f"fluent search_runs -> DataFrame, same query (median of {n}, ms)",
                searched["ours"]["frame_seconds"] * 1000, searched["mlflow"]["frame_seconds"] * 1000, "ms"),
            Row("populate", f"populate: create_run + log_batch + set_terminated (per run, {runs:,} runs, ms)",
                populated["ours"]["per_run_ms"], populated["mlflow"]["per_run_ms"], "ms",
                note="total: " + ", ".join(
                    f"{LABEL[t]} {populated[t]['seconds']:.0f} s"
                    + (f" (cached, populated {populated[t]['populated_at']})" if populated[t]["cached"] else "")
                    for t in TOOLS)),
        ]

    # -------------------------------------------------------------------------------- profiles
    def profile(self, key: str, runs: int, kept: dict[str, Path]) -> None:
        """Run our side of one row again under a profiler and print where the time goes."""
        s = self.sizes
        print(f"\n### profile of jupyter_mltrack, row {key!r}")
        if key == "import":
            with fresh_store("ours") as store:
                result = self.run("import_time", "ours", store, python_flags=("-X", "importtime"))
            print_importtime(result["_stderr"])
            return
        with tempfile.TemporaryDirectory(prefix="mltrack-bench-prof-") as tmp:
            path = Path(tmp) / f"{key}.prof"
            if key in ("first_run", "first_run_after_import"):
                self.fresh("first_run", "ours", profile=path)
            elif key == "log_metric":
                self.fresh("log_metric", "ours", n=min(s.metric_n_ours, 5000), profile=path)  # enough to see
            elif key == "log_batch":
                self.fresh("log_batch", "ours", keys=s.batch_keys, steps=s.batch_steps, repeats=1, profile=path)
            elif key in ("search_client", "search_frame"):
                store = kept.get("search")
                if store is None:
                    print(f"  (skipped: no populated store was kept; run with --only search --profile {key})")
                    return
                self.run("search", "ours", store, phase="search", repeats=s.search_repeats, profile=path)
            elif key == "populate":
                with fresh_store("ours") as store:
                    self.run("search", "ours", store, phase="populate", runs=min(runs, 1000), profile=path)
            else:
                print(f"  (no profile for row {key!r})")
                return
            print_profile(path)


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="small sizes: a smoke run in a minute or two")
    parser.add_argument("--runs", type=int, help="runs in the search_runs store (default 10000; 300 with --quick)")
    parser.add_argument("--mlflow-python", metavar="PATH",
                        help="an interpreter with mlflow installed (default: build/reuse the benchmark's venv)")
    parser.add_argument("--save", action="store_true", help="write benchmarks/results/tracking-<date>.json")
    parser.add_argument("--no-snapshot", action="store_true",
                        help="measure the live working tree, not a copy of jupyter_mltrack taken at the start")
    parser.add_argument("--fresh-stores", action="store_true",
                        help="populate the search stores anew even when a cached copy matches (and refresh the cache)")
    parser.add_argument("--only", metavar="OPS", help=f"comma-separated subset of: {','.join(OPS)}")
    parser.add_argument("--profile", nargs="?", const="misses", metavar="ROWS",
                        help="profile our side of the rows that missed (or of the given comma-separated row keys)")
    args = parser.parse_args(argv)
    args.only = [op.strip() for op in args.only.split(",")] if args.only else list(OPS)
    unknown = set(args.only) - set(OPS)
    if unknown:
        parser.error(f"--only: unknown {sorted(unknown)}; choose from {','.join(OPS)}")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    snapshot_dir = Path(tempfile.mkdtemp(prefix="mltrack-bench-src-"))
    kept: dict[str, Path] = {}  # the populated search store of ours, kept for --profile
    try:
        return run(args, snapshot_dir, kept)
    finally:
        for path in [*kept.values(), snapshot_dir]:
            shutil.rmtree(path, ignore_errors=True)


def run(args: argparse.Namespace, snapshot_dir: Path, kept: dict[str, Path]) -> int:
    sizes = QUICK if args.quick else FULL
    runs = args.runs or sizes.runs
    ours_version = package_version(sys.executable, "jupyter-mltrack")
    if ours_version is None:
        raise SystemExit(f"{sys.executable} cannot import jupyter_mltrack: `pip install -e .` first.")
    mlflow_python, mlflow_version = ensure_mlflow_python(args.mlflow_python)
    started = dt.datetime.now()
    revision = git_revision()
    pythonpath: dict[str, str] = {}
    if args.no_snapshot:
        digest = tree_digest(package_source())
        revision += f", live tree {digest}"
    else:
        pythonpath["ours"], digest = snapshot_package(snapshot_dir, sys.executable)
        revision += f", snapshot {digest}"
    bench = Bench({"ours": sys.executable, "mlflow": mlflow_python}, sizes, pythonpath,
                  {"ours": f"jupyter_mltrack {digest}", "mlflow": f"mlflow {mlflow_version}"}, StoreCache())
    bench.reuse_stores = not args.fresh_stores
    facts = {**machine(), "jupyter_mltrack": f"{ours_version} ({revision})", "mlflow": mlflow_version,
             "mlflow_python": mlflow_python}
    log("; ".join(f"{k}: {v}" for k, v in facts.items()))

    steps: dict[str, Callable[[], list[Row]]] = {
        "import": bench.bench_import,
        "first_run": bench.bench_first_run,
        "log_metric": bench.bench_log_metric,
        "log_batch": bench.bench_log_batch,
        "search": lambda: bench.bench_search(runs, kept if args.profile else None),
    }
    rows: list[Row] = []
    failed: dict[str, str] = {}
    for op in args.only:
        try:
            rows += steps[op]()
        except WorkloadError as exc:
            failed[op] = str(exc)
            log(f"{op}: FAILED\n{exc}")
    elapsed = (dt.datetime.now() - started).total_seconds()

    size = "quick" if args.quick else "full"
    print(f"\njupyter_mltrack {facts['jupyter_mltrack']} vs MLflow {mlflow_version} -- {started:%Y-%m-%d %H:%M}, "
          f"{facts['cpus_usable']} CPUs ({facts['cpu']}), Python {facts['python']}, {size} sizes, {elapsed:.0f} s\n",
          flush=True)
    print(table(rows))
    for row in rows:
        if row.note:
            print(f"  {row.key}: {row.note}")
    for name, value in bench.sanity.items():
        print(f"  sanity {name}: {value}")
    for op, message in failed.items():
        print(f"  {op}: FAILED -- {message.splitlines()[0]}")
    for problem in bench.problems:
        print(f"  SANITY CHECK FAILED: {problem}")
    if args.quick or runs != FULL.runs:
        print("  note: the targets are set for the full sizes; at these sizes PASS/MISS is only indicative.")

    if args.profile:
        keys = [r.key for r in rows if r.status == "MISS"] if args.profile == "misses" else args.profile.split(",")
        if "first_run" in keys and "first_run_after_import" in keys:
            keys.remove("first_run_after_import")
        for key in keys:
            bench.profile(key, runs, kept)

    if args.save:
        payload = {"date": started.isoformat(timespec="seconds"), "machine": facts,
                   "sizes": {**asdict(sizes), "runs": runs}, "quick": args.quick,
                   "rows": [r.as_dict() for r in rows], "sanity": bench.sanity, "problems": bench.problems,
                   "raw": bench.raw, "failed": failed}
        print(f"\nsaved {save(payload, started.date().isoformat())}")
    return 1 if failed or bench.problems else 0


if __name__ == "__main__":
    sys.exit(main())
