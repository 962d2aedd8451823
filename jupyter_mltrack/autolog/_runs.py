"""The run an autologged call logs into, and the logging helpers every framework shares.

Only the public tracking API is used (``jupyter_mltrack`` functions and ``Client``). The model
format and the notebook capture are other packages' work, reached through guarded lazy imports:
when they are missing, the part that needs them is skipped with a debug message.
"""

from __future__ import annotations

import importlib
import logging
from types import ModuleType
from typing import Any, Callable, Mapping

import jupyter_mltrack as mlt
from jupyter_mltrack.autolog._patch import StepFailure
from jupyter_mltrack.autolog._state import AUTOLOG_TAG, AutologConfig
from jupyter_mltrack.entities import Metric, Param, RunTag
from jupyter_mltrack.errors import InvalidParameterError
from jupyter_mltrack.tracking.client import Client

log = logging.getLogger("jupyter_mltrack.autolog")

#: The tracking limits (docs/configuration.md#limits), checked here so a long value is set aside
#: on purpose (with a debug message and the full text in ``long_params.json``), never cut silently.
PARAM_VALUE_LIMIT = 6000
PARAMS_PER_BATCH = 1000
LONG_PARAMS_FILE = "long_params.json"
EXECUTION_COUNT_TAG = "mltrack.cell.execution_count"  # the capture's tag, on child runs made in a cell
INPUT_EXAMPLE_ROWS = 5

#: User runs that already hold an autologged model: a second fit in them gets a child run, so two
#: models' params never mix (or conflict) in one run.
_used_runs: set[str] = set()
_unsupported_warned: set[type] = set()


def optional_module(name: str) -> ModuleType | None:
    """A module of another part of the package that may not exist yet (models, capture)."""
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


def _capture() -> ModuleType | None:
    return optional_module("jupyter_mltrack.capture.cell")


def current_cell() -> Any:
    """The notebook cell now running (``capture.cell.current_cell()``: source, cell_id,
    execution_count, notebook_path, log_models), or None outside a notebook cell."""
    finder = getattr(_capture(), "current_cell", None)
    return finder() if finder is not None else None


def notify_fit(estimator: Any, X: Any, y: Any, var_names: tuple[str | None, str | None]) -> None:
    """Tell the notebook capture which data a model was fitted on (in a notebook it records them
    as run inputs under their variable names)."""
    notify = getattr(_capture(), "notify_fit", None)
    if notify is not None:
        notify(estimator, X, y, var_names=var_names)


