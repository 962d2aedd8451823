"""Autologged models carry the profile of the data they were fitted on, so a drift report on a
served autologged model needs nothing from the user; a fit whose data cannot be profiled still
runs, logs its model and warns once."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import requests

import jupyter_mltrack as mlt
from jupyter_mltrack.autolog import autolog
from jupyter_mltrack.models import Model
from jupyter_mltrack.models.profile import MAX_ROWS, profile_data, read_profile
from jupyter_mltrack.models.uri import resolve_model_uri
from tests.autolog.conftest import Recorded, artifact_paths, only_run

COLUMNS = ["age", "income", "score", "tenure"]


def frame(rows: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    data = rng.normal([40, 50, 0, 5], [10, 15, 1, 2], size=(rows, 4))
    return pd.DataFrame(data, columns=COLUMNS)


def labels(X: pd.DataFrame | np.ndarray) -> np.ndarray:
    values = np.asarray(X)
    return (values[:, 2] + values[:, 3] / 2 > 2.5).astype(int)


def model_profile(run_id: str, name: str = "model") -> dict[str, Any]:
    profile = read_profile(resolve_model_uri(f"runs:/{run_id}/{name}"))
    assert profile is not None, f"runs:/{run_id}/{name} has no profile"
    return profile


def assert_profile_of(profile: dict[str, Any], X: Any, names: list[str]) -> None:
    assert list(profile["features"]) == names
    assert profile["rows"] == len(X)
    assert profile["features"] == profile_data(X)["features"]


# ------------------------------------------------------------------------------------ scikit-learn
def test_sklearn_fit_on_a_dataframe_logs_a_profile_named_like_the_signature(recorded: Recorded) -> None:
    from sklearn.linear_model import LogisticRegression

    X = frame(500)
    autolog(frameworks=["sklearn"])
    LogisticRegression(max_iter=500).fit(X, labels(X))
    run = only_run()
    assert_profile_of(model_profile(run.info.run_id), X, COLUMNS)
    signature = Model.load(resolve_model_uri(f"runs:/{run.info.run_id}/model")).signature
    assert signature is not None and signature.inputs is not None
    assert signature.inputs.input_names() == COLUMNS  # the names the profile uses
    assert recorded.autolog == []


def test_sklearn_fit_on_an_array_names_features_by_position(recorded: Recorded) -> None:
    from sklearn.tree import DecisionTreeClassifier

    X = frame(300).to_numpy()
    autolog(frameworks=["sklearn"])
    DecisionTreeClassifier(max_depth=3).fit(X, labels(X))
    assert_profile_of(model_profile(only_run().info.run_id), X, ["0", "1", "2", "3"])
    assert recorded.autolog == []


def test_a_search_profiles_its_best_estimator_too() -> None:
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GridSearchCV

    X = frame(300)
    autolog(frameworks=["sklearn"], max_tuning_runs=0)
    GridSearchCV(LogisticRegression(max_iter=500), {"C": [0.1, 1.0]}, cv=2).fit(X, labels(X))
    run = only_run()
    assert model_profile(run.info.run_id) == model_profile(run.info.run_id, "best_estimator")
    assert model_profile(run.info.run_id)["rows"] == 300


def test_large_fit_data_is_profiled_from_a_bounded_sample() -> None:
    from sklearn.linear_model import LinearRegression

    X = frame(MAX_ROWS + 20_000)
    autolog(frameworks=["sklearn"], log_datasets=False)
    LinearRegression().fit(X, X["score"] * 2)
    profile = model_profile(only_run().info.run_id)
    assert (profile["rows"], profile["sampled_rows"]) == (MAX_ROWS + 20_000, MAX_ROWS)
    assert profile == profile_data(X)  # the same seeded sample every time


def test_data_that_cannot_be_profiled_warns_once_and_the_model_is_still_logged(recorded: Recorded) -> None:
    from sklearn.dummy import DummyClassifier

    images = np.random.default_rng(0).normal(size=(30, 2, 3))  # no rows of features
    y = np.arange(30) % 2
    autolog(frameworks=["sklearn"])
    model = DummyClassifier(strategy="most_frequent").fit(images, y)
    assert list(model.predict(images[:2])) == [0, 0]  # the fit ran and returned the fitted model
    run = only_run()
    assert run.info.status == "FINISHED" and "model" in artifact_paths(run.info.run_id)
    assert read_profile(resolve_model_uri(f"runs:/{run.info.run_id}/model")) is None
    [warning] = recorded.autolog
    assert "profile the training data" in str(warning.message) and "shape (30, 2, 3)" in str(warning.message)
    assert warning.filename == __file__  # it points at the user's fit


# ------------------------------------------------------------------------------- XGBoost, LightGBM
def test_xgboost_native_train_profiles_the_dmatrix_rows() -> None:
    xgb = pytest.importorskip("xgboost")
    X = frame(400)
    X.iloc[::7, 1] = np.nan  # missing values come back as missing
    autolog(frameworks=["xgboost"])
    xgb.train({"objective": "binary:logistic"}, xgb.DMatrix(X, labels(X.fillna(0))), num_boost_round=3)
    profile = model_profile(only_run().info.run_id)
    assert_profile_of(profile, X.astype("float32"), COLUMNS)  # a DMatrix holds float32 values
    assert profile["features"]["income"]["missing_rate"] == pytest.approx(X["income"].isna().mean())

    array = X.to_numpy()
    xgb.train({"objective": "binary:logistic"}, xgb.DMatrix(array, labels(X.fillna(0))), num_boost_round=3)
    [_, second] = mlt.search_runs(output_format="list", order_by=["attributes.start_time ASC"])
    assert_profile_of(model_profile(second.info.run_id), array.astype("float32"), ["0", "1", "2", "3"])


def test_xgboost_sklearn_wrapper_profiles_its_x() -> None:
    xgb = pytest.importorskip("xgboost")
    X = frame(300)
    autolog(frameworks=["xgboost"])
    xgb.XGBClassifier(n_estimators=3, max_depth=2).fit(X.to_numpy(), labels(X))
    assert_profile_of(model_profile(only_run().info.run_id), X.to_numpy(), ["0", "1", "2", "3"])


def test_lightgbm_native_train_profiles_the_dataset_data() -> None:
    lgb = pytest.importorskip("lightgbm")
    X = frame(400)
    autolog(frameworks=["lightgbm"])
    train_set = lgb.Dataset(X, labels(X))  # free_raw_data: LightGBM drops X from it while training
    lgb.train({"objective": "binary", "verbose": -1}, train_set, num_boost_round=3)
    assert train_set.data is None
    assert_profile_of(model_profile(only_run().info.run_id), X, COLUMNS)


def test_lightgbm_sklearn_wrapper_profiles_its_x() -> None:
    lgb = pytest.importorskip("lightgbm")
    X = frame(300)
    autolog(frameworks=["lightgbm"])
    lgb.LGBMRegressor(n_estimators=3, verbose=-1).fit(X, X["score"])
    assert_profile_of(model_profile(only_run().info.run_id), X, COLUMNS)


# -------------------------------------------------------------------------------------- Lightning
def test_lightning_fit_on_a_tensor_dataset_profiles_its_features(tmp_path: Path) -> None:
    pytest.importorskip("lightning")
    torch = pytest.importorskip("torch")
    from tests.autolog.test_pytorch import LitClassifier, _trainer

    features = torch.tensor(frame(64).to_numpy(), dtype=torch.float32)
    targets = torch.tensor(labels(features.numpy()), dtype=torch.float32).unsqueeze(1)
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(features, targets), batch_size=16)
    autolog(frameworks=["pytorch"])
    _trainer(tmp_path, max_epochs=1).fit(LitClassifier(), loader)
    assert_profile_of(model_profile(only_run().info.run_id), features.numpy(), ["0", "1", "2", "3"])


# -------------------------------------------------------------------------- serve -> drift report
def serve_and_send(model_uri: str, log_dir: Path, bodies: list[dict[str, Any]]) -> None:
    handle = mlt.serve(model_uri, port=0, block=False, log_dir=log_dir, sample_rate=1.0)
    assert handle is not None
    try:
        with requests.Session() as session:
            for body in bodies:
                assert session.post(handle.url + "/invocations", json=body, timeout=30).status_code == 200
    finally:
        handle.stop()  # flushes the sampled requests to the log


def test_an_autologged_model_served_with_shifted_inputs_is_flagged(tmp_path: Path) -> None:
    from sklearn.linear_model import LogisticRegression

    from jupyter_mltrack.monitoring import drift_report

    X = frame(3000)
    autolog(frameworks=["sklearn"])
    LogisticRegression(max_iter=500).fit(X, labels(X))
    autolog(disable=True)
    model_uri = f"runs:/{only_run().info.run_id}/model"

    same = frame(600, seed=1)
    serve_and_send(model_uri, tmp_path / "same", [
        {"dataframe_split": same.iloc[i : i + 100].to_dict(orient="split")} for i in range(0, 600, 100)
    ])  # fmt: skip
    calm = drift_report(model_uri, tmp_path / "same", log_run=False)
    assert not calm["drifted"].any(), calm

    shifted = frame(600, seed=2)
    shifted["income"] += 30  # two standard deviations
    serve_and_send(model_uri, tmp_path / "shifted", [
        {"dataframe_split": shifted.iloc[i : i + 100].to_dict(orient="split")} for i in range(0, 600, 100)
    ])  # fmt: skip
    report = drift_report(model_uri, tmp_path / "shifted")
    assert report.loc[report["drifted"], "feature"].tolist() == ["income"], report
    assert mlt.get_run(report.run_id).data.metrics["features_drifted"] == 1.0


def test_an_autologged_array_model_lines_up_with_served_array_inputs(tmp_path: Path) -> None:
    from sklearn.ensemble import RandomForestClassifier

    from jupyter_mltrack.monitoring import drift_report

    X = frame(2000).to_numpy()
    autolog(frameworks=["sklearn"])
    RandomForestClassifier(n_estimators=5, random_state=0).fit(X, labels(X))
    autolog(disable=True)
    model_uri = f"runs:/{only_run().info.run_id}/model"

    shifted = frame(500, seed=3).to_numpy(copy=True)
    shifted[:, 2] *= 3.0  # "score" spreads out
    serve_and_send(model_uri, tmp_path / "log", [{"inputs": shifted[i : i + 100].tolist()} for i in range(0, 500, 100)])
    report = drift_report(model_uri, tmp_path / "log", log_run=False)
    assert sorted(report["feature"]) == ["0", "1", "2", "3"]
    assert not report["missing_served"].any()  # every profiled feature was found among the served inputs
    assert report.loc[report["drifted"], "feature"].tolist() == ["2"], report
