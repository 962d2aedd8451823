"""PyTorch: ``MetricLogger`` for plain training loops, and Lightning support.

A plain loop has nothing to patch, so it gets a small helper instead::

    with MetricLogger(params={"lr": 0.01}, model=net) as logger:
        for epoch in range(3):
            for xb, yb in loader:
                loss = step(xb, yb)
                logger.update(loss=loss, n=len(xb))      # running mean over the epoch
            logger.log_epoch(val_accuracy=evaluate(net))  # means + extras, step = epoch

With Lightning, ``autolog(frameworks=["pytorch"])`` patches ``Trainer.fit`` (a callback logs the
epoch metrics, the optimizer and ``hparams``; the model is logged at the end, with a profile of
its training features when they are a ``TensorDataset`` of 2-D rows), and
``MltrackLogger`` (loaded on first use, from ``_lightning``) is a Lightning logger for users who
prefer to pass one: ``Trainer(logger=MltrackLogger())``.
"""

from __future__ import annotations

import importlib
import time
from types import TracebackType
from typing import Any

import jupyter_mltrack as mlt
from jupyter_mltrack.autolog import _state
from jupyter_mltrack.autolog._patch import Call, Outcome, PatchSet, Session
from jupyter_mltrack.autolog._runs import FitRun
from jupyter_mltrack.entities import Metric
from jupyter_mltrack.errors import InvalidParameterError
from jupyter_mltrack.tracking.client import Client

__all__ = ["MetricLogger", "MltrackLogger"]  # noqa: F822 - MltrackLogger loads lazily (__getattr__)

FRAMEWORK = "pytorch"
SUMMARY_FILE = "model_summary.txt"


def scalar(value: Any, key: str = "value") -> float:
    """A Python float from a number, a numpy scalar or a one-element tensor (detached)."""
    if hasattr(value, "detach"):
        value = value.detach()
    if hasattr(value, "numel") and value.numel() != 1:
        raise InvalidParameterError(f"Metric {key!r} must be a scalar; got a tensor of shape {tuple(value.shape)}.")
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InvalidParameterError(f"Metric {key!r} must be a number, got {type(value).__name__}.")
    return float(value)


def model_summary(model: Any) -> dict[str, Any]:
    """The params that describe a ``torch.nn.Module``: its class and parameter counts."""
    parameters = list(model.parameters())
    return {
        "model_class": f"{type(model).__module__}.{type(model).__qualname__}",
        "num_parameters": sum(p.numel() for p in parameters),
        "num_trainable_parameters": sum(p.numel() for p in parameters if p.requires_grad),
    }


