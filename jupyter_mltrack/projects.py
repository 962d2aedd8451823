"""Run a project folder or a notebook as a tracked run: MLflow's ``mlflow.projects.run``.

``run(uri)`` takes an exported project (a folder with an ``MLproject`` file, see
``jupyter_mltrack.export``) or an ``.ipynb`` notebook, checks the parameters against their
declared types before anything is created, makes a run and returns once it has ended::

    result = run("churn-project", parameters={"n_estimators": 300})
    result.run_id, result.status   # "FINISHED" or "FAILED"

Projects run their entry point's command in a subprocess; notebooks run headless in a kernel.
``env_manager="virtualenv"`` runs a project in a virtualenv built from its ``requirements.txt``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any, Mapping

from jupyter_mltrack.export.errors import ProjectError
from jupyter_mltrack.export.runner import SubmittedRun

__all__ = ["ENV_MANAGERS", "SubmittedRun", "run"]

ENV_MANAGERS = ("local", "virtualenv")


def run(
    uri: str | os.PathLike[str],
    entry_point: str = "main",
    parameters: Mapping[str, Any] | None = None,
    experiment_name: str | None = None,
    env_manager: str = "local",
) -> SubmittedRun:
    """Run a project folder's entry point, or a notebook, as a new run; FINISHED or FAILED when it returns."""
    if env_manager not in ENV_MANAGERS:
        raise ProjectError(f"Unknown env_manager {env_manager!r}; use one of {', '.join(ENV_MANAGERS)}.")
    path = Path(uri).expanduser()
    given = dict(parameters or {})
    if path.suffix == ".ipynb":
        if env_manager != "local":
            raise ProjectError("Notebooks run in this environment's kernel only (env_manager='local'); "
                               "to run one in a virtualenv, export it first (mltrack export).")
        if entry_point != "main":
            raise ProjectError("A notebook has one entry point; leave entry_point as 'main'.")
        from jupyter_mltrack.export.notebook_run import run_notebook

        return run_notebook(path, given, experiment_name)
    from jupyter_mltrack.export import params, runner, spec, venv

    project = spec.load_project(path)
    entry = project.entry_point(entry_point)  # bad input is an error before any environment is built
    if not entry.script:
        params.resolve(entry.parameters, given, f"Entry point {entry.name!r} of project {project.name!r}")
    python = venv.ensure(project.path, project.python_env) if env_manager == "virtualenv" else sys.executable
    return runner.run_project(project, entry_point, given, experiment_name, env_manager, python)
