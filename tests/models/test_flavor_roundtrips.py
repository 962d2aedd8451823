"""Each flavor saves, loads natively and as a PyFuncModel, and predicts what it predicted before."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import uuid

import numpy as np
import pytest

import jupyter_mltrack.lightgbm as mlt_lightgbm
import jupyter_mltrack.onnx as mlt_onnx
import jupyter_mltrack.pyfunc as mlt_pyfunc
import jupyter_mltrack.pytorch as mlt_pytorch
import jupyter_mltrack.sklearn as mlt_sklearn
import jupyter_mltrack.xgboost as mlt_xgboost
from jupyter_mltrack.models import Model, load_model, save_model
from jupyter_mltrack.models.errors import ModelFormatError, OnnxConversionError, UnsupportedModelError


def mlmodel(path) -> dict:
    from jupyter_mltrack.models.mlmodel import yaml_load

    return yaml_load((path / "MLmodel").read_text())


# ------------------------------------------------------------------------------------ scikit-learn
@pytest.mark.parametrize("fmt", ["cloudpickle", "pickle", "skops"])
def test_sklearn_round_trip(tmp_path, iris, logreg, fmt) -> None:
    X, _ = iris
    mlt_sklearn.save_model(logreg, tmp_path / "m", serialization_format=fmt, input_example=X.head(2))
    native = mlt_sklearn.load_model(tmp_path / "m")
    assert type(native) is type(logreg)
    np.testing.assert_array_equal(native.predict(X), logreg.predict(X))
    np.testing.assert_array_equal(mlt_pyfunc.load_model(tmp_path / "m").predict(X), logreg.predict(X))
    entry = mlmodel(tmp_path / "m")["flavors"]["sklearn"]
    assert (
        entry["serialization_format"] == fmt
        and entry["pickled_model"] == f"model.{'skops' if fmt == 'skops' else 'pkl'}"
    )


def test_sklearn_pipeline_with_predict_proba(tmp_path, iris) -> None:
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer, StandardScaler

    X, y = iris
    forest = RandomForestClassifier(n_estimators=10, random_state=0)
    pipe = make_pipeline(FunctionTransformer(np.log1p), StandardScaler(), forest).fit(X, y)
    mlt_sklearn.save_model(pipe, tmp_path / "m", pyfunc_predict_fn="predict_proba")
    np.testing.assert_allclose(mlt_pyfunc.load_model(tmp_path / "m").predict(X), pipe.predict_proba(X))
    assert mlmodel(tmp_path / "m")["flavors"]["python_function"]["predict_fn"] == "predict_proba"


def test_generic_save_detects_the_flavor(tmp_path, iris, logreg) -> None:
    X, _ = iris
    meta = save_model(logreg, tmp_path / "m")
    assert isinstance(meta, Model) and meta.native_flavor() == "sklearn"
    np.testing.assert_array_equal(load_model(tmp_path / "m").predict(X), logreg.predict(X))
    with pytest.raises(UnsupportedModelError, match=r"No flavor saves a builtins\.dict"):
        save_model({"not": "a model"}, tmp_path / "other")
    assert not (tmp_path / "other").exists()  # a failed save leaves nothing behind


def test_saving_over_an_existing_model_is_refused(tmp_path, logreg) -> None:
    save_model(logreg, tmp_path / "m")
    with pytest.raises(ModelFormatError, match="already exists"):
        save_model(logreg, tmp_path / "m")


def test_flavor_functions_refuse_another_flavor(tmp_path, logreg) -> None:
    save_model(logreg, tmp_path / "m")
    with pytest.raises(ModelFormatError, match="is a sklearn model, not xgboost"):
        mlt_xgboost.load_model(tmp_path / "m")


# --------------------------------------------------------------------------------- boosted trees
def test_xgboost_classifier_and_booster(tmp_path, iris) -> None:
    import xgboost as xgb

    X, y = iris
    clf = xgb.XGBClassifier(n_estimators=8, max_depth=3).fit(X, y)
    mlt_xgboost.save_model(clf, tmp_path / "clf", input_example=X.head(3))
    native = mlt_xgboost.load_model(tmp_path / "clf")
    assert isinstance(native, xgb.XGBClassifier)
    np.testing.assert_array_equal(native.predict(X), clf.predict(X))
    np.testing.assert_array_equal(mlt_pyfunc.load_model(tmp_path / "clf").predict(X), clf.predict(X))
    entry = mlmodel(tmp_path / "clf")["flavors"]["xgboost"]
    assert entry["model_class"] == "xgboost.sklearn.XGBClassifier" and entry["data"] == "model.ubj"

    booster = xgb.train({"max_depth": 2}, xgb.DMatrix(X, label=y), num_boost_round=4)
    mlt_xgboost.save_model(booster, tmp_path / "booster")
    assert isinstance(mlt_xgboost.load_model(tmp_path / "booster"), xgb.Booster)
    np.testing.assert_allclose(mlt_pyfunc.load_model(tmp_path / "booster").predict(X), booster.predict(xgb.DMatrix(X)))


def test_xgboost_model_class_must_be_xgboosts(tmp_path, iris) -> None:
    import xgboost as xgb

    from jupyter_mltrack.models.flavors.xgboost import _model_class

    assert _model_class("xgboost.sklearn.XGBRegressor") is xgb.XGBRegressor
    with pytest.raises(ModelFormatError, match="not an XGBoost class"):
        _model_class("os.system")


def test_lightgbm_classifier_and_booster(tmp_path, iris) -> None:
    import lightgbm as lgb

    X, y = iris
    clf = lgb.LGBMClassifier(n_estimators=8, verbose=-1).fit(X, y)
    mlt_lightgbm.save_model(clf, tmp_path / "clf")
    assert isinstance(mlt_lightgbm.load_model(tmp_path / "clf"), lgb.LGBMClassifier)
    np.testing.assert_array_equal(mlt_pyfunc.load_model(tmp_path / "clf").predict(X), clf.predict(X))

    booster = lgb.train({"objective": "regression", "verbose": -1}, lgb.Dataset(X, y.astype(float)), num_boost_round=5)
    mlt_lightgbm.save_model(booster, tmp_path / "booster")
    assert mlmodel(tmp_path / "booster")["flavors"]["lightgbm"]["data"] == "model.lgb"
    assert isinstance(mlt_lightgbm.load_model(tmp_path / "booster"), lgb.Booster)
    np.testing.assert_allclose(mlt_pyfunc.load_model(tmp_path / "booster").predict(X), booster.predict(X))


# --------------------------------------------------------------------------------------- PyTorch
NET_SOURCE = textwrap.dedent(
    """
    import torch

    class Net(torch.nn.Module):
        def __init__(self, width=8, classes=3):
            super().__init__()
            self.layers = torch.nn.Sequential(
                torch.nn.Linear(4, width), torch.nn.ReLU(), torch.nn.Linear(width, classes)
            )

        def forward(self, x):
            return self.layers(x)
    """
)


@pytest.fixture
def net_module(tmp_path, monkeypatch):
    """A model class in a real module file (the state-dict contract), importable under a fresh name."""
    name = f"net_{uuid.uuid4().hex[:8]}"
    source = tmp_path / "src" / f"{name}.py"
    source.parent.mkdir()
    source.write_text(NET_SOURCE)
    monkeypatch.syspath_prepend(str(source.parent))
    module = __import__(name)
    yield module, source
    sys.modules.pop(name, None)


def test_pytorch_state_dict_with_init_kwargs_and_code_paths(tmp_path, iris, net_module) -> None:
    import torch

    module, source = net_module
    X, _ = iris
    torch.manual_seed(0)
    net = module.Net(width=16).eval()
    expected = net(torch.tensor(X.to_numpy(), dtype=torch.float32)).detach().numpy()
    mlt_pytorch.save_model(net, tmp_path / "m", init_kwargs={"width": 16}, code_paths=[str(source)])
    entry = mlmodel(tmp_path / "m")["flavors"]["mltrack_pytorch"]
    assert entry["model_class"] == f"{module.__name__}:Net" and entry["init_kwargs"] == {"width": 16}
    loaded = mlt_pytorch.load_model(tmp_path / "m")
    np.testing.assert_allclose(loaded(torch.tensor(X.to_numpy(), dtype=torch.float32)).detach().numpy(), expected)
    np.testing.assert_allclose(mlt_pyfunc.load_model(tmp_path / "m").predict(X).to_numpy(), expected, rtol=1e-6)
    np.testing.assert_allclose(mlt_pyfunc.load_model(tmp_path / "m").predict(X.to_numpy()), expected, rtol=1e-6)

    # A fresh process that never saw the module imports it from the model's code/ folder.
    script = (
        "import sys, json, numpy as np, jupyter_mltrack.pyfunc as p; "
        f"m = p.load_model({str(tmp_path / 'm')!r}); "
        f"print(json.dumps(m.predict(np.array({X.to_numpy()[:3].tolist()}, dtype='float32')).tolist()))"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=tmp_path, check=True)
    np.testing.assert_allclose(json.loads(done.stdout), expected[:3], rtol=1e-6)


def test_pytorch_contract_is_checked_at_save(tmp_path, net_module) -> None:
    import torch

    module, _ = net_module
    with pytest.raises(UnsupportedModelError, match=r"init_kwargs=\{\} does not rebuild this model"):
        mlt_pytorch.save_model(module.Net(width=5), tmp_path / "bad")  # Net() has width 8

    class Local(torch.nn.Module):
        def forward(self, x):
            return x

    with pytest.raises(UnsupportedModelError, match="defined in the notebook"):
        mlt_pytorch.save_model(Local(), tmp_path / "local")
    assert not (tmp_path / "bad").exists() and not (tmp_path / "local").exists()


def test_pytorch_init_kwargs_from_the_model_attribute(tmp_path, net_module) -> None:
    module, _ = net_module
    net = module.Net(width=3)
    net.mltrack_init_kwargs = {"width": 3}
    mlt_pytorch.save_model(net, tmp_path / "m")
    assert mlmodel(tmp_path / "m")["flavors"]["mltrack_pytorch"]["init_kwargs"] == {"width": 3}


def test_pytorch_torchscript_needs_no_class(tmp_path, iris, net_module) -> None:
    import torch

    module, _ = net_module
    X, _ = iris
    net = module.Net().eval()
    inputs = torch.tensor(X.to_numpy(), dtype=torch.float32)
    mlt_pytorch.save_model(torch.jit.script(net), tmp_path / "m")
    sys.modules.pop(module.__name__)  # TorchScript does not need the class at load time
    entry = mlmodel(tmp_path / "m")["flavors"]["pytorch"]
    assert entry["serialization_format"] == "torchscript" and (tmp_path / "m" / "data" / "model.pth").exists()
    loaded = mlt_pytorch.load_model(tmp_path / "m")
    np.testing.assert_allclose(loaded(inputs).detach().numpy(), net(inputs).detach().numpy())


# ------------------------------------------------------------------------------------------ ONNX
def test_to_onnx_converts_and_checks_a_classifier(tmp_path, iris, logreg) -> None:
    import onnx

    X, _ = iris
    save_model(logreg, tmp_path / "m", to_onnx=True, input_example=X.head(5))
    assert isinstance(mlt_onnx.load_model(tmp_path / "m"), onnx.ModelProto)
    out = mlt_pyfunc.load_model(tmp_path / "m").predict(X)
    np.testing.assert_array_equal(out["label"], logreg.predict(X))
    np.testing.assert_allclose(out["probabilities"], logreg.predict_proba(X), atol=1e-5)


def test_onnx_log_model_of_a_regressor_without_an_example(tmp_path, iris) -> None:
    from sklearn.linear_model import Ridge

    X, y = iris
    ridge = Ridge().fit(X.to_numpy(), y)
    mlt_onnx.save_model(ridge, tmp_path / "m")  # synthetic rows are used for the check
    got = mlt_pyfunc.load_model(tmp_path / "m").predict(X.to_numpy())
    np.testing.assert_allclose(got.ravel(), ridge.predict(X.to_numpy()), rtol=1e-4, atol=1e-4)


def test_onnx_conversion_that_changes_predictions_is_refused(tmp_path) -> None:
    from sklearn.linear_model import LinearRegression

    rng = np.random.default_rng(0)
    base = rng.uniform(1000, 2000, size=(50, 1))
    X = np.hstack([base, base + rng.normal(scale=1e-3, size=(50, 1))])
    y = 1e8 * (X[:, 0] - X[:, 1])  # float32 inputs cannot carry this difference
    model = LinearRegression().fit(X, y)
    with pytest.raises(OnnxConversionError, match="does not predict what the model predicts"):
        save_model(model, tmp_path / "m", to_onnx=True, input_example=X[:10])
    assert not (tmp_path / "m").exists()


def test_onnx_model_proto_is_saved_as_is(tmp_path) -> None:
    import onnx
    from onnx import TensorProto, helper

    graph = helper.make_graph(
        [helper.make_node("Add", ["a", "b"], ["c"])],
        "add",
        [helper.make_tensor_value_info(n, TensorProto.FLOAT, [None, 2]) for n in ("a", "b")],
        [helper.make_tensor_value_info("c", TensorProto.FLOAT, [None, 2])],
    )
    proto = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    proto.ir_version = 8
    mlt_onnx.save_model(proto, tmp_path / "m")
    model = mlt_pyfunc.load_model(tmp_path / "m")
    a = np.ones((2, 2), dtype=np.float32)
    np.testing.assert_array_equal(model.predict({"a": a, "b": a}), a * 2)
    assert isinstance(load_model(tmp_path / "m"), onnx.ModelProto)
    with pytest.raises(UnsupportedModelError, match="takes 2 inputs"):
        model.predict(a)
