"""Fixtures for the widget tests: runs and registered models made through the public API."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import jupyter_mltrack as mlt


def make_run(name: str, params: dict[str, Any] | None = None, **series: list[float]) -> str:
    """A finished run with ``params`` and, per metric key, its values at steps 0, 1, 2..."""
    time.sleep(0.002)  # distinct start times, so "newest first" is one order
    with mlt.start_run(run_name=name) as run:
        if params:
            mlt.log_params(params)
        for key, values in series.items():
            for step, value in enumerate(values):
                mlt.log_metric(key, value, step=step)
    return run.info.run_id


def train_iris(model_name: str, c: float) -> tuple[str, float]:
    """A LogisticRegression on iris, logged and registered as a new version of ``model_name``."""
    from sklearn.datasets import load_iris
    from sklearn.linear_model import LogisticRegression

    features, labels = load_iris(return_X_y=True)
    with mlt.start_run(run_name=f"logreg-C{c}") as run:
        model = LogisticRegression(C=c, max_iter=500).fit(features, labels)
        accuracy = float(model.score(features, labels))
        mlt.log_param("C", c)
        mlt.log_metrics({"accuracy": accuracy, "n_iter": float(model.n_iter_[0])})
        mlt.sklearn.log_model(model, name="model", registered_model_name=model_name)
    return run.info.run_id, accuracy


@pytest.fixture
def iris_model(isolated_home: Path) -> dict[str, Any]:
    """Model 'iris' with two versions: v1 (C=0.01, weaker) and v2 (C=1.0)."""
    (run1, acc1), (run2, acc2) = train_iris("iris", 0.01), train_iris("iris", 1.0)
    return {"name": "iris", "runs": {"1": run1, "2": run2}, "accuracy": {"1": acc1, "2": acc2}}


@pytest.fixture
def ipython(isolated_home: Path) -> Iterator[Any]:
    """A fresh real IPython shell (no kernel), cleared afterwards."""
    from IPython.core.interactiveshell import InteractiveShell
    from traitlets.config import Config

    main = sys.modules.get("__main__")
    config = Config()
    config.InteractiveShell.colors = "NoColor"
    InteractiveShell.clear_instance()
    shell = InteractiveShell.instance(config=config)
    try:
        yield shell
    finally:
        from tests.magics.shellkit import dispose_shell

        dispose_shell(shell)
        if main is not None:
            sys.modules["__main__"] = main
