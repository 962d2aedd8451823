"""The cell being executed, and the hooks autolog uses to give a notebook cell its own run.

The IPython extension (``%load_ext jupyter_mltrack``) keeps this module current from IPython's
``pre_run_cell``/``post_run_cell`` events. Without the extension (a script, plain Python) every
function here is a cheap no-op returning None, so autolog can call them unconditionally.

For autolog:

``current_cell() -> CellContext | None``
    The executing cell: ``source`` (the cell as typed), ``cell_id`` (the notebook's cell id;
    None in a terminal), ``execution_count``, ``notebook_path`` (None when unknown) and
    ``log_models`` (False inside a ``%%track --no-models`` cell: skip model logging).

``cell_run_scope() -> str | None``
    Call it in a patched ``fit`` before logging. It returns the id of the run to log into:
    - the active run when there is one (a ``%%track`` cell's run, or a ``start_run`` of the
      user's); nothing is started;
    - otherwise, inside a cell, a new run carrying the cell's provenance (source, cell id,
      execution count, notebook path, resources, status). It stays active until the cell ends,
      then ends FINISHED, FAILED or KILLED from the cell's outcome. Do not end it yourself; a
      second call in the same cell returns the same run, so each extra model of the cell can be
      a nested run under it (``start_run(nested=True)``);
    - None outside a notebook cell: start and end a run yourself, as in a script.

``notify_fit(estimator, X, y=None, var_names=None)``
    Call it from a patched ``fit`` (after ``cell_run_scope``) with the data it received.
    ``var_names`` is ``(x_name, y_name)`` when known. Observers registered with
    ``register_fit_observer(fn)`` get ``fn(estimator, X, y, var_names)``; the extension registers
    one that records X and y as run inputs under their notebook variable names. Observers that
    raise are logged as warnings, never raised into the user's ``fit``.
"""

from __future__ import annotations

import logging
from collections import deque
from dataclasses import dataclass, field, replace
from typing import Any, Callable, MutableMapping

from jupyter_mltrack.capture import notebook, resources
from jupyter_mltrack.capture.recorder import CellContext, CellRecorder, TrackOptions

__all__ = [
    "CellContext",
    "cell_run_scope",
    "current_cell",
    "notify_fit",
    "register_fit_observer",
    "unregister_fit_observer",
]

log = logging.getLogger(__name__)
FitObserver = Callable[[Any, Any, Any, "tuple[str | None, str | None]"], None]
_HISTORY = 200


@dataclass
class Frame:
    """One executing cell (cells nest: ``run_cell`` inside a cell, ``%%capture`` around ``%%track``)."""

    token: object
    source: str
    cell_id: str | None
    execution_count: int | None
    usage: resources.Usage
    recorders: list[CellRecorder] = field(default_factory=list)
    log_models: bool = True


class _State:
    def __init__(self) -> None:
        self.user_ns: MutableMapping[str, Any] | None = None
        self.frames: list[Frame] = []
        self.observers: list[FitObserver] = []
        self.runs: deque[CellRecorder] = deque(maxlen=_HISTORY)  # cell runs of this kernel, oldest first


_state = _State()


# --------------------------------------------------------------------------- for the extension
def bind(user_ns: MutableMapping[str, Any]) -> None:
    """The extension was loaded into a shell with this user namespace."""
    _state.user_ns = user_ns


def unbind() -> None:
    _state.user_ns = None
    _state.frames.clear()
    _state.runs.clear()


def user_namespace() -> MutableMapping[str, Any] | None:
    return _state.user_ns


def enter_cell(token: object, source: str, cell_id: str | None, execution_count: int | None) -> None:
    """A cell starts (``pre_run_cell``); ``token`` identifies it again at :func:`exit_cell`."""
    _state.frames.append(Frame(token, source, cell_id, execution_count, resources.snapshot()))


def exit_cell(token: object, error: BaseException | None) -> list[CellRecorder]:
    """A cell ended (``post_run_cell``): end the runs it scoped, innermost first, and return them."""
    frames = _state.frames
    index = next((i for i in range(len(frames) - 1, -1, -1) if frames[i].token is token), None)
    if index is None:
        if not frames:
            return []
        index = len(frames) - 1  # IPython made a new ExecutionInfo after an internal error
    ended: list[Frame] = frames[index:]
    del frames[index:]
    finished: list[CellRecorder] = []
    for frame in reversed(ended):
        for recorder in reversed(frame.recorders):
            recorder.finish(error)
            finished.append(recorder)
    return finished


def current_frame() -> Frame | None:
    return _state.frames[-1] if _state.frames and _state.user_ns is not None else None


def start_run(options: TrackOptions, python_source: str) -> CellRecorder:
    """Start a run scoped to the executing cell (``%%track``); raises MltrackError on bad options."""
    frame = current_frame()
    if frame is None or _state.user_ns is None:
        raise RuntimeError("no executing cell")
    context = _context(frame)
    if not options.log_models:
        context = replace(context, log_models=False)
    recorder = CellRecorder.start(options, context, _state.user_ns, python_source, _last_parent())
    frame.recorders.append(recorder)
    if not options.log_models:
        frame.log_models = False
    _state.runs.append(recorder)
    return recorder


def _last_parent() -> tuple[str, str] | None:
    for recorder in reversed(_state.runs):
        if recorder.options.capture == "track" and recorder.parent_run_id is None:
            return recorder.run_id, recorder.experiment_id
    return None


def recent_run_ids(count: int, capture: str | None = "track") -> list[str]:
    """Ids of the last ``count`` runs this kernel's cells made (oldest first)."""
    ids = [r.run_id for r in _state.runs if capture is None or r.options.capture == capture]
    return ids[-count:] if count > 0 else []


def last_run_id() -> str | None:
    """The run of the last cell that had one in this kernel (``%%track`` or autolog)."""
    return _state.runs[-1].run_id if _state.runs else None


# ----------------------------------------------------------------------------------- for autolog
def _context(frame: Frame) -> CellContext:
    return CellContext(
        source=frame.source,
        cell_id=frame.cell_id,
        execution_count=frame.execution_count,
        notebook_path=notebook.notebook_path(_state.user_ns),
        log_models=frame.log_models,
    )


def current_cell() -> CellContext | None:
    """The executing cell, or None outside one (see the module docstring)."""
    frame = current_frame()
    return _context(frame) if frame is not None else None


def cell_run_scope() -> str | None:
    """The run a fit in this cell logs into, started for the cell if needed (see module docstring)."""
    import jupyter_mltrack as mlt

    active = mlt.active_run()
    if active is not None:
        return active.info.run_id
    frame = current_frame()
    if frame is None or _state.user_ns is None:
        return None
    recorder = CellRecorder.start(TrackOptions(capture="autolog"), _context(frame), _state.user_ns, since=frame.usage)
    frame.recorders.append(recorder)
    _state.runs.append(recorder)
    return recorder.run_id


def register_fit_observer(observer: FitObserver) -> None:
    if observer not in _state.observers:
        _state.observers.append(observer)


def unregister_fit_observer(observer: FitObserver) -> None:
    if observer in _state.observers:
        _state.observers.remove(observer)


def notify_fit(estimator: Any, X: Any, y: Any = None, var_names: tuple[str | None, str | None] | None = None) -> None:
    """Tell the fit observers what a patched ``fit`` received; never raises."""
    names = var_names or (None, None)
    for observer in tuple(_state.observers):
        try:
            observer(estimator, X, y, names)
        except Exception as exc:
            log.warning("jupyter_mltrack: fit observer %r failed: %s", observer, exc)