class MetricLogger:
    """Logs a plain PyTorch loop into a run: the active one (left open), or one it starts and
    ends (``with`` block, or ``close()``). ``params`` and the model's summary (class, parameter
    counts, ``model_summary.txt``) are logged at start; ``log_model()`` logs the model itself."""

    def __init__(self, params: dict[str, Any] | None = None, model: Any = None, run_name: str | None = None) -> None:
        self.params = dict(params or {})
        self.model = model
        self.run_name = run_name
        self.epoch = 0
        self._run_id: str | None = None
        self._owned = False
        self._sums: dict[str, float] = {}
        self._counts: dict[str, float] = {}

    @property
    def run_id(self) -> str:
        """The run's id (starting the run on first use)."""
        if self._run_id is None:
            active = mlt.active_run()
            run = active or mlt.start_run(run_name=self.run_name)
            self._run_id, self._owned = run.info.run_id, active is None
            self._log_start()
        return self._run_id

    def _log_start(self) -> None:
        fit = FitRun(FRAMEWORK, self.run_id, owned=False)
        params = dict(self.params)
        if self.model is not None:
            params.update(model_summary(self.model))
            fit.client.log_text(self.run_id, str(self.model), SUMMARY_FILE)
        fit.log_params(params)

    def log(self, step: int | None = None, **metrics: Any) -> None:
        """Log metrics now (``step`` defaults to the current epoch number)."""
        now = int(time.time() * 1000)
        points = [Metric(k, scalar(v, k), now, self.epoch if step is None else step) for k, v in metrics.items()]
        Client().log_batch(self.run_id, metrics=points, synchronous=False)

    def update(self, n: float = 1, **metrics: Any) -> None:
        """Add batch values to the epoch's running means (``n``: the batch size, as the weight)."""
        for key, value in metrics.items():
            self._sums[key] = self._sums.get(key, 0.0) + scalar(value, key) * n
            self._counts[key] = self._counts.get(key, 0.0) + n

    def log_epoch(self, epoch: int | None = None, **metrics: Any) -> dict[str, float]:
        """Log the running means plus ``metrics`` at step ``epoch`` (default: 0, 1, 2...); reset."""
        step = self.epoch if epoch is None else epoch
        values = {k: self._sums[k] / self._counts[k] for k in self._sums if self._counts[k]}
        values.update({k: scalar(v, k) for k, v in metrics.items()})
        self.log(step, **values)
        self._sums.clear()
        self._counts.clear()
        self.epoch = step + 1
        return values

    def log_model(self, model: Any = None, name: str = "model", **options: Any) -> None:
        """Log ``model`` (default: the one given at construction) with ``jupyter_mltrack.models.log_model``
        (``options`` such as ``init_kwargs`` or ``serialization_format="torchscript"`` go to it)."""
        target = model if model is not None else self.model
        if target is None:
            raise InvalidParameterError("MetricLogger.log_model needs a model: pass one, or give model= at start.")
        from jupyter_mltrack.models import log_model

        run_id = self.run_id
        active = mlt.active_run()
        if active is not None and active.info.run_id == run_id:
            log_model(target, name, **options)
            return
        with mlt.start_run(run_id=run_id, nested=active is not None):  # e.g. after close(): resume it
            log_model(target, name, **options)

    def close(self, status: str = "FINISHED") -> None:
        """End the run if this logger started it."""
        if self._run_id is not None and self._owned:
            mlt.end_run(status, run_id=self._run_id)
            self._owned = False

    def __enter__(self) -> "MetricLogger":
        _ = self.run_id
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        status = "FINISHED" if exc_type is None else "KILLED" if issubclass(exc_type, KeyboardInterrupt) else "FAILED"
        self.close(status)


# ----------------------------------------------------------------------------- Lightning autolog
def patch(patches: PatchSet) -> None:
    lightning = importlib.import_module("lightning.pytorch")
    patches.wrap(lightning.Trainer, "fit", _fit_handler)


def _fit_handler(call: Call) -> Session:
    return _fit_session(call)


def _fit_session(call: Call) -> Session:
    from jupyter_mltrack.autolog._lightning import AutologCallback

    cfg = _state.config(FRAMEWORK)
    assert cfg is not None
    trainer = call.args[0]
    model = call.args[1] if len(call.args) > 1 else call.kwargs.get("model")
    fit = FitRun.open(FRAMEWORK, cfg)
    callback = AutologCallback(fit, model)
    trainer.callbacks.append(callback)
    outcome: Outcome = yield
    if callback in trainer.callbacks:
        trainer.callbacks.remove(callback)
    if outcome.error is None and cfg.log_models and fit.models_allowed:
        fit.attempt(_log_lightning_model, fit, model, _train_loader(call))
    fit.close(outcome.error)


def _train_loader(call: Call) -> Any:
    if len(call.args) > 2:
        return call.args[2]
    return call.kwargs.get("train_dataloaders")


def tensor_features(loader: Any) -> Any:
    """The features a DataLoader over a ``TensorDataset`` of 2-D feature rows serves, for the
    model's profile; None for anything else (images, sequences, datasets computed per item,
    data modules): a per-feature profile makes no sense there, or costs a pass over the data."""
    tensors = getattr(getattr(loader, "dataset", None), "tensors", None)
    if not tensors or getattr(tensors[0], "ndim", 0) != 2:
        return None
    return tensors[0]


def _log_lightning_model(fit: FitRun, model: Any, loader: Any = None) -> None:
    hparams = dict(getattr(model, "hparams", None) or {})  # what rebuilds a LightningModule
    features = tensor_features(loader)
    if hparams:
        fit.log_model(model, init_kwargs=hparams, training_data=features)
    else:
        fit.log_model(model, training_data=features)


def __getattr__(name: str) -> Any:
    if name == "MltrackLogger":  # needs lightning: imported on first use only
        return importlib.import_module("jupyter_mltrack.autolog._lightning").MltrackLogger
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
