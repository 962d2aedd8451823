"""XGBoost and LightGBM autolog: native train() and the scikit-learn wrappers, on real boosters."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import jupyter_mltrack as mlt
from jupyter_mltrack.autolog import autolog
from tests.autolog.conftest import Recorded, all_runs, artifact_paths, only_run, read_artifact


def _history(run_id: str, key: str) -> list[tuple[int, float]]:
    return [(m.step, m.value) for m in mlt.get_metric_history(run_id, key)]


# ---------------------------------------------------------------------------------------- xgboost
def test_xgboost_train_logs_params_history_importance_and_model(cancer: Any, tmp_path: Path) -> None:
    import xgboost as xgb

    X_train, X_test, y_train, y_test = cancer
    dtrain, dvalid = xgb.DMatrix(X_train, y_train), xgb.DMatrix(X_test, y_test)
    params = {"objective": "binary:logistic", "max_depth": 2, "eta": 0.3, "eval_metric": ["logloss", "error@0.6"]}
    plain = xgb.train(params, dtrain, 6, evals=[(dvalid, "valid")], verbose_eval=False)

    autolog(frameworks=["xgboost"])
    history: dict[str, Any] = {}
    booster = xgb.train(
        params, dtrain, 6, evals=[(dtrain, "train"), (dvalid, "valid")], evals_result=history, verbose_eval=False
    )
    np.testing.assert_array_equal(booster.predict(dvalid), plain.predict(dvalid))  # training unchanged

    run = only_run()
    assert run.info.status == "FINISHED" and run.data.tags["mltrack.autolog"] == "xgboost"
    assert run.data.params == {
        "objective": "binary:logistic",
        "max_depth": "2",
        "eta": "0.3",
        "eval_metric": "['logloss', 'error@0.6']",
        "num_boost_round": "6",
        "early_stopping_rounds": "None",
        "maximize": "None",
        "verbose_eval": "False",
    }
    for data in ("train", "valid"):
        assert _history(run.info.run_id, f"{data}-logloss") == list(enumerate(history[data]["logloss"]))
        assert _history(run.info.run_id, f"{data}-error_0.6") == list(enumerate(history[data]["error@0.6"]))
    assert "best_iteration" not in run.data.metrics  # no early stopping
    for kind in ("weight", "gain"):
        table = json.loads(read_artifact(run.info.run_id, f"feature_importance_{kind}.json", tmp_path / kind))
        assert table == pytest.approx(booster.get_score(importance_type=kind))
    if hasattr(pytest.importorskip("jupyter_mltrack.models"), "log_model"):
        assert "model" in artifact_paths(run.info.run_id)


def test_xgboost_early_stopping_and_no_evals_result_of_the_users(cancer: Any) -> None:
    import xgboost as xgb

    X_train, X_test, y_train, y_test = cancer
    dtrain, dvalid = xgb.DMatrix(X_train, y_train), xgb.DMatrix(X_test, y_test)
    autolog(frameworks=["xgboost"], log_models=False)
    booster = xgb.train(
        {"objective": "binary:logistic", "eta": 0.5}, dtrain, 200, evals=[(dvalid, "valid")],
        early_stopping_rounds=3, verbose_eval=False,
    )  # fmt: skip
    run = only_run()
    rounds = booster.num_boosted_rounds()
    assert run.data.metrics["best_iteration"] == booster.best_iteration
    assert run.data.metrics["stopped_iteration"] == rounds - 1
    assert [step for step, _ in _history(run.info.run_id, "valid-logloss")] == list(range(rounds))
    assert run.data.params["early_stopping_rounds"] == "3"


def test_xgboost_classifier_wrapper(cancer: Any) -> None:
    import xgboost as xgb
    from sklearn.metrics import accuracy_score

    X_train, X_test, y_train, y_test = cancer
    autolog(frameworks=["xgboost"], log_models=False)
    model = xgb.XGBClassifier(n_estimators=5, max_depth=2, eval_metric="logloss")
    assert model.fit(X_train, y_train, eval_set=[(X_test, y_test)], verbose=False) is model
    run = only_run()
    assert run.data.tags["estimator_name"] == "XGBClassifier"
    assert run.data.params == {k: str(v) for k, v in model.get_params(deep=True).items()}
    assert _history(run.info.run_id, "validation_0-logloss") == list(
        enumerate(model.evals_result()["validation_0"]["logloss"])
    )
    on_train = accuracy_score(y_train, model.predict(X_train))
    on_test = accuracy_score(y_test, model.predict(X_test))
    assert run.data.metrics["training_accuracy_score"] == pytest.approx(on_train)
    metrics = mlt.get_run(run.info.run_id).data.metrics  # MLflow's names: the 2nd call of a metric is "-2"
    assert metrics["accuracy_score_X_train"] == pytest.approx(on_train)
    assert metrics["accuracy_score-2_X_test"] == pytest.approx(on_test)
    assert {"feature_importance_weight.json", "feature_importance_gain.json"} <= set(artifact_paths(run.info.run_id))


def test_xgboost_inside_a_sklearn_pipeline_is_one_run(cancer: Any) -> None:
    import xgboost as xgb
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X_train, _, y_train, _ = cancer
    autolog(frameworks=["sklearn", "xgboost"], log_models=False)
    make_pipeline(StandardScaler(), xgb.XGBClassifier(n_estimators=3)).fit(X_train, y_train)
    run = only_run()
    assert run.data.tags["mltrack.autolog"] == "sklearn" and run.data.params["xgbclassifier__n_estimators"] == "3"


def test_xgboost_user_error_propagates_and_fails_the_run(cancer: Any, recorded: Recorded) -> None:
    import xgboost as xgb

    X_train, _, y_train, _ = cancer
    autolog(frameworks=["xgboost"])
    with pytest.raises(xgb.core.XGBoostError, match="objective"):
        xgb.train({"objective": "no:such"}, xgb.DMatrix(X_train, y_train), 2)
    assert only_run().info.status == "FAILED" and recorded.autolog == []


# --------------------------------------------------------------------------------------- lightgbm
def test_lightgbm_train_logs_history_best_iteration_and_importance(diabetes: Any, tmp_path: Path) -> None:
    import lightgbm as lgb

    X_train, X_test, y_train, y_test = diabetes
    params = {"objective": "regression", "learning_rate": 0.2, "num_leaves": 7, "verbose": -1, "seed": 1}
    train_set = lgb.Dataset(X_train, y_train)
    valid_set = lgb.Dataset(X_test, y_test, reference=train_set)
    user_callbacks = [lgb.early_stopping(5, verbose=False)]

    autolog(frameworks=["lightgbm"], log_models=False)
    booster = lgb.train(params, train_set, 100, valid_sets=[valid_set], valid_names=["valid"], callbacks=user_callbacks)
    assert len(user_callbacks) == 1  # the user's list is never touched

    run = only_run()
    assert run.data.params == {
        "objective": "regression",
        "learning_rate": "0.2",
        "num_leaves": "7",
        "verbose": "-1",
        "seed": "1",
        "num_boost_round": "100",
        "keep_training_booster": "False",
    }
    iterations = booster.best_iteration + 5  # it ran 5 rounds past the best one (patience 5)
    steps = _history(run.info.run_id, "valid-l2")
    assert [s for s, _ in steps] == list(range(iterations))
    assert steps[booster.best_iteration - 1][1] == pytest.approx(booster.best_score["valid"]["l2"])
    assert run.data.metrics["best_iteration"] == booster.best_iteration  # LightGBM's own (1-based) number
    assert run.data.metrics["stopped_iteration"] == iterations - 1
    names = booster.feature_name()
    for kind in ("split", "gain"):
        table = json.loads(read_artifact(run.info.run_id, f"feature_importance_{kind}.json", tmp_path / kind))
        assert table == pytest.approx(dict(zip(names, booster.feature_importance(kind).tolist(), strict=True)))


def test_lightgbm_train_result_is_unchanged(cancer: Any) -> None:
    import lightgbm as lgb

    X_train, X_test, y_train, _ = cancer
    params = {"objective": "binary", "verbose": -1, "seed": 3, "deterministic": True, "num_threads": 1}
    plain = lgb.train(params, lgb.Dataset(X_train, y_train), 10).predict(X_test)
    autolog(frameworks=["lightgbm"], log_models=False)
    logged = lgb.train(params, lgb.Dataset(X_train, y_train), 10).predict(X_test)
    np.testing.assert_array_equal(logged, plain)
    assert only_run().info.status == "FINISHED"


def test_lightgbm_regressor_wrapper(diabetes: Any) -> None:
    import lightgbm as lgb
    from sklearn.metrics import r2_score

    X_train, X_test, y_train, y_test = diabetes
    autolog(frameworks=["lightgbm"], log_models=False)
    model = lgb.LGBMRegressor(n_estimators=8, verbose=-1).fit(X_train, y_train, eval_X=(X_test,), eval_y=(y_test,))
    run = only_run()
    assert run.data.tags["mltrack.autolog"] == "lightgbm" and run.data.params["n_estimators"] == "8"
    assert _history(run.info.run_id, "valid_0-l2") == list(enumerate(model.evals_result_["valid_0"]["l2"]))
    assert "best_iteration" not in run.data.metrics
    on_test = r2_score(y_test, model.predict(X_test))
    on_train = r2_score(y_train, model.predict(X_train))
    assert run.data.metrics["training_r2_score"] == pytest.approx(on_train)
    metrics = mlt.get_run(run.info.run_id).data.metrics
    assert metrics["r2_score_X_test"] == pytest.approx(on_test)
    assert metrics["r2_score-2_X_train"] == pytest.approx(on_train)


def test_boosters_in_one_user_run_and_their_children(cancer: Any) -> None:
    import lightgbm as lgb
    import xgboost as xgb

    X_train, _, y_train, _ = cancer
    autolog(frameworks=["xgboost", "lightgbm"], log_models=False)
    with mlt.start_run() as mine:
        xgb.XGBClassifier(n_estimators=2).fit(X_train, y_train)
        lgb.LGBMClassifier(n_estimators=2, verbose=-1).fit(X_train, y_train)
    runs = all_runs()
    [child] = [r for r in runs if r.info.parent_run_id == mine.info.run_id]
    assert mlt.get_run(mine.info.run_id).data.tags["estimator_name"] == "XGBClassifier"
    assert child.data.tags["estimator_name"] == "LGBMClassifier" and child.data.tags["mltrack.autolog"] == "lightgbm"
