"""Fixtures of the model tests: iris (sklearn's bundled copy), trained models, MLflow's virtualenv.

MLflow is never our dependency: the interop tests run it in a virtualenv of its own, built on first
use at ~/.cache/jupyter_mltrack/test-mlflow-venv (``pip install "mlflow==3.17.*" scikit-learn
xgboost lightgbm`` plus our own dependencies and ``pip install -e <repo> --no-deps``) and reused
afterwards; a broken one is rebuilt. MLTRACK_TEST_MLFLOW_PYTHON points at an existing interpreter
with MLflow instead (jupyter_mltrack is installed into it the same way).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
MLFLOW_SPEC = "mlflow==3.17.*"
VENV = Path(os.environ.get("MLTRACK_TEST_MLFLOW_VENV", Path.home() / ".cache" / "jupyter_mltrack" / "test-mlflow-venv"))
PACKAGES = [MLFLOW_SPEC, "scikit-learn", "xgboost", "lightgbm", "sqlalchemy", "alembic", "click", "pyyaml", "pandas"]
MARKER = ".mltrack-test-ok"
PROBE = (
    "import mlflow, sklearn, xgboost, lightgbm, skops, jupyter_mltrack, os; "
    "assert mlflow.__version__.startswith('3.17.'), mlflow.__version__; "
    "print(os.path.dirname(os.path.dirname(os.path.abspath(jupyter_mltrack.__file__))))"
)


@pytest.fixture(scope="session")
def iris() -> tuple[Any, Any]:
    from sklearn.datasets import load_iris

    X, y = load_iris(return_X_y=True, as_frame=True)
    return X, y


@pytest.fixture(scope="session")
def logreg(iris: tuple[Any, Any]) -> Any:
    from sklearn.linear_model import LogisticRegression

    X, y = iris
    return LogisticRegression(max_iter=300).fit(X, y)


def _pip(python: str, *args: str) -> None:
    subprocess.run([python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *args], check=True)


def _probe(python: str) -> str | None:
    """The source root jupyter_mltrack imports from in ``python``, or None if something is missing.

    Run outside the checkout: ``python -c`` puts the working directory first on ``sys.path``, so
    from the repository root the package would seem installed when it is not (and the MLflow
    scripts, which run in their own folders, would then fail to import it)."""
    done = subprocess.run([python, "-c", PROBE], capture_output=True, text=True, check=False,
                          cwd=os.path.dirname(python))
    return done.stdout.strip().splitlines()[-1] if done.returncode == 0 and done.stdout.strip() else None


def _install_ourselves(python: str) -> None:
    if _probe(python) != str(ROOT):
        _pip(python, "--no-deps", "-e", str(ROOT))
    assert _probe(python) == str(ROOT), f"{python} cannot import jupyter_mltrack from {ROOT}"


@pytest.fixture(scope="session")
def mlflow_python() -> str:
    """An interpreter with MLflow 3.17 and this checkout of jupyter_mltrack installed beside it."""
    explicit = os.environ.get("MLTRACK_TEST_MLFLOW_PYTHON")
    if explicit:
        _install_ourselves(explicit)
        return explicit
    python = str(VENV / "bin" / "python")
    if not ((VENV / MARKER).exists() and Path(python).exists() and _probe_mlflow(python)):
        shutil.rmtree(VENV, ignore_errors=True)
        VENV.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        _pip(python, *PACKAGES)
        (VENV / MARKER).write_text(MLFLOW_SPEC + "\n")
    _install_ourselves(python)
    return python


def _probe_mlflow(python: str) -> bool:
    code = PROBE.split("; print")[0].replace(", jupyter_mltrack", "")
    return subprocess.run([python, "-c", code], capture_output=True, check=False).returncode == 0


def run_mlflow(python: str, script: str, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run ``script`` with MLflow's interpreter: no tracking server, no telemetry, our store untouched."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MLTRACK_", "MLFLOW_"))}
    env.update(
        MLFLOW_DISABLE_TELEMETRY="true",
        DO_NOT_TRACK="true",
        MLFLOW_TRACKING_URI=f"sqlite:///{cwd / 'mlflow.db'}",
        MLFLOW_ALLOW_PICKLE_DESERIALIZATION="true",  # MLflow 3.17 refuses any pickle without it
        PYTHONWARNINGS="ignore",
    )
    path = cwd / "script.py"
    path.write_text(script)
    done = subprocess.run([python, str(path), *args], cwd=cwd, env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr[-4000:]
    return done
