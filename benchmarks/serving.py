"""Scoring server and batch scoring, side by side with ``mlflow models serve`` on the same model.

    python benchmarks/serving.py [--mlflow-python PATH] [--rows 1000000] [--seconds 10] [--rounds 3]
                                 [--workers 1] [--save] [--no-batch-scoring]

Rows: single-row p50 latency, throughput at 16 concurrent keep-alive connections (as ms per
request, lower is better), 1,000-row request latency, and batch scoring of a Parquet file (rows/s
and the peak memory of the scoring process). Both servers get byte-identical requests on loopback
from the same load generator, run the same number of processes (``--workers``, 1 by default:
MLflow's default), and must answer the same predictions (checked). Each round starts fresh servers
(ours, ours without micro-batching, MLflow; the order rotates between rounds, so a noisy
neighbour hits all three); the table shows medians over rounds and the spread.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent / "workloads"))

from _common import (
    RESULTS_DIR,
    Row,
    ensure_mlflow_python,
    fresh_store,
    git_revision,
    log,
    machine,
    median,
    run_workload,
    table,
    tool_env,
)
from serving_load import latencies, request_bytes, throughput

SERVERS = ("ours", "ours_unbatched", "mlflow")
# Ours with micro-batching off (the same server otherwise): how much of the throughput is batching.
UNBATCHED = """
import sys
from jupyter_mltrack.serving.api import build_config
from jupyter_mltrack.serving.server import run_forever, start_workers
config = build_config(sys.argv[1], port=int(sys.argv[2]), batching=False)
start_workers(config, int(sys.argv[3]), block=True) if int(sys.argv[3]) > 1 else run_forever(config)
"""


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
                   cwd=folder, capture_output=True)
    return path


def start(server: str, python: str, model: Path, store: Path, workers: int) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    if server == "ours":
        argv = [sys.executable, "-m", "jupyter_mltrack.cli", "serve", str(model), "--port", str(port),
                "--workers", str(workers)]
    elif server == "ours_unbatched":
        argv = [sys.executable, "-c", UNBATCHED, str(model), str(port), str(workers)]
    else:
        argv = [python, "-m", "mlflow", "models", "serve", "-m", str(model), "-p", str(port), "--env-manager", "local",
                "--workers", str(workers)]
    tool = "mlflow" if server == "mlflow" else "ours"
    env = tool_env(tool, store)
    if tool == "mlflow":  # MLflow execs `uvicorn` by name: its venv's bin must be on PATH
        env["PATH"] = os.pathsep.join([str(Path(python).parent), env.get("PATH", "")])
    proc = subprocess.Popen(argv, env=env, cwd=store, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
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
    raise SystemExit(f"{server} server did not start")


def predictions(port: int, body: bytes) -> Any:
    request = urllib.request.Request(f"http://127.0.0.1:{port}/invocations", body,
                                     {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as answer:
        return json.loads(answer.read())["predictions"]


def measure(port: int, one: bytes, thousand: bytes, seconds: float) -> dict[str, float]:
    latencies(port, one, 200)  # warm-up
    single = latencies(port, one, 1000)
    big = latencies(port, thousand, 50)
    rps = throughput(port, one, connections=16, seconds=seconds)
    return {"p50_ms": median(single) * 1000, "p1000_ms": median(big) * 1000, "ms_per_req_16": 1000 / rps,
            "rps_16": rps}


def spread(values: list[float]) -> str:
    return f"{min(values):,.3g}-{max(values):,.3g}" if len(values) > 1 else ""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mlflow-python")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--seconds", type=float, default=10.0, help="of the 16-connection load, per server and round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", type=int, default=1, help="server processes, the same on both sides")
    parser.add_argument("--save", action="store_true", help="write results/serving-<date>.json")
    parser.add_argument("--no-batch-scoring", action="store_true", help="skip the Parquet batch scoring rows")
    args = parser.parse_args()
    python, version = ensure_mlflow_python(args.mlflow_python)
    import numpy as np
    import pandas as pd

    started = dt.datetime.now(dt.timezone.utc)
    work = Path(tempfile.mkdtemp(prefix="mltrack-bench-serving-"))
    model = make_model(work, python)
    rng = np.random.default_rng(1)
    frame = pd.DataFrame(rng.normal(size=(1000, 10)), columns=[f"f{i}" for i in range(10)])
    one = json.dumps({"dataframe_split": frame.head(1).to_dict(orient="split")}).encode()
    thousand = json.dumps({"dataframe_split": frame.to_dict(orient="split")}).encode()
    samples: dict[str, list[dict[str, float]]] = {server: [] for server in SERVERS}
    answers: dict[str, Any] = {}
    for round_ in range(args.rounds):
        order = SERVERS[round_ % 3 :] + SERVERS[: round_ % 3]
        for server in order:
            with fresh_store("mlflow" if server == "mlflow" else "ours") as store:
                proc, port = start(server, python, model, store, args.workers)
                try:
                    answers.setdefault(server, (predictions(port, one), predictions(port, thousand)))
                    samples[server].append(measure(port, request_bytes(port, one), request_bytes(port, thousand),
                                                   args.seconds))
                finally:
                    proc.terminate()
                    proc.wait(20)
            log(f"round {round_ + 1}/{args.rounds} {server}: {samples[server][-1]}")
    if len({json.dumps(a) for a in answers.values()}) != 1:
        raise SystemExit(f"the servers answered different predictions: {answers}")
    result = {server: {key: median([s[key] for s in runs]) for key in runs[0]} for server, runs in samples.items()}

    batch: dict[str, dict[str, Any]] = {}
    if not args.no_batch_scoring:
        big = work / "big.parquet"
        pd.DataFrame(rng.normal(size=(args.rows, 10)), columns=[f"f{i}" for i in range(10)]).to_parquet(big)
        for tool in ("ours", "mlflow"):
            with fresh_store(tool) as store:
                batch[tool] = run_workload(sys.executable if tool == "ours" else python, "serving_batch", tool, store,
                                           model=model, input=big, output=store / "out.parquet")
                batch[tool].pop("_stderr", None)
    shutil.rmtree(work, ignore_errors=True)

    ours, unbatched, theirs = result["ours"], result["ours_unbatched"], result["mlflow"]

    def note(key: str) -> str:
        return "; ".join(f"{s}: {spread([r[key] for r in samples[s]])}" for s in SERVERS if len(samples[s]) > 1)

    rows = [
        Row("p50_1", "single-row request, p50", ours["p50_ms"], theirs["p50_ms"], "ms", "ratio >= 3",
            lambda o, ratio: ratio >= 3, note("p50_ms")),
        Row("rps_16", "16 connections, ms per request (1/throughput)", ours["ms_per_req_16"],
            theirs["ms_per_req_16"], "ms", "ratio >= 3", lambda o, ratio: ratio >= 3, note("ms_per_req_16")),
        Row("rps_16_unbatched", "16 connections, ours without micro-batching", unbatched["ms_per_req_16"],
            theirs["ms_per_req_16"], "ms", "(info)"),
        Row("p50_1000", "1,000-row request, p50", ours["p1000_ms"], theirs["p1000_ms"], "ms", "ratio >= 1",
            lambda o, ratio: ratio >= 1, note("p1000_ms")),
    ]
    if batch:
        rows += [
            Row("batch", f"batch scoring {args.rows:,} Parquet rows", batch["ours"]["seconds"],
                batch["mlflow"]["seconds"], "s"),
            Row("batch_mem", "batch scoring peak memory", batch["ours"]["peak_mb"], batch["mlflow"]["peak_mb"], "MB"),
        ]
    print(f"MLflow {version}; {args.workers} server process(es) each; medians of {args.rounds} round(s); "
          f"throughput at 16 connections: ours {ours['rps_16']:,.0f} req/s ({unbatched['rps_16']:,.0f} without "
          f"micro-batching), MLflow {theirs['rps_16']:,.0f} req/s")
    if batch:
        print("batch rows/s: " + ", ".join(f"{t} {batch[t]['rows'] / batch[t]['seconds']:,.0f}" for t in batch))
    print(table(rows))
    for row in rows:
        if row.note:
            print(f"  spread over rounds, {row.key}: {row.note}")
    if args.save:
        RESULTS_DIR.mkdir(parents=True, exist_ok=True)
        path = RESULTS_DIR / f"serving-{started.date().isoformat()}.json"
        payload = {"date": started.isoformat(timespec="seconds"), "machine": machine(), "revision": git_revision(),
                   "mlflow": version, "args": vars(args), "rows": [r.as_dict() for r in rows],
                   "samples": samples, "batch": batch}
        path.write_text(json.dumps(payload, indent=2) + "\n")
        print(f"\nsaved {path}")


if __name__ == "__main__":
    main()
