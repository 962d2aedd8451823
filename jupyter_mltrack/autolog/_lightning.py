"""Lightning: ``MltrackLogger`` (a ``lightning.pytorch`` logger) and the autolog callback.

Imported only when Lightning is there (``pytorch.MltrackLogger`` loads it on first use). Autolog
adds a *callback*, not a logger, so the user's loggers, and the checkpoint folder Lightning
derives from the first logger, stay exactly as they were.
"""

from __future__ import annotations

import importlib
import re
from argparse import Namespace
from typing import Any, Callable, Mapping, TypeVar, cast

import jupyter_mltrack as mlt
from jupyter_mltrack.autolog._runs import FitRun
from jupyter_mltrack.autolog.pytorch import SUMMARY_FILE, model_summary, scalar
from jupyter_mltrack.entities import Metric
from jupyter_mltrack.tracking.client import Client

_Callback: Any = importlib.import_module("lightning.pytorch").Callback
_Logger: Any = importlib.import_module("lightning.pytorch.loggers").Logger
_F = TypeVar("_F", bound=Callable[..., Any])


def _rank_zero(method: _F) -> _F:
    """Lightning's ``rank_zero_only``: in multi-process training only rank 0 writes."""
    return cast(_F, importlib.import_module("lightning.pytorch.utilities").rank_zero_only(method))


_BAD_KEY_CHARS = re.compile(r"[^\w\-. /:]")
_STATUS = {"success": "FINISHED", "failed": "FAILED", "finished": "FINISHED"}


def flatten(params: Mapping[str, Any] | Namespace, prefix: str = "") -> dict[str, Any]:
    """Nested hyperparameters as ``a/b`` keys (Lightning's convention)."""
    items = vars(params) if isinstance(params, Namespace) else params
    found: dict[str, Any] = {}
    for key, value in items.items():
        name = f"{prefix}{key}"
        if isinstance(value, (Mapping, Namespace)) and value:
            found.update(flatten(value, name + "/"))
        else:
            found[name] = value
    return found


def clean_key(key: str) -> str:
    return _BAD_KEY_CHARS.sub("_", key)


class MltrackLogger(_Logger):  # type: ignore[misc]
    """Record a Lightning training into a jupyter_mltrack run.

    The run is ``run_id`` when given, else the active run (inside ``%%track`` or a ``with
    start_run()`` block: left open), else a new run in ``experiment_name`` (or the active
    experiment) that ``finalize`` ends FINISHED or FAILED."""

    def __init__(
        self,
        experiment_name: str | None = None,
        run_name: str | None = None,
        run_id: str | None = None,
        tags: dict[str, Any] | None = None,
    ) -> None:
        super().__init__()
        self._experiment_name = experiment_name
        self._run_name = run_name
        self._tags = dict(tags or {})
        self._run_id = run_id
        self._owned = False
        self._client = Client()

    @property
    def name(self) -> str:
        return self._experiment_name or "mltrack"

    @property
    def version(self) -> str:
        return self.run_id

    @property
    def experiment(self) -> Any:
        """The ``Client`` this logger writes with (``logger.experiment.log_text(run_id, ...)``)."""
        return self._client

    @property
    def run_id(self) -> str:
        if self._run_id is None:
            active = mlt.active_run()
            if active is not None:
                self._run_id = active.info.run_id
            else:
                experiment_id = None
                if self._experiment_name:
                    found = self._client.get_experiment_by_name(self._experiment_name)
                    experiment_id = (
                        found.experiment_id if found else self._client.create_experiment(self._experiment_name)
                    )
                run = mlt.start_run(experiment_id=experiment_id, run_name=self._run_name, tags=self._tags)
                self._run_id, self._owned = run.info.run_id, True
        return self._run_id

    @_rank_zero
    def log_hyperparams(self, params: Mapping[str, Any] | Namespace, *args: Any, **kwargs: Any) -> None:
        FitRun("pytorch", self.run_id, owned=False).log_params({clean_key(k): v for k, v in flatten(params).items()})

    @_rank_zero
    def log_metrics(self, metrics: Mapping[str, Any], step: int | None = None) -> None:
        import time

        now = int(time.time() * 1000)
        points = [Metric(clean_key(k), scalar(v, k), now, step or 0) for k, v in metrics.items()]
        self._client.log_batch(self.run_id, metrics=points, synchronous=False)

    @_rank_zero
    def finalize(self, status: str = "success") -> None:
        if self._run_id is None or not self._owned:
            self._client.flush()
            return
        mlt.end_run(_STATUS.get(status, "FAILED"), run_id=self._run_id)
        self._owned = False


class AutologCallback(_Callback):  # type: ignore[misc]
    """What autolog records during ``Trainer.fit``: params at start, epoch metrics at each epoch end.

    Every hook goes through ``FitRun.attempt``: a failure of ours stops our logging, never the
    training, and is reported once when the fit ends."""

    def __init__(self, fit: FitRun, model: Any) -> None:
        self.fit = fit
        self.model = model

    def on_train_start(self, trainer: Any, pl_module: Any) -> None:
        self.fit.attempt(self._log_start, trainer, pl_module)

    def _log_start(self, trainer: Any, pl_module: Any) -> None:
        params: dict[str, Any] = {"epochs": trainer.max_epochs, **model_summary(pl_module)}
        optimizers = getattr(trainer, "optimizers", None) or []
        if optimizers:
            optimizer = optimizers[0]
            params["optimizer_name"] = type(optimizer).__name__
            params.update({f"optimizer_{k}": v for k, v in optimizer.defaults.items()})
        hparams = getattr(pl_module, "hparams", None)
        if hparams:
            params.update({clean_key(k): v for k, v in flatten(dict(hparams)).items()})
        self.fit.log_params(params)
        self.fit.client.log_text(self.fit.run_id, str(pl_module), SUMMARY_FILE)

    def on_train_epoch_end(self, trainer: Any, pl_module: Any) -> None:
        self.fit.attempt(self._log_epoch, trainer)

    def _log_epoch(self, trainer: Any) -> None:
        metrics = {clean_key(k): scalar(v, k) for k, v in trainer.callback_metrics.items()}
        self.fit.log_metrics(metrics, step=trainer.current_epoch)
