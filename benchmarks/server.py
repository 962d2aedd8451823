"""The runs endpoint of the server extension on a 10,000-run experiment (issue 6's 200 ms target).

    python benchmarks/server.py [--runs N] [--repeats N] [--store DIR]

Fills a fresh store through the public ``Client`` (``create_run`` + ``log_batch`` with 10 params
and 10 metrics + ``set_terminated`` per run; a few minutes for 10,000 runs), starts a real
``jupyter server`` subprocess on a free port with a token and ``MLTRACK_HOME`` pointing at that
store, then times ``POST /mltrack/api/runs/search`` with a three-clause filter and an order_by at
the default page size (100 runs; no total count), over one kept-alive HTTP connection: one
warm-up request, then the median of ``--repeats``. ``--store DIR`` keeps (or reuses) the filled
store in DIR. The number is printed, never asserted.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

#: ~0.5 * 0.2 * 0.8 = 8% of the runs match (about 800 of 10,000), as in workloads/search.py.
FILTER = "metrics.m0 > 0.5 and params.p1 = 'v3' and metrics.m2 < 0.8"
ORDER_BY = ["metrics.m3 DESC"]
TARGET_MS = 200.0
TS0 = 1_700_000_000_000


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def populate(home: Path, runs: int, seed: int = 7) -> str:
    """Fill the store under ``home`` (once) and return the experiment id."""
    os.environ["MLTRACK_HOME"] = str(home)
    from jupyter_mltrack import Client, Metric, Param

    client = Client()
    existing = client.get_experiment_by_name("bench")
    if existing is not None:
        log(f"reusing the store in {home}")
        return existing.experiment_id
    experiment_id = client.create_experiment("bench")
    rng = random.Random(seed)
    started = time.perf_counter()
    for i in range(runs):
        run_id = client.create_run(experiment_id, start_time=TS0 + i, run_name=f"run-{i:05d}").info.run_id
        client.log_batch(
            run_id,
            metrics=[Metric(f"m{k}", rng.random(), TS0 + i, 0) for k in range(10)],
            params=[Param(f"p{k}", f"v{rng.randrange(5)}") for k in range(10)],
        )
        client.set_terminated(run_id)
        if (i + 1) % 1000 == 0:
            log(f"  {i + 1} runs logged ({time.perf_counter() - started:.0f} s)")
    client.flush()
    return experiment_id


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(home: Path, port: int, token: str, workdir: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "MLTRACK_HOME": str(home), "JUPYTER_RUNTIME_DIR": str(workdir / "runtime")}
    env.pop("MLTRACK_TRACKING_URI", None)
    command = [
        sys.executable,
        "-m",
        "jupyter_server",
        "--no-browser",
        f"--port={port}",
        "--ip=127.0.0.1",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={workdir}",
        "--allow-root",
        "--ServerApp.jpserver_extensions={'jupyter_mltrack.server': True}",
    ]
    log_file = open(workdir / "server.log", "wb")  # noqa: SIM115 - closed with the process
    return subprocess.Popen(command, env=env, stdout=log_file, stderr=subprocess.STDOUT)


def request(conn: http.client.HTTPConnection, token: str, method: str, path: str, body: Any = None) -> Any:
    payload = None if body is None else json.dumps(body).encode()
    headers = {"Authorization": f"token {token}", "Content-Type": "application/json"}
    conn.request(method, path, body=payload, headers=headers)
    response = conn.getresponse()
    data = response.read()
    if response.status != 200:
        raise RuntimeError(f"{method} {path}: HTTP {response.status}: {data[:300]!r}")
    return json.loads(data)


def wait_ready(port: int, token: str, server: subprocess.Popen[bytes], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit("jupyter server exited early; see server.log")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            request(conn, token, "GET", "/mltrack/api/status")
            conn.close()
            return
        except (OSError, RuntimeError):
            time.sleep(0.2)
    raise SystemExit("jupyter server did not answer within a minute")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--store", type=Path, help="keep (or reuse) the filled store in this folder")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="mltrack-bench-server-") as scratch:
        workdir = Path(scratch)
        home = (options.store or workdir / "home").resolve()
        log(f"filling {home} with {options.runs} runs (10 params, 10 metrics each)...")
        experiment_id = populate(home, options.runs)
        port, token = free_port(), secrets.token_hex(16)
        server = start_server(home, port, token, workdir)
        try:
            wait_ready(port, token, server)
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            body = {"experiment_ids": [experiment_id], "filter": FILTER, "order_by": ORDER_BY}
            first = request(conn, token, "POST", "/mltrack/api/runs/search", body)  # warm-up
            times = []
            for _ in range(options.repeats):
                started = time.perf_counter()
                request(conn, token, "POST", "/mltrack/api/runs/search", body)
                times.append((time.perf_counter() - started) * 1000)
            conn.close()
        finally:
            server.terminate()
            server.wait(timeout=30)
    median = statistics.median(times)
    print(f"POST /mltrack/api/runs/search over {options.runs} runs: filter {FILTER!r}, order_by {ORDER_BY}")
    print(f"  page of {len(first['runs'])} runs, more pages: {first['next_page_token'] is not None}")
    print(
        f"  median {median:.1f} ms of {options.repeats} (min {min(times):.1f}, max {max(times):.1f}); "
        f"target < {TARGET_MS:.0f} ms: {'MET' if median < TARGET_MS else 'MISSED'}"
    )


if __name__ == "__main__":
    main()
