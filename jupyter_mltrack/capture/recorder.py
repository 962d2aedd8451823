"""One cell's run from start to end: what ``%%track`` (and autolog's cell runs) record.

``start`` makes the run (with the cell's provenance) before the cell's code runs; ``finish`` runs
after it, reads what the cell bound, logs it in one batch and ends the run FINISHED, FAILED or
KILLED. Whatever goes wrong while capturing is a warning and the run still ends: nothing is left
"already active".
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

import jupyter_mltrack as mlt
from jupyter_mltrack.capture import ast_params, datasets, environment, resources, sklearn_metrics
from jupyter_mltrack.entities import Metric, Param, RunStatus, RunTag, now_millis
from jupyter_mltrack.errors import InvalidParameterError, ParamConflictError
from jupyter_mltrack.store.validation import validate_run_name, validate_tag
from jupyter_mltrack.tracking import context as tracking_context
from jupyter_mltrack.tracking import events
from jupyter_mltrack.tracking.client import Client

log = logging.getLogger(__name__)

CAPTURE_TAG = "mltrack.cell.capture"
EXECUTION_COUNT_TAG = "mltrack.cell.execution_count"
ERROR_TYPE_TAG = "mltrack.error.type"
ERROR_MESSAGE_TAG = "mltrack.error.message"
NOTEBOOK_ARTIFACT_DIR = "notebook"
MAX_NOTEBOOK_BYTES = 20 * 1024 * 1024
MAX_ERROR_MESSAGE = 1000

_GIT_TAGS = (tracking_context.GIT_COMMIT_TAG, tracking_context.GIT_BRANCH_TAG, tracking_context.GIT_DIRTY_TAG)
_imports = environment.ImportHistory()
_logged_keys: dict[str, set[str]] = {}  # run id -> metric keys logged while its cell runs


@dataclass(frozen=True)
class CellContext:
    """The executing cell: what autolog and ``%%track`` record as a run's provenance."""

    source: str
    cell_id: str | None
    execution_count: int | None
    notebook_path: str | None
    log_models: bool = True


@dataclass(frozen=True)
class TrackOptions:
    """``%%track``'s options; ``capture="autolog"`` records provenance, resources and status only."""

    run_name: str | None = None
    experiment: str | None = None
    params: tuple[str, ...] = ()
    metrics: tuple[str, ...] = ()
    log_models: bool = True
    nested: bool = False
    tags: Mapping[str, str] = field(default_factory=dict)
    metric_names: tuple[str, ...] = ast_params.DEFAULT_METRIC_NAMES
    capture: str = "track"


def _on_metrics(run_id: str, metrics: Sequence[Metric]) -> None:
    keys = _logged_keys.get(run_id)
    if keys is not None:
        keys.update(m.key for m in metrics)


def _experiment_id(name: str) -> str:
    found = mlt.get_experiment_by_name(name)
    if found is None:
        return mlt.create_experiment(name)
    if found.lifecycle_stage != "active":
        raise InvalidParameterError(f"Experiment {name!r} is deleted; restore it or choose another name.")
    return found.experiment_id


def _system_tags(context: CellContext) -> dict[str, str]:
    """The tracking API's system tags, with git read where the notebook is (else the kernel's folder),
    not where the interpreter's script lives (a terminal IPython would report its launcher's repo)."""
    found = {k: v for k, v in tracking_context.system_tags().items() if k not in _GIT_TAGS}
    folder = os.path.dirname(context.notebook_path) if context.notebook_path else os.getcwd()
    found.update(tracking_context.git_info(folder))
    return found


