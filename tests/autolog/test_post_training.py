"""Post-training metrics: ``sklearn.metrics`` on a fitted model's predictions go to its run, named
``<metric>[-<call>]_<data variable>[-<object>]`` as MLflow names them."""

from __future__ import annotations

from typing import Any

import pytest

import jupyter_mltrack as mlt
from jupyter_mltrack.autolog import autolog
from tests.autolog.conftest import only_run


def _fitted(data: Any, **options: Any) -> Any:
    from sklearn.linear_model import LogisticRegression

    autolog(frameworks=["sklearn"], log_models=False, **options)
    X_train, _, y_train, _ = data
    return LogisticRegression(solver="newton-cholesky").fit(X_train, y_train)


def test_metric_names_follow_the_data_variable(cancer: Any) -> None:
    import sklearn.metrics
    from sklearn.metrics import accuracy_score, f1_score, roc_auc_score  # imported before autolog() is on

    model = _fitted(cancer)
    _, X_test, _, y_test = cancer
    run_id = only_run().info.run_id
    assert mlt.get_run(run_id).info.status == "FINISHED"  # the run ended with the fit: metrics still land

    acc = accuracy_score(y_test, model.predict(X_test))
    f1 = f1_score(y_test, model.predict(X_test))
    again = accuracy_score(y_test, model.predict(X_test))
    proba = model.predict_proba(X_test)
    auc = roc_auc_score(y_test, proba[:, 1])  # a view of a prediction counts as the prediction
    score = model.score(X_test, y_test)
    mse = sklearn.metrics.mean_squared_error(y_test, model.predict(X_test))

    metrics = mlt.get_run(run_id).data.metrics
    assert {k: v for k, v in metrics.items() if not k.startswith("training_")} == pytest.approx(
        {
            "accuracy_score_X_test": acc,
            "f1_score_X_test": f1,
            "accuracy_score-2_X_test": again,
            "roc_auc_score_X_test": auc,
            "LogisticRegression_score_X_test": score,
            "mean_squared_error_X_test": mse,
        }
    )


def test_a_different_object_under_the_same_name_gets_an_index(cancer: Any) -> None:
    from sklearn.metrics import accuracy_score

    model = _fitted(cancer)
    _, X_test, _, y_test = cancer
    first = accuracy_score(y_test, model.predict(X_test))
    X_test = X_test[::-1].copy()
    second = accuracy_score(y_test[::-1], model.predict(X_test))
    metrics = only_run().data.metrics
    assert metrics["accuracy_score_X_test"] == pytest.approx(first)
    assert metrics["accuracy_score-2_X_test-2"] == pytest.approx(second)


def test_unnamed_data_and_unrelated_arrays(cancer: Any) -> None:
    from sklearn.metrics import accuracy_score

    model = _fitted(cancer)
    _, X_test, _, y_test = cancer
    accuracy_score(y_test[:50], model.predict(X_test[:50]))  # an expression, not a variable
    accuracy_score(y_test, y_test)  # no prediction of a fitted model: not logged
    keys = [k for k in only_run().data.metrics if not k.startswith("training_")]
    assert keys == ["accuracy_score_unknown_dataset"]


def test_a_helper_function_sees_the_callers_name(cancer: Any) -> None:
    from sklearn.metrics import accuracy_score

    def evaluate(model: Any, features: Any, labels: Any) -> float:
        return float(accuracy_score(labels, model.predict(features)))

    model = _fitted(cancer)
    _, X_holdout, _, y_holdout = cancer
    value = evaluate(model, X_holdout, y_holdout)
    assert only_run().data.metrics["accuracy_score_X_holdout"] == pytest.approx(value)


def test_post_training_metrics_can_be_switched_off(cancer: Any) -> None:
    from sklearn.metrics import accuracy_score

    model = _fitted(cancer, log_post_training_metrics=False)
    _, X_test, _, y_test = cancer
    accuracy_score(y_test, model.predict(X_test))
    assert all(k.startswith("training_") for k in only_run().data.metrics)


def test_each_model_feeds_its_own_run(iris: Any) -> None:
    from sklearn.metrics import accuracy_score
    from sklearn.tree import DecisionTreeClassifier

    autolog(frameworks=["sklearn"], log_models=False)
    X_train, X_test, y_train, y_test = iris
    shallow = DecisionTreeClassifier(max_depth=1, random_state=0).fit(X_train, y_train)
    deep = DecisionTreeClassifier(max_depth=5, random_state=0).fit(X_train, y_train)
    a = accuracy_score(y_test, shallow.predict(X_test))
    b = accuracy_score(y_test, deep.predict(X_test))
    runs = {r.data.params["max_depth"]: r for r in mlt.search_runs(output_format="list")}
    assert mlt.get_run(runs["1"].info.run_id).data.metrics["accuracy_score_X_test"] == pytest.approx(a)
    assert mlt.get_run(runs["5"].info.run_id).data.metrics["accuracy_score_X_test"] == pytest.approx(b)


def test_pipeline_predictions_are_followed(iris: Any) -> None:
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import accuracy_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    autolog(frameworks=["sklearn"], log_models=False)
    X_train, X_test, y_train, y_test = iris
    pipe = make_pipeline(StandardScaler(), LogisticRegression(max_iter=300)).fit(X_train, y_train)
    value = accuracy_score(y_test, pipe.predict(X_test))
    assert only_run().data.metrics["accuracy_score_X_test"] == pytest.approx(value)
