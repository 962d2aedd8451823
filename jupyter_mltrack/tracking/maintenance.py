"""Store maintenance and lookups behind the ``mltrack`` command line (no click here).

Garbage collection, the ``doctor`` health report, schema upgrades, and the id-or-name lookups a
command line needs. Every function takes an optional ``tracking_uri`` (else the process's current
one) and returns plain values, so a magic or a REST handler can reuse them as they are.
"""

from __future__ import annotations

import os
import re
import uuid
from dataclasses import dataclass
from typing import Any, Callable, Sequence

from jupyter_mltrack import config
from jupyter_mltrack.entities import Experiment, LifecycleStage, Run, ViewType
from jupyter_mltrack.errors import (
    ExperimentNotFoundError,
    InvalidParameterError,
    InvalidStateError,
    MltrackError,
    RunNotFoundError,
)
from jupyter_mltrack.tracking import stores
from jupyter_mltrack.tracking.client import Client

_PAGE = 10_000
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw]?)\s*$", re.IGNORECASE)
_UNIT_SECONDS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


# ---------------------------------------------------------------------------------- lookups
def parse_duration(text: str) -> float:
    """Seconds in ``30d``, ``12h``, ``90m``, ``3600s``, ``2w`` or a bare number of seconds."""
    match = _DURATION.match(text)
    if not match:
        raise InvalidParameterError(
            f"Cannot read the duration {text!r}; write a number and a unit: 30d, 12h, 90m, 3600s or 2w."
        )
    return float(match.group(1)) * _UNIT_SECONDS[match.group(2).lower()]


def find_experiment(client: Client, id_or_name: str) -> Experiment:
    """An experiment by id, else by name (an all-digit string is tried as an id first)."""
    if id_or_name.isdigit():
        try:
            return client.get_experiment(id_or_name)
        except ExperimentNotFoundError:
            pass
    found = client.get_experiment_by_name(id_or_name)
    if found is None:
        raise ExperimentNotFoundError(id_or_name)
    return found


def list_experiments(view: ViewType | str = ViewType.ACTIVE_ONLY, tracking_uri: str | None = None) -> list[Experiment]:
    client = Client(tracking_uri)
    found: list[Experiment] = []
    token: str | None = None
    while True:
        page = client.search_experiments(view_type=view, max_results=_PAGE, page_token=token)
        found.extend(page)
        token = page.token
        if not token:
            return found


def set_experiment_stage(id_or_name: str, deleted: bool, tracking_uri: str | None = None) -> tuple[Experiment, bool]:
    """Delete (or restore) an experiment by id or name; returns it and whether anything changed."""
    client = Client(tracking_uri)
    exp = find_experiment(client, id_or_name)
    wanted = LifecycleStage.DELETED.value if deleted else LifecycleStage.ACTIVE.value
    if exp.lifecycle_stage == wanted:
        return exp, False
    if deleted:
        client.delete_experiment(exp.experiment_id)
    else:
        client.restore_experiment(exp.experiment_id)
    return client.get_experiment(exp.experiment_id), True


def find_runs(experiments: Sequence[str] = (), filter_string: str = "", order_by: Sequence[str] = (),
              max_results: int = 100, view: ViewType | str = ViewType.ACTIVE_ONLY,
              tracking_uri: str | None = None) -> list[Run]:
    """Runs of the named experiments (ids or names; default: every active experiment)."""
    if max_results < 1:
        raise InvalidParameterError(f"The maximum number of runs must be at least 1, not {max_results}.")
    client = Client(tracking_uri)
    if experiments:
        ids = list(dict.fromkeys(find_experiment(client, e).experiment_id for e in experiments))
    else:
        ids = [e.experiment_id for e in list_experiments(ViewType.ACTIVE_ONLY, tracking_uri)]
    found: list[Run] = []
    token: str | None = None
    while len(found) < max_results:
        page = client.search_runs(ids, filter_string, view, min(_PAGE, max_results - len(found)), order_by, token)
        found.extend(page)
        token = page.token
        if not token:
            break
    return found


def set_runs_stage(run_ids: Sequence[str], deleted: bool, tracking_uri: str | None = None) -> list[tuple[str, bool]]:
    """Delete (or restore) runs; every id is checked before any changes. (run id, changed) pairs.

    Deleting a run that is already deleted changes nothing, so its deletion time (which
    ``garbage_collect(older_than_seconds=...)`` goes by) is kept.
    """
    client = Client(tracking_uri)
    wanted = LifecycleStage.DELETED.value if deleted else LifecycleStage.ACTIVE.value
    stages = {run_id: client.get_run(run_id).info.lifecycle_stage for run_id in dict.fromkeys(run_ids)}
    result = []
    for run_id, stage in stages.items():
        if stage != wanted:
            (client.delete_run if deleted else client.restore_run)(run_id)
        result.append((run_id, stage != wanted))
    return result


