"""``training_data=`` on every flavor's save/log functions, and the profile's bounds and naming.

The profile stored with a model is what ``monitoring.drift_report`` compares served inputs with, so
its feature names must be the names served requests are logged under, and building it must stay
bounded (a sample of at most ``MAX_ROWS`` rows, always the same one) whatever the data's size.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import jupyter_mltrack.lightgbm as mlt_lightgbm
import jupyter_mltrack.onnx as mlt_onnx
import jupyter_mltrack.pyfunc as mlt_pyfunc
import jupyter_mltrack.pytorch as mlt_pytorch
import jupyter_mltrack.sklearn as mlt_sklearn
import jupyter_mltrack.xgboost as mlt_xgboost
from jupyter_mltrack.models import save_model
from jupyter_mltrack.models.profile import MAX_ROWS, ProfileError, profile_data, read_profile
from jupyter_mltrack.models.uri import resolve_model_uri


def stored(folder: Path | str) -> dict[str, Any] | None:
    return read_profile(str(folder))


def same_as(profile: dict[str, Any] | None, data: Any) -> bool:
    """The stored profile is the profile of ``data`` (compared through JSON, as it was written)."""
    return bool(profile == json.loads(json.dumps(profile_data(data))))


# --------------------------------------------------------------------------------- each flavor
def _sklearn(X: pd.DataFrame, y: pd.Series) -> tuple[Any, Any]:
    from sklearn.linear_model import LogisticRegression

    return mlt_sklearn, LogisticRegression(max_iter=300).fit(X, y)


def _xgboost(X: pd.DataFrame, y: pd.Series) -> tuple[Any, Any]:
    xgb = pytest.importorskip("xgboost")
    return mlt_xgboost, xgb.XGBClassifier(n_estimators=3, max_depth=2).fit(X, y)


def _lightgbm(X: pd.DataFrame, y: pd.Series) -> tuple[Any, Any]:
    lgb = pytest.importorskip("lightgbm")
    return mlt_lightgbm, lgb.LGBMClassifier(n_estimators=3, verbose=-1).fit(X, y)


def _pytorch(X: pd.DataFrame, y: pd.Series) -> tuple[Any, Any]:
    torch = pytest.importorskip("torch")
    return mlt_pytorch, torch.jit.script(torch.nn.Linear(X.shape[1], 3))  # TorchScript: no class to import


def _onnx(X: pd.DataFrame, y: pd.Series) -> tuple[Any, Any]:
    pytest.importorskip("skl2onnx")
    from sklearn.linear_model import Ridge

    return mlt_onnx, Ridge().fit(X.to_numpy(dtype="float32"), y)  # converted to ONNX by the flavor


FLAVORS: dict[str, Callable[[pd.DataFrame, pd.Series], tuple[Any, Any]]] = {
    "sklearn": _sklearn, "xgboost": _xgboost, "lightgbm": _lightgbm, "pytorch": _pytorch, "onnx": _onnx,
}  # fmt: skip


@pytest.mark.parametrize("flavor", sorted(FLAVORS))
def test_each_flavor_log_and_save_model_store_the_training_profile(
    flavor: str, iris: tuple[pd.DataFrame, pd.Series], tmp_path: Path
) -> None:
    X, y = iris
    module, model = FLAVORS[flavor](X, y)
    info = module.log_model(model, name="model", training_data=X)
    logged = stored(resolve_model_uri(info.model_uri))
    assert same_as(logged, X) and logged is not None
    assert logged["rows"] == len(X) and list(logged["features"]) == list(X.columns)
    module.save_model(model, tmp_path / "saved", training_data=X.to_numpy())
    saved = stored(tmp_path / "saved")
    assert saved is not None and list(saved["features"]) == ["0", "1", "2", "3"]  # an array's positions


def test_pyfunc_log_and_save_model_store_the_training_profile(iris: tuple[pd.DataFrame, pd.Series],
                                                               tmp_path: Path) -> None:
    X, _ = iris

    def predict(model_input: Any) -> Any:
        return [0] * len(model_input)

    info = mlt_pyfunc.log_model(name="custom", python_model=predict, training_data=X)
    assert same_as(stored(resolve_model_uri(info.model_uri)), X)
    mlt_pyfunc.save_model(tmp_path / "m", python_model=predict, training_data=X.iloc[:40])
    assert stored(tmp_path / "m")["rows"] == 40  # type: ignore[index]


def test_training_data_wins_over_the_example_and_false_stores_none(
    iris: tuple[pd.DataFrame, pd.Series], logreg: Any, tmp_path: Path
) -> None:
    X, _ = iris
    mlt_sklearn.save_model(logreg, tmp_path / "both", input_example=X.head(3), training_data=X)
    assert stored(tmp_path / "both")["rows"] == len(X)  # type: ignore[index]
    mlt_sklearn.save_model(logreg, tmp_path / "none", input_example=X.head(3), training_data=False)
    assert stored(tmp_path / "none") is None and (tmp_path / "none" / "input_example.json").exists()


def test_unprofilable_training_data_is_an_error_and_leaves_nothing(logreg: Any, tmp_path: Path) -> None:
    with pytest.raises(ProfileError, match=r"shape \(10, 2, 2\)"):
        mlt_sklearn.save_model(logreg, tmp_path / "m", training_data=np.zeros((10, 2, 2)))
    assert not (tmp_path / "m").exists()

    class Opaque:
        pass

    with pytest.raises(ProfileError, match="Opaque"):
        save_model(logreg, tmp_path / "m", training_data=Opaque())


def test_an_image_batch_example_gives_no_profile_but_the_model_is_saved(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    net = torch.jit.script(torch.nn.Conv2d(1, 2, 3))
    images = np.random.default_rng(0).normal(size=(2, 1, 8, 8)).astype("float32")
    mlt_pytorch.save_model(net, tmp_path / "m", input_example=images)
    assert stored(tmp_path / "m") is None
    assert mlt_pyfunc.load_model(tmp_path / "m").predict(images).shape == (2, 2, 6, 6)


# --------------------------------------------------------------------------- bounds and naming
def test_large_data_is_sampled_deterministically_with_the_full_row_count() -> None:
    rng = np.random.default_rng(5)
    frame = pd.DataFrame({"x": rng.normal(size=MAX_ROWS + 50_000), "c": rng.choice(["a", "b"], MAX_ROWS + 50_000)})
    first, second = profile_data(frame), profile_data(frame)
    assert first == second
    assert (first["rows"], first["sampled_rows"]) == (MAX_ROWS + 50_000, MAX_ROWS)
    assert abs(first["features"]["x"]["quantiles"][50]) < 0.02  # the median of N(0, 1)
    assert abs(first["features"]["c"]["frequencies"]["a"] - 0.5) < 0.01
    wide = profile_data(np.zeros((5_000, 5_000)))  # 25M values: rows are cut to stay within MAX_CELLS
    assert wide["rows"] == 5_000 and wide["sampled_rows"] * 5_000 <= 10_000_000


def test_arrays_tensors_and_sparse_matrices_are_named_by_position() -> None:
    from scipy import sparse

    X = np.arange(12, dtype=float).reshape(6, 2)
    assert list(profile_data(X)["features"]) == ["0", "1"]
    assert profile_data(sparse.csr_matrix(X)) == profile_data(X)
    torch = pytest.importorskip("torch")
    assert profile_data(torch.tensor(X)) == profile_data(X)


def test_an_array_models_profile_uses_positions_as_its_signature_has_no_names(
    iris: tuple[pd.DataFrame, pd.Series], tmp_path: Path
) -> None:
    """Fitted on an array, a model has a nameless tensor signature: array requests are logged under
    their column positions (tests/autolog/test_profiles.py serves one), the names its profile uses."""
    from sklearn.linear_model import LogisticRegression

    from jupyter_mltrack.models import Model, TensorSpec

    X, y = iris[0].to_numpy(), iris[1]
    model = LogisticRegression(max_iter=300).fit(X, y)
    mlt_sklearn.save_model(model, tmp_path / "m", input_example=X[:3], training_data=X)
    signature = Model.load(str(tmp_path / "m")).signature
    assert signature is not None and signature.inputs is not None
    [spec] = signature.inputs.inputs
    assert isinstance(spec, TensorSpec) and spec.name is None
    assert list(stored(tmp_path / "m")["features"]) == [str(i) for i in range(X.shape[1])]  # type: ignore[index]
