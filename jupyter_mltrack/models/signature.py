"""``infer_signature``: MLflow's schema inference, so a signature inferred here equals MLflow's.

DataFrames, Series, lists and dicts of scalars give column-based schemas (``ColSpec``); numpy
arrays and dicts of arrays give tensor-based ones (``TensorSpec``, first axis variable).
"""

from __future__ import annotations

import datetime as dt
import warnings
from typing import Any

from jupyter_mltrack.errors import InvalidParameterError
from jupyter_mltrack.models.schema import (
    ColSpec,
    ComplexType,
    DataType,
    ModelSignature,
    ParamSchema,
    ParamSpec,
    Schema,
    Spec,
    TensorSpec,
)

_SCALARS: dict[str, DataType] = {
    "bool": DataType.boolean,
    "bool_": DataType.boolean,
    "int": DataType.long,
    "int64": DataType.long,
    "int32": DataType.integer,
    "float": DataType.double,
    "float64": DataType.double,
    "float32": DataType.float,
    "str": DataType.string,
    "str_": DataType.string,
    "bytes": DataType.binary,
    "bytes_": DataType.binary,
    "bytearray": DataType.binary,
}
_ANY: dict[str, Any] = {"type": "any"}
Inferred = DataType | dict[str, Any]


def infer_signature(
    model_input: Any = None, model_output: Any = None, params: dict[str, Any] | None = None
) -> ModelSignature:
    """The signature of a model from example inputs, outputs and predict-time params."""
    return ModelSignature(
        infer_schema(model_input) if model_input is not None else None,
        infer_schema(model_output) if model_output is not None else None,
        _infer_params(params) if params else None,
    )


def infer_schema(data: Any) -> Schema:
    """The schema of one dataset (MLflow's ``_infer_schema``)."""
    import numpy as np
    import pandas as pd

    if isinstance(data, list) and not data:
        return Schema([ColSpec(DataType.string)])
    if isinstance(data, list) and all(isinstance(v, dict) for v in data):
        columns: dict[str, list[Any]] = {}
        for row in data:
            for key, value in row.items():
                columns.setdefault(key, []).append(value)
        specs: list[Spec] = [
            ColSpec(_as_type(_array_item(values)), key, all(row.get(key) is not None for row in data))
            for key, values in columns.items()
        ]
        schema = Schema(specs)
    elif isinstance(data, dict):
        if data and all(isinstance(v, np.ndarray) for v in data.values()):
            schema = Schema([_tensor(v, name) for name, v in data.items()])
        else:
            if any(not isinstance(k, str) for k in data):
                raise InvalidParameterError("Cannot infer a signature from a dict whose keys are not all strings.")
            schema = Schema([ColSpec(_as_type(_infer(v)), k, _required(v)) for k, v in data.items()])
    elif isinstance(data, pd.Series):
        schema = Schema([ColSpec(_as_type(_column_type(data)), data.name, _required(data))])
    elif isinstance(data, pd.DataFrame):
        schema = Schema([ColSpec(_as_type(_column_type(data[c])), c, _required(data[c])) for c in data.columns])
    elif isinstance(data, np.ndarray):
        schema = Schema([_tensor(data)])
    elif _is_sparse(data):
        schema = Schema([TensorSpec(_clean_dtype(data.data.dtype), (-1, *data.shape[1:]))])
    elif isinstance(data, list):
        item = _array_item(data)
        schema = Schema([ColSpec(_as_type(item))])
    else:
        try:
            schema = Schema([ColSpec(_as_type(_infer(data)))])
        except InvalidParameterError:
            raise InvalidParameterError(
                "Cannot infer a signature from a "
                f"{type(data).__name__}. Pass a pandas DataFrame or Series, a numpy array, a dict of "
                "arrays, a dict or list of scalars, or a list of dicts."
            ) from None
    if not schema.is_tensor_spec() and any(
        isinstance(s, ColSpec) and s.type in (DataType.integer, DataType.long) for s in schema.inputs
    ):
        warnings.warn(
            "Hint: the inferred schema has integer column(s). Integers cannot hold missing values: if "
            "your data may have them at inference time, declare those columns as double.",
            stacklevel=3,
        )
    return schema


def _tensor(array: Any, name: str | None = None) -> TensorSpec:
    shape = (-1, *array.shape[1:]) if array.ndim else ()
    return TensorSpec(_clean_dtype(array.dtype), tuple(int(d) for d in shape), name)


def _clean_dtype(dtype: Any) -> str:
    """Flexible dtypes lose their size (``<U5`` -> ``str``), as MLflow stores them."""
    if dtype.char == "U":
        return "str"
    if dtype.char == "S":
        return "bytes"
    return str(dtype.name)


def _is_sparse(data: Any) -> bool:
    return type(data).__module__.startswith("scipy.sparse") and hasattr(data, "indptr")