class CellRecorder:
    """The run of one executing cell."""

    def __init__(
        self, run_id: str, experiment_id: str, parent_run_id: str | None, options: TrackOptions, context: CellContext
    ) -> None:
        self.run_id = run_id
        self.experiment_id = experiment_id
        self.parent_run_id = parent_run_id
        self.options = options
        self.context = context
        self.analysis = ast_params.CellAnalysis()
        self._user_ns: Mapping[str, Any] = {}
        self._before: dict[str, int] = {}
        self._usage = resources.snapshot()

    @classmethod
    def start(
        cls,
        options: TrackOptions,
        context: CellContext,
        user_ns: Mapping[str, Any],
        python_source: str = "",
        last_parent: tuple[str, str] | None = None,
        since: resources.Usage | None = None,
    ) -> "CellRecorder":
        """Start the cell's run; raises MltrackError (bad name, deleted experiment...) before anything runs."""
        active = mlt.active_run()
        parent: tuple[str, str] | None = (active.info.run_id, active.info.experiment_id) if active else None
        if parent is None and options.nested:
            if last_parent is None:
                raise InvalidParameterError(
                    "--nested needs a parent run: run a %%track cell (or start_run()) first, then nest under it."
                )
            parent = last_parent
        for key, value in options.tags.items():  # before -e may create an experiment: nothing is created on bad input
            validate_tag(key, value)
        if options.run_name:
            validate_run_name(options.run_name)
        experiment_id = _experiment_id(options.experiment) if options.experiment else (parent[1] if parent else None)
        tags = {**_system_tags(context), CAPTURE_TAG: options.capture, **options.tags}
        if context.execution_count is not None:
            tags[EXECUTION_COUNT_TAG] = str(context.execution_count)
        if context.notebook_path:
            tags["mlflow.source.name"] = context.notebook_path
            tags["mlflow.source.type"] = "NOTEBOOK"
        run = mlt.start_run(
            run_name=options.run_name,
            experiment_id=experiment_id,
            nested=active is not None,
            parent_run_id=parent[0] if parent and active is None else None,
            tags=tags,
            log_system_tags=False,
            notebook_path=context.notebook_path,
            cell_id=context.cell_id,
            source=context.source,
        )
        self = cls(run.info.run_id, run.info.experiment_id, parent[0] if parent else None, options, context)
        try:
            self._prepare(user_ns, python_source)
        except BaseException:
            mlt.end_run(RunStatus.FAILED, run_id=self.run_id)
            raise
        self._usage = since or resources.snapshot()  # last: the cell's own cost, not ours
        return self

    def _prepare(self, user_ns: Mapping[str, Any], python_source: str) -> None:
        self._user_ns = user_ns
        if self.options.capture == "track":
            self.analysis = ast_params.analyze(python_source)
            self._before = {n: id(user_ns[n]) for n in self.analysis.bound if n in user_ns}
            sklearn_metrics.start()
        if not _logged_keys:
            events.add_metric_listener(_on_metrics)
        _logged_keys[self.run_id] = set()

    # ------------------------------------------------------------------------------------ finish
    def finish(self, error: BaseException | None) -> str:
        """Record what the cell did and end its run; never raises."""
        usage = resources.snapshot()
        if isinstance(error, KeyboardInterrupt):
            status = RunStatus.KILLED
        else:
            status = RunStatus.FAILED if error is not None else RunStatus.FINISHED
        collected = sklearn_metrics.stop() if self.options.capture == "track" else []
        logged = _logged_keys.pop(self.run_id, set())
        if not _logged_keys:
            events.remove_metric_listener(_on_metrics)
        try:
            self._record(error, usage, collected, logged)
        except Exception as exc:
            log.warning("jupyter_mltrack: could not record everything about run %s: %s", self.run_id, exc)
        finally:
            try:
                mlt.end_run(status, run_id=self.run_id)
            except Exception as exc:
                log.warning("jupyter_mltrack: could not end run %s: %s", self.run_id, exc)
        return self.run_id

    def _record(
        self,
        error: BaseException | None,
        usage: resources.Usage,
        collected: list[tuple[str, float, int]],
        logged: set[str],
    ) -> None:
        now = now_millis()
        params: dict[str, str] = {}
        values: dict[str, float] = {}
        if self.options.capture == "track":
            params, values = self._cell_values(error)
            if self.analysis.fit_inputs:
                named = [(n, self._user_ns[n]) for n in self.analysis.fit_inputs if n in self._user_ns]
                datasets.log_named_inputs(self.run_id, named)
        values = {k: v for k, v in values.items() if k not in logged}
        values.update(resources.usage_metrics(self._usage, usage))
        metrics = [Metric(k, v, now, 0) for k, v in values.items()]
        metrics += [Metric(k, v, now, step) for k, v, step in collected if k not in logged]
        tags = self._end_tags(error)
        self._log(metrics, [Param(k, v) for k, v in params.items()], [RunTag(k, v) for k, v in tags.items()])
        self._snapshot_notebook()

    def _cell_values(self, error: BaseException | None) -> tuple[dict[str, str], dict[str, float]]:
        ns = self._user_ns
        bound = {
            n: ns[n]
            for n in self.analysis.bound
            if n in ns and (error is None or self._before.get(n) != id(ns[n]))  # a failed cell: rebound names only
        }
        params, metrics = ast_params.classify(bound, self.options.metric_names)
        for name in self.options.params:
            if name in ns:
                text = ast_params.param_value(ns[name])
                params[name] = text if text is not None else repr(ns[name])[: ast_params.MAX_REPR]
                metrics.pop(name, None)
            else:
                log.warning("jupyter_mltrack: --params %s: no such variable after the cell ran.", name)
        for name in self.options.metrics:
            number = ast_params.metric_value(ns.get(name))
            if number is None:
                log.warning("jupyter_mltrack: --metrics %s: not a number after the cell ran.", name)
            else:
                metrics[name] = number
                params.pop(name, None)
        return params, metrics

    def _end_tags(self, error: BaseException | None) -> dict[str, str]:
        tags: dict[str, str] = {}
        if error is not None:
            tags[ERROR_TYPE_TAG] = type(error).__name__
            tags[ERROR_MESSAGE_TAG] = str(error)[:MAX_ERROR_MESSAGE]
        cells = self._user_ns.get("In")
        if isinstance(cells, list):
            versions = environment.package_versions(_imports.update(cells))
            if versions:
                tags[environment.PACKAGES_TAG] = environment.packages_tag(versions)
        return tags

    def _log(self, metrics: list[Metric], params: list[Param], tags: list[RunTag]) -> None:
        client = Client()
        try:
            client.log_batch(self.run_id, metrics=metrics, params=params, tags=tags)
        except ParamConflictError:
            existing = client.get_run(self.run_id).data.params
            clashes = sorted(p.key for p in params if p.key in existing and existing[p.key] != p.value)
            log.warning(
                "jupyter_mltrack: kept the logged value of params %s (the cell's variables differ).", ", ".join(clashes)
            )
            keep = [p for p in params if p.key not in existing]
            client.log_batch(self.run_id, metrics=metrics, params=keep, tags=tags)

    def _snapshot_notebook(self) -> None:
        path = self.context.notebook_path
        try:
            if path and os.path.isfile(path) and os.path.getsize(path) <= MAX_NOTEBOOK_BYTES:
                Client().log_artifact(self.run_id, path, NOTEBOOK_ARTIFACT_DIR)
        except Exception as exc:
            log.warning("jupyter_mltrack: could not snapshot the notebook %s: %s", path, exc)
