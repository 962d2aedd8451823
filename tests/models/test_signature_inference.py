"""Signatures inferred from pandas, numpy, dicts and lists, serialized exactly as MLflow 3 writes them."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pandas as pd
import pytest

from jupyter_mltrack.errors import InvalidParameterError
from jupyter_mltrack.models import (
    ColSpec,
    DataType,
    ModelSignature,
    ParamSchema,
    ParamSpec,
    Schema,
    TensorSpec,
    infer_signature,
)

# Written by MLflow 3.17.2 for iris (mlflow.models.infer_signature(X, model.predict(X))).
MLFLOW_IRIS_INPUTS = (
    '[{"type": "double", "name": "sepal length (cm)", "required": true}, {"type": "double", "name": '
    '"sepal width (cm)", "required": true}, {"type": "double", "name": "petal length (cm)", "required": true}, '
    '{"type": "double", "name": "petal width (cm)", "required": true}]'
)
MLFLOW_LABELS = '[{"type": "tensor", "tensor-spec": {"dtype": "int64", "shape": [-1]}}]'
MLFLOW_NDARRAY_INPUTS = '[{"type": "tensor", "tensor-spec": {"dtype": "float64", "shape": [-1, 4]}}]'


def test_dataframe_and_labels_serialize_byte_for_byte_like_mlflow(iris, logreg) -> None:
    X, _ = iris
    signature = infer_signature(X, logreg.predict(X))
    assert signature.to_dict() == {"inputs": MLFLOW_IRIS_INPUTS, "outputs": MLFLOW_LABELS, "params": None}
    assert ModelSignature.from_dict(signature.to_dict()).to_dict() == signature.to_dict()


def test_ndarray_is_tensor_based_with_a_variable_first_axis(iris) -> None:
    X, _ = iris
    signature = infer_signature(X.to_numpy())
    assert signature.inputs.to_json() == MLFLOW_NDARRAY_INPUTS
    assert signature.inputs.is_tensor_spec() and not signature.inputs.has_input_names()
    assert signature.outputs is None


def test_column_types_of_every_dtype() -> None:
    frame = pd.DataFrame(
        {
            "b": [True, False],
            "i32": np.array([1, 2], dtype=np.int32),
            "i64": [1, 2],
            "u8": np.array([1, 2], dtype=np.uint8),
            "f32": np.array([1.0, 2.0], dtype=np.float32),
            "f64": [1.5, 2.5],
            "s": ["a", "b"],
            "bin": [b"x", b"y"],
            "t": pd.to_datetime(["2024-01-01", "2024-01-02"]),
        }
    )
    with pytest.warns(UserWarning, match="integer column"):
        schema = infer_signature(frame).inputs
    types = {spec.name: spec.type for spec in schema.inputs}
    assert types == {
        "b": DataType.boolean,
        "i32": DataType.integer,
        "i64": DataType.long,
        "u8": DataType.integer,
        "f32": DataType.float,
        "f64": DataType.double,
        "s": DataType.string,
        "bin": DataType.binary,
        "t": DataType.datetime,
    }


def test_missing_values_make_a_column_optional() -> None:
    schema = infer_signature(pd.DataFrame({"x": [1.0, None], "y": [1.0, 2.0]})).inputs
    assert [(s.name, s.required) for s in schema.inputs] == [("x", False), ("y", True)]


def test_series_dict_of_arrays_and_dict_of_scalars() -> None:
    assert infer_signature(pd.Series([1.0, 2.0], name="x")).inputs == Schema([ColSpec(DataType.double, "x")])
    tensors = infer_signature({"a": np.zeros((3, 2), dtype=np.float32), "b": np.array(["u", "v"])}).inputs
    assert tensors == Schema([TensorSpec("float32", (-1, 2), "a"), TensorSpec("str", (-1,), "b")])
    assert tensors.to_json() == (
        '[{"name": "a", "type": "tensor", "tensor-spec": {"dtype": "float32", "shape": [-1, 2]}}, '
        '{"name": "b", "type": "tensor", "tensor-spec": {"dtype": "str", "shape": [-1]}}]'
    )
    scalars = infer_signature({"text": "hello", "n": 3.0}).inputs
    assert scalars == Schema([ColSpec(DataType.string, "text"), ColSpec(DataType.double, "n")])


def test_lists_of_scalars_of_dicts_and_nested_values() -> None:
    assert infer_signature(["a", "b"]).inputs == Schema([ColSpec(DataType.string)])
    assert infer_signature([]).inputs == Schema([ColSpec(DataType.string)])
    records = infer_signature([{"q": "hi", "k": 1.0}, {"q": "yo", "k": None}]).inputs
    assert [(s.name, s.type, s.required) for s in records.inputs] == [
        ("q", DataType.string, True),
        ("k", DataType.double, False),
    ]
    nested = infer_signature({"ids": ["a", "b"], "meta": {"lang": "en"}}).inputs.to_dict()
    assert nested == [
        {"type": "array", "items": {"type": "string"}, "name": "ids", "required": True},
        {
            "type": "object",
            "properties": {"lang": {"type": "string", "required": True}},
            "name": "meta",
            "required": True,
        },
    ]
    assert Schema.from_json(json.dumps(nested)).to_dict() == nested  # complex types round-trip unchanged


def test_params_schema() -> None:
    signature = infer_signature(
        np.zeros((2, 2)), params={"k": 3, "temperature": 0.5, "tags": ["a"], "when": dt.date(2024, 1, 2)}
    )
    assert signature.params is not None
    assert json.loads(signature.params.to_json()) == [
        {"name": "k", "default": 3, "shape": None, "type": "long"},
        {"name": "temperature", "default": 0.5, "shape": None, "type": "double"},
        {"name": "tags", "default": ["a"], "shape": [-1], "type": "string"},
        {"name": "when", "default": "2024-01-02", "shape": None, "type": "datetime"},
    ]
    assert ParamSchema.from_json(signature.params.to_json()).params[0] == ParamSpec("k", DataType.long, 3)


def test_what_cannot_be_inferred_says_what_can() -> None:
    with pytest.raises(InvalidParameterError, match="DataFrame"):
        infer_signature(object())
    with pytest.raises(InvalidParameterError, match="several types"):
        infer_signature([1, "a"])
    with pytest.raises(InvalidParameterError, match="keys are not all strings"):
        infer_signature({1: "a"})


def test_a_schema_is_columns_or_tensors_never_both() -> None:
    from jupyter_mltrack.models.errors import ModelFormatError

    with pytest.raises(ModelFormatError, match="not both"):
        Schema([ColSpec(DataType.double, "a"), TensorSpec("float64", (-1,), "b")])
    with pytest.raises(ModelFormatError, match="Unknown column type"):
        Schema.from_json('[{"type": "decimal", "name": "x"}]')
