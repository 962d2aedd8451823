"""Side-by-side model benchmarks: jupyter_mltrack vs MLflow on the same scikit-learn model.

    python benchmarks/models.py [--repeats N] [--mlflow-python PATH]

Rows (targets from issue 4): log_model with requirements inferred (<= 0.5 s), pyfunc.load_model in
a fresh process (<= 1 s), and the one-row predict overhead of the pyfunc wrapper over the bare
model (<= 0.2 ms). Every measurement runs in fresh subprocesses: ours with this interpreter, MLflow
with its own virtualenv (built on first use). Timings are reported, never asserted.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (
    TOOLS,
    Row,
    ensure_mlflow_python,
    fresh_store,
    log,
    machine,
    median,
    package_version,
    run_workload,
    table,
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=3, help="fresh processes per tool for log and load")
    parser.add_argument("--mlflow-python", help="an interpreter that has mlflow 3.17 (default: build a venv)")
    args = parser.parse_args(argv)
    pythons = {"ours": sys.executable, "mlflow": ensure_mlflow_python(args.mlflow_python)[0]}
    facts = {
        **machine(),
        "jupyter_mltrack": package_version(sys.executable, "jupyter-mltrack"),
        "mlflow": package_version(pythons["mlflow"], "mlflow"),
    }
    print("\n".join(f"- {k}: {v}" for k, v in facts.items()))
    results: dict[str, dict[str, list[Any]]] = {t: {"log": [], "load": [], "bare": [], "predict": []} for t in TOOLS}
    with tempfile.TemporaryDirectory(prefix="mltrack-bench-models-") as tmp:
        for i in range(args.repeats):
            for tool in TOOLS:
                out = str(Path(tmp) / f"{tool}-{i}")
                log(f"[{i + 1}/{args.repeats}] {tool}: log_model, load_model, predict")
                with fresh_store(tool) as store:
                    for op in ("log", "load", "predict") if i == 0 else ("log", "load"):
                        results[tool][op].append(run_workload(pythons[tool], "model_ops", tool, store, op=op, out=out))
                if tool == "ours":
                    with fresh_store(tool) as store:
                        results[tool]["bare"].append(
                            run_workload(sys.executable, "model_ops", tool, store, op="bare", out=out)
                        )

    def med(tool: str, op: str, key: str) -> float:
        return median([r[key] for r in results[tool][op]])

    bare_load = med("ours", "bare", "seconds")
    predict = {t: results[t]["predict"][0] for t in TOOLS}
    rows = [
        Row(
            "log_model",
            f"log_model, sklearn, requirements inferred, 1st call (median of {args.repeats}, s)",
            med("ours", "log", "first"),
            med("mlflow", "log", "first"),
            "s",
            "ours <= 0.5 s",
            lambda ours, ratio: ours <= 0.5,
        ),
        Row(
            "log_model_again",
            "log_model, 2nd call in the same process (s)",
            med("ours", "log", "second"),
            med("mlflow", "log", "second"),
            "s",
        ),
        Row(
            "load_model",
            f"pyfunc.load_model, fresh process, incl. import (median of {args.repeats}, s)",
            med("ours", "load", "seconds"),
            med("mlflow", "load", "seconds"),
            "s",
            "ours <= 1 s",
            lambda ours, ratio: ours <= 1.0,
            note=f"import sklearn + unpickle alone: {bare_load:.2f} s",
        ),
        Row(
            "predict_overhead",
            "predict, 1 row: pyfunc wrapper overhead over the bare model (ms)",
            predict["ours"]["overhead_us"] / 1000,
            predict["mlflow"]["overhead_us"] / 1000,
            "ms",
            "ours <= 0.2 ms",
            lambda ours, ratio: ours <= 0.2,
            note=f"bare predict: ours {predict['ours']['bare_us']:.0f} us, "
            f"MLflow {predict['mlflow']['bare_us']:.0f} us",
        ),
    ]
    print()
    print(table(rows))
    for row in rows:
        if row.note:
            print(f"- {row.operation}: {row.note}")
    for tool in TOOLS:
        print(f"- requirements.txt ({tool}): {', '.join(results[tool]['log'][0]['requirements'])}")
    print(f"- load_model, ours, without the bare import+unpickle: {med('ours', 'load', 'seconds') - bare_load:.2f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
