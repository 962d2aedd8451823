"""Registry invariants under several writer processes, on every backend: versions get distinct
consecutive numbers, an alias points at one version, an exclusive stage holds one version."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

import jupyter_mltrack as mlt
from jupyter_mltrack import Client

pytestmark = pytest.mark.slow

WORKER = textwrap.dedent(
    """
    import sys, time
    uri, model_uri, start_at, worker = sys.argv[1], sys.argv[2], float(sys.argv[3]), int(sys.argv[4])
    from jupyter_mltrack import Client
    client = Client(uri)
    while time.time() < start_at:
        time.sleep(0.001)
    mine = [client.register_model(model_uri, "shared").version for _ in range(5)]
    for version in mine:
        client.set_registered_model_alias("shared", "champion", version)
        client.transition_model_version_stage("shared", version, "Production", archive_existing_versions=True)
    print(" ".join(mine))
    """
)


def test_concurrent_registrations_and_promotions(tracking_uri: str, tmp_path: Path) -> None:
    with mlt.start_run() as run:
        mlt.log_text("flavors: {}\n", "model/MLmodel")
    model_uri = f"runs:/{run.info.run_id}/model"
    Client().create_registered_model("shared")
    start_at = time.time() + 5.0
    env = {**os.environ, "MLTRACK_HOME": str(tmp_path / "home")}
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, tracking_uri, model_uri, str(start_at), str(w)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for w in range(4)
    ]
    outputs = [p.communicate(timeout=240) for p in procs]
    assert [p.returncode for p in procs] == [0] * 4, [err for _, err in outputs]
    claimed = sorted(int(v) for out, _ in outputs for v in out.split())
    assert claimed == list(range(1, 21))  # distinct and consecutive
    client = Client()
    versions = client.search_model_versions("name = 'shared'")
    assert sorted(int(v.version) for v in versions) == list(range(1, 21))
    assert [v.version for v in versions if v.current_stage == "Production"] == [
        client.get_model_version_by_alias("shared", "champion").version
    ] or len([v for v in versions if v.current_stage == "Production"]) == 1
    assert len([v for v in versions if v.current_stage == "Production"]) == 1
    assert len([v for v in versions if "champion" in v.aliases]) == 1
    audited = [h for h in client.get_model_history("shared") if h.action == "create_model_version"]
    assert sorted(int(h.version or 0) for h in audited) == list(range(1, 21))
