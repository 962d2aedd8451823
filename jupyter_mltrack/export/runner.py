"""Running a project's entry point as a tracked run (MLflow's ``mlflow run``, local backend).

The run is made first, with tags that say where it came from, and the entry point's parameters
as params. The command runs in a subprocess with ``MLTRACK_RUN_ID`` and ``MLTRACK_TRACKING_URI``
(and ``MLTRACK_EXPERIMENT_NAME``) in its environment, so the script's own ``start_run()`` logs
into that run. The exit status ends it: FINISHED on 0, else FAILED with the exit code and the
tail of stderr as tags (secrets scrubbed). An interrupt kills the command and the run is KILLED.
"""

from __future__ import annotations

import collections
import os
import subprocess
import sys
import threading
from dataclasses import dataclass
from typing import IO, Any, Mapping

from jupyter_mltrack import config
from jupyter_mltrack.entities import Param, RunStatus, RunTag
from jupyter_mltrack.export import params, spec
from jupyter_mltrack.export.sanitize import Scrubber
from jupyter_mltrack.tracking import context
from jupyter_mltrack.tracking.client import Client

SOURCE_TYPE = "PROJECT"
ENTRY_POINT_TAG = "mlflow.project.entryPoint"
ENV_TAG = "mlflow.project.env"
BACKEND_TAG = "mlflow.project.backend"
DIR_TAG = "mltrack.project.dir"
NOTEBOOK_TAG = "mltrack.project.source_notebook"
SOURCE_RUN_TAG = "mltrack.project.source_run_id"
EXIT_CODE_TAG = "mltrack.project.exit_code"
STDERR_TAG = "mltrack.error.stderr"
ERROR_TYPE_TAG = "mltrack.error.type"
ERROR_MESSAGE_TAG = "mltrack.error.message"
STDERR_LINES = 30
STDERR_CHARS = 4000


@dataclass
class SubmittedRun:
    """The outcome of a project run (MLflow's ``SubmittedRun``, already waited for)."""

    run_id: str
    status: str
    exit_code: int | None = None
    error: str | None = None

    def wait(self) -> bool:
        """True when the run FINISHED (the run is synchronous: it has already ended)."""
        return self.status == RunStatus.FINISHED.value

    def get_status(self) -> str:
        return self.status


def choose_experiment(client: Client, explicit: str | None, project_default: str | None) -> tuple[str, str]:
    """(id, name): the given experiment, else $MLTRACK_EXPERIMENT_NAME, else the project's, else Default."""
    name = explicit or os.environ.get(config.ENV_EXPERIMENT_NAME) or project_default
    if not name:
        experiment = client.get_experiment(client.default_experiment_id())
        return experiment.experiment_id, experiment.name
    found = client.get_experiment_by_name(name)
    if found is None:
        return client.create_experiment(name), name
    if found.lifecycle_stage != "active":
        from jupyter_mltrack.export.errors import ProjectError

        raise ProjectError(f"Experiment {name!r} is deleted; restore it or run with another --experiment.")
    return found.experiment_id, found.name


def create_run(
    client: Client,
    experiment: str | None,
    source: str,
    entry_point: str,
    env_manager: str,
    metadata: Mapping[str, Any],
    values: Mapping[str, Any],
) -> tuple[str, str]:
    """(run id, experiment name) of a new run tagged with the project's provenance."""
    experiment_id, name = choose_experiment(client, experiment, metadata.get("experiment"))
    folder = source if os.path.isdir(source) else os.path.dirname(source)
    tags = {k: v for k, v in context.system_tags().items() if not k.startswith("mlflow.source.git")}
    tags.update(context.git_info(folder))
    tags.update({
        context.SOURCE_TYPE_TAG: SOURCE_TYPE,
        context.SOURCE_NAME_TAG: source,
        ENTRY_POINT_TAG: entry_point,
        ENV_TAG: env_manager,
        BACKEND_TAG: "local",
        DIR_TAG: folder,
    })
    for tag, key in ((NOTEBOOK_TAG, "source_notebook"), (SOURCE_RUN_TAG, "source_run_id")):
        if metadata.get(key):
            tags[tag] = str(metadata[key])
    run_name = metadata.get("run_name")
    run = client.create_run(experiment_id, tags=tags, run_name=str(run_name) if run_name else None)
    if values:
        client.log_batch(run.info.run_id, params=[Param(k, params.canonical(v)) for k, v in values.items()])
    return run.info.run_id, name


def run_env(client: Client, run_id: str, experiment: str) -> dict[str, str]:
    env = dict(os.environ)
    env[config.ENV_RUN_ID] = run_id
    env[config.ENV_TRACKING_URI] = client.tracking_uri
    env[config.ENV_EXPERIMENT_NAME] = experiment
    return env


def _tee(stream: IO[str], tail: collections.deque[str]) -> None:
    for line in stream:
        sys.stderr.write(line)
        sys.stderr.flush()
        tail.append(line)


def run_project(
    project: spec.Project,
    entry_point: str,
    parameters: Mapping[str, Any],
    experiment: str | None,
    env_manager: str,
    python: str,
) -> SubmittedRun:
    entry = project.entry_point(entry_point)
    if entry.script:
        values: dict[str, Any] = {k: str(v) for k, v in parameters.items()}
    else:
        values = params.resolve(entry.parameters, parameters, f"Entry point {entry.name!r} of project {project.name!r}")
    command = spec.argv(entry, values, python)
    client = Client()
    run_id, experiment_name = create_run(client, experiment, project.path, entry.name, env_manager,
                                         project.metadata, values)
    tail: collections.deque[str] = collections.deque(maxlen=STDERR_LINES)
    try:
        process = subprocess.Popen(command, cwd=project.path, env=run_env(client, run_id, experiment_name),
                                   stderr=subprocess.PIPE, text=True, errors="replace")
    except OSError as exc:
        return finish(client, run_id, None, f"could not start {command[0]!r}: {exc}", "")
    reader = threading.Thread(target=_tee, args=(process.stderr, tail), daemon=True)
    reader.start()
    try:
        code = process.wait()
    except BaseException:
        process.kill()
        process.wait()
        client.set_terminated(run_id, RunStatus.KILLED)
        raise
    reader.join(timeout=10)
    message = None if code == 0 else f"the command exited with status {code}"
    return finish(client, run_id, code, message, "".join(tail))


def finish(client: Client, run_id: str, code: int | None, error: str | None, stderr: str,
           extra_tags: Mapping[str, str] | None = None) -> SubmittedRun:
    """End the run FINISHED, or FAILED with what went wrong as tags."""
    scrub = Scrubber()
    tags = dict(extra_tags or {})
    if code is not None:
        tags[EXIT_CODE_TAG] = str(code)
    if error is not None:
        tags.setdefault(ERROR_MESSAGE_TAG, scrub(error)[:1000])
        if stderr.strip():
            tags[STDERR_TAG] = scrub(stderr)[-STDERR_CHARS:]
    if tags:
        client.log_batch(run_id, tags=[RunTag(k, v) for k, v in tags.items()])
    status = RunStatus.FAILED if error is not None else RunStatus.FINISHED
    client.set_terminated(run_id, status)
    return SubmittedRun(run_id, status.value, code, tags.get(ERROR_MESSAGE_TAG))
