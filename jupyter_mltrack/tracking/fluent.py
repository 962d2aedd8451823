"""The fluent API (MLflow's ``mlflow.*`` functions): an active experiment and a stack of active runs.

Semantics follow MLflow: logging with no active run starts one; ``with start_run()`` ends it
FINISHED, FAILED on an exception and KILLED on KeyboardInterrupt; runs still open when the
interpreter exits end FINISHED. Runs started here are owned by this process and send heartbeats.
"""

from __future__ import annotations

import atexit
import os
import socket
import threading
from types import TracebackType
from typing import Any, Sequence

from jupyter_mltrack import config
from jupyter_mltrack.entities import DatasetInput, Experiment, Metric, Param, Run, RunStatus, RunTag, now_millis
from jupyter_mltrack.errors import ExperimentNotFoundError, InvalidParameterError, InvalidStateError
from jupyter_mltrack.tracking import context
from jupyter_mltrack.tracking.client import Client


class ActiveRun(Run):
    """The run returned by ``start_run``: a snapshot of it at start, and a context manager."""

    def __enter__(self) -> "ActiveRun":
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if exc_type is None:
            status = RunStatus.FINISHED
        elif issubclass(exc_type, KeyboardInterrupt):
            status = RunStatus.KILLED
        else:
            status = RunStatus.FAILED
        end_run(status, run_id=self.info.run_id)


class _State(threading.local):
    def __init__(self) -> None:
        self.stack: list[ActiveRun] = []


_state = _State()
_all_active: dict[str, tuple[ActiveRun, str]] = {}  # run id -> (run, tracking uri), across threads
_lock = threading.Lock()
_active_experiment: dict[str, str] = {}  # tracking uri -> experiment id
_last_active_run_id: str | None = None


def _client() -> Client:
    return Client()


def _owner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


# ------------------------------------------------------------------------------------ experiments
def set_experiment(experiment_name: str | None = None, experiment_id: str | None = None) -> Experiment:
    """Make an experiment active for new runs, creating it by name if needed."""
    if (experiment_name is None) == (experiment_id is None):
        raise InvalidParameterError("set_experiment takes exactly one of experiment_name or experiment_id.")
    client = _client()
    if experiment_id is not None:
        exp = client.get_experiment(experiment_id)
    else:
        assert experiment_name is not None
        found = client.get_experiment_by_name(experiment_name)
        if found is None:
            try:
                client.create_experiment(experiment_name)
            except Exception:
                if client.get_experiment_by_name(experiment_name) is None:  # not a lost race: real error
                    raise
            found = client.get_experiment_by_name(experiment_name)
        assert found is not None
        exp = found
    if exp.lifecycle_stage != "active":
        raise InvalidStateError(
            f"Experiment {exp.name!r} is deleted. Restore it with Client().restore_experiment({exp.experiment_id!r}) "
            "or choose another name."
        )
    _active_experiment[client.tracking_uri] = exp.experiment_id
    return exp


def create_experiment(name: str, artifact_location: str | None = None, tags: dict[str, Any] | None = None) -> str:
    return _client().create_experiment(name, artifact_location, tags)


def get_experiment(experiment_id: str) -> Experiment:
    return _client().get_experiment(experiment_id)


def get_experiment_by_name(name: str) -> Experiment | None:
    return _client().get_experiment_by_name(name)


def search_experiments(
    view_type: str = "ACTIVE_ONLY",
    max_results: int = 1000,
    filter_string: str | None = None,
    order_by: Sequence[str] | None = None,
) -> list[Experiment]:
    return list(_client().search_experiments(view_type, max_results, filter_string, order_by))


def delete_experiment(experiment_id: str) -> None:
    _client().delete_experiment(experiment_id)


def set_experiment_tag(key: str, value: Any) -> None:
    _client().set_experiment_tag(_experiment_id(_client()), key, value)


def set_experiment_tags(tags: dict[str, Any]) -> None:
    for key, value in tags.items():
        set_experiment_tag(key, value)