# ------------------------------------------------------------------------ garbage collection
def garbage_collect(older_than_seconds: float | None = None, run_ids: Sequence[str] | None = None,
                    tracking_uri: str | None = None,
                    confirm: Callable[[list[str]], bool] | None = None) -> list[str]:
    """Permanently remove deleted runs (rows and artifact folders); returns the purged run ids.

    ``older_than_seconds`` keeps runs deleted more recently than that; ``run_ids`` limits the
    collection to those runs, each of which must exist and be deleted (checked before anything is
    removed). ``confirm`` sees the ids about to go and may cancel by returning False.

    For each run the artifacts go first and then the rows, in one transaction per run: a crash in
    between leaves a deleted run (invisible to searches) whose folder is already gone, and the
    next collection finishes it, since deleting missing artifacts is not an error.
    """
    from jupyter_mltrack.store.artifacts import get_repository

    if older_than_seconds is not None and older_than_seconds < 0:
        raise InvalidParameterError(f"older_than_seconds must not be negative, got {older_than_seconds}.")
    client = Client(tracking_uri)
    store = client.store
    older_ms = None if older_than_seconds is None else int(older_than_seconds * 1000)
    candidates: dict[str, str] = dict(store.deleted_runs(older_ms))
    if run_ids is not None:
        for run_id in dict.fromkeys(run_ids):
            info = client.get_run(run_id).info  # RunNotFoundError for an unknown id
            if info.lifecycle_stage != LifecycleStage.DELETED.value:
                raise InvalidStateError(
                    f"Run {run_id} is not deleted, so garbage collection will not remove it. Delete it first "
                    f"(`mltrack runs delete {run_id}`), or leave it out."
                )
        candidates = {r: candidates[r] for r in dict.fromkeys(run_ids) if r in candidates}
    in_registry = {v.run_id for v in store.registry.list_model_versions() if v.run_id}
    kept = sorted(set(candidates) & in_registry)
    if kept and run_ids is not None:
        raise InvalidStateError(
            f"Runs {kept} hold registered model versions; garbage collection keeps them so those versions still "
            "load. Delete the model versions first (`mltrack models` / delete_model_version), then collect."
        )
    ids = [r for r in candidates if r not in in_registry]
    if not ids or (confirm is not None and not confirm(ids)):
        return []
    purged: list[str] = []
    endpoint = stores.current_settings(tracking_uri).s3_endpoint_url
    for run_id in ids:
        try:
            if store.get_run(run_id).info.lifecycle_stage != LifecycleStage.DELETED.value:
                continue  # restored since we listed it: keep it and its artifacts
        except RunNotFoundError:
            continue  # purged meanwhile by another collection
        folder = _run_folder(candidates[run_id], run_id)
        try:
            get_repository(folder, s3_endpoint_url=endpoint).delete_artifacts()
        except (OSError, MltrackError) as exc:
            raise MltrackError(
                f"Could not delete the artifacts of run {run_id} at {folder}: {exc}. {len(purged)} runs were "
                "purged before it; it and the rest are still deleted runs, not purged. Fix the cause and run "
                "`mltrack gc` again to finish."
            ) from exc
        store.purge_runs([run_id])
        purged.append(run_id)
    return purged


def _run_folder(artifact_uri: str, run_id: str) -> str:
    """The run's own folder (``<experiment root>/<run id>``) when the URI has that layout."""
    for sep in dict.fromkeys(("/", os.sep)):
        if artifact_uri.endswith(f"{sep}{run_id}{sep}artifacts"):
            return artifact_uri[: -len(f"{sep}artifacts")]
    return artifact_uri


# ------------------------------------------------------------------------------ the schema
@dataclass(frozen=True)
class SchemaStatus:
    """Where a database's schema stands; ``uri`` has its password hidden."""

    uri: str
    revision: str | None
    head: str

    @property
    def empty(self) -> bool:
        """No schema yet: the first store to open it creates it at head (or `db upgrade` does)."""
        return self.revision is None

    @property
    def upgrade_needed(self) -> bool:
        from jupyter_mltrack.store.sql.schema import KNOWN_REVISIONS

        return self.revision != self.head and self.revision in KNOWN_REVISIONS

    @property
    def unknown(self) -> bool:
        """A revision newer than this code (the database was made by a later version)."""
        return not self.empty and self.revision != self.head and not self.upgrade_needed


def current_revision(tracking_uri: str | None = None) -> SchemaStatus:
    """The schema revision of the tracking database and the head this code needs (opens no store)."""
    from jupyter_mltrack.store.sql.admin import database_revision
    from jupyter_mltrack.store.sql.engine import redact

    uri = stores.current_settings(tracking_uri).tracking_uri
    revision, head = database_revision(uri)
    return SchemaStatus(redact(uri), revision, head)


