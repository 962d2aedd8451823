"""The module-level API (``jupyter_mltrack.*``): the fluent functions plus run lookups.

Everything here is one call into ``fluent`` or ``Client``; this module only gathers the names
that ``jupyter_mltrack/__init__.py`` exposes lazily.
"""

from __future__ import annotations

from typing import Any, Sequence

from jupyter_mltrack.entities import Metric, Run, ViewType
from jupyter_mltrack.errors import InvalidParameterError
from jupyter_mltrack.tracking.client import Client
from jupyter_mltrack.tracking.fluent import (
    ActiveRun,
    active_run,
    create_experiment,
    delete_experiment,
    delete_tag,
    end_run,
    flush,
    get_artifact_uri,
    get_experiment,
    get_experiment_by_name,
    last_active_run,
    log_artifact,
    log_artifacts,
    log_dict,
    log_figure,
    log_image,
    log_input,
    log_metric,
    log_metrics,
    log_param,
    log_params,
    log_table,
    log_text,
    search_experiments,
    set_experiment,
    set_experiment_tag,
    set_experiment_tags,
    set_tag,
    set_tags,
    start_run,
)
from jupyter_mltrack.tracking.fluent import _experiment_id as _active_experiment_id
from jupyter_mltrack.tracking.stores import get_tracking_uri, set_tracking_uri

__all__ = [
    "ActiveRun",
    "active_run",
    "create_experiment",
    "delete_experiment",
    "delete_run",
    "delete_tag",
    "end_run",
    "flush",
    "get_artifact_uri",
    "get_experiment",
    "get_experiment_by_name",
    "get_metric_history",
    "get_run",
    "get_tracking_uri",
    "last_active_run",
    "log_artifact",
    "log_artifacts",
    "log_dict",
    "log_figure",
    "log_image",
    "log_input",
    "log_metric",
    "log_metrics",
    "log_param",
    "log_params",
    "log_table",
    "log_text",
    "restore_run",
    "search_experiments",
    "search_runs",
    "set_experiment",
    "set_experiment_tag",
    "set_experiment_tags",
    "set_tag",
    "set_tags",
    "set_tracking_uri",
    "start_run",
]

#: MLflow's default for the DataFrame form of search_runs: effectively "all of them".
SEARCH_MAX_RESULTS_DEFAULT = 100_000
_PAGE = 10_000


def get_run(run_id: str) -> Run:
    return Client().get_run(run_id)


def get_metric_history(run_id: str, key: str) -> list[Metric]:
    return Client().get_metric_history(run_id, key)


def delete_run(run_id: str) -> None:
    Client().delete_run(run_id)


def restore_run(run_id: str) -> None:
    Client().restore_run(run_id)


def search_runs(
    experiment_ids: Sequence[str] | None = None,
    filter_string: str = "",
    run_view_type: ViewType | str = ViewType.ACTIVE_ONLY,
    max_results: int = SEARCH_MAX_RESULTS_DEFAULT,
    order_by: Sequence[str] | None = None,
    output_format: str = "pandas",
    search_all_experiments: bool = False,
    experiment_names: Sequence[str] | None = None,
) -> Any:
    """Runs matching a filter, as a DataFrame (MLflow's columns) or a list of Run."""
    if output_format not in ("pandas", "list"):
        raise InvalidParameterError(f"output_format must be 'pandas' or 'list', not {output_format!r}.")
    client = Client()
    ids = list(experiment_ids or [])
    for name in experiment_names or []:
        exp = client.get_experiment_by_name(name)
        if exp is None:
            raise InvalidParameterError(f"No experiment is named {name!r}; list them with search_experiments().")
        ids.append(exp.experiment_id)
    if search_all_experiments and not ids:
        ids = [e.experiment_id for e in client.search_experiments(view_type=ViewType.ALL, max_results=50_000)]
    elif not ids:
        ids = [_active_experiment_id(client)]
    found: list[Run] = []
    token: str | None = None
    while len(found) < max_results:
        page = client.search_runs(
            ids, filter_string, run_view_type, min(_PAGE, max_results - len(found)), order_by, token
        )
        found.extend(page)
        token = page.token
        if not token:
            break
    if output_format == "list":
        return found
    from jupyter_mltrack.tracking.frames import runs_to_frame

    return runs_to_frame(found)
