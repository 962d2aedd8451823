"""What the browser tests start from: an experiment ``iris-ui`` holding a sweep of earlier runs
(params, a 100-step loss curve, accuracy), and a notebook ``train.ipynb`` whose cell ``train-cell``
logs two runs with their provenance (notebook path, cell id, cell source), artifacts and a real
scikit-learn model on iris. The sweep runs in a subprocess (``run_python``) against the test's
store; the notebook runs in a kernel of the test's Jupyter server.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

EXPERIMENT = "iris-ui"
TRAIN_CELL_ID = "train-cell"
NOTEBOOK_RUNS = ("notebook-C0.05", "notebook-C1.0")

SEED_CODE = """
from tests.ui.seed import seed_sweep
seed_sweep()
"""

SETUP_CELL = """\
import os
import jupyter_mltrack as mlt
import jupyter_mltrack.sklearn as mlt_sklearn
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import train_test_split

mlt.set_experiment("iris-ui")
# the notebook this kernel runs, as %%track records it (absolute)
NOTEBOOK = os.path.abspath(os.path.basename(os.environ.get("JPY_SESSION_NAME", "train.ipynb")))
X, y = load_iris(return_X_y=True, as_frame=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
"""

TRAIN_CELL = """\
for C in (0.05, 1.0):
    source = get_ipython().user_ns["In"][-1]
    with mlt.start_run(run_name=f"notebook-C{C}", notebook_path=NOTEBOOK, cell_id="train-cell", source=source):
        mlt.log_params({"C": C, "solver": "lbfgs", "max_iter": 200})
        for step in range(60):
            mlt.log_metric("loss", 1.2 * 0.93 ** step / (1 + C) + 0.05, step=step)
        model = LogisticRegression(C=C, max_iter=200).fit(X_train, y_train)
        predicted = model.predict(X_test)
        mlt.log_metric("accuracy", accuracy_score(y_test, predicted))
        mlt.log_metric("f1", f1_score(y_test, predicted, average="macro"))
        mlt_sklearn.log_model(model, "model", input_example=X_test.head(3))
        figure, axes = plt.subplots(figsize=(3, 2.4))
        axes.scatter(X_test.iloc[:, 2], X_test.iloc[:, 3], c=predicted, s=12)
        axes.set_title(f"predicted classes, C={C}")
        mlt.log_figure(figure, "plots/predictions.png")
        plt.close(figure)
        mlt.log_dict({"data": [{"type": "bar", "x": ["setosa", "versicolor", "virginica"], "y": [13, 16, 9]}],
                      "layout": {"title": {"text": "test set"}}}, "plots/classes.json")
        mlt.log_text(f"<h3>Report</h3><p>C = {C}</p><script>alert(1)</script>", "report.html")
        mlt.log_text("Logistic regression on iris.\\n", "notes/readme.txt")
print("logged", C)
"""


def notebook_json() -> dict:
    def code(cell_id: str, source: str) -> dict:
        return {
            "cell_type": "code",
            "id": cell_id,
            "metadata": {},
            "execution_count": None,
            "outputs": [],
            "source": source,
        }

    return {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
            "language_info": {"name": "python"},
        },
        "cells": [
            {
                "cell_type": "markdown",
                "id": "intro",
                "metadata": {},
                "source": "# Iris\nTrain two models and track them.",
            },
            code("setup", SETUP_CELL),
            code(TRAIN_CELL_ID, TRAIN_CELL),
        ],
    }


def write_notebook(root: Path) -> Path:
    path = root / "train.ipynb"
    path.write_text(json.dumps(notebook_json(), indent=1), encoding="utf-8")
    return path


def seed_sweep(runs: int = 24, steps: int = 100) -> None:
    """Earlier runs of the experiment (in MLTRACK_HOME): a sweep over C, penalty and solver."""
    from jupyter_mltrack import Client, Metric, Param

    client = Client()
    experiment = client.get_experiment_by_name(EXPERIMENT)
    experiment_id = experiment.experiment_id if experiment else client.create_experiment(EXPERIMENT)
    t0 = 1_764_000_000_000
    for i in range(runs):
        c = [0.01, 0.1, 1.0, 10.0][i % 4]
        penalty = ["l2", "none"][i // 4 % 2]
        solver = ["lbfgs", "saga", "newton-cg"][i // 8 % 3]
        quality = (
            0.78
            + 0.05 * math.log10(c * 100) / 3
            + (0.03 if solver == "saga" else 0)
            - (0.02 if penalty == "none" else 0)
        )
        run = client.create_run(experiment_id, start_time=t0 + i * 60_000, run_name=f"sweep-{i:02d}-C{c}-{solver}")
        metrics = [
            Metric("loss", 1.4 * math.exp(-s / (18 + 6 * c)) + (1 - quality), t0 + i * 60_000 + s, s)
            for s in range(steps)
        ]
        metrics += [Metric("accuracy", round(quality + 0.004 * (i % 3), 4), t0 + i * 60_000 + steps, 0)]
        metrics += [Metric("f1", round(quality - 0.01 + 0.003 * (i % 5), 4), t0 + i * 60_000 + steps, 0)]
        params = [Param("C", str(c)), Param("penalty", penalty), Param("solver", solver), Param("max_iter", "200")]
        client.log_batch(run.info.run_id, metrics=metrics, params=params)
        client.set_terminated(run.info.run_id, "FAILED" if i == 5 else "FINISHED", end_time=t0 + i * 60_000 + 30_000)
    client.flush()