def upgrade_database(tracking_uri: str | None = None) -> tuple[SchemaStatus, str | None]:
    """Apply the shipped migrations; returns the status afterwards and the revision before."""
    from jupyter_mltrack.store.sql.admin import upgrade_database as upgrade
    from jupyter_mltrack.store.sql.engine import redact
    from jupyter_mltrack.store.sql.schema import HEAD_REVISION

    uri = stores.current_settings(tracking_uri).tracking_uri
    before, after = upgrade(uri)
    return SchemaStatus(redact(uri), after, HEAD_REVISION), before


# ---------------------------------------------------------------------------------- doctor
def doctor(tracking_uri: str | None = None) -> dict[str, Any]:
    """A health report: configuration in use, where it came from, and checks that each pass or fail.

    Works on an outdated database too (it never opens a tracking store). The result is plain JSON:
    ``{"ok", "version", "tracking_uri", "artifact_root", "database_kind", "schema", "counts", "checks"}``
    where ``checks`` is a list of ``{"name", "ok", "message"}``.
    """
    from jupyter_mltrack import __version__
    from jupyter_mltrack.store.sql import health
    from jupyter_mltrack.store.sql.admin import database_revision
    from jupyter_mltrack.store.sql.engine import dialect_of, redact

    settings = stores.current_settings(tracking_uri)
    uri = settings.tracking_uri
    checks: list[dict[str, Any]] = []

    def check(name: str, work: Callable[[], str]) -> bool:
        try:
            checks.append({"name": name, "ok": True, "message": work()})
        except Exception as exc:  # a health report shows failures, it does not raise them
            checks.append({"name": name, "ok": False, "message": health.describe_error(exc, uri)})
            return False
        return True

    schema: dict[str, Any] = {"revision": None, "head": None}
    counts: dict[str, dict[str, int]] | None = None

    def connect() -> str:
        schema["revision"], schema["head"] = database_revision(uri)
        return "connected"

    def schema_check() -> str:
        status = SchemaStatus(redact(uri), schema["revision"], schema["head"])
        if status.revision is None:
            return f"empty database: the schema is created at {status.head} on first use"
        if status.revision == status.head:
            return f"at head {status.head}"
        if status.upgrade_needed:
            raise InvalidStateError(f"at {status.revision}, head is {status.head}: run `mltrack db upgrade`")
        raise InvalidStateError(f"at {status.revision}, unknown to this version: pip install -U jupyter-mltrack")

    def count() -> str:
        nonlocal counts
        counts = health.count_rows(uri)
        if counts is None:
            return "no tables yet"
        return ", ".join(f"{what}: {c['active']} active, {c['deleted']} deleted" for what, c in counts.items())

    if check("database connection", connect):
        check("schema", schema_check)
        check("database writable", lambda: health.probe_write(uri))
        check("contents", count)
    check("artifact root writable", lambda: _probe_artifact_root(settings))
    return {
        "ok": all(c["ok"] for c in checks),
        "version": __version__,
        "tracking_uri": {"value": redact(uri), "source": _uri_source(tracking_uri)},
        "artifact_root": {"value": settings.artifact_root, "source": _artifact_root_source(uri)},
        "database_kind": dialect_of(uri),
        "schema": schema,
        "counts": counts,
        "checks": checks,
    }


def _uri_source(tracking_uri: str | None) -> str:
    if tracking_uri:
        return "argument"
    if stores.tracking_uri_override():
        return "set_tracking_uri()"
    if os.environ.get(config.ENV_TRACKING_URI):
        return config.ENV_TRACKING_URI
    return f"default (under {config.ENV_HOME})" if os.environ.get(config.ENV_HOME) else "default (~/.mltrack)"


def _artifact_root_source(uri: str) -> str:
    if os.environ.get(config.ENV_ARTIFACT_ROOT):
        return config.ENV_ARTIFACT_ROOT
    if uri.startswith("sqlite:///") and uri != "sqlite:///:memory:":
        return "default (beside the SQLite database)"
    return f"default (under {config.ENV_HOME})" if os.environ.get(config.ENV_HOME) else "default (~/.mltrack)"


def _probe_artifact_root(settings: config.Settings) -> str:
    from jupyter_mltrack.store.artifacts import get_repository

    repo = get_repository(settings.artifact_root, s3_endpoint_url=settings.s3_endpoint_url)
    name = f".mltrack-doctor-{uuid.uuid4().hex}"
    repo.write_bytes(name, b"mltrack doctor probe\n")
    try:
        if repo.read_bytes(name) != b"mltrack doctor probe\n":
            raise InvalidStateError("a probe file read back with different content")
    finally:
        repo.delete_artifacts(name)
    return "wrote, read back and deleted a probe file"
