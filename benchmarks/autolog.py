"""Side-by-side benchmark: scikit-learn autolog overhead, jupyter_mltrack vs MLflow, same run.

    python benchmarks/autolog.py [--repeats N] [--mlflow-python PATH] [--profile]

The work (issue 3's target): ``LogisticRegression().fit`` on a 10,000 x 20 synthetic numpy array,
plain and with autolog on, in fresh processes on fresh SQLite stores (``workloads/autolog_fit.py``),
with models logged (each tool's default) and without. Overhead = median autologged fit - median
plain fit. Target: ours <= 1.5x MLflow's overhead. Timings are printed, never asserted.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (
    LABEL,
    TOOLS,
    Row,
    ensure_mlflow_python,
    fresh_store,
    log,
    machine,
    package_version,
    print_profile,
    run_workload,
    table,
)

TARGET_RATIO = 1.5  # ours / MLflow's overhead, at most


def measure(pythons: dict[str, str], repeats: int, log_models: int) -> dict[str, dict[str, Any]]:
    results: dict[str, dict[str, Any]] = {}
    for tool in TOOLS:
        with fresh_store(tool) as store:
            log(f"{LABEL[tool]}: 1 + {repeats} autologged and {repeats} plain fits, interleaved "
                f"(log_models={bool(log_models)})...")
            results[tool] = run_workload(pythons[tool], "autolog_fit", tool, store, repeats=repeats,
                                         log_models=log_models)
    return results


def rows_for(results: dict[str, dict[str, Any]], log_models: int) -> list[Row]:
    ours, theirs = results["ours"], results["mlflow"]
    label = "with models" if log_models else "log_models=False"
    within = f"ours <= {TARGET_RATIO}x MLflow's"
    return [
        Row(f"overhead_{log_models}", f"autolog overhead per fit, {label} (ms)", ours["overhead_s"] * 1000,
            theirs["overhead_s"] * 1000, "ms", within if log_models else "(info)",
            (lambda o, ratio: ratio >= 1 / TARGET_RATIO) if log_models else None),
        Row(f"first_{log_models}", f"first autologged fit, fresh store, {label} (ms)",
            ours["first_autolog_s"] * 1000, theirs["first_autolog_s"] * 1000, "ms"),
        Row(f"plain_{log_models}", "plain fit, autolog off (ms; same work, a control)", ours["plain_s"] * 1000,
            theirs["plain_s"] * 1000, "ms"),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=20, help="fits per mode (default 20, in 5 rounds)")
    parser.add_argument("--mlflow-python", help="an interpreter with mlflow and scikit-learn installed")
    parser.add_argument("--profile", action="store_true", help="cProfile our autologged fits afterwards")
    args = parser.parse_args()

    mlflow_python, mlflow_version = ensure_mlflow_python(args.mlflow_python)
    if package_version(mlflow_python, "scikit-learn") is None:
        raise SystemExit(f"{mlflow_python} has no scikit-learn; install it there (pip install scikit-learn).")
    pythons = {"ours": sys.executable, "mlflow": mlflow_python}
    facts = machine()
    print(f"machine: {facts['cpu']} ({facts['cpus_usable']} CPUs usable), {facts['platform']}, "
          f"Python {facts['python']}")
    print(f"MLflow {mlflow_version} with scikit-learn {package_version(mlflow_python, 'scikit-learn')}; "
          f"ours with scikit-learn {package_version(sys.executable, 'scikit-learn')}\n")

    rows: list[Row] = []
    for log_models in (1, 0):
        results = measure(pythons, args.repeats, log_models)
        rows += rows_for(results, log_models)
        for tool in TOOLS:
            log(f"  {LABEL[tool]} metrics: {results[tool]['metrics']}; artifacts: {results[tool]['artifacts']}")
    print(table(rows))
    for row in rows:
        if row.key.startswith("overhead_"):
            ratio = row.ours / row.mlflow if row.mlflow > 0 else float("inf")
            print(f"\n{row.operation}: ours {row.ours:.1f} ms, MLflow {row.mlflow:.1f} ms -> ours/MLflow = "
                  f"{ratio:.2f} (target <= {TARGET_RATIO})")

    if args.profile:
        with fresh_store("ours") as store:
            path = store / "autolog.prof"
            run_workload(sys.executable, "autolog_fit", "ours", store, repeats=args.repeats, profile=str(path))
            print("\n### profile of jupyter_mltrack's autologged fits")
            print_profile(path)


if __name__ == "__main__":
    main()
