"""The installed `mltrack` executable, end to end, in real subprocesses (and a real terminal for gc)."""

from __future__ import annotations

import json
import os
import pty
import select
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

import jupyter_mltrack as mlt
from jupyter_mltrack.tracking import stores

pytestmark = pytest.mark.slow


def executable() -> str:
    beside = Path(sys.executable).with_name("mltrack")
    found = str(beside) if beside.exists() else shutil.which("mltrack")
    assert found, "the mltrack console script is not installed (pip install -e .)"
    return found


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    path = tmp_path / "home"
    monkeypatch.setenv("MLTRACK_HOME", str(path))
    for name in ("MLTRACK_TRACKING_URI", "MLTRACK_ARTIFACT_ROOT", "MLTRACK_EXPERIMENT_NAME", "MLTRACK_RUN_ID"):
        monkeypatch.delenv(name, raising=False)
    stores.reset_tracking_uri()
    yield path
    while mlt.active_run() is not None:
        mlt.end_run()
    stores.reset_tracking_uri()


def mltrack(*args: str, code: int = 0, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([executable(), *args], capture_output=True, text=True, stdin=subprocess.DEVNULL,
                            env={**os.environ, **(env or {})}, timeout=120)
    assert result.returncode == code, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    return result


def make_runs() -> tuple[str, str]:
    mlt.set_experiment("e2e")
    ids = []
    for i in range(2):
        with mlt.start_run(run_name=f"r{i}") as run:
            mlt.log_param("i", i)
            mlt.log_metric("score", float(i))
            mlt.log_text("x", "x.txt")
        ids.append(run.info.run_id)
    return ids[0], ids[1]


def test_version_and_module_entry_point() -> None:
    assert mltrack("--version").stdout.strip() == f"mltrack {mlt.__version__}"
    module = subprocess.run([sys.executable, "-m", "jupyter_mltrack.cli", "--version"], capture_output=True, text=True,
                            timeout=120)
    assert module.returncode == 0 and module.stdout.strip() == f"mltrack {mlt.__version__}"


def test_list_show_delete_and_gc_end_to_end(home: Path) -> None:
    keep, drop = make_runs()
    listed = json.loads(mltrack("runs", "list", "--json", "-e", "e2e", "-o", "metrics.score DESC").stdout)
    assert [r["info"]["run_id"] for r in listed] == [drop, keep]
    table = mltrack("runs", "list", "-f", "params.i = '1'").stdout.splitlines()
    assert len(table) == 2 and table[1].startswith(drop)
    assert json.loads(mltrack("runs", "show", keep, "--json").stdout)["data"]["params"] == {"i": "0"}
    mltrack("runs", "delete", drop)
    folder = home / "artifacts" / mlt.get_run(drop).info.experiment_id / drop
    assert folder.is_dir()

    refused = mltrack("gc", code=1)  # stdin is /dev/null: not a terminal
    assert refused.stderr.splitlines() == [
        "Error: Refusing to permanently delete runs without confirmation: stdin is not a terminal. Pass --yes."
    ]
    assert folder.is_dir()
    assert mltrack("gc", "--yes").stdout.splitlines()[0] == f"Purged run {drop}."
    assert not folder.exists()
    remaining = json.loads(mltrack("runs", "list", "--view", "all", "--json").stdout)
    assert [r["info"]["run_id"] for r in remaining] == [keep]


def test_errors_are_one_line_on_stderr() -> None:
    make_runs()
    for args, code, expected in [
        (["runs", "show", "no-such-run"], 1, "Error: Run 'no-such-run' does not exist."),
        (["runs", "list", "-f", "metrics.score >> 1"], 1, "Error: Invalid search filter at position 15 (near '> 1')"),
        (["gc", "--older-than", "soon"], 2, "Error: Invalid value for '--older-than'"),
        (["experiments", "nope"], 2, "Error: No such command 'nope'."),
    ]:
        result = mltrack(*args, code=code)
        assert result.stdout == ""
        assert len(result.stderr.splitlines()) == 1 and result.stderr.startswith(expected), result.stderr


def test_doctor_exit_status(tmp_path: Path) -> None:
    make_runs()
    assert mltrack("doctor").stdout.rstrip().endswith("All checks passed.")
    blocker = tmp_path / "plain-file"
    blocker.write_text("")
    result = mltrack("doctor", "--json", code=1, env={"MLTRACK_ARTIFACT_ROOT": str(blocker / "sub")})
    report = json.loads(result.stdout)
    assert [c["name"] for c in report["checks"] if not c["ok"]] == ["artifact root writable"]


def _converse(answer: str, home: Path) -> tuple[int, str]:
    """Run `mltrack gc` on a real terminal, answer its question, return (exit status, screen)."""
    leader, follower = pty.openpty()
    proc = subprocess.Popen([executable(), "gc"], stdin=follower, stdout=follower, stderr=follower,
                            env={**os.environ, "MLTRACK_HOME": str(home)}, close_fds=True)
    os.close(follower)
    screen = b""
    answered = False
    deadline = time.monotonic() + 60
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([leader], [], [], 0.2)
            if ready:
                try:
                    chunk = os.read(leader, 4096)
                except OSError:  # the terminal closed: the process is done
                    break
                if not chunk:
                    break
                screen += chunk
            if not answered and b"Continue? [y/N]" in screen:
                os.write(leader, answer.encode() + b"\n")
                answered = True
            if proc.poll() is not None and not ready:
                break
        return proc.wait(timeout=30), screen.decode(errors="replace")
    finally:
        os.close(leader)
        if proc.poll() is None:
            proc.kill()


def test_gc_asks_on_a_terminal(home: Path) -> None:
    keep, drop = make_runs()
    mlt.delete_run(drop)
    code, screen = _converse("n", home)
    assert code == 1 and "1 deleted run will be removed for good" in screen and drop in screen
    assert "Aborted!" in screen
    assert mlt.get_run(drop).info.lifecycle_stage == "deleted"
    code, screen = _converse("y", home)
    assert code == 0 and f"Purged run {drop}." in screen
    remaining = mlt.search_runs(run_view_type="ALL", experiment_names=["e2e"], output_format="list")
    assert [r.info.run_id for r in remaining] == [keep]
