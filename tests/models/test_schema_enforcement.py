"""Signature enforcement at predict time with MLflow's casting rules, through a real saved model.

Each rule is checked on a PyFuncModel of a small custom model that returns what it receives, so
the test sees exactly what the model would get.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import jupyter_mltrack.pyfunc as mlt_pyfunc
from jupyter_mltrack.models import ColSpec, DataType, ModelSignature, ParamSchema, ParamSpec, Schema, TensorSpec
from jupyter_mltrack.models.enforce import cast_column
from jupyter_mltrack.models.errors import SchemaEnforcementError


class Echo(mlt_pyfunc.PythonModel):
    def predict(self, context, model_input, params=None):
        return model_input, params


def echo(tmp_path, inputs: Schema, params: ParamSchema | None = None):
    path = tmp_path / "echo"
    mlt_pyfunc.save_model(path, python_model=Echo(), signature=ModelSignature(inputs, None, params))
    return mlt_pyfunc.load_model(path)


COLUMNS = Schema([ColSpec(DataType.long, "age"), ColSpec(DataType.double, "income"), ColSpec(DataType.string, "city")])


def frame(**columns):
    return pd.DataFrame(columns)


@pytest.mark.parametrize(
    ("values", "target", "dtype"),
    [
        (np.array([1, 2], dtype=np.int32), DataType.long, "int64"),  # integer widening
        (np.array([1, 2], dtype=np.int8), DataType.integer, "int32"),
        (np.array([1, 2], dtype=np.uint8), DataType.integer, "int32"),  # unsigned into a wider signed
        (np.array([1, 2], dtype=np.int32), DataType.double, "float64"),  # small ints to double
        (np.array([1.0, 2.0], dtype=np.float32), DataType.double, "float64"),  # float widening
        (np.array([0, 1, 1]), DataType.double, "float64"),  # int64 of only 0/1 values
        (np.array([0, 1]), DataType.float, "float32"),
        (np.array(["a", "b"], dtype=object), DataType.string, str(pd.Series(["a"]).dtype)),  # text stays text
        (np.array(["2024-01-01"], dtype="datetime64[s]"), DataType.datetime, "datetime64[ns]"),
        (np.array([True, False]), DataType.boolean, "bool"),
        (np.array([b"a", b"b"]), DataType.binary, "|S1"),
    ],
)
def test_allowed_casts(values, target, dtype) -> None:
    assert str(cast_column("x", pd.Series(values), target).dtype) == dtype


@pytest.mark.parametrize(
    ("values", "target"),
    [
        (np.array([1.5, 2.0]), DataType.long),  # float -> int
        (np.array([1.0, 2.0]), DataType.integer),
        (np.array([1.0, 2.0]), DataType.float),  # double -> float narrows
        (np.array([1, 2], dtype=np.int64), DataType.integer),  # long -> integer narrows
        (np.array([5, 7], dtype=np.int64), DataType.double),  # int64 -> double loses precision
        (np.array([5, 7], dtype=np.int32), DataType.float),
        (np.array([1, 2], dtype=np.uint32), DataType.integer),  # uint32 does not fit int32
        (np.array(["1", "2"], dtype=object), DataType.double),  # text is never parsed
        (np.array([1.0, 2.0]), DataType.boolean),
        (np.array([1, 2]), DataType.string),
    ],
)
def test_refused_casts(values, target) -> None:
    with pytest.raises(SchemaEnforcementError, match="Incompatible input types for column 'x'"):
        cast_column("x", pd.Series(values), target)


def test_float_with_missing_values_for_an_int_column_gets_a_hint() -> None:
    with pytest.raises(SchemaEnforcementError, match="cannot hold missing values"):
        cast_column("age", pd.Series([1.0, None]), DataType.long)


def test_a_matching_frame_reaches_the_model_unchanged(tmp_path) -> None:
    model = echo(tmp_path, COLUMNS)
    data = frame(age=[30, 40], income=[1.5, 2.5], city=["a", "b"])
    got, _ = model.predict(data)
    pd.testing.assert_frame_equal(got, data)


def test_casts_reorder_and_extra_columns(tmp_path) -> None:
    model = echo(tmp_path, COLUMNS)
    data = frame(city=["a"], income=np.array([3], dtype=np.int16), age=np.array([1], dtype=np.int32), extra=[0])
    with pytest.warns(UserWarning, match=r"\['extra'\] are not in the model signature"):
        got, _ = model.predict(data)
    assert list(got.columns) == ["age", "income", "city"]
    assert [str(t) for t in got.dtypes] == ["int64", "float64", str(data["city"].dtype)]


def test_missing_column_names_expected_and_received_columns_and_types(tmp_path) -> None:
    model = echo(tmp_path, COLUMNS)
    with pytest.raises(SchemaEnforcementError) as caught:
        model.predict(frame(age=[1], city=["x"]))
    message = str(caught.value)
    assert "missing column(s) ['income']" in message
    assert "expected: ['age': long, 'income': double, 'city': string]" in message
    assert "received: ['age': int64, 'city': " in message


def test_mistyped_column_names_the_column_and_both_types(tmp_path) -> None:
    model = echo(tmp_path, COLUMNS)
    with pytest.raises(SchemaEnforcementError) as caught:
        model.predict(frame(age=[1.5], income=[1.0], city=["x"]))
    message = str(caught.value)
    assert "column 'age': cannot safely convert float64 to long" in message
    assert "received: ['age': float64, 'income': float64" in message


def test_optional_columns_may_be_absent(tmp_path) -> None:
    schema = Schema([ColSpec(DataType.double, "a"), ColSpec(DataType.double, "b", required=False)])
    got, _ = echo(tmp_path, schema).predict(frame(a=[1.0]))
    assert list(got.columns) == ["a"]


def test_every_input_shape_becomes_a_table(tmp_path) -> None:
    model = echo(tmp_path, COLUMNS)
    row = {"age": 3, "income": 1.0, "city": "x"}
    for data in (row, pd.Series(row), [row], pd.DataFrame([row]), [[3, 1.0, "x"]]):
        got, _ = model.predict(data)
        assert got.to_dict(orient="records") == [row], type(data)


def test_unnamed_columns_are_checked_by_position_and_count(tmp_path) -> None:
    model = echo(tmp_path, Schema([ColSpec(DataType.double), ColSpec(DataType.double)]))
    got, _ = model.predict(np.array([[1.0, 2.0]]))
    assert got.shape == (1, 2)
    with pytest.raises(SchemaEnforcementError, match="takes 2 unnamed columns but got 1"):
        model.predict(np.array([[1.0]]))


def test_tensors_shape_and_exact_dtype(tmp_path) -> None:
    model = echo(tmp_path, Schema([TensorSpec("float32", (-1, 2))]))
    ok = np.zeros((5, 2), dtype=np.float32)
    assert model.predict(ok)[0] is ok
    with pytest.raises(
        SchemaEnforcementError, match=r"Shape of input \(5, 3\) does not match expected shape \(-1, 2\)"
    ):
        model.predict(np.zeros((5, 3), dtype=np.float32))
    with pytest.raises(SchemaEnforcementError, match="dtype of input float64 does not match expected dtype float32"):
        model.predict(np.zeros((5, 2)))  # tensors are never cast, as in MLflow
    assert model.predict([[1.0, 2.0]])[0].dtype == np.float32  # a list is read as the declared dtype
    with pytest.raises(SchemaEnforcementError, match="takes a tensor"):
        model.predict("text")


def test_named_tensors(tmp_path) -> None:
    model = echo(tmp_path, Schema([TensorSpec("int64", (-1,), "ids"), TensorSpec("float64", (-1, 3), "x")]))
    got, _ = model.predict({"ids": np.array([1, 2]), "x": np.zeros((2, 3))})
    assert set(got) == {"ids", "x"}
    with pytest.raises(SchemaEnforcementError, match=r"missing tensor\(s\) \['x'\]"):
        model.predict({"ids": np.array([1])})
    with pytest.raises(SchemaEnforcementError, match="named tensors"):
        model.predict(np.zeros((2, 3)))


def test_params_defaults_widening_and_refusals(tmp_path) -> None:
    params = ParamSchema([ParamSpec("k", DataType.long, 5), ParamSpec("t", DataType.double, 0.5)])
    model = echo(tmp_path, COLUMNS, params)
    data = frame(age=[1], income=[1.0], city=["x"])
    assert model.predict(data)[1] == {"k": 5, "t": 0.5}
    assert model.predict(data, params={"t": 2})[1] == {"k": 5, "t": 2.0}  # long -> double is allowed
    with pytest.raises(SchemaEnforcementError, match="Param 'k' takes long"):
        model.predict(data, params={"k": 1.5})
    with pytest.warns(UserWarning, match=r"Params \['nope'\] are not in the model signature"):
        model.predict(data, params={"nope": 1})


def test_params_without_a_params_schema_are_ignored_with_a_warning(tmp_path) -> None:
    model = echo(tmp_path, COLUMNS)
    with pytest.warns(UserWarning, match="declares no params"):
        assert model.predict(frame(age=[1], income=[1.0], city=["x"]), params={"k": 1})[1] is None
