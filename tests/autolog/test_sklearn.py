"""scikit-learn autolog on real estimators: what one fit records, exactly."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import jupyter_mltrack as mlt
from jupyter_mltrack.autolog import autolog
from tests.autolog.conftest import all_runs, artifact_paths, only_run, read_artifact


def _annotated_identity(X: Any, note: str = "") -> Any:
    return X


def _expected_params(estimator: Any, deep: bool = True) -> dict[str, str]:
    return {k: str(v) for k, v in estimator.get_params(deep=deep).items()}


def test_classifier_fit_logs_params_metrics_tags_html_and_data(iris: Any, tmp_path: Path) -> None:
    from sklearn import metrics
    from sklearn.linear_model import LogisticRegression

    X_train, _, y_train, _ = iris
    autolog(frameworks=["sklearn"])
    model = LogisticRegression(C=0.5, max_iter=300)
    returned = model.fit(X_train, y_train)
    assert returned is model

    run = only_run()
    assert run.info.status == "FINISHED" and mlt.active_run() is None
    assert run.data.params == _expected_params(model)
    assert run.data.tags["mltrack.autolog"] == "sklearn"
    assert run.data.tags["estimator_name"] == "LogisticRegression"
    assert run.data.tags["estimator_class"] == "sklearn.linear_model._logistic.LogisticRegression"

    autolog(disable=True)  # the expected values, computed without autolog in the way
    predicted, proba = model.predict(X_train), model.predict_proba(X_train)
    p, r, f, _ = metrics.precision_recall_fscore_support(y_train, predicted, average="weighted")
    assert run.data.metrics == pytest.approx(
        {
            "training_accuracy_score": metrics.accuracy_score(y_train, predicted),
            "training_precision_score": p,
            "training_recall_score": r,
            "training_f1_score": f,
            "training_log_loss": metrics.log_loss(y_train, proba),
            "training_roc_auc": metrics.roc_auc_score(y_train, proba, average="weighted", multi_class="ovo"),
            "training_score": model.score(X_train, y_train),
        },
        rel=1e-12,
    )
    assert "LogisticRegression" in read_artifact(run.info.run_id, "estimator.html", tmp_path)
    [data] = run.inputs.dataset_inputs
    assert (data.dataset.name, data.context) == ("X_train", "training")
    assert json.loads(data.dataset.schema) == {"type": "ndarray", "shape": [112, 4], "dtype": "float64"}


def test_regressor_metrics(diabetes: Any) -> None:
    from sklearn import metrics
    from sklearn.linear_model import Ridge

    X_train, _X_test, y_train, _y_test = diabetes
    weights = np.linspace(0.5, 1.5, len(y_train))
    autolog(frameworks=["sklearn"])
    model = Ridge(alpha=0.3).fit(X_train, y_train, sample_weight=weights)
    run = only_run()
    autolog(disable=True)
    predicted = model.predict(X_train)
    mse = metrics.mean_squared_error(y_train, predicted, sample_weight=weights)
    assert run.data.metrics == pytest.approx(
        {
            "training_mean_squared_error": mse,
            "training_root_mean_squared_error": metrics.root_mean_squared_error(
                y_train, predicted, sample_weight=weights
            ),
            "training_mean_absolute_error": metrics.mean_absolute_error(y_train, predicted, sample_weight=weights),
            "training_r2_score": metrics.r2_score(y_train, predicted, sample_weight=weights),
            "training_score": model.score(X_train, y_train, sample_weight=weights),
        },
        rel=1e-12,
    )
    assert run.data.params == _expected_params(model)


def test_unsupervised_fit_has_params_but_no_training_metrics(iris: Any) -> None:
    from sklearn.cluster import KMeans

    X_train = iris[0]
    autolog(frameworks=["sklearn"])
    KMeans(n_clusters=3, n_init=2, random_state=0).fit(X_train)
    run = only_run()
    assert run.data.params["n_clusters"] == "3" and run.data.metrics == {}


def test_pipeline_and_meta_estimators_are_one_run_each(iris: Any) -> None:
    from sklearn.ensemble import VotingClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.multiclass import OneVsRestClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.tree import DecisionTreeClassifier

    X_train, _, y_train, _ = iris
    autolog(frameworks=["sklearn"])
    pipe = make_pipeline(StandardScaler(), LogisticRegression(max_iter=300)).fit(X_train, y_train)
    ovr = OneVsRestClassifier(LogisticRegression(max_iter=300)).fit(X_train, y_train)
    vote = VotingClassifier([("lr", LogisticRegression(max_iter=300)), ("dt", DecisionTreeClassifier())])
    vote.fit(X_train, y_train)
    StandardScaler().fit_transform(X_train)

    runs = all_runs()
    assert [r.data.tags["estimator_name"] for r in runs] == [
        "Pipeline",
        "OneVsRestClassifier",
        "VotingClassifier",
        "StandardScaler",
    ]
    assert runs[0].data.params == _expected_params(pipe)
    assert runs[0].data.params["logisticregression__max_iter"] == "300"
    assert runs[1].data.params == _expected_params(ovr)
    assert runs[2].data.params["dt__criterion"] == "gini"
    assert all(r.info.status == "FINISHED" and r.info.parent_run_id is None for r in runs)


def test_long_param_values_go_to_a_file_not_silently_cut(
    iris: Any, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from sklearn.preprocessing import FunctionTransformer

    X_train = iris[0]
    big = "x" * 7000
    autolog(frameworks=["sklearn"])
    with caplog.at_level(logging.DEBUG, logger="jupyter_mltrack.autolog"):
        FunctionTransformer(_annotated_identity, kw_args={"note": big}).fit(X_train)
    run = only_run()
    assert "kw_args" not in run.data.params and run.data.params["validate"] == "False"
    assert json.loads(read_artifact(run.info.run_id, "long_params.json", tmp_path)) == {"kw_args": str({"note": big})}
    assert any("kw_args" in r.getMessage() and "7012 characters" in r.getMessage() for r in caplog.records)


def test_fitted_model_is_logged_with_signature_and_input_example(iris: Any, tmp_path: Path) -> None:
    models = pytest.importorskip("jupyter_mltrack.models")
    from sklearn.ensemble import RandomForestClassifier

    X_train, X_test, y_train, _ = iris
    autolog(frameworks=["sklearn"])
    model = RandomForestClassifier(n_estimators=5, random_state=0).fit(X_train, y_train)
    run = only_run()
    assert "model/MLmodel" in artifact_paths(run.info.run_id, "model")
    mlmodel = read_artifact(run.info.run_id, "model/MLmodel", tmp_path)
    assert "signature:" in mlmodel and "saved_input_example_info" in mlmodel
    loaded = models.load_model(f"runs:/{run.info.run_id}/model")
    np.testing.assert_array_equal(loaded.predict(X_test), model.predict(X_test))


def test_log_models_false_logs_no_model(iris: Any) -> None:
    from sklearn.linear_model import LogisticRegression

    X_train, _, y_train, _ = iris
    autolog(frameworks=["sklearn"], log_models=False)
    LogisticRegression(max_iter=300).fit(X_train, y_train)
    run = only_run()
    assert artifact_paths(run.info.run_id) == ["estimator.html"]
    assert "training_score" in run.data.metrics


def test_log_datasets_false_records_no_input(iris: Any) -> None:
    from sklearn.linear_model import LogisticRegression

    X_train, _, y_train, _ = iris
    autolog(frameworks=["sklearn"], log_datasets=False)
    LogisticRegression(max_iter=300).fit(X_train, y_train)
    assert len(only_run().inputs.dataset_inputs) == 0


def test_grid_search_parent_with_top_k_children(iris: Any, tmp_path: Path) -> None:
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GridSearchCV

    X_train, _, y_train, _ = iris
    autolog(frameworks=["sklearn"], max_tuning_runs=3, log_models=False)
    search = GridSearchCV(LogisticRegression(max_iter=300), {"C": [0.01, 0.1, 1.0, 10.0]}, cv=3)
    search.fit(X_train, y_train)

    runs = all_runs()
    [parent] = [r for r in runs if r.info.parent_run_id is None]
    children = [r for r in runs if r.info.parent_run_id == parent.info.run_id]
    assert len(runs) == 4 and len(children) == 3
    assert parent.data.params == {**_expected_params(search, deep=False), "best_C": str(search.best_params_["C"])}
    assert parent.data.metrics["best_cv_score"] == pytest.approx(search.best_score_)
    assert parent.data.tags["estimator_name"] == "GridSearchCV"
    assert "cv_results.csv" in artifact_paths(parent.info.run_id)

    results = search.cv_results_
    best_first = sorted(range(4), key=lambda i: (results["rank_test_score"][i], i))[:3]
    by_c = {c.data.params["C"]: c for c in children}
    assert set(by_c) == {str(results["params"][i]["C"]) for i in best_first}
    for i in best_first:
        child = by_c[str(results["params"][i]["C"])]
        assert child.info.status == "FINISHED"
        assert child.data.tags["mltrack.autolog"] == "sklearn"
        assert child.data.tags["mlflow.parentRunId"] == parent.info.run_id
        assert child.data.params["max_iter"] == "300"
        assert child.data.metrics["mean_test_score"] == pytest.approx(results["mean_test_score"][i])
        assert child.data.metrics["std_test_score"] == pytest.approx(results["std_test_score"][i])
        assert child.data.metrics["rank_test_score"] == results["rank_test_score"][i]
        assert not any(k.startswith(("split", "param")) for k in child.data.metrics)


def test_grid_search_with_threads_is_still_one_parent(iris: Any) -> None:
    from joblib import parallel_backend
    from sklearn.model_selection import GridSearchCV
    from sklearn.tree import DecisionTreeClassifier

    X_train, _, y_train, _ = iris
    autolog(frameworks=["sklearn"], log_models=False)
    with parallel_backend("threading", n_jobs=2):
        GridSearchCV(DecisionTreeClassifier(random_state=0), {"max_depth": [1, 2, 3]}, cv=3, n_jobs=2).fit(
            X_train, y_train
        )
    runs = all_runs()
    assert len([r for r in runs if r.info.parent_run_id is None]) == 1
    assert len(runs) == 4  # the parent and its 3 candidates, none for the 9 fold fits on the threads


def test_second_model_in_a_user_run_gets_a_child_run(iris: Any) -> None:
    from sklearn.linear_model import LogisticRegression
    from sklearn.tree import DecisionTreeClassifier

    X_train, _, y_train, _ = iris
    autolog(frameworks=["sklearn"], log_models=False)
    with mlt.start_run(run_name="mine") as mine:
        mlt.log_param("note", "manual")
        LogisticRegression(max_iter=300).fit(X_train, y_train)
        DecisionTreeClassifier(max_depth=2).fit(X_train, y_train)
        assert mlt.active_run().info.run_id == mine.info.run_id  # type: ignore[union-attr]
    user_run = mlt.get_run(mine.info.run_id)
    assert user_run.data.params["C"] == "1.0" and user_run.data.params["note"] == "manual"
    assert user_run.data.tags["mltrack.autolog"] == "sklearn" and "training_score" in user_run.data.metrics
    [child] = [r for r in all_runs() if r.info.parent_run_id == mine.info.run_id]
    assert child.data.params["max_depth"] == "2" and "C" not in child.data.params
    assert child.info.status == "FINISHED"


def test_exclusive_never_logs_into_the_user_run(iris: Any) -> None:
    from sklearn.linear_model import LogisticRegression

    X_train, _, y_train, _ = iris
    autolog(frameworks=["sklearn"], exclusive=True, log_models=False)
    with mlt.start_run() as mine:
        LogisticRegression(max_iter=300).fit(X_train, y_train)
    user_run = mlt.get_run(mine.info.run_id)
    assert user_run.data.params == {} and user_run.data.metrics == {} and "mltrack.autolog" not in user_run.data.tags
    [child] = [r for r in all_runs() if r.info.run_id != mine.info.run_id]
    assert child.info.parent_run_id == mine.info.run_id and child.data.params["C"] == "1.0"


def test_fit_without_y_and_list_data_still_logs(iris: Any) -> None:
    from sklearn.preprocessing import StandardScaler

    rows = iris[0].tolist()
    autolog(frameworks=["sklearn"])
    StandardScaler().fit(rows)
    run = only_run()
    assert run.data.params["with_mean"] == "True" and len(run.inputs.dataset_inputs) == 0


def test_cross_validation_clones_make_no_runs(iris: Any) -> None:
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import cross_val_predict, cross_val_score  # bound before autolog is on

    X_train, _, y_train, _ = iris
    autolog(frameworks=["sklearn"], log_models=False)
    scores = cross_val_score(LogisticRegression(max_iter=300), X_train, y_train, cv=3)
    cross_val_predict(LogisticRegression(max_iter=300), X_train, y_train, cv=3)
    assert len(scores) == 3 and all_runs() == []
    LogisticRegression(max_iter=300).fit(X_train, y_train)
    assert len(all_runs()) == 1