class FitRun:
    """The run one outermost fit logs into (MLflow's rule, plus notebook cells):

    - the active run (a ``%%track`` cell's, or the user's ``start_run``), unless ``exclusive``;
    - else, in a notebook cell, the cell's own run (``capture.cell.cell_run_scope()``: it carries
      the cell's source and id, and the capture ends it with the cell);
    - else a new run, started here and ended when the fit returns (FINISHED/FAILED/KILLED).
    A run that already holds an autologged model gets a nested child run for the next model, and
    ``exclusive`` makes a child of the active run instead of logging into it.

    Failures of our steps are remembered (the first one) rather than raised, so the fit's outcome
    is still recorded; ``close`` re-raises that first failure for the patcher's single warning. An
    optional part that failed while the rest was logged (the training-data profile) is remembered
    apart (``skipped``) and warned about under its own name when nothing worse happened.
    """

    def __init__(self, framework: str, run_id: str, owned: bool, cell: Any = None) -> None:
        self.framework = framework
        self.run_id = run_id
        self.owned = owned
        self.cell = cell
        self.client = Client()
        self.error: Exception | None = None
        self.skipped: StepFailure | None = None

    @property
    def models_allowed(self) -> bool:
        """False in a ``%%track --no-models`` cell."""
        return bool(getattr(self.cell, "log_models", True))

    @classmethod
    def open(cls, framework: str, cfg: AutologConfig, tags: Mapping[str, str] | None = None) -> "FitRun":
        all_tags = {AUTOLOG_TAG: framework, **(tags or {})}
        cell = current_cell()
        active = mlt.active_run()
        log_into_active = active is not None and not cfg.exclusive
        if active is None and cell is not None:
            scope = getattr(_capture(), "cell_run_scope", None)
            if scope is not None and scope() is not None:
                active = mlt.active_run()
                log_into_active = active is not None
        if active is not None and log_into_active and active.info.run_id not in _used_runs:
            joined = cls(framework, active.info.run_id, owned=False, cell=cell)
            _used_runs.add(joined.run_id)
            joined.client.log_batch(joined.run_id, tags=[RunTag(k, v) for k, v in all_tags.items()])
            return joined
        if cell is not None and getattr(cell, "execution_count", None) is not None:
            all_tags[EXECUTION_COUNT_TAG] = str(cell.execution_count)
        run = mlt.start_run(nested=active is not None, tags=all_tags)
        fit = cls(framework, run.info.run_id, owned=True, cell=cell)
        _used_runs.add(fit.run_id)
        if cell is not None:
            fit.attempt(fit._provenance)
        return fit

    def _provenance(self) -> None:
        fields = {k: getattr(self.cell, k, None) for k in ("notebook_path", "cell_id", "source")}
        self.client.set_run_provenance(
            self.run_id, **{k: (str(v) if v is not None else None) for k, v in fields.items()}
        )

    def attempt(self, step: Callable[..., Any], *args: Any) -> Any:
        """Run one logging step; after a failure, skip the remaining ones."""
        if self.error is not None:
            return None
        try:
            return step(*args)
        except Exception as exc:
            self.error = exc
            return None

    def close(self, error: BaseException | None) -> None:
        """End the run if we started it (FINISHED, FAILED, or KILLED on KeyboardInterrupt)."""
        if self.owned:
            status = "FINISHED" if error is None else "KILLED" if isinstance(error, KeyboardInterrupt) else "FAILED"
            try:
                mlt.end_run(status, run_id=self.run_id)
            except Exception as exc:
                self.error = self.error or exc
        if self.error is not None:
            raise self.error
        if self.skipped is not None and error is None:  # no model from a failed fit: nothing was skipped
            raise self.skipped

    # ---------------------------------------------------------------------------- logging steps
    def log_params(self, params: Mapping[str, Any]) -> None:
        """Params as strings; values over the limit go to ``long_params.json`` instead."""
        fitting: dict[str, str] = {}
        long: dict[str, str] = {}
        for key, value in params.items():
            text = str(value)
            if len(text) > PARAM_VALUE_LIMIT:
                log.debug(
                    "param %r is %d characters (limit %d): logged in %s",
                    key,
                    len(text),
                    PARAM_VALUE_LIMIT,
                    LONG_PARAMS_FILE,
                )
                long[str(key)] = text
            else:
                fitting[str(key)] = text
        items = list(fitting.items())
        for start in range(0, len(items), PARAMS_PER_BATCH):
            chunk = items[start : start + PARAMS_PER_BATCH]
            try:
                self.client.log_batch(self.run_id, params=[Param(k, v) for k, v in chunk])
            except InvalidParameterError:  # a bad key or a value the user already logged differently
                for key, text in chunk:
                    try:
                        self.client.log_param(self.run_id, key, text)
                    except InvalidParameterError as exc:
                        log.debug("param %r not logged: %s", key, exc)
        if long:
            self.client.log_dict(self.run_id, long, LONG_PARAMS_FILE)

    def log_metrics(self, metrics: Mapping[str, float], step: int = 0) -> None:
        points = [Metric(k, float(v), _now(), step) for k, v in metrics.items() if is_number(v)]
        if points:
            self.client.log_batch(self.run_id, metrics=points)

    def log_dataset(self, data: Any, name: str) -> None:
        """The training data as a run input (digest, schema), named after the user's variable."""
        try:
            mlt.log_input(data, context="training", name=name)
        except InvalidParameterError as exc:  # a list, a sparse matrix...: not describable, not our failure
            log.debug("training data not logged as an input: %s", exc)

    def training_sample(self, data: Any) -> Any:
        """The fit data, sampled and bounded (``models.profile.training_sample``), for the model's
        profile; None when there is none. Data that cannot be profiled gives ``False`` (store no
        profile: the 5-row input example is no reference for drift) and one warning at the end."""
        if data is None or data is False:
            return data
        profiles = optional_module("jupyter_mltrack.models.profile")
        if profiles is None:
            return None
        try:
            return profiles.training_sample(data)
        except Exception as exc:
            if self.skipped is None:
                what = "profile the training data (the model is logged without one; drift_report needs reference=)"
                self.skipped = StepFailure(what, exc)
            return False

    def log_model(
        self,
        model: Any,
        input_example: Any = None,
        predict: Callable[[Any], Any] | None = None,
        name: str = "model",
        training_data: Any = None,
        **options: Any,
    ) -> None:
        """Through ``jupyter_mltrack.models.log_model`` when the model format is available;
        ``training_data`` (the fit data, or a ``training_sample`` of it) is profiled with the model."""
        models = optional_module("jupyter_mltrack.models")
        log_model = getattr(models, "log_model", None)
        if log_model is None:
            log.debug("jupyter_mltrack.models.log_model is not available: model not logged")
            return
        signature = None
        if input_example is not None and predict is not None:
            signatures = optional_module("jupyter_mltrack.models.signature")
            infer = getattr(models, "infer_signature", None) or getattr(signatures, "infer_signature", None)
            try:
                signature = infer(input_example, predict(input_example)) if infer is not None else None
            except Exception as exc:  # the model is still worth logging (MLflow does the same)
                log.debug("no signature for the %s model: %s", type(model).__name__, exc)
        profile = self.training_sample(training_data)
        try:
            log_model(model, name, signature=signature, input_example=input_example, training_data=profile, **options)
        except Exception as exc:
            # A model the format cannot save (e.g. a torch class defined in the notebook) is reported
            # once per class, not on every fit; other errors are failures like any other.
            if type(exc).__name__ != "UnsupportedModelError" or type(model) not in _unsupported_warned:
                _unsupported_warned.add(type(model))
                raise
            log.debug("model of class %s not logged: %s", type(model).__qualname__, exc)


def _now() -> int:
    import time

    return int(time.time() * 1000)


def is_number(value: Any) -> bool:
    """A value we log as a metric: a real number, not a bool."""
    import numbers

    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def head(data: Any, rows: int = INPUT_EXAMPLE_ROWS) -> Any:
    """The first rows of the training data, copied (the input example); None if it cannot be cut."""
    try:
        part = data.iloc[:rows] if hasattr(data, "iloc") else data[:rows]
        return part.copy() if hasattr(part, "copy") else list(part)
    except Exception:
        return None
