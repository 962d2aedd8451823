"""Many processes and dying processes: concurrent writers, heartbeats after kill -9, buffered
metrics after a hard kill, and runs ended at interpreter exit."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from jupyter_mltrack import Client

pytestmark = pytest.mark.slow


def _env(home: Path, uri: str | None = None, **extra: str) -> dict[str, str]:
    env = {**os.environ, "MLTRACK_HOME": str(home), **extra}
    if uri:
        env["MLTRACK_TRACKING_URI"] = uri
    return env


WRITER = textwrap.dedent(
    """
    import sys, time
    worker, start_at = int(sys.argv[1]), float(sys.argv[2])
    import jupyter_mltrack as mlt
    from jupyter_mltrack.entities import Metric, Param
    client = mlt.Client()
    while time.time() < start_at:
        time.sleep(0.001)
    for r in range(5):
        with mlt.start_run(run_name=f"w{worker}-r{r}") as run:
            mlt.log_params({f"p{i}": i for i in range(10)})
            for step in range(200):
                mlt.log_metric("loss", 1.0 / (step + 1), step=step)
            mlt.log_metrics({"acc": 0.5 + worker / 100, "f1": 0.3}, step=0)
            client.log_batch(run.info.run_id, metrics=[Metric("batch", float(i), 1, i) for i in range(300)])
            mlt.set_tag("worker", str(worker))
    """
)


def test_eight_processes_write_to_one_sqlite_file(tmp_path: Path) -> None:
    uri = f"sqlite:///{tmp_path / 'shared.db'}"
    Client(uri)  # created up front so the race is about writing, not creating (tested elsewhere)
    start_at = time.time() + 5.0
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(w), str(start_at)],
            env=_env(tmp_path / "h", uri),
            stderr=subprocess.PIPE,
            text=True,
        )
        for w in range(8)
    ]
    errs = [p.communicate(timeout=240)[1] for p in procs]
    assert [p.returncode for p in procs] == [0] * 8, errs
    assert not any("locked" in e for e in errs), errs
    from sqlalchemy import create_engine, text

    engine = create_engine(uri)
    with engine.connect() as conn:
        count = lambda sql: conn.execute(text(sql)).scalar()  # noqa: E731
        assert count("SELECT COUNT(*) FROM runs WHERE status = 'FINISHED'") == 40
        assert count("SELECT COUNT(*) FROM params") == 400
        assert count("SELECT COUNT(*) FROM metrics") == 40 * (200 + 2 + 300)
        assert count("SELECT COUNT(*) FROM latest_metrics") == 40 * 4
        assert count("SELECT COUNT(*) FROM tags WHERE key = 'worker'") == 40
    engine.dispose()
    runs = Client(uri).search_runs(["0"], "metrics.loss = 0.005 and metrics.batch = 299", max_results=100)
    assert len(runs) == 40


SLEEPER = textwrap.dedent(
    """
    import sys, time
    import jupyter_mltrack as mlt
    run = mlt.start_run(run_name="doomed")
    mlt.log_param("p", 1)
    print(run.info.run_id, flush=True)
    time.sleep(600)
    """
)


def test_run_of_a_killed_process_is_marked_killed_after_heartbeat_timeout(tmp_path: Path) -> None:
    env = _env(tmp_path / "home", MLTRACK_HEARTBEAT_INTERVAL="0.2", MLTRACK_HEARTBEAT_TIMEOUT="1.5")
    proc = subprocess.Popen([sys.executable, "-c", SLEEPER], env=env, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    run_id = proc.stdout.readline().strip()
    time.sleep(2.5)  # longer than the timeout: a live owner keeps beating, so still RUNNING
    checker = [sys.executable, "-c", f"import jupyter_mltrack as m; print(m.get_run('{run_id}').info.status)"]
    assert subprocess.run(checker, env=env, capture_output=True, text=True, check=True).stdout.strip() == "RUNNING"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    time.sleep(2.0)
    out = subprocess.run(checker, env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "KILLED"
    run = Client(f"sqlite:///{tmp_path / 'home' / 'mltrack.db'}").get_run(run_id)
    assert "stopped sending heartbeats" in run.data.tags["mltrack.killedReason"]
    assert run.data.params == {"p": "1"}


LOGGER = textwrap.dedent(
    """
    import sys, time
    import jupyter_mltrack as mlt
    run = mlt.start_run()
    print(run.info.run_id, flush=True)
    step = 0
    while True:
        now = time.time()
        mlt.log_metric("tick", now, step=step)
        print(step, now, flush=True)
        step += 1
        time.sleep(0.002)
    """
)


def test_hard_kill_loses_at_most_the_last_second_of_metrics(tmp_path: Path) -> None:
    env = _env(tmp_path / "home")
    proc = subprocess.Popen([sys.executable, "-c", LOGGER], env=env, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    run_id = proc.stdout.readline().strip()
    logged: list[tuple[int, float]] = []
    deadline = time.time() + 3.0
    while time.time() < deadline:
        step, at = proc.stdout.readline().split()
        logged.append((int(step), float(at)))
    os.kill(proc.pid, signal.SIGKILL)
    killed_at = time.time()
    proc.wait()
    stored = {
        m.step for m in Client(f"sqlite:///{tmp_path / 'home' / 'mltrack.db'}").get_metric_history(run_id, "tick")
    }
    must_have = {step for step, at in logged if at < killed_at - 1.0}
    assert len(must_have) > 100
    assert must_have <= stored, f"lost {len(must_have - stored)} points logged more than 1 s before the kill"


ENDER = textwrap.dedent(
    """
    import jupyter_mltrack as mlt
    run = mlt.start_run()
    for i in range(1000):
        mlt.log_metric("m", i, step=i)
    print(run.info.run_id, flush=True)
    """
)


def test_interpreter_exit_commits_metrics_and_finishes_open_runs(tmp_path: Path) -> None:
    env = _env(tmp_path / "home", MLTRACK_FLUSH_INTERVAL="60")  # only the exit hook can commit them
    out = subprocess.run([sys.executable, "-c", ENDER], env=env, capture_output=True, text=True, check=True)
    client = Client(f"sqlite:///{tmp_path / 'home' / 'mltrack.db'}")
    run = client.get_run(out.stdout.strip())
    assert run.info.status == "FINISHED"
    assert len(client.get_metric_history(run.info.run_id, "m")) == 1000
