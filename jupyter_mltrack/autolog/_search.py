"""Hyperparameter searches (``GridSearchCV``, ``RandomizedSearchCV``, the halving ones): the search
is the parent run; the top ``max_tuning_runs`` candidates by rank become finished child runs with
their full params and mean/std test scores (MLflow's layout); the parent gets ``best_<param>``
params, the ``best_cv_score`` metric and the whole table as ``cv_results.csv``.
"""

from __future__ import annotations

import sys
import time
from typing import Any

from jupyter_mltrack.autolog._runs import FitRun, is_number
from jupyter_mltrack.autolog._state import AUTOLOG_TAG

PARENT_TAG = "mlflow.parentRunId"
_INHERITED = ("mlflow.user", "mlflow.source.", "mltrack.git.", "mltrack.python.", "mltrack.host")
_NOT_METRICS = ("param", "split")  # per-param columns repeat ``params``; per-split scores are noise


def is_search(estimator: Any) -> bool:
    module = sys.modules.get("sklearn.model_selection._search")
    base = getattr(module, "BaseSearchCV", None)
    return base is not None and isinstance(estimator, base)


def log_search(fit: FitRun, search: Any, max_runs: int | None) -> None:
    best_params = getattr(search, "best_params_", None)
    if best_params:
        fit.log_params({f"best_{k}": v for k, v in best_params.items()})
    if is_number(getattr(search, "best_score_", None)):
        fit.log_metrics({"best_cv_score": search.best_score_})
    results = getattr(search, "cv_results_", None)
    if not results:
        return
    import pandas as pd

    fit.client.log_text(fit.run_id, pd.DataFrame(results).to_csv(index=False), "cv_results.csv")
    parent = fit.client.get_run(fit.run_id)
    for index in top_candidates(results, max_runs):
        _child_run(fit, parent, search, {k: v[index] for k, v in results.items()})


def top_candidates(results: dict[str, Any], max_runs: int | None) -> list[int]:
    """Indexes of the best candidates: by ``rank_test_score`` (or the first ``rank_test_*``)."""
    count = len(results["params"])
    rank_key = (
        "rank_test_score"
        if "rank_test_score" in results
        else next((k for k in results if k.startswith("rank_test_")), None)
    )
    order = sorted(range(count), key=lambda i: (results[rank_key][i], i)) if rank_key else list(range(count))
    return order if max_runs is None else order[: max(max_runs, 0)]


def _child_run(fit: FitRun, parent: Any, search: Any, row: dict[str, Any]) -> None:
    seed = search.estimator
    tags = {k: v for k, v in parent.data.tags.items() if k.startswith(_INHERITED)}
    tags.update({AUTOLOG_TAG: fit.framework, PARENT_TAG: fit.run_id, "estimator_name": type(seed).__name__})
    child = fit.client.create_run(
        parent.info.experiment_id, start_time=parent.info.start_time, tags=tags, parent_run_id=fit.run_id
    )
    child_id = child.info.run_id
    info = parent.info
    if info.notebook_path or info.cell_id or info.source:
        fit.client.set_run_provenance(
            child_id, notebook_path=info.notebook_path, cell_id=info.cell_id, source=info.source
        )
    child_fit = FitRun(fit.framework, child_id, owned=False)
    child_fit.log_params({**seed.get_params(deep=not is_search(seed)), **row["params"]})
    child_fit.log_metrics({k: v for k, v in row.items() if not k.startswith(_NOT_METRICS) and is_number(v)})
    fit.client.set_terminated(child_id, "FINISHED", end_time=int(time.time() * 1000))
