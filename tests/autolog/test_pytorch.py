"""PyTorch: MetricLogger for plain loops; Lightning autolog and MltrackLogger (when installed)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

import jupyter_mltrack as mlt
from jupyter_mltrack.autolog import autolog
from jupyter_mltrack.errors import InvalidParameterError
from tests.autolog.conftest import Recorded, artifact_paths, only_run, read_artifact

torch = pytest.importorskip("torch")
nn = torch.nn


def _history(run_id: str, key: str) -> list[tuple[int, float]]:
    return [(m.step, m.value) for m in mlt.get_metric_history(run_id, key)]


def _data() -> tuple[Any, Any]:
    generator = torch.Generator().manual_seed(0)
    X = torch.randn(48, 4, generator=generator)
    return X, (X[:, 0] > 0).float().unsqueeze(1)


# ---------------------------------------------------------------------------------- MetricLogger
def test_metric_logger_runs_a_plain_loop(tmp_path: Path) -> None:
    from jupyter_mltrack.autolog.pytorch import MetricLogger

    torch.manual_seed(0)
    X, y = _data()
    net = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 1))
    optimizer = torch.optim.SGD(net.parameters(), lr=0.1)
    batch_losses: list[list[float]] = []
    with MetricLogger(params={"lr": 0.1, "batch_size": 16}, model=net) as logger:
        for epoch in range(3):
            batch_losses.append([])
            for start in range(0, 48, 16):
                loss = nn.functional.binary_cross_entropy_with_logits(net(X[start : start + 16]), y[start : start + 16])
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                logger.update(loss=loss, n=16)
                batch_losses[-1].append(loss.item())
            logged = logger.log_epoch(accuracy=np.float32(0.5 + epoch / 10))
            assert logged["loss"] == pytest.approx(np.mean(batch_losses[-1]))
        assert mlt.active_run().info.run_id == logger.run_id  # type: ignore[union-attr]

    run = mlt.get_run(logger.run_id)
    assert run.info.status == "FINISHED" and mlt.active_run() is None
    assert run.data.params == {
        "lr": "0.1",
        "batch_size": "16",
        "model_class": "torch.nn.modules.container.Sequential",
        "num_parameters": "19",
        "num_trainable_parameters": "19",
    }
    losses = _history(run.info.run_id, "loss")
    assert [s for s, _ in losses] == [0, 1, 2]
    assert [v for _, v in losses] == pytest.approx([np.mean(b) for b in batch_losses])
    accuracy = _history(run.info.run_id, "accuracy")
    assert [s for s, _ in accuracy] == [0, 1, 2] and [v for _, v in accuracy] == pytest.approx([0.5, 0.6, 0.7])
    assert "Linear(in_features=4" in read_artifact(run.info.run_id, "model_summary.txt", tmp_path)


def test_metric_logger_inside_a_run_and_on_failure() -> None:
    from jupyter_mltrack.autolog.pytorch import MetricLogger

    with mlt.start_run() as mine:
        with MetricLogger() as logger:
            logger.log(step=7, loss=torch.tensor(0.25))
        assert mlt.active_run() is not None  # the user's run stays open
    assert logger.run_id == mine.info.run_id
    assert _history(mine.info.run_id, "loss") == [(7, 0.25)]

    with pytest.raises(RuntimeError, match="diverged"), MetricLogger(run_name="boom") as failing:
        raise RuntimeError("diverged")
    assert mlt.get_run(failing.run_id).info.status == "FAILED" and mlt.active_run() is None


def test_metric_logger_takes_scalars_only() -> None:
    from jupyter_mltrack.autolog.pytorch import MetricLogger

    with MetricLogger() as logger, pytest.raises(InvalidParameterError, match="'loss' must be a scalar"):
        logger.update(loss=torch.ones(3))


def test_metric_logger_logs_the_model() -> None:
    models = pytest.importorskip("jupyter_mltrack.models")
    from jupyter_mltrack.autolog.pytorch import MetricLogger

    net = nn.Sequential(nn.Linear(4, 2))
    with MetricLogger(model=net) as logger:
        logger.log_model(serialization_format="torchscript")
    X, _ = _data()
    loaded = models.load_model(f"runs:/{logger.run_id}/model")
    torch.testing.assert_close(loaded(X), net(X))


# --------------------------------------------------------------------------------------- Lightning
try:
    import lightning.pytorch as lightning
except ImportError:  # Lightning is optional: the tests below are skipped without it
    lightning = None


class LitClassifier(lightning.LightningModule if lightning is not None else object):  # type: ignore[misc]
    def __init__(self, lr: float = 0.1, hidden: int = 3, fail: bool = False) -> None:
        super().__init__()
        self.save_hyperparameters()
        self.net = nn.Sequential(nn.Linear(4, hidden), nn.ReLU(), nn.Linear(hidden, 1))

    def forward(self, x: Any) -> Any:
        return self.net(x)

    def training_step(self, batch: Any, _index: int) -> Any:
        if self.hparams.fail:
            raise ValueError("bad batch")
        x, y = batch
        loss = nn.functional.binary_cross_entropy_with_logits(self(x), y)
        self.log("train_loss", loss, on_step=False, on_epoch=True)
        return loss

    def validation_step(self, batch: Any, _index: int) -> None:
        x, y = batch
        self.log("val_loss", nn.functional.binary_cross_entropy_with_logits(self(x), y))

    def configure_optimizers(self) -> Any:
        return torch.optim.SGD(self.parameters(), lr=self.hparams.lr)


def _loader() -> Any:
    X, y = _data()
    return torch.utils.data.DataLoader(torch.utils.data.TensorDataset(X, y), batch_size=16)


def _trainer(tmp_path: Path, **options: Any) -> Any:
    defaults = {"max_epochs": 2, "enable_checkpointing": False, "enable_progress_bar": False,
                "enable_model_summary": False, "default_root_dir": str(tmp_path), "logger": False}  # fmt: skip
    return lightning.Trainer(**{**defaults, **options})


needs_lightning = pytest.mark.skipif(lightning is None, reason="lightning is not installed")


@needs_lightning
def test_lightning_autolog_records_a_fit(tmp_path: Path, recorded: Recorded) -> None:
    models = pytest.importorskip("jupyter_mltrack.models")
    autolog(frameworks=["pytorch"])
    trainer = _trainer(tmp_path)
    model = LitClassifier(lr=0.05)
    trainer.fit(model, _loader(), _loader())
    assert trainer.callbacks == [c for c in trainer.callbacks if type(c).__name__ != "AutologCallback"]
    assert trainer.loggers == []  # the user's choice (no logger) is kept

    run = only_run()
    assert run.info.status == "FINISHED" and run.data.tags["mltrack.autolog"] == "pytorch"
    params = run.data.params
    assert (params["lr"], params["hidden"], params["epochs"], params["optimizer_name"]) == ("0.05", "3", "2", "SGD")
    assert params["optimizer_lr"] == "0.05" and params["num_parameters"] == "19"
    assert [step for step, _ in _history(run.info.run_id, "val_loss")] == [0, 1]
    assert [step for step, _ in _history(run.info.run_id, "train_loss")] == [0, 1]
    assert _history(run.info.run_id, "val_loss")[-1][1] == pytest.approx(float(trainer.callback_metrics["val_loss"]))
    assert {"model_summary.txt", "model"} <= set(artifact_paths(run.info.run_id))
    loaded = models.load_model(f"runs:/{run.info.run_id}/model")
    X, _ = _data()
    torch.testing.assert_close(loaded(X), model.eval()(X))
    assert recorded.autolog == []


@needs_lightning
def test_lightning_autolog_failed_training(tmp_path: Path) -> None:
    autolog(frameworks=["pytorch"], log_models=False)
    with pytest.raises(ValueError, match="bad batch"):
        _trainer(tmp_path).fit(LitClassifier(fail=True), _loader())
    assert only_run().info.status == "FAILED" and mlt.active_run() is None


@needs_lightning
def test_mltrack_logger_makes_and_ends_its_run(tmp_path: Path) -> None:
    from jupyter_mltrack.autolog.pytorch import MltrackLogger

    logger = MltrackLogger(experiment_name="lightning", run_name="lit")
    _trainer(tmp_path, logger=logger, log_every_n_steps=1).fit(LitClassifier(lr=0.2), _loader(), _loader())
    run = mlt.get_run(logger.run_id)
    assert (run.info.run_name, run.info.status) == ("lit", "FINISHED") and mlt.active_run() is None
    assert mlt.get_experiment(run.info.experiment_id).name == "lightning"
    assert run.data.params == {"lr": "0.2", "hidden": "3", "fail": "False"}
    assert {"train_loss", "val_loss", "epoch"} <= set(run.data.metrics)
    assert logger.version == run.info.run_id and logger.name == "lightning"


@needs_lightning
def test_mltrack_logger_inside_a_user_run_leaves_it_open(tmp_path: Path) -> None:
    from jupyter_mltrack.autolog.pytorch import MltrackLogger

    with mlt.start_run() as mine:
        logger = MltrackLogger()
        _trainer(tmp_path, logger=logger).fit(LitClassifier(), _loader(), _loader())
        assert mlt.active_run().info.run_id == mine.info.run_id  # type: ignore[union-attr]
    assert logger.run_id == mine.info.run_id and "val_loss" in mlt.get_run(mine.info.run_id).data.metrics


@needs_lightning
def test_mltrack_logger_failed_training(tmp_path: Path) -> None:
    from jupyter_mltrack.autolog.pytorch import MltrackLogger

    logger = MltrackLogger()
    with pytest.raises(ValueError, match="bad batch"):
        _trainer(tmp_path, logger=logger).fit(LitClassifier(fail=True), _loader())
    assert mlt.get_run(logger.run_id).info.status == "FAILED" and mlt.active_run() is None
