"""The data a cell fitted on, recorded as run inputs under the notebook variable's name.

Two sources, one rule: a DataFrame, Series or numpy array passed to ``fit`` is logged with
``jupyter_mltrack.log_input(data, context="training", name=<variable>)`` (content digest, shape,
schema), so two runs on different data are told apart.

- autolog's patched ``fit`` calls ``capture.cell.notify_fit``; :func:`record_fit` (a fit observer
  the extension registers) finds the variable names by identity in the user namespace;
- without autolog, ``%%track`` reads ``x.fit(X_train, y_train)`` calls from the cell's AST and
  logs those variables at the end of the cell (:func:`log_named_inputs`).

Objects that are not named in the notebook (internal slices made by cross-validation) are not
logged. Each (run, variable, object) is logged once.
"""

from __future__ import annotations

import logging
from typing import Any, Iterable, Mapping

import jupyter_mltrack as mlt

log = logging.getLogger(__name__)
TRAINING = "training"
_logged: dict[str, set[tuple[str, int]]] = {}
_MAX_RUNS = 256


def is_loggable(data: Any) -> bool:
    module = type(data).__module__
    name = type(data).__name__
    return (module.startswith("pandas") and name in ("DataFrame", "Series")) or (
        module == "numpy" and name == "ndarray"
    )


def names_by_identity(user_ns: Mapping[str, Any], *objects: Any) -> list[str | None]:
    """The first public user variable bound to each object (by identity), or None."""
    wanted = {id(o): i for i, o in enumerate(objects) if o is not None}
    found: list[str | None] = [None] * len(objects)
    if not wanted:
        return found
    for name, value in user_ns.items():
        index = wanted.get(id(value))
        if index is not None and not name.startswith("_") and found[index] is None:
            found[index] = name
    return found


def log_named_inputs(run_id: str, named: Iterable[tuple[str, Any]]) -> list[str]:
    """Log each (name, data) into ``run_id`` (the active run) once; returns the names logged."""
    active = mlt.active_run()
    if active is None or active.info.run_id != run_id:
        return []
    if len(_logged) > _MAX_RUNS:
        _logged.clear()
    seen = _logged.setdefault(run_id, set())
    done: list[str] = []
    for name, data in named:
        key = (name, id(data))
        if key in seen or not is_loggable(data):
            continue
        seen.add(key)
        try:
            mlt.log_input(data, context=TRAINING, name=name)
            done.append(name)
        except Exception as exc:  # capture never breaks the user's cell
            log.warning("jupyter_mltrack: could not record dataset %r: %s", name, exc)
    return done


def record_fit(
    user_ns: Mapping[str, Any], x: Any, y: Any = None, var_names: tuple[str | None, str | None] | None = None
) -> list[str]:
    """The fit observer's work: log X and y of a fit into the active run under their names."""
    active = mlt.active_run()
    if active is None:
        return []
    given = var_names or (None, None)
    found = names_by_identity(user_ns, x if given[0] is None else None, y if given[1] is None else None)
    names = [given[0] or found[0], given[1] or found[1]]
    pairs = [(n, d) for n, d in zip(names, (x, y), strict=False) if n is not None and d is not None]
    return log_named_inputs(active.info.run_id, pairs)