def _experiment_id(client: Client) -> str:
    """Active experiment: set_experiment(), else MLTRACK_EXPERIMENT_NAME, else "Default"."""
    active = _active_experiment.get(client.tracking_uri)
    if active is not None:
        return active
    name = os.environ.get(config.ENV_EXPERIMENT_NAME)
    if name:
        return set_experiment(name).experiment_id
    return client.default_experiment_id()


# ------------------------------------------------------------------------------------------ runs
def start_run(
    run_id: str | None = None,
    experiment_id: str | None = None,
    run_name: str | None = None,
    nested: bool = False,
    tags: dict[str, Any] | None = None,
    description: str | None = None,
    parent_run_id: str | None = None,
    log_system_tags: bool = True,
    *,
    notebook_path: str | None = None,
    cell_id: str | None = None,
    source: str | None = None,
) -> ActiveRun:
    """Start (or resume, with ``run_id``) a run and make it active; use it as a context manager."""
    global _last_active_run_id
    stack = _state.stack
    if stack and not nested and parent_run_id is None:
        raise InvalidStateError(
            f"Run {stack[-1].info.run_id} is already active. End it with end_run(), or start a child run with "
            "start_run(nested=True)."
        )
    client = _client()
    if not run_id and not stack:
        # MLflow's rule: the variable names the run a launcher made for this process; the first
        # top-level start_run resumes it and consumes it, so later runs (and children) are new.
        run_id = os.environ.pop(config.ENV_RUN_ID, None) or None
    if run_id:
        run = _resume(client, run_id, experiment_id, tags, description)
    else:
        parent = parent_run_id or (stack[-1].info.run_id if stack else None)
        all_tags: dict[str, Any] = dict(context.system_tags()) if log_system_tags else {}
        all_tags.update(tags or {})
        if parent:
            all_tags[context.PARENT_RUN_TAG] = parent
        if description is not None:
            all_tags[context.DESCRIPTION_TAG] = description
        run = client.create_run(
            experiment_id if experiment_id is not None else _experiment_id(client),
            tags=all_tags,
            run_name=run_name,
            parent_run_id=parent,
            owner=_owner(),
            notebook_path=notebook_path,
            cell_id=cell_id,
            source=source,
        )
    client._writer.own(run.info.run_id)
    active = ActiveRun(info=run.info, data=run.data, inputs=run.inputs)
    stack.append(active)
    with _lock:
        _all_active[run.info.run_id] = (active, client.tracking_uri)
    _last_active_run_id = run.info.run_id
    return active


def _resume(
    client: Client, run_id: str, experiment_id: str | None, tags: dict[str, Any] | None, description: str | None
) -> Run:
    run = client.get_run(run_id)
    if experiment_id is not None and str(experiment_id) != run.info.experiment_id:
        raise InvalidParameterError(
            f"Run {run_id} belongs to experiment {run.info.experiment_id}, not {experiment_id}; "
            "drop experiment_id to resume it."
        )
    if run.info.lifecycle_stage != "active":
        raise InvalidStateError(f"Run {run_id} is deleted; restore it with restore_run() before resuming it.")
    extra = dict(tags or {})
    if description is not None:
        extra[context.DESCRIPTION_TAG] = description
    if extra:
        client.log_batch(run_id, tags=[RunTag(k, str(v)) for k, v in extra.items()])
    client.update_run(run_id, RunStatus.RUNNING)
    client.store.heartbeat([run_id])
    return client.get_run(run_id)


def active_run() -> ActiveRun | None:
    return _state.stack[-1] if _state.stack else None


def last_active_run() -> Run | None:
    """The active run, else the last run this process started (with its final data)."""
    run_id = _state.stack[-1].info.run_id if _state.stack else _last_active_run_id
    return _client().get_run(run_id) if run_id else None


def end_run(status: RunStatus | str = RunStatus.FINISHED, run_id: str | None = None) -> None:
    """End the active run (or the given one, and any runs nested above it)."""
    stack = _state.stack
    if not stack:
        return
    target = run_id or stack[-1].info.run_id
    if all(r.info.run_id != target for r in stack):
        return
    while stack:
        top = stack.pop()
        _finish(top.info.run_id, status)
        if top.info.run_id == target:
            break


