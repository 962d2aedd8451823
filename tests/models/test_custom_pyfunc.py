"""Custom Python models: load_context with artifacts, predict with or without context and params."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import jupyter_mltrack as mlt
import jupyter_mltrack.pyfunc as mlt_pyfunc
from jupyter_mltrack.errors import InvalidParameterError
from jupyter_mltrack.models import infer_signature, load_model


class Scaled(mlt_pyfunc.PythonModel):
    """Reads a factor file and a vocabulary folder; multiplies the row sums."""

    def load_context(self, context):
        with open(context.artifacts["factor"]) as handle:
            self.factor = float(handle.read())
        with open(f"{context.artifacts['vocab']}/words.json") as handle:
            self.words = json.load(handle)
        self.offset = context.model_config.get("offset", 0)

    def predict(self, context, model_input, params=None):
        scale = (params or {}).get("scale", 1.0)
        return model_input.sum(axis=1) * self.factor * scale + self.offset


def artifacts(tmp_path):
    (tmp_path / "factor.txt").write_text("2.5")
    (tmp_path / "vocab").mkdir()
    (tmp_path / "vocab" / "words.json").write_text('["a", "b"]')
    return {"factor": str(tmp_path / "factor.txt"), "vocab": str(tmp_path / "vocab")}


def test_artifacts_are_copied_and_handed_back_as_local_paths(tmp_path, iris) -> None:
    X, _ = iris
    signature = infer_signature(X, params={"scale": 1.0})  # params reach predict only if declared
    mlt_pyfunc.save_model(
        tmp_path / "m",
        python_model=Scaled(),
        artifacts=artifacts(tmp_path),
        model_config={"offset": 1},
        signature=signature,
    )
    (tmp_path / "factor.txt").write_text("999")  # the model keeps its own copy
    model = mlt_pyfunc.load_model(tmp_path / "m")
    np.testing.assert_allclose(model.predict(X), X.sum(axis=1) * 2.5 + 1)
    np.testing.assert_allclose(model.predict(X, params={"scale": 2.0}), X.sum(axis=1) * 5 + 1)
    inner = model.unwrap_python_model()
    assert inner.words == ["a", "b"] and isinstance(inner, Scaled)
    assert sorted(p.name for p in (tmp_path / "m" / "artifacts").iterdir()) == ["factor.txt", "vocab"]
    assert isinstance(load_model(tmp_path / "m"), mlt_pyfunc.PyFuncModel)  # no native flavor: the pyfunc


def test_artifacts_from_a_run(tmp_path) -> None:
    (tmp_path / "factor.txt").write_text("3")
    with mlt.start_run() as run:
        mlt.log_artifact(tmp_path / "factor.txt", "inputs")

    class FromRun(mlt_pyfunc.PythonModel):
        def load_context(self, context):
            with open(context.artifacts["factor"]) as handle:
                self.factor = float(handle.read())

        def predict(self, context, model_input, params=None):
            return [x * self.factor for x in model_input]

    uri = f"runs:/{run.info.run_id}/inputs/factor.txt"
    mlt_pyfunc.save_model(tmp_path / "m", python_model=FromRun(), artifacts={"factor": uri})
    assert mlt_pyfunc.load_model(tmp_path / "m").predict([1.0, 2.0]) == [3.0, 6.0]


def test_predict_without_context_and_plain_functions(tmp_path) -> None:
    class NoContext(mlt_pyfunc.PythonModel):
        def predict(self, model_input, params=None):
            return model_input["x"] * 2

    mlt_pyfunc.save_model(tmp_path / "a", python_model=NoContext())
    assert mlt_pyfunc.load_model(tmp_path / "a").predict({"x": 4}).tolist() == [8]

    mlt_pyfunc.save_model(tmp_path / "b", python_model=lambda frame: frame["x"] + 1)
    assert mlt_pyfunc.load_model(tmp_path / "b").predict(pd.DataFrame({"x": [1, 2]})).tolist() == [2, 3]


def test_input_example_gives_a_signature_from_the_model_itself(tmp_path, iris) -> None:
    X, _ = iris
    mlt_pyfunc.save_model(tmp_path / "m", python_model=Scaled(), artifacts=artifacts(tmp_path), input_example=X.head(2))
    model = mlt_pyfunc.load_model(tmp_path / "m")
    signature = model.metadata.signature
    assert signature.inputs.input_names() == list(X.columns)
    assert signature.outputs.to_json() == '[{"type": "double", "required": true}]'
    pd.testing.assert_frame_equal(model.metadata.load_input_example(tmp_path / "m"), X.head(2))


def test_python_model_is_required(tmp_path) -> None:
    with pytest.raises(InvalidParameterError, match="python_model is required"):
        mlt_pyfunc.save_model(tmp_path / "m")
