"""Scoring server and batch scoring, side by side with ``mlflow models serve`` on the same model.

    python benchmarks/serving.py [--mlflow-python PATH] [--rows 1000000] [--seconds 10]

Rows: single-row p50 latency, throughput at 16 concurrent keep-alive connections (as ms per
request, lower is better), 1,000-row request latency, and batch scoring of a Parquet file (rows/s
and the peak memory of the scoring process). Both servers get byte-identical requests on loopback.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent / "workloads"))

from _common import Row, ensure_mlflow_python, fresh_store, log, median, run_workload, table, tool_env
from serving_load import latencies, request_bytes, throughput


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


MAKE_MODEL = """
import sys, numpy as np, pandas as pd, mlflow.sklearn
from sklearn.ensemble import RandomForestClassifier
rng = np.random.default_rng(0)
X = pd.DataFrame(rng.normal(size=(5000, 10)), columns=[f"f{i}" for i in range(10)])
y = (X["f0"] + X["f1"] > 0).astype(int)
model = RandomForestClassifier(n_estimators=20, max_depth=8, n_jobs=1, random_state=0).fit(X, y)
mlflow.sklearn.save_model(model, sys.argv[1], input_example=X.head(3), serialization_format="cloudpickle")
"""


def make_model(folder: Path, python: str) -> Path:
    """Saved by MLflow (so its server can load it; jupyter_mltrack reads MLflow's models as they are)."""
    path = folder / "model"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MLTRACK_", "MLFLOW_"))}
    subprocess.run([python, "-c", MAKE_MODEL, str(path)], check=True, env={**env, "MLFLOW_DISABLE_TELEMETRY": "true"},
                   cwd=folder)
    return path


def start(tool: str, python: str, model: Path, store: Path) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    if tool == "ours":
        argv = [sys.executable, "-m", "jupyter_mltrack.cli", "serve", str(model), "--port", str(port)]
    else:
        argv = [python, "-m", "mlflow", "models", "serve", "-m", str(model), "-p", str(port), "--env-manager", "local"]
    env = tool_env(tool, store)
    if tool == "mlflow":  # MLflow execs `uvicorn` by name: its venv's bin must be on PATH
        env["PATH"] = os.pathsep.join([str(Path(python).parent), env.get("PATH", "")])
    proc = subprocess.Popen(argv, env=env, cwd=store, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    ping = b"GET /ping HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=2) as sock:
                sock.sendall(ping)
                if sock.recv(100).startswith(b"HTTP/1.1 200"):
                    return proc, port
        except OSError:
            pass
        time.sleep(0.2)
    proc.kill()
    raise SystemExit(f"{tool} server did not start")


def measure(port: int, one: bytes, thousand: bytes, seconds: float) -> dict[str, float]:
    latencies(port, one, 200)  # warm-up
    single = latencies(port, one, 1000)
    big = latencies(port, thousand, 50)
    rps = throughput(port, one, connections=16, seconds=seconds)
    return {"p50_ms": median(single) * 1000, "p1000_ms": median(big) * 1000, "ms_per_req_16": 1000 / rps,
            "rps_16": rps}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--mlflow-python")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args()
    python, version = ensure_mlflow_python(args.mlflow_python)
    import pandas as pd

    work = Path(tempfile.mkdtemp(prefix="mltrack-bench-serving-"))
    model = make_model(work, python)
    import numpy as np

    rng = np.random.default_rng(1)
    frame = pd.DataFrame(rng.normal(size=(1000, 10)), columns=[f"f{i}" for i in range(10)])
    one = json.dumps({"dataframe_split": frame.head(1).to_dict(orient="split")}).encode()
    thousand = json.dumps({"dataframe_split": frame.to_dict(orient="split")}).encode()
    results = {}
    for tool in ("ours", "mlflow"):
        with fresh_store(tool) as store:
            proc, port = start(tool, python, model, store)
            try:
                results[tool] = measure(port, request_bytes(port, one), request_bytes(port, thousand), args.seconds)
            finally:
                proc.terminate()
                proc.wait(20)
        log(f"{tool}: {results[tool]}")
    big = work / "big.parquet"
    pd.DataFrame(rng.normal(size=(args.rows, 10)), columns=[f"f{i}" for i in range(10)]).to_parquet(big)
    batch = {}
    for tool in ("ours", "mlflow"):
        with fresh_store(tool) as store:
            batch[tool] = run_workload(sys.executable if tool == "ours" else python, "serving_batch", tool, store,
                                       model=model, input=big, output=store / "out.parquet")
    rows = [
        Row("p50_1", "single-row request, p50", results["ours"]["p50_ms"], results["mlflow"]["p50_ms"], "ms",
            "ratio >= 3", lambda ours, ratio: ratio >= 3),
        Row("rps_16", "16 connections, ms per request (1/throughput)", results["ours"]["ms_per_req_16"],
            results["mlflow"]["ms_per_req_16"], "ms", "ratio >= 3", lambda ours, ratio: ratio >= 3),
        Row("p50_1000", "1,000-row request, p50", results["ours"]["p1000_ms"], results["mlflow"]["p1000_ms"], "ms",
            "ratio >= 1", lambda ours, ratio: ratio >= 1),
        Row("batch", f"batch scoring {args.rows:,} Parquet rows", batch["ours"]["seconds"], batch["mlflow"]["seconds"],
            "s"),
        Row("batch_mem", "batch scoring peak memory", batch["ours"]["peak_mb"], batch["mlflow"]["peak_mb"], "MB"),
    ]
    print(f"MLflow {version}; throughput at 16 connections: ours {results['ours']['rps_16']:,.0f} req/s, "
          f"MLflow {results['mlflow']['rps_16']:,.0f} req/s; batch rows/s: ours "
          f"{batch['ours']['rows'] / batch['ours']['seconds']:,.0f}, MLflow "
          f"{batch['mlflow']['rows'] / batch['mlflow']['seconds']:,.0f}")
    print(table(rows))
    os.system(f"rm -rf {work}")


if __name__ == "__main__":
    main()
