"""``env_manager="virtualenv"``: a real virtualenv built from the project's requirements (PyPI or the
machine's package index), isolated from this environment, cached by hash and reused."""

from __future__ import annotations

from pathlib import Path

import pytest

import jupyter_mltrack as mlt
from jupyter_mltrack import projects
from jupyter_mltrack.export import export_notebook, venv
from tests.export.kit import notebook, write

pytestmark = pytest.mark.slow

CELLS = [
    "import importlib.util\nimport sys\n\nimport six",
    "%%track isolated\nprefix = sys.prefix\nbase_prefix = sys.base_prefix\nsix_file = six.__file__\n"
    "has_sklearn = importlib.util.find_spec('sklearn') is not None",
]


def test_project_runs_in_its_own_cached_virtualenv(tmp_path: Path, isolated_home: Path) -> None:
    project = export_notebook(write(notebook(*CELLS), tmp_path / "tiny.ipynb"), tmp_path / "project")
    requirements = (Path(project.path) / "requirements.txt").read_text().split()
    assert [r.split("==")[0] for r in requirements] == ["jupyter-mltrack", "six"]  # a tiny set

    first = projects.run(project.path, env_manager="virtualenv")
    assert first.status == "FINISHED", first.error
    params = mlt.get_run(first.run_id).data.params
    envs = isolated_home / "envs"
    [env] = [p for p in envs.iterdir() if not p.name.startswith(".")]
    assert params["prefix"] == str(env) and params["prefix"] != params["base_prefix"]
    assert params["six_file"].startswith(str(env))  # from the virtualenv, not this environment
    assert params["has_sklearn"] == "False"  # this environment's packages are not visible there
    assert mlt.get_run(first.run_id).data.tags["mlflow.project.env"] == "virtualenv"

    second = projects.run(project.path, env_manager="virtualenv")  # same requirements: the same environment
    assert second.status == "FINISHED"
    assert mlt.get_run(second.run_id).data.params["prefix"] == str(env)
    assert [p.name for p in envs.iterdir()] == [env.name]


def test_the_environment_key_covers_requirements_and_our_install() -> None:
    own = venv.own_install()
    assert own[0] == "-e" or own[0].startswith("jupyter-mltrack")
    assert venv.env_key(["six==1.16.0"], own) == venv.env_key(["six==1.16.0"], own)
    assert venv.env_key(["six==1.16.0"], own) != venv.env_key(["six==1.17.0"], own)
