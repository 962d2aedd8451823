"""``--workers N``: whichever worker answers ``/metrics`` reports the whole server."""

from __future__ import annotations

import collections
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import requests
from prometheus_client.parser import text_string_to_metric_families

from tests.serving.conftest import free_port, wait_listening, wait_ready

CLOSE = {"Connection": "close"}  # a new connection each time, so the kernel spreads them over the workers


def samples(url: str) -> dict[str, list[Any]]:
    text = requests.get(url + "/metrics", headers=CLOSE, timeout=10).text
    out: dict[str, list[Any]] = collections.defaultdict(list)
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            out[sample.name].append(sample)
    return out


def total(found: dict[str, list[Any]], name: str, **labels: str) -> float:
    return sum(s.value for s in found[name] if all(s.labels.get(k) == v for k, v in labels.items()))


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True


def test_any_worker_reports_every_workers_counts_even_after_one_dies(tmp_path: Path, model_dir: Path,
                                                                      iris: Any) -> None:
    temp = tmp_path / "tmp"  # the server's metrics directory goes here, so the test can see it go
    temp.mkdir()
    env = {**os.environ, "MLTRACK_HOME": str(tmp_path / "home"), "TMPDIR": str(temp)}
    env.pop("MLTRACK_TRACKING_URI", None)
    port = free_port()
    mltrack = shutil.which("mltrack")
    command = [mltrack] if mltrack else [sys.executable, "-m", "jupyter_mltrack.cli"]
    log = open(tmp_path / "server.log", "wb")  # noqa: SIM115 - closed below
    proc = subprocess.Popen([*command, "serve", str(model_dir / "iris"), "--workers", "2", "--port", str(port)],
                            env=env, stdout=log, stderr=log)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_listening(port, proc)
        wait_ready(url)
        assert [p.name for p in temp.iterdir() if p.name.startswith("mltrack-serve-metrics-")]

        health: collections.Counter[int] = collections.Counter()
        calls = 0
        while len(health) < 2 or min(health.values()) < 3:
            assert calls < 2000, health
            answer = requests.get(url + "/health", headers=CLOSE, timeout=10)
            calls += 1
            if answer.status_code == 200:
                health[answer.json()["pid"]] += 1
        body = {"dataframe_split": iris[0].head(2).to_dict(orient="split")}
        for _ in range(40):
            assert requests.post(url + "/invocations", json=body, headers=CLOSE, timeout=10).status_code == 200

        for _ in range(6):  # whichever worker answers has both workers' counts
            found = samples(url)
            assert total(found, "mltrack_requests_total", route="/health") == calls
            assert total(found, "mltrack_predictions_total", model="default") == 40
            assert total(found, "mltrack_request_duration_seconds_count", route="/invocations") == 40
            assert total(found, "mltrack_in_flight_requests") == 1  # the scrape itself
            assert len(found["mltrack_model_info"]) == 1

        victim = next(iter(health))
        os.kill(victim, signal.SIGKILL)
        deadline = time.monotonic() + 30
        while alive(victim):  # the server reaps it
            assert time.monotonic() < deadline
            time.sleep(0.05)
        settled = 0
        while settled < 5:  # the kernel may reset a connection or two it had queued for the dead worker
            assert time.monotonic() < deadline
            try:
                settled = settled + 1 if requests.get(url + "/ping", headers=CLOSE, timeout=10).ok else 0
            except requests.ConnectionError:
                settled = 0
        for _ in range(4):  # only the survivor answers now; the dead worker's counts stay
            found = samples(url)
            assert total(found, "mltrack_requests_total", route="/health") == calls
            assert total(found, "mltrack_predictions_total", model="default") == 40
            assert total(found, "mltrack_in_flight_requests") == 1
        survivor = requests.get(url + "/health", headers=CLOSE, timeout=10).json()["pid"]
        assert survivor != victim
    finally:
        proc.terminate()  # SIGTERM to `mltrack serve`: it stops its workers and removes the directory
        proc.wait(30)
        log.close()
    assert not [p for p in temp.iterdir() if p.name.startswith("mltrack-serve-metrics-")]
    assert not alive(survivor)