def _finish(run_id: str, status: RunStatus | str, tracking_uri: str | None = None) -> None:
    with _lock:
        _, uri = _all_active.pop(run_id, (None, tracking_uri))
    Client(uri).set_terminated(run_id, status)


def _active_run_id() -> str:
    """The active run's id, starting a run first if there is none (MLflow's behaviour)."""
    run = active_run()
    return run.info.run_id if run else start_run().info.run_id


def _end_open_runs_at_exit() -> None:
    with _lock:
        leftover = list(_all_active.items())
    for run_id, (_, uri) in leftover:
        try:
            _finish(run_id, RunStatus.FINISHED, uri)
        except Exception:  # the store may be gone at exit; the heartbeat timeout will settle it
            pass


atexit.register(_end_open_runs_at_exit)


# -------------------------------------------------------------------------------------- logging
def log_param(key: str, value: Any) -> Any:
    return _client().log_param(_active_run_id(), key, value)


def log_params(params: dict[str, Any]) -> None:
    _client().log_batch(_active_run_id(), params=[Param(k, v) for k, v in params.items()])


def log_metric(
    key: str, value: float, step: int | None = None, timestamp: int | None = None, synchronous: bool = False
) -> None:
    _client().log_metric(_active_run_id(), key, value, timestamp=timestamp, step=step, synchronous=synchronous)


def log_metrics(
    metrics: dict[str, float], step: int | None = None, timestamp: int | None = None, synchronous: bool = False
) -> None:
    ts = timestamp or now_millis()
    points = [Metric(k, v, ts, step or 0) for k, v in metrics.items()]
    _client().log_batch(_active_run_id(), metrics=points, synchronous=synchronous)


def set_tag(key: str, value: Any) -> None:
    _client().set_tag(_active_run_id(), key, value)


def set_tags(tags: dict[str, Any]) -> None:
    _client().log_batch(_active_run_id(), tags=[RunTag(k, v) for k, v in tags.items()])


def delete_tag(key: str) -> None:
    _client().delete_tag(_active_run_id(), key)


def log_artifact(local_path: str | os.PathLike[str], artifact_path: str | None = None) -> None:
    _client().log_artifact(_active_run_id(), local_path, artifact_path)


def log_artifacts(local_dir: str | os.PathLike[str], artifact_path: str | None = None) -> None:
    _client().log_artifacts(_active_run_id(), local_dir, artifact_path)


def log_text(text: str, artifact_file: str) -> None:
    _client().log_text(_active_run_id(), text, artifact_file)


def log_dict(dictionary: Any, artifact_file: str) -> None:
    _client().log_dict(_active_run_id(), dictionary, artifact_file)


def log_figure(figure: Any, artifact_file: str) -> None:
    _client().log_figure(_active_run_id(), figure, artifact_file)


def log_image(image: Any, artifact_file: str) -> None:
    _client().log_image(_active_run_id(), image, artifact_file)


def log_table(data: Any, artifact_file: str) -> None:
    _client().log_table(_active_run_id(), data, artifact_file)


def log_input(
    dataset: Any,
    context: str | None = None,
    tags: dict[str, str] | None = None,
    name: str | None = None,
    source: str = "",
) -> None:
    """Record training/evaluation data: a DataFrame, array or Dataset, with a content digest."""
    from jupyter_mltrack.tracking.datasets import describe

    item = DatasetInput(describe(dataset, name=name, source=source), context=context, tags=dict(tags or {}))
    _client().log_inputs(_active_run_id(), [item])


def get_artifact_uri(artifact_path: str | None = None) -> str:
    return _client().get_artifact_uri(_active_run_id(), artifact_path)


def flush() -> None:
    """Commit buffered metrics of every store now."""
    from jupyter_mltrack.tracking.writer import flush_all

    flush_all()


def _active_experiment_for(client: Client) -> str:
    try:
        return _experiment_id(client)
    except ExperimentNotFoundError:
        return client.default_experiment_id()
