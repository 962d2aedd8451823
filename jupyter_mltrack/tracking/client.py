"""``Client``: the stateless tracking service (MLflow's ``MlflowClient``), used by everything else.

Stateless means it holds no active run: every call names the run it acts on. Metrics are
buffered (see ``writer.py``); any read through the client commits pending metrics first, so a
process always reads its own writes.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any, Sequence

from jupyter_mltrack.entities import (
    DatasetInput,
    Experiment,
    FileInfo,
    LifecycleStage,
    Metric,
    PagedList,
    Param,
    Run,
    RunInfo,
    RunStatus,
    RunTag,
    ViewType,
    now_millis,
)
from jupyter_mltrack.errors import InvalidParameterError, InvalidStateError
from jupyter_mltrack.store.validation import validate_metric, validate_param, validate_run_name, validate_tag
from jupyter_mltrack.tracking import artifact_files, events, stores
from jupyter_mltrack.tracking.names import random_run_name


def _view(view_type: ViewType | str) -> ViewType:
    try:
        return ViewType(view_type.upper() if isinstance(view_type, str) else view_type)
    except ValueError:
        raise InvalidParameterError(f"Unknown view type {view_type!r}; use ACTIVE_ONLY, DELETED_ONLY or ALL.") from None


class Client:
    """Talks to one tracking store (the current tracking URI unless one is given)."""

    def __init__(self, tracking_uri: str | None = None) -> None:
        self._store, self._writer, self._settings = stores.open_store(tracking_uri)

    @property
    def tracking_uri(self) -> str:
        return self._settings.tracking_uri

    @property
    def store(self) -> Any:
        return self._store

    def _read(self) -> None:
        """Before any read: commit pending metrics, mark dead runs (throttled)."""
        self._writer.flush()
        stores.reap_if_due(self._store, self._settings)

    def flush(self) -> None:
        """Commit buffered metrics now."""
        self._writer.flush()

    # ------------------------------------------------------------------------------ experiments
    def create_experiment(
        self, name: str, artifact_location: str | None = None, tags: dict[str, Any] | None = None
    ) -> str:
        clean = dict(validate_tag(k, v) for k, v in (tags or {}).items())
        return str(self._store.create_experiment(name, artifact_location, clean))

    def get_experiment(self, experiment_id: str) -> Experiment:
        result: Experiment = self._store.get_experiment(experiment_id)
        return result

    def get_experiment_by_name(self, name: str) -> Experiment | None:
        result: Experiment | None = self._store.get_experiment_by_name(name)
        return result

    def search_experiments(
        self,
        view_type: ViewType | str = ViewType.ACTIVE_ONLY,
        max_results: int = 1000,
        filter_string: str | None = None,
        order_by: Sequence[str] | None = None,
        page_token: str | None = None,
    ) -> PagedList[Experiment]:
        from jupyter_mltrack.tracking.experiment_search import search

        found: list[Experiment] = self._store.list_experiments(_view(view_type))
        return search(found, filter_string, order_by, max_results, page_token)

    def delete_experiment(self, experiment_id: str) -> None:
        self._writer.flush()
        self._store.delete_experiment(experiment_id)
        self._writer.writable.clear()  # its runs are deleted too

    def restore_experiment(self, experiment_id: str) -> None:
        self._store.restore_experiment(experiment_id)

    def rename_experiment(self, experiment_id: str, new_name: str) -> None:
        self._store.rename_experiment(experiment_id, new_name)

    def set_experiment_tag(self, experiment_id: str, key: str, value: Any) -> None:
        self._store.set_experiment_tag(experiment_id, *validate_tag(key, value))

    def default_experiment_id(self) -> str:
        return str(self._store.default_experiment_id())

    # ------------------------------------------------------------------------------------ runs
    def create_run(
        self,
        experiment_id: str | None = None,
        start_time: int | None = None,
        tags: dict[str, Any] | None = None,
        run_name: str | None = None,
        *,
        parent_run_id: str | None = None,
        owner: str | None = None,
        notebook_path: str | None = None,
        cell_id: str | None = None,
        source: str | None = None,
    ) -> Run:
        """A new RUNNING run. ``owner`` (host:pid) turns on heartbeat-based liveness for it."""
        name = validate_run_name(run_name) if run_name else random_run_name()
        run_tags = [RunTag(*validate_tag(k, v)) for k, v in (tags or {}).items() if k != "mlflow.runName"]
        if tags and "mlflow.runName" in tags and not run_name:
            name = validate_run_name(str(tags["mlflow.runName"]))
        run: Run = self._store.create_run(
            experiment_id if experiment_id is not None else self.default_experiment_id(),
            user_id=_user(tags),
            start_time=start_time or now_millis(),
            run_name=name,
            tags_=run_tags,
            parent_run_id=parent_run_id,
            owner=owner,
            notebook_path=notebook_path,
            cell_id=cell_id,
            source=source,
        )
        self._writer.writable.add(run.info.run_id)
        return run

    def get_run(self, run_id: str) -> Run:
        self._read()
        result: Run = self._store.get_run(run_id)
        return result

    def update_run(self, run_id: str, status: RunStatus | str | None = None, name: str | None = None) -> RunInfo:
        parsed = RunStatus.parse(status) if status is not None else None
        result: RunInfo = self._store.update_run_info(
            run_id, status=parsed, run_name=validate_run_name(name) if name else None
        )
        return result

    def set_terminated(self, run_id: str, status: RunStatus | str = "FINISHED", end_time: int | None = None) -> None:
        parsed = RunStatus.parse(status)
        if not parsed.is_terminated:
            raise InvalidParameterError(f"set_terminated needs FINISHED, FAILED or KILLED, not {parsed.value}.")
        self._writer.flush()
        self._store.update_run_info(run_id, status=parsed, end_time=end_time or now_millis())
        self._writer.disown(run_id)

    def set_run_provenance(self, run_id: str, **fields: str | None) -> None:
        """Where a run came from: notebook_path, cell_id, source (the cell's code)."""
        self._store.set_run_provenance(run_id, **fields)

    def delete_run(self, run_id: str) -> None:
        self._writer.flush()
        self._store.delete_run(run_id)
        self._writer.writable.discard(run_id)

    def restore_run(self, run_id: str) -> None:
        self._store.restore_run(run_id)

    # -------------------------------------------------------------------------------- logging
    def _check_writable(self, run_id: str) -> None:
        """Validate a run once per client before buffering points for it."""
        if run_id in self._writer.writable:
            return
        run: Run = self._store.get_run(run_id)
        if run.info.lifecycle_stage != LifecycleStage.ACTIVE.value:
            raise InvalidStateError(f"Run {run_id} is deleted; restore it with restore_run() before logging to it.")
        self._writer.writable.add(run_id)

    def log_param(self, run_id: str, key: str, value: Any) -> Any:
        self.log_batch(run_id, params=[Param(*validate_param(key, value))])
        return value

    def log_metric(
        self,
        run_id: str,
        key: str,
        value: float,
        timestamp: int | None = None,
        step: int | None = None,
        synchronous: bool = False,
    ) -> None:
        key, number, step_, ts = validate_metric(key, value, step or 0, timestamp or now_millis())
        self._check_writable(run_id)
        points = [Metric(key, number, ts, step_)]
        self._writer.add(run_id, points)
        events.metrics_logged(run_id, points)
        if synchronous:
            self._writer.flush()

    def log_batch(
        self,
        run_id: str,
        metrics: Sequence[Metric] = (),
        params: Sequence[Param] = (),
        tags: Sequence[RunTag] = (),
        synchronous: bool = True,
    ) -> None:
        """Params and tags are written at once (a conflict raises here); metrics too unless asked not to."""
        clean_metrics = _clean_metrics(metrics)
        clean_params = [Param(*validate_param(p.key, p.value)) for p in params]
        clean_tags = [RunTag(*validate_tag(t.key, t.value)) for t in tags]
        if synchronous or clean_params or clean_tags:
            self._writer.flush()
            self._store.log_batch(run_id, clean_metrics if synchronous else (), clean_params, clean_tags)
        if clean_metrics and not synchronous:
            self._check_writable(run_id)
            self._writer.add(run_id, clean_metrics)
        events.metrics_logged(run_id, clean_metrics)

    def set_tag(self, run_id: str, key: str, value: Any) -> None:
        self.log_batch(run_id, tags=[RunTag(*validate_tag(key, value))])

    def delete_tag(self, run_id: str, key: str) -> None:
        self._store.delete_tag(run_id, key)

    def log_inputs(self, run_id: str, datasets: Sequence[DatasetInput]) -> None:
        self._store.log_inputs(run_id, list(datasets))

    def get_metric_history(self, run_id: str, key: str) -> list[Metric]:
        self._read()
        result: list[Metric] = self._store.get_metric_history(run_id, key)
        return result

    def get_metric_histories(self, run_ids: Sequence[str], keys: Sequence[str]) -> dict[tuple[str, str], list[Metric]]:
        """Full histories of every (run, key) pair, in one round trip (missing pairs map to [])."""
        self._read()
        result: dict[tuple[str, str], list[Metric]] = self._store.get_metric_histories(run_ids, keys)
        return result

    def search_runs(
        self,
        experiment_ids: Sequence[str] | str,
        filter_string: str = "",
        run_view_type: ViewType | str = ViewType.ACTIVE_ONLY,
        max_results: int = 1000,
        order_by: Sequence[str] | None = None,
        page_token: str | None = None,
    ) -> PagedList[Run]:
        self._read()
        ids = [experiment_ids] if isinstance(experiment_ids, str) else list(experiment_ids)
        result: PagedList[Run] = self._store.search_runs(
            ids, filter_string, _view(run_view_type), max_results, list(order_by or []), page_token
        )
        return result

    # ------------------------------------------------------------------------------ artifacts
    def _repo(self, run_id: str) -> Any:
        from jupyter_mltrack.store.artifacts import get_repository

        info: RunInfo = self._store.get_run(run_id).info
        return get_repository(info.artifact_uri, s3_endpoint_url=self._settings.s3_endpoint_url)

    def log_artifact(self, run_id: str, local_path: str | os.PathLike[str], artifact_path: str | None = None) -> None:
        self._repo(run_id).log_artifact(os.fspath(local_path), artifact_path)

    def log_artifacts(self, run_id: str, local_dir: str | os.PathLike[str], artifact_path: str | None = None) -> None:
        self._repo(run_id).log_artifacts(os.fspath(local_dir), artifact_path)

    def list_artifacts(self, run_id: str, path: str | None = None) -> list[FileInfo]:
        result: list[FileInfo] = self._repo(run_id).list_artifacts(path)
        return result

    def download_artifacts(self, run_id: str, path: str, dst_path: str | os.PathLike[str] | None = None) -> str:
        destination = os.fspath(dst_path) if dst_path is not None else tempfile.mkdtemp(prefix="mltrack-")
        Path(destination).mkdir(parents=True, exist_ok=True)
        return str(self._repo(run_id).download_artifacts(path, destination))

    def get_artifact_uri(self, run_id: str, artifact_path: str | None = None) -> str:
        from jupyter_mltrack.store.artifacts import join_uri

        root = self._store.get_run(run_id).info.artifact_uri
        return join_uri(root, artifact_path) if artifact_path else str(root)

    def _write_artifact(self, run_id: str, artifact_file: str, serialize: Any, *args: Any) -> None:
        """Check the path before serializing, so a bad path is reported as such, then write."""
        from jupyter_mltrack.store.artifacts import validate_artifact_path

        path = validate_artifact_path(artifact_file)
        if not path:
            raise InvalidParameterError("artifact_file must name a file, like 'notes/summary.txt'.")
        self._repo(run_id).write_bytes(path, serialize(*args))

    def log_text(self, run_id: str, text: str, artifact_file: str) -> None:
        self._write_artifact(run_id, artifact_file, artifact_files.text_bytes, text)

    def log_dict(self, run_id: str, dictionary: Any, artifact_file: str) -> None:
        self._write_artifact(run_id, artifact_file, artifact_files.dict_bytes, dictionary, artifact_file)

    def log_figure(self, run_id: str, figure: Any, artifact_file: str) -> None:
        self._write_artifact(run_id, artifact_file, artifact_files.figure_bytes, figure, artifact_file)

    def log_image(self, run_id: str, image: Any, artifact_file: str) -> None:
        self._write_artifact(run_id, artifact_file, artifact_files.image_bytes, image, artifact_file)

    def log_table(self, run_id: str, data: Any, artifact_file: str) -> None:
        from jupyter_mltrack.store.artifacts import validate_artifact_path

        repo = self._repo(run_id)
        path = validate_artifact_path(artifact_file)
        existing = repo.read_bytes(path) if path and repo.exists(path) else None
        self._write_artifact(run_id, path, artifact_files.table_json, data, path, existing)


def _clean_metrics(metrics: Sequence[Metric]) -> list[Metric]:
    """Validated metrics; keys are checked once per distinct key and well-typed points kept as they are."""
    good_keys: set[str] = set()
    clean = []
    for m in metrics:
        if m.key in good_keys and type(m.value) is float and type(m.step) is int and type(m.timestamp) is int:
            clean.append(m)
            continue
        key, value, step, ts = validate_metric(m.key, m.value, m.step, m.timestamp)
        good_keys.add(key)
        clean.append(
            m
            if (value, step, ts) == (m.value, m.step, m.timestamp) and type(m.value) is float
            else Metric(key, value, ts, step)
        )
    return clean


def _user(tags: dict[str, Any] | None) -> str:
    if tags and tags.get("mlflow.user"):
        return str(tags["mlflow.user"])
    from jupyter_mltrack.tracking.context import current_user

    return current_user()