def _required(value: Any) -> bool:
    import pandas as pd

    if isinstance(value, (list, pd.Series)):
        return not any(_is_missing(x) for x in value)
    return not _is_missing(value)


def _is_missing(value: Any) -> bool:
    import pandas as pd

    if isinstance(value, float):
        return value != value
    return value is None or value is pd.NA or value is pd.NaT


def _column_type(column: Any) -> Inferred:
    """The type of a pandas column: its dtype, or its values when the dtype is object."""
    import pandas as pd

    if len(column.values.shape) > 1:
        raise InvalidParameterError(f"Column {column.name!r} is not one-dimensional.")
    if column.dtype.kind == "O":
        column = column.infer_objects()
    if column.dtype.kind == "O":
        try:
            item = _array_item(column.to_list())
        except InvalidParameterError:
            if pd.api.types.is_string_dtype(column):
                return DataType.string
            raise
        return item if item is not None else _ANY
    return numpy_datatype(column.dtype)


def numpy_datatype(dtype: Any) -> DataType:
    """The column type of a numpy or pandas dtype (MLflow's ``_infer_numpy_dtype``)."""
    kind, size = dtype.kind, dtype.itemsize
    if kind == "b":
        return DataType.boolean
    if kind in "iu":
        if size < 4 or (kind == "i" and size == 4):
            return DataType.integer
        if size < 8 or (kind == "i" and size == 8):
            return DataType.long
    elif kind == "f":
        if size <= 4:
            return DataType.float
        if size <= 8:
            return DataType.double
    elif kind in "UO" or str(dtype) in ("str", "string"):
        return DataType.string
    elif kind == "S":
        return DataType.binary
    elif kind == "M":
        return DataType.datetime
    raise InvalidParameterError(f"Unsupported data type {dtype} (kind {kind!r}) in a signature.")


def _infer(value: Any) -> Inferred:
    """Scalar -> DataType; list/array -> array; dict -> object; None or empty -> any."""
    import numpy as np

    if _is_missing(value) or (isinstance(value, (list, dict)) and not value):
        return _ANY
    if isinstance(value, dict):
        properties = {}
        for key, item in value.items():
            kind = _infer(item)
            properties[str(key)] = {**_type_dict(kind), "required": kind != _ANY}
        return {"type": "object", "properties": dict(sorted(properties.items()))}
    if isinstance(value, (list, np.ndarray)):
        item = _array_item(value)
        if item is None:
            raise InvalidParameterError("An array in the example is empty; give at least one value.")
        return {"type": "array", "items": _type_dict(item)}
    scalar = _SCALARS.get(type(value).__name__)
    if scalar is not None:
        return scalar
    if isinstance(value, (dt.date, np.datetime64)):
        return DataType.datetime
    raise InvalidParameterError(f"Value {value!r} of type {type(value).__name__} has no signature type.")


def _array_item(values: Any) -> Inferred | None:
    """The one type shared by all non-missing items (objects are merged), None if all are empty."""
    result: Inferred | None = None
    for value in values:
        kind = _infer(value)
        if result is None or result == _ANY:
            result = kind
        elif kind in (_ANY, result):
            continue
        elif isinstance(kind, dict) and isinstance(result, dict) and kind["type"] == result["type"] == "object":
            result = _merge_objects(result, kind)
        else:
            raise InvalidParameterError(f"Values of one column or list have several types: {result} and {kind}.")
    return result


def _merge_objects(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    props: dict[str, Any] = {}
    for key in sorted(set(a["properties"]) | set(b["properties"])):
        left, right = a["properties"].get(key), b["properties"].get(key)
        merged = dict(left or right)
        merged["required"] = bool(left and right and left["required"] and right["required"])
        props[key] = merged
    return {"type": "object", "properties": props}


def _type_dict(kind: Inferred) -> dict[str, Any]:
    return {"type": kind.name} if isinstance(kind, DataType) else dict(kind)


def _as_type(kind: Inferred | None) -> DataType | ComplexType:
    if kind is None:
        return ComplexType(dict(_ANY))
    return kind if isinstance(kind, DataType) else ComplexType(kind)


def _infer_params(params: dict[str, Any]) -> ParamSchema:
    specs = []
    for name, value in params.items():
        if isinstance(value, (list, tuple)):
            kinds = [_infer(v) for v in value]
            first = kinds[0] if kinds else None
            if not isinstance(first, DataType) or any(k != first for k in kinds):
                raise InvalidParameterError(f"Param {name!r}: a list param needs values of one scalar type.")
            specs.append(ParamSpec(name, first, list(value), (-1,)))
            continue
        kind = _infer(value)
        if not isinstance(kind, DataType):
            raise InvalidParameterError(f"Param {name!r} must be a scalar or a list of scalars, not {value!r}.")
        specs.append(ParamSpec(name, kind, value.isoformat() if isinstance(value, dt.date) else value))
    return ParamSchema(specs)
