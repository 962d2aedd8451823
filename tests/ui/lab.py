"""A real JupyterLab for the browser tests and the panel benchmark: a ``jupyter lab`` subprocess
on a free port with a token, its own root folder, store (``MLTRACK_HOME``), config, settings and
workspaces (so nothing from the developer's own JupyterLab leaks in), no network fetches (news,
update checks), and ``window.jupyterapp`` exposed so a test can run JupyterLab commands.
Chromium is Debian's, driven by Playwright (DESIGN.md section 7; never ``playwright install``).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from typing import Any

CHROMIUM = os.environ.get("MLTRACK_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
REPO = Path(__file__).resolve().parents[2]
SERVER_CONFIG = """
c.ServerApp.open_browser = False
c.LabApp.news_url = None
c.LabApp.check_for_updates_class = "jupyterlab.NeverCheckForUpdate"
c.LabApp.expose_app_in_browser = True
c.LabApp.collaborative = False
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def labextension_installed() -> bool:
    """Whether JupyterLab finds the built panel (pip install builds and installs it)."""
    done = subprocess.run(
        [sys.executable, "-m", "jupyter", "labextension", "list"], capture_output=True, text=True, check=False
    )
    return "jupyter-mltrack" in done.stdout + done.stderr


class LabServer:
    """A running ``jupyter lab``; ``request`` calls its REST API with the token."""

    def __init__(self, workdir: Path, home: Path, root: Path | None = None) -> None:
        self.workdir = workdir
        self.home = home
        self.root = root or workdir / "root"
        self.root.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.token = uuid.uuid4().hex
        self.url = f"http://127.0.0.1:{self.port}/"
        self.log_path = workdir / "jupyter-lab.log"
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def lab_url(self) -> str:
        return f"{self.url}lab?token={self.token}"

    def start(self, timeout: float = 90.0) -> LabServer:
        config = self.workdir / "jupyter-config"
        config.mkdir(parents=True, exist_ok=True)
        (config / "jupyter_server_config.py").write_text(SERVER_CONFIG, encoding="utf-8")
        env = {
            **os.environ,
            "MLTRACK_HOME": str(self.home),
            "JUPYTER_CONFIG_DIR": str(config),
            "JUPYTER_RUNTIME_DIR": str(self.workdir / "runtime"),
            "JUPYTERLAB_SETTINGS_DIR": str(self.workdir / "lab-settings"),
            "JUPYTERLAB_WORKSPACES_DIR": str(self.workdir / "lab-workspaces"),
        }
        for name in ("MLTRACK_TRACKING_URI", "MLTRACK_ARTIFACT_ROOT", "MLTRACK_EXPERIMENT_NAME", "MLTRACK_RUN_ID"):
            env.pop(name, None)
        env.pop("JPY_SESSION_NAME", None)
        command = [
            sys.executable,
            "-m",
            "jupyter",
            "lab",
            "--no-browser",
            f"--port={self.port}",
            "--ServerApp.ip=127.0.0.1",
            "--ServerApp.port_retries=0",
            f"--IdentityProvider.token={self.token}",
            f"--ServerApp.root_dir={self.root}",
            "--allow-root",
        ]
        log = self.log_path.open("wb")
        self.process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"jupyter lab exited ({self.process.returncode}); see {self.log_path}")
            try:
                self.request("GET", "api/status")
                return self
            except (OSError, urllib.error.URLError):
                if time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(f"jupyter lab did not answer within {timeout} s; see {self.log_path}") from None
                time.sleep(0.3)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)

    def request(self, method: str, path: str, body: Any = None) -> Any:
        data = json.dumps(body).encode() if body is not None else None
        headers = {"Authorization": f"token {self.token}"}
        if data is not None:
            headers["Content-Type"] = "application/json"
        request = urllib.request.Request(self.url + path, data=data, method=method, headers=headers)
        with urllib.request.urlopen(request, timeout=60) as response:
            text = response.read().decode()
        return json.loads(text) if text else None

    def api(self, method: str, path: str, body: Any = None) -> Any:
        """The mltrack REST API (``mltrack/api/<path>``)."""
        return self.request(method, "mltrack/api/" + path, body)


def run_python(code: str, home: Path, timeout: float = 600) -> str:
    """Runs ``code`` in a fresh interpreter tracking into ``home`` (the repo on sys.path)."""
    env = {**os.environ, "MLTRACK_HOME": str(home), "PYTHONPATH": str(REPO)}
    for name in ("MLTRACK_TRACKING_URI", "MLTRACK_ARTIFACT_ROOT", "MLTRACK_EXPERIMENT_NAME", "MLTRACK_RUN_ID"):
        env.pop(name, None)
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"python failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return done.stdout


def launch_chromium(playwright: Any, headless: bool = True) -> Any:
    if not Path(CHROMIUM).exists() or shutil.which(CHROMIUM) is None:
        raise RuntimeError(f"{CHROMIUM} is missing: apt-get install -y chromium (never `playwright install`).")
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=headless)


def open_panel(page: Any) -> None:
    """Clicks the panel's icon in the left bar and waits for its tabs."""
    page.locator('.jp-SideBar.jp-mod-left .lm-TabBar-tab[data-id="jupyter-mltrack-panel"]').click()
    page.locator(".jp-mltrack-tabs").wait_for(state="visible")


def wait_for_lab(page: Any, timeout_ms: float = 60000) -> None:
    page.wait_for_function("() => window.jupyterapp && window.jupyterapp.started !== undefined", timeout=timeout_ms)
    page.locator('.jp-SideBar.jp-mod-left .lm-TabBar-tab[data-id="jupyter-mltrack-panel"]').wait_for(
        state="visible", timeout=timeout_ms
    )
