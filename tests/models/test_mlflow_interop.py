"""MLflow interoperability, both ways, with MLflow 3.17 in its own virtualenv (see conftest.py).

Ours -> MLflow: models saved here load and predict with ``mlflow.pyfunc.load_model`` (through our
loader module) and with MLflow's native flavor loaders. MLflow -> ours: scikit-learn (skops and
cloudpickle), XGBoost, LightGBM and custom pyfunc models saved by MLflow load and predict here,
where MLflow is not installed. Predictions must be equal.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

import jupyter_mltrack.lightgbm as mlt_lightgbm
import jupyter_mltrack.pyfunc as mlt_pyfunc
import jupyter_mltrack.sklearn as mlt_sklearn
import jupyter_mltrack.xgboost as mlt_xgboost
from jupyter_mltrack.models import Model, infer_signature, load_model
from tests.models.conftest import run_mlflow

pytestmark = [pytest.mark.slow, pytest.mark.timeout(1800)]  # the first run builds MLflow's virtualenv

IRIS = "from sklearn.datasets import load_iris\nX, y = load_iris(return_X_y=True, as_frame=True)\n"


def test_mlflow_is_not_installed_here() -> None:
    assert importlib.util.find_spec("mlflow") is None, "MLflow must never be a dependency of jupyter_mltrack"


# --------------------------------------------------------------------------------- ours -> MLflow
CUSTOM_MODEL_SCRIPT = IRIS + textwrap.dedent(
    """
    import sys
    import jupyter_mltrack.pyfunc as p

    class Scaler(p.PythonModel):  # defined in __main__, as in a notebook: pickled by value
        def load_context(self, context):
            self.scale = float(open(context.artifacts["scale"]).read())

        def predict(self, context, model_input, params=None):
            return model_input.sum(axis=1) * self.scale

    open(sys.argv[2], "w").write("2.5")
    p.save_model(sys.argv[1], python_model=Scaler(), artifacts={"scale": sys.argv[2]}, input_example=X.head(3))
    """
)

MLFLOW_LOADS_OURS = IRIS + textwrap.dedent(
    """
    import json, sys
    import mlflow.pyfunc, mlflow.sklearn, mlflow.xgboost, mlflow.lightgbm
    from mlflow.models import Model

    out = {}
    for name in sys.argv[2].split(","):
        path = f"{sys.argv[1]}/{name}"
        model = mlflow.pyfunc.load_model(path)
        out[name] = {
            "loader": model.metadata.flavors["python_function"]["loader_module"],
            "pyfunc": [float(v) for v in model.predict(X)],
            "signature": Model.load(path).signature.to_dict() if Model.load(path).signature else None,
        }
        native = {"sklearn": mlflow.sklearn, "xgboost": mlflow.xgboost, "lightgbm": mlflow.lightgbm}.get(name)
        if native is not None:
            out[name]["native"] = [float(v) for v in native.load_model(path).predict(X)]
    json.dump(out, open(sys.argv[3], "w"))
    """
)


def test_models_saved_here_load_and_predict_in_mlflow(mlflow_python, tmp_path, iris, logreg) -> None:
    import lightgbm as lgb
    import xgboost as xgb

    X, y = iris
    models = tmp_path / "models"
    xgb_model = xgb.XGBClassifier(n_estimators=6, max_depth=2).fit(X, y)
    lgb_model = lgb.LGBMClassifier(n_estimators=6, verbose=-1).fit(X, y)
    mlt_sklearn.save_model(logreg, models / "sklearn", input_example=X.head(3))
    mlt_xgboost.save_model(xgb_model, models / "xgboost", input_example=X.head(3))
    mlt_lightgbm.save_model(lgb_model, models / "lightgbm", input_example=X.head(3))
    subprocess.run(
        [sys.executable, "-c", CUSTOM_MODEL_SCRIPT, str(models / "custom"), str(tmp_path / "scale.txt")],
        check=True,
        cwd=tmp_path,
    )
    expected = {
        "sklearn": logreg.predict(X),
        "xgboost": xgb_model.predict(X),
        "lightgbm": lgb_model.predict(X),
        "custom": X.sum(axis=1) * 2.5,
    }
    result = tmp_path / "mlflow.json"
    run_mlflow(mlflow_python, MLFLOW_LOADS_OURS, str(models), ",".join(expected), str(result), cwd=tmp_path)
    seen = json.loads(result.read_text())
    for name, want in expected.items():
        ours = mlt_pyfunc.load_model(models / name)
        assert seen[name]["loader"].startswith("jupyter_mltrack.models.flavors."), name
        np.testing.assert_array_equal(seen[name]["pyfunc"], np.asarray(want, dtype=float), err_msg=name)
        np.testing.assert_array_equal(np.asarray(ours.predict(X), dtype=float), seen[name]["pyfunc"], err_msg=name)
        if "native" in seen[name]:  # MLflow's own flavor loader reads our files too
            np.testing.assert_array_equal(seen[name]["native"], np.asarray(want, dtype=float), err_msg=name)
        assert seen[name]["signature"] == Model.load(models / name).signature.to_dict(), name


# --------------------------------------------------------------------------------- MLflow -> ours
MLFLOW_SAVES = IRIS + textwrap.dedent(
    """
    import json, sys
    import lightgbm as lgb, xgboost as xgb
    import mlflow.lightgbm, mlflow.pyfunc, mlflow.sklearn, mlflow.xgboost
    from sklearn.linear_model import LogisticRegression

    out, expected = sys.argv[1], {}
    REQ = ["scikit-learn", "xgboost", "lightgbm"]  # MLflow's own inference (8 s a model) is kept for one model
    sk = LogisticRegression(max_iter=300).fit(X, y)
    mlflow.sklearn.save_model(sk, f"{out}/sklearn_skops", input_example=X.head(3))  # MLflow 3's default
    mlflow.sklearn.save_model(
        sk, f"{out}/sklearn_cloudpickle", serialization_format="cloudpickle", pip_requirements=REQ
    )
    expected["sklearn_skops"] = expected["sklearn_cloudpickle"] = sk.predict(X).tolist()
    xm = xgb.XGBClassifier(n_estimators=5, max_depth=2).fit(X, y)
    mlflow.xgboost.save_model(xm, f"{out}/xgboost", input_example=X.head(3), pip_requirements=REQ)
    expected["xgboost"] = xm.predict(X).tolist()
    booster = xgb.train({"max_depth": 2}, xgb.DMatrix(X, label=y), num_boost_round=3)
    mlflow.xgboost.save_model(booster, f"{out}/xgboost_booster", pip_requirements=REQ)
    expected["xgboost_booster"] = booster.predict(xgb.DMatrix(X)).tolist()
    lm = lgb.LGBMClassifier(n_estimators=5, verbose=-1).fit(X, y)
    mlflow.lightgbm.save_model(lm, f"{out}/lightgbm", input_example=X.head(3), pip_requirements=REQ)
    expected["lightgbm"] = lm.predict(X).tolist()
    lb = lgb.train({"objective": "regression", "verbose": -1}, lgb.Dataset(X, y.astype(float)), num_boost_round=5)
    mlflow.lightgbm.save_model(lb, f"{out}/lightgbm_booster", pip_requirements=REQ)
    expected["lightgbm_booster"] = lb.predict(X).tolist()

    open(f"{out}/scale.txt", "w").write("2.5")

    class Scaler(mlflow.pyfunc.PythonModel):
        def load_context(self, context):
            self.scale = float(open(context.artifacts["scale"]).read())

        def predict(self, context, model_input, params=None):
            return model_input.sum(axis=1) * self.scale

    mlflow.pyfunc.save_model(f"{out}/custom", python_model=Scaler(), artifacts={"scale": f"{out}/scale.txt"},
                             input_example=X.head(3), pip_requirements=REQ)
    expected["custom"] = (X.sum(axis=1) * 2.5).tolist()
    native = {
        n: type(mlflow.pyfunc.load_model(f"{out}/{n}").get_raw_model()).__name__ for n in expected if n != "custom"
    }
    json.dump({"expected": expected, "native": native}, open(f"{out}/expected.json", "w"))
    """
)


@pytest.fixture(scope="module")
def mlflow_models(mlflow_python, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("mlflow-models")
    run_mlflow(mlflow_python, MLFLOW_SAVES, str(out), cwd=out)
    return out


MLFLOW_MODELS = [
    "sklearn_skops",
    "sklearn_cloudpickle",
    "xgboost",
    "xgboost_booster",
    "lightgbm",
    "lightgbm_booster",
    "custom",
]


@pytest.mark.parametrize("name", MLFLOW_MODELS)
def test_models_saved_by_mlflow_load_and_predict_here(mlflow_models, iris, name) -> None:
    X, _ = iris
    saved = json.loads((mlflow_models / "expected.json").read_text())
    path = mlflow_models / name
    model = mlt_pyfunc.load_model(path)
    np.testing.assert_array_equal(
        np.asarray(model.predict(X), dtype=float), np.asarray(saved["expected"][name], dtype=float)
    )
    native = load_model(path)
    if name == "custom":
        assert isinstance(native, mlt_pyfunc.PyFuncModel)
        assert native.unwrap_python_model().scale == 2.5
    else:
        assert type(native).__name__ == saved["native"][name]
        raw = np.asarray(native.predict(X if name != "xgboost_booster" else __import__("xgboost").DMatrix(X)))
        np.testing.assert_array_equal(raw.astype(float), np.asarray(saved["expected"][name], dtype=float))
    meta = Model.load(path)
    if meta.saved_input_example_info:
        np.testing.assert_array_equal(meta.load_input_example(path).to_numpy(), X.head(3).to_numpy())
    assert importlib.util.find_spec("mlflow") is None and "mlflow" not in sys.modules


# ------------------------------------------------------------------------------------- signatures
SIGNATURES = textwrap.dedent(
    """
    import json, sys, numpy as np, pandas as pd
    from mlflow.models import infer_signature
    out = []
    for inputs, outputs, params in [
        (pd.DataFrame({"a": [1, 2], "b": [1.5, None], "c": ["x", "y"], "d": [True, False]}), np.array([0, 1]), None),
        (np.zeros((3, 4), dtype=np.float32), pd.Series([0.5, 1.5], name="score"), {"k": 3, "t": 0.5}),
        ({"ids": np.array([1, 2]), "x": np.zeros((2, 3))}, None, None),
        ([{"q": "hi", "n": 1.0}, {"q": "yo"}], ["a", "b"], None),
        ({"text": "hello", "tags": ["a", "b"], "meta": {"lang": "en"}}, None, None),
    ]:
        out.append(infer_signature(inputs, outputs, params).to_dict())
    json.dump(out, open(sys.argv[1], "w"))
    """
)


def test_signatures_inferred_here_equal_mlflows(mlflow_python, tmp_path) -> None:
    import pandas as pd

    result = tmp_path / "signatures.json"
    run_mlflow(mlflow_python, SIGNATURES, str(result), cwd=tmp_path)
    cases = [
        (pd.DataFrame({"a": [1, 2], "b": [1.5, None], "c": ["x", "y"], "d": [True, False]}), np.array([0, 1]), None),
        (np.zeros((3, 4), dtype=np.float32), pd.Series([0.5, 1.5], name="score"), {"k": 3, "t": 0.5}),
        ({"ids": np.array([1, 2]), "x": np.zeros((2, 3))}, None, None),
        ([{"q": "hi", "n": 1.0}, {"q": "yo"}], ["a", "b"], None),
        ({"text": "hello", "tags": ["a", "b"], "meta": {"lang": "en"}}, None, None),
    ]
    theirs = json.loads(result.read_text())
    with pytest.warns(UserWarning):
        ours = [infer_signature(*case).to_dict() for case in cases]
    for mine, mlflows in zip(ours, theirs, strict=True):
        assert mine == mlflows
