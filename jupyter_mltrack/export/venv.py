"""``--env-manager virtualenv``: a fresh virtualenv from the project's requirements, built once.

Environments live in ``$MLTRACK_HOME/envs/<hash>`` (``~/.mltrack/envs``), the hash covering the
requirements, this Python's version and how jupyter-mltrack is installed, so a second run with
the same requirements starts at once. jupyter-mltrack itself comes from where this process has
it: an editable install (a checkout) is installed editable from that checkout (its build hooks
off: the JupyterLab extension is not needed to run a script), anything else as the pinned version.
A build happens in a temporary folder renamed into place when pip succeeded, so an interrupted
or failed build is never used, and two builds of one environment cannot mix.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import platform
import shutil
import subprocess
import sys
import uuid
from importlib import metadata
from pathlib import Path
from urllib.parse import unquote, urlparse

import yaml

from jupyter_mltrack import config
from jupyter_mltrack.export.errors import EnvironmentBuildError

log = logging.getLogger(__name__)
OWN = "jupyter-mltrack"
READY = ".mltrack-ready"
PIP_TAIL = 2000


def own_install() -> list[str]:
    """pip arguments that install this jupyter-mltrack: ``-e <checkout>`` or ``jupyter-mltrack==X``."""
    try:
        dist = metadata.distribution(OWN)
    except metadata.PackageNotFoundError:
        from jupyter_mltrack import __version__

        return [f"{OWN}=={__version__}"]
    text = dist.read_text("direct_url.json")
    info = json.loads(text) if text else {}
    url = str(info.get("url", ""))
    if url.startswith("file://"):
        path = unquote(urlparse(url).path)
        return ["-e", path] if info.get("dir_info", {}).get("editable") else [path]
    return [f"{OWN}=={dist.version}"]


def read_requirements(project: str) -> list[str]:
    path = Path(project, "requirements.txt")
    if not path.is_file():
        return []
    lines = [ln.split("#", 1)[0].strip() for ln in path.read_text(encoding="utf-8").splitlines()]
    return [ln for ln in lines if ln and not ln.lower().replace("_", "-").startswith(OWN)]


def check_python(project: str, python_env: str | None) -> None:
    """A warning when the project asks for another Python than the one the environment is built with."""
    path = Path(project, python_env or "python_env.yaml")
    try:
        wanted = str((yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("python", ""))
    except (OSError, yaml.YAMLError, AttributeError):
        return
    mine = platform.python_version()
    if wanted and wanted.split(".")[:2] != mine.split(".")[:2]:
        log.warning("jupyter_mltrack: the project wants Python %s; its virtualenv uses this Python, %s.", wanted, mine)


def env_key(requirements: list[str], own: list[str]) -> str:
    blob = json.dumps({"python": platform.python_version(), "requirements": sorted(requirements), "own": own})
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:20]


def python_of(env: Path) -> Path:
    return env / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def ensure(project: str, python_env: str | None = None) -> str:
    """The interpreter of the project's virtualenv, built if needed."""
    check_python(project, python_env)
    requirements = read_requirements(project)
    own = own_install()
    root = config.home_dir() / "envs"
    env = root / env_key(requirements, own)
    if (env / READY).is_file():
        return str(python_of(env))
    root.mkdir(parents=True, exist_ok=True)
    building = root / f".build-{uuid.uuid4().hex[:8]}"
    try:
        _build(building, requirements, own)
        try:
            building.rename(env)
        except OSError:  # another process finished the same environment first
            if not (env / READY).is_file():
                raise
    finally:
        if building.exists():
            shutil.rmtree(building, ignore_errors=True)
    return str(python_of(env))


def _build(folder: Path, requirements: list[str], own: list[str]) -> None:
    _run([sys.executable, "-m", "venv", str(folder)], "create the virtualenv")
    pip = [str(python_of(folder)), "-m", "pip", "install", "--disable-pip-version-check", "-q"]
    env = {**os.environ, "HATCH_BUILD_NO_HOOKS": "true", "PIP_REQUIRE_VIRTUALENV": "false"}
    _run([*pip, *own, *requirements], "install the requirements", env)
    (folder / READY).write_text(json.dumps({"requirements": requirements, "own": own}), encoding="utf-8")


def _run(command: list[str], what: str, env: dict[str, str] | None = None) -> None:
    try:
        done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    except OSError as exc:
        raise EnvironmentBuildError(f"Could not {what}: {exc}.") from None
    if done.returncode != 0:
        tail = (done.stderr or done.stdout)[-PIP_TAIL:].strip()
        raise EnvironmentBuildError(
            f"Could not {what} for the project (exit status {done.returncode}): {tail} "
            "Check requirements.txt, or run with --env-manager local."
        )
