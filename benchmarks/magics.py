"""What ``%%track`` adds to a cell that does nothing: median over many cells, target <= 10 ms.

    python benchmarks/magics.py [--cells 200] [--mlflow-python PATH]

Runs in a real IPython shell (the one the magics tests use) on a fresh SQLite store: a plain
``pass`` cell and a ``%%track`` + ``pass`` cell, interleaved so machine noise hits both, with and
without the run card. MLflow has no cell magic; for scale it prints MLflow's own
``with mlflow.start_run(): pass`` on a SQLite store, measured in MLflow's virtualenv in the same
invocation (what a user wrapping a cell by hand pays), and the ratio.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET_MS = 10.0
MLFLOW_VENVS = (
    Path.home() / ".cache" / "mltrack-bench" / "mlflow-venv" / "bin" / "python",
    Path.home() / ".cache" / "jupyter_mltrack" / "bench" / "mlflow-venv" / "bin" / "python",
)

MLFLOW_SCRIPT = """
import json, os, statistics, sys, time, logging
logging.disable(logging.WARNING)
import mlflow
mlflow.set_tracking_uri("sqlite:///" + os.path.join(sys.argv[1], "mlflow.db"))
with mlflow.start_run():
    pass
times = []
for _ in range(int(sys.argv[2])):
    start = time.perf_counter()
    with mlflow.start_run():
        pass
    times.append(time.perf_counter() - start)
print(json.dumps({"median_ms": statistics.median(times) * 1000, "version": mlflow.__version__}))
"""


def measure_ours(cells: int) -> dict[str, float]:
    from IPython.core.interactiveshell import InteractiveShell
    from IPython.utils.capture import capture_output
    from traitlets.config import Config

    config = Config()
    config.HistoryManager.hist_file = ":memory:"
    shell = InteractiveShell.instance(config=config)
    shell.run_cell("%load_ext jupyter_mltrack")

    def once(code: str) -> tuple[float, float]:
        with capture_output():
            start, cpu = time.perf_counter(), time.process_time()
            shell.run_cell(code, store_history=True)
            return time.perf_counter() - start, time.process_time() - cpu

    results: dict[str, float] = {}
    for card in (True, False):
        shell.run_cell(f"%config MltrackMagics.show_card = {card}")
        for _ in range(5):  # warm-up: imports, the store's schema check, first git lookup
            once("pass")
            once("%%track\npass")
        plain, tracked = [], []
        for _ in range(cells):
            plain.append(once("pass"))
            tracked.append(once("%%track\npass"))
        label = "with card" if card else "without card"
        for name, samples in (("plain", plain), ("tracked", tracked)):
            results[f"{name} ({label})"] = statistics.median(s[0] for s in samples) * 1000
            results[f"{name} cpu ({label})"] = statistics.median(s[1] for s in samples) * 1000
    return results


def measure_mlflow(python: str | None, cells: int, folder: str) -> dict[str, object] | None:
    candidates = [Path(python)] if python else [p for p in MLFLOW_VENVS if p.exists()]
    if not candidates:
        return None
    done = subprocess.run(
        [str(candidates[0]), "-c", MLFLOW_SCRIPT, folder, str(cells)], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        print(f"MLflow run failed: {done.stderr.strip().splitlines()[-1:]}", file=sys.stderr)
        return None
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cells", type=int, default=200, help="cells of each kind (default 200)")
    parser.add_argument("--mlflow-python", help="an interpreter with mlflow installed")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="mltrack-bench-magics-") as folder:
        os.environ["MLTRACK_HOME"] = os.path.join(folder, "home")
        os.environ.pop("MLTRACK_TRACKING_URI", None)
        ours = measure_ours(options.cells)
        theirs = measure_mlflow(options.mlflow_python, options.cells, folder)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"%%track overhead on an empty cell: median of {options.cells} cells (load average {load:.1f})")
    for card in ("with card", "without card"):
        plain, tracked = ours[f"plain ({card})"], ours[f"tracked ({card})"]
        overhead = tracked - plain
        cpu = ours[f"tracked cpu ({card})"] - ours[f"plain cpu ({card})"]
        verdict = "within" if overhead <= TARGET_MS else "OVER"
        print(
            f"  jupyter_mltrack {card:<13} plain {plain:7.2f} ms  %%track {tracked:7.2f} ms  "
            f"overhead {overhead:7.2f} ms wall, {cpu:6.2f} ms CPU  ({verdict} the {TARGET_MS:.0f} ms target)"
        )
    if theirs is None:
        print("  MLflow: no MLflow interpreter found (--mlflow-python PATH); no comparison printed")
        return
    mlflow_ms = float(str(theirs["median_ms"]))
    ours_ms = ours["tracked (with card)"] - ours["plain (with card)"]
    print(
        f"  MLflow {theirs['version']}: `with mlflow.start_run(): pass` {mlflow_ms:7.2f} ms "
        f"(no cell capture; what wrapping a cell by hand costs)"
    )
    print(f"  ratio %%track overhead / MLflow start_run: {ours_ms / mlflow_ms:.2f}x")


if __name__ == "__main__":
    main()
