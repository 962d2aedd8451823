"""The extension app: how the server finds it, its traitlets, and kernels that track where the panel reads."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from jupyter_mltrack import Client
from jupyter_mltrack.server import _jupyter_server_extension_points
from jupyter_mltrack.server.app import MltrackExtensionApp, redact

ROOT = Path(__file__).resolve().parents[2]
STORE_DIR = "configured-store"


def test_the_config_file_enables_the_server_module() -> None:
    config = json.loads((ROOT / "jupyter-config" / "server-config" / "jupyter_mltrack.json").read_text())
    assert config == {"ServerApp": {"jpserver_extensions": {"jupyter_mltrack.server": True}}}
    (point,) = _jupyter_server_extension_points()
    assert point["app"] is MltrackExtensionApp and point["module"] == "jupyter_mltrack.server.app"
    assert MltrackExtensionApp.name == "jupyter_mltrack"


def test_redact_hides_the_password() -> None:
    assert redact("postgresql://ml:p%40ss@db/x") == "postgresql://ml:***@db/x"
    assert redact("sqlite:////tmp/a.db") == "sqlite:////tmp/a.db"


async def test_without_configuration_the_server_uses_the_environment(api: Any, home: Path) -> None:
    assert "MLTRACK_TRACKING_URI" not in os.environ
    status, body = await api("GET", "status")
    assert status == 200 and body["tracking_uri"] == f"sqlite:///{home}/mltrack.db"
    assert body["artifact_root"] == f"{home}/artifacts" and body["schema"]["head"]
    assert body["version"] == __import__("jupyter_mltrack").__version__


KERNEL_CODE = """
import os, jupyter_mltrack as mlt
mlt.set_experiment("from-kernel")
with mlt.start_run(run_name="kernel-run"):
    mlt.log_metric("m", 1.0)
print(os.environ["MLTRACK_TRACKING_URI"], os.environ["MLTRACK_ARTIFACT_ROOT"], mlt.get_tracking_uri())
"""


class TestConfiguredStore:
    """c.MltrackExtensionApp.tracking_uri / artifact_root (relative paths become absolute)."""

    @pytest.fixture
    def jp_server_config(self, tmp_path: Path) -> dict[str, Any]:
        return {
            "ServerApp": {"jpserver_extensions": {"jupyter_mltrack.server": True}},
            "MltrackExtensionApp": {"tracking_uri": str(tmp_path / STORE_DIR), "artifact_root": "relative-artifacts"},
        }

    async def test_traitlets_choose_the_store_and_are_exported(self, api: Any, tmp_path: Path) -> None:
        uri = f"sqlite:///{tmp_path / STORE_DIR / 'mltrack.db'}"
        assert os.environ["MLTRACK_TRACKING_URI"] == uri  # a folder became the database inside it
        artifact_root = os.environ["MLTRACK_ARTIFACT_ROOT"]
        assert os.path.isabs(artifact_root) and artifact_root.endswith("relative-artifacts")
        _, body = await api("GET", "status")
        assert (body["tracking_uri"], body["artifact_root"]) == (uri, artifact_root)
        _, made = await api("POST", "experiments", body={"name": "configured"})
        assert made["experiment"]["artifact_location"].startswith(artifact_root)
        assert Client(uri).get_experiment_by_name("configured") is not None

    @pytest.mark.slow
    async def test_kernels_started_by_the_server_track_where_the_panel_reads(self, jp_serverapp: Any, api: Any) -> None:
        """A notebook's runs land in the configured store (not MLTRACK_HOME's), and the panel sees them."""
        manager = jp_serverapp.kernel_manager
        kernel_id = await manager.start_kernel(kernel_name="python3")
        client = manager.get_kernel(kernel_id).client()
        client.start_channels()
        output: list[str] = []

        def collect(msg: dict[str, Any]) -> None:
            if msg["msg_type"] == "stream":
                output.append(msg["content"]["text"])

        try:
            await client.wait_for_ready(timeout=120)
            reply = await client.execute_interactive(KERNEL_CODE, timeout=120, output_hook=collect)
            assert reply["content"]["status"] == "ok", reply["content"]
        finally:
            client.stop_channels()
            await manager.shutdown_kernel(kernel_id, now=True)
        kernel_uri, kernel_artifacts, kernel_tracking = "".join(output).split()
        assert kernel_uri == os.environ["MLTRACK_TRACKING_URI"] == kernel_tracking
        assert kernel_artifacts == os.environ["MLTRACK_ARTIFACT_ROOT"]
        _, body = await api("GET", "status")
        assert body["tracking_uri"] == kernel_uri
        _, listed = await api("GET", "experiments", params={"filter": "name = 'from-kernel'"})
        (experiment,) = listed["experiments"]
        _, found = await api("POST", "runs", "search", body={"experiment_ids": [experiment["experiment_id"]]})
        assert [r["info"]["run_name"] for r in found["runs"]] == ["kernel-run"]
        assert found["runs"][0]["info"]["artifact_uri"].startswith(kernel_artifacts)
