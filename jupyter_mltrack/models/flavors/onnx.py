"""ONNX models run with onnxruntime, in MLflow's ``onnx`` flavor layout (``model.onnx``).

``to_onnx=True`` converts a scikit-learn model with skl2onnx (classifiers without ZipMap, so they
return plain arrays) and refuses to save unless onnxruntime's predictions on the input example
(or on synthetic rows when there is none) match the original model's.
"""

from __future__ import annotations

import os
from typing import Any

from jupyter_mltrack.models.errors import OnnxConversionError, UnsupportedModelError
from jupyter_mltrack.models.flavors import Saved, flavor_conf, from_modules, mlflow_entry, require

FLAVOR_NAME = "onnx"
_FILE = "model.onnx"
_PROVIDERS = ["CPUExecutionProvider"]


def detect(model: Any) -> bool:
    return from_modules(model, "onnx")


def save(
    model: Any,
    path: str,
    example: Any = None,
    onnx_execution_providers: list[str] | None = None,
    **_: Any,
) -> Saved:
    onnx = require("onnx", "onnx", "Saving an ONNX model")
    if not detect(model):
        model = convert_sklearn(model, example)
    onnx.checker.check_model(model)
    onnx.save_model(model, os.path.join(path, _FILE))
    native = {
        "onnx_version": str(onnx.__version__),
        "data": _FILE,
        "providers": onnx_execution_providers or _PROVIDERS,
        "onnx_session_options": None,
    }
    return Saved(native=native, pyfunc={"data": _FILE}, requirements=["onnx", "onnxruntime"], walk=None)


def convert_sklearn(model: Any, example: Any = None) -> Any:
    """skl2onnx's conversion of ``model``, checked against the original's predictions."""
    import numpy as np

    if not from_modules(model, "sklearn"):
        raise UnsupportedModelError(
            f"to_onnx converts scikit-learn models; a {type(model).__name__} must be converted to ONNX first."
        )
    skl2onnx = require("skl2onnx", "onnx", "Converting a scikit-learn model to ONNX")
    sample = _sample(model, example)
    options = {id(model): {"zipmap": False}} if hasattr(model, "predict_proba") else None
    try:
        proto = skl2onnx.to_onnx(model, sample[:1], options=options)
    except Exception as exc:
        raise UnsupportedModelError(f"skl2onnx cannot convert this {type(model).__name__}: {exc}") from None
    session = _session(proto.SerializeToString(), _PROVIDERS)
    outputs = session.run(None, {session.get_inputs()[0].name: sample})
    expected = np.asarray(model.predict(example if example is not None else sample))
    got = np.asarray(outputs[0]).reshape(expected.shape)
    if expected.dtype.kind in "fc":
        close = np.allclose(got, expected, rtol=1e-4, atol=1e-4)
        detail = f"largest difference {float(np.max(np.abs(got - expected))):.3g}"
    else:
        close = bool(np.array_equal(got.astype(expected.dtype), expected))
        detail = f"{int(np.sum(got.astype(expected.dtype) != expected))} of {len(expected)} labels differ"
    if not close:
        raise OnnxConversionError(
            f"The ONNX conversion of this {type(model).__name__} does not predict what the model predicts "
            f"({detail}); it was not saved. Save the scikit-learn model itself, or check skl2onnx's support "
            "for this estimator and its options."
        )
    return proto


def _sample(model: Any, example: Any) -> Any:
    """float32 rows to convert and check with: the example, else synthetic rows of the right width."""
    import numpy as np

    if example is not None:
        return np.asarray(example, dtype=np.float32)
    width = getattr(model, "n_features_in_", None)
    if width is None:
        raise UnsupportedModelError(
            "to_onnx needs an input_example (the model does not say how many features it takes)."
        )
    return np.random.default_rng(0).normal(size=(32, int(width))).astype(np.float32)


def _session(model: Any, providers: list[str]) -> Any:
    ort = require("onnxruntime", "onnx", "Running an ONNX model")
    return ort.InferenceSession(model, providers=providers)


def load_native(path: str, model: Any) -> Any:
    onnx = require("onnx", "onnx", "Loading an ONNX model")
    return onnx.load(os.path.join(path, flavor_conf(model, FLAVOR_NAME, path)["data"]))


class OnnxPyfunc:
    """onnxruntime over a DataFrame, an array (one-input models) or a dict of arrays.

    One output comes back as an array, several as a dict of arrays by output name.
    """

    _CASTS = {"tensor(float)": "float32", "tensor(double)": "float64", "tensor(int64)": "int64"}

    def __init__(self, session: Any) -> None:
        self.session = session
        self.inputs = [(i.name, i.type) for i in session.get_inputs()]
        self.outputs = [o.name for o in session.get_outputs()]

    def _feed(self, data: Any) -> dict[str, Any]:
        import numpy as np
        import pandas as pd

        if isinstance(data, dict):
            return dict(data)
        if isinstance(data, pd.DataFrame):
            if len(self.inputs) > 1:
                return {name: data[name].to_numpy() for name, _ in self.inputs}
            return {self.inputs[0][0]: data.to_numpy()}
        if len(self.inputs) != 1:
            names = [n for n, _ in self.inputs]
            raise UnsupportedModelError(
                f"This ONNX model takes {len(names)} inputs {names}; pass a dict or a DataFrame."
            )
        return {self.inputs[0][0]: np.asarray(data)}

    def predict(self, data: Any, params: dict[str, Any] | None = None) -> Any:
        import numpy as np

        feed = self._feed(data)
        types = dict(self.inputs)
        for name, value in feed.items():
            want = self._CASTS.get(types.get(name, ""))
            if want and np.asarray(value).dtype != want:
                feed[name] = np.asarray(value).astype(want)
        results = self.session.run(None, feed)
        return results[0] if len(results) == 1 else dict(zip(self.outputs, results, strict=True))

    def get_raw_model(self) -> Any:
        return self.session


def load_pyfunc(path: str, model: Any) -> OnnxPyfunc:
    conf = flavor_conf(model, FLAVOR_NAME, path)
    return OnnxPyfunc(_session(os.path.join(path, conf["data"]), list(conf.get("providers") or _PROVIDERS)))


def _load_pyfunc(path: str) -> OnnxPyfunc:
    """MLflow's loader entry point."""
    root, model = mlflow_entry(path)
    return load_pyfunc(root, model)
