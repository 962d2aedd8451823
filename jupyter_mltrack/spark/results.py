"""Spark result types: from a DDL string, a pyspark DataType or the model's signature, and the
model's predictions converted to the pandas Series (or DataFrame, for a struct) Spark expects.

Kept apart from the UDF itself: the types are settled once on the driver (parsing a DDL string needs
the running SparkSession), while the conversion runs in every Python worker on every batch and is
plain pandas and numpy.
"""

from __future__ import annotations

import warnings
from typing import Any

from jupyter_mltrack.errors import InvalidParameterError
from jupyter_mltrack.models.schema import ColSpec, ComplexType, DataType, Schema, TensorSpec

# Spark type name -> numpy dtype of the column handed to Spark (None: Python strings).
_PRIMITIVES: dict[str, str | None] = {
    "boolean": "bool",
    "integer": "int32",
    "long": "int64",
    "float": "float32",
    "double": "float64",
    "string": None,
}
_SIGNATURE_TYPES = {
    DataType.boolean: "boolean",
    DataType.integer: "integer",
    DataType.long: "long",
    DataType.float: "float",
    DataType.double: "double",
    DataType.string: "string",
}
_SUPPORTED = (
    "boolean, int, long (bigint), float, double, string; array<...> of those (nested arrays too); "
    "a struct of them ('label long, proba array<double>')"
)


def result_type(given: Any, outputs: Schema | None) -> Any:
    """The UDF's Spark type: ``given`` (DDL string or DataType) if any, else the signature's outputs."""
    kind = _parse_type(given) if given is not None else _signature_type(outputs)
    _check_type(kind)
    return kind


def _parse_type(result_type: Any) -> Any:
    from pyspark.sql.types import DataType as SparkType

    if isinstance(result_type, SparkType):
        return result_type
    if isinstance(result_type, str):
        from pyspark.sql.types import _parse_datatype_string

        text = "boolean" if result_type.strip() == "bool" else result_type
        try:
            return _parse_datatype_string(text)
        except Exception as exc:
            reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise InvalidParameterError(
                f"result_type {result_type!r} is not a Spark type ({reason}). Use a DDL string such as "
                f"'double', 'array<double>' or 'label long, score double'. Supported: {_SUPPORTED}."
            ) from None
    raise InvalidParameterError(
        f"result_type must be a DDL string or a pyspark DataType, not {type(result_type).__name__}."
    )


def _check_type(kind: Any, top: bool = True) -> None:
    name = kind.typeName()
    if name in _PRIMITIVES:
        return
    if name == "array":
        _check_type(kind.elementType, top=False)
        return
    if name == "struct" and top:
        for field in kind.fields:
            _check_type(field.dataType, top=False)
        return
    raise InvalidParameterError(f"spark_udf cannot return {kind.simpleString()}. Supported: {_SUPPORTED}.")


def _signature_type(outputs: Schema | None) -> Any:
    """The Spark type of the signature's outputs: one output as itself, several as a struct."""
    from pyspark.sql.types import DoubleType, StructField, StructType

    if outputs is None or not outputs.inputs:
        warnings.warn(
            "The model has no output signature, so spark_udf returns double; pass result_type= "
            "(e.g. 'string' or 'label long, score double') if it predicts something else.",
            stacklevel=3,
        )
        return DoubleType()
    if len(outputs.inputs) == 1:
        return _spec_type(outputs.inputs[0])
    return StructType(
        [StructField(str(s.name if s.name is not None else i), _spec_type(s)) for i, s in enumerate(outputs.inputs)]
    )


def _spec_type(spec: ColSpec | TensorSpec) -> Any:
    """A ColSpec's type, or a tensor's: its first axis is the rows, so shape (-1,) is a scalar per row."""
    from pyspark.sql.types import ArrayType

    if isinstance(spec, TensorSpec):
        element = _numpy_type(spec)
        for _ in range(max(len(spec.shape) - 1, 0)):
            element = ArrayType(element)
        return element
    if isinstance(spec.type, DataType) and spec.type in _SIGNATURE_TYPES:
        return _spark_type(_SIGNATURE_TYPES[spec.type])
    if isinstance(spec.type, ComplexType) and spec.type.name == "array":
        return _array_type(spec.type.spec, spec)
    raise InvalidParameterError(
        f"The model's output {spec.describe()} has no Spark result type spark_udf can infer; pass "
        f"result_type= explicitly. Supported: {_SUPPORTED}."
    )


def _array_type(raw: dict[str, Any], spec: ColSpec) -> Any:
    from pyspark.sql.types import ArrayType

    items = raw.get("items") or {}
    if items.get("type") == "array":
        return ArrayType(_array_type(items, spec))
    if items.get("type") in [t.name for t in _SIGNATURE_TYPES]:
        return ArrayType(_spark_type(_SIGNATURE_TYPES[DataType[items["type"]]]))
    raise InvalidParameterError(
        f"The model's output {spec.describe()} has no Spark result type spark_udf can infer; "
        "pass result_type= explicitly."
    )


def _numpy_type(spec: TensorSpec) -> Any:
    dtype = spec.numpy_dtype
    kind, size = dtype.kind, dtype.itemsize
    name = {"b": "boolean", "U": "string", "O": "string"}.get(kind)
    if kind == "f":
        name = "float" if size <= 4 else "double"
    elif kind in "iu":
        name = "integer" if size < 4 or (kind == "i" and size == 4) else "long" if size < 8 or kind == "i" else None
    if name is None:
        raise InvalidParameterError(
            f"The model's output tensor {spec.describe()} has no Spark type; pass result_type= explicitly."
        )
    return _spark_type(name)


def _spark_type(name: str) -> Any:
    from pyspark.sql import types

    classes = {
        "boolean": types.BooleanType,
        "integer": types.IntegerType,
        "long": types.LongType,
        "float": types.FloatType,
        "double": types.DoubleType,
        "string": types.StringType,
    }
    return classes[name]()


class _Mismatch(ValueError):
    pass


def to_spark(predictions: Any, kind: Any, rows: int) -> Any:
    """Predictions as the pandas Series (or DataFrame, for a struct) Spark expects for ``kind``."""
    import numpy as np
    import pandas as pd

    if isinstance(predictions, dict):
        predictions = pd.DataFrame({k: list(v) if np.ndim(v) > 1 else v for k, v in predictions.items()})
    elif isinstance(predictions, list):
        predictions = pd.DataFrame(predictions) if predictions and isinstance(predictions[0], dict) else predictions
    if not isinstance(predictions, (pd.DataFrame, pd.Series)):
        predictions = np.asarray(predictions)
        if predictions.ndim == 0:
            predictions = predictions.reshape(1)
    if len(predictions) != rows:
        raise InvalidParameterError(
            f"The model returned {len(predictions)} predictions for {rows} rows; spark_udf needs one per row."
        )
    name = kind.typeName()
    if name == "struct":
        return _struct(predictions, kind)
    if name == "array":
        if isinstance(predictions, pd.DataFrame):
            predictions = predictions.iloc[:, 0] if predictions.shape[1] == 1 else predictions.to_numpy()
        return pd.Series([_cell(v, kind) for v in predictions])
    candidates = _columns(predictions)
    for column in candidates:
        try:
            return _scalars(column, kind)
        except _Mismatch:
            continue
    got = ", ".join(str(getattr(c, "dtype", "?")) for c in candidates)
    raise InvalidParameterError(
        f"The model's predictions ({got}) cannot be returned as {kind.simpleString()}; pass a result_type that "
        "fits them, e.g. 'string', 'array<double>' or a struct."
    )


def _columns(predictions: Any) -> list[Any]:
    """Candidate columns for a scalar result, left to right (MLflow takes the leftmost that fits)."""
    import pandas as pd

    if isinstance(predictions, pd.DataFrame):
        return [predictions.iloc[:, i] for i in range(predictions.shape[1])]
    if isinstance(predictions, pd.Series) or predictions.ndim == 1:
        return [predictions]
    flat = predictions.reshape(len(predictions), -1)
    return [flat[:, i] for i in range(flat.shape[1])]


def _scalars(values: Any, kind: Any) -> Any:
    import numpy as np
    import pandas as pd

    series = pd.Series(values).reset_index(drop=True)
    name = kind.typeName()
    if name == "string":
        return pd.Series([None if _missing(v) else str(v) for v in series], dtype=object)
    if series.dtype == object:
        series = series.infer_objects()
    dtype, letter = _PRIMITIVES[name], series.dtype.kind
    fits = {
        "boolean": letter == "b",
        "integer": letter in "biu" or (letter == "f" and _integral(series)),
        "long": letter in "biu" or (letter == "f" and _integral(series)),
    }.get(name, letter in "biuf")
    if not fits:
        raise _Mismatch(name)
    try:
        converted = series.astype(np.dtype(dtype))
    except (TypeError, ValueError) as exc:
        raise _Mismatch(name) from exc
    if name in ("integer", "long") and not (converted == series).all():
        raise _Mismatch(name)  # out of range: astype would wrap around silently
    return converted


def _integral(series: Any) -> bool:
    import numpy as np

    values = series.to_numpy()
    return bool(np.isfinite(values).all() and (values == np.round(values)).all())


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and value != value)


def _cell(value: Any, kind: Any) -> Any:
    """One row's value of an array type (a scalar becomes a one-element array, as in MLflow)."""
    import numpy as np

    if _missing(value):
        return None
    element = kind.elementType
    values = np.asarray(value)
    if values.ndim == 0:
        values = values.reshape(1)
    if element.typeName() == "array":
        return [_cell(v, element) for v in values]
    try:
        return _scalars(values, element).to_numpy()
    except _Mismatch:
        raise InvalidParameterError(
            f"A prediction of dtype {values.dtype} cannot be returned as {kind.simpleString()}; pass a result_type "
            "that fits it."
        ) from None


def _struct(predictions: Any, kind: Any) -> Any:
    import pandas as pd

    table = predictions if isinstance(predictions, pd.DataFrame) else pd.DataFrame(_columns(predictions)).T
    table = table.reset_index(drop=True)
    fields = kind.fieldNames()
    missing = [f for f in fields if f not in table.columns]
    if missing and isinstance(table.columns, pd.RangeIndex) and len(table.columns) == len(fields):
        table = table.set_axis(fields, axis=1)  # unnamed outputs (a 2-D array): by position
    elif missing:
        raise InvalidParameterError(
            f"The model's predictions have no column(s) {missing} for result_type {kind.simpleString()}; they have "
            f"{[str(c) for c in table.columns]}. Name the struct's fields after the model's outputs."
        )
    out = {}
    for field in kind.fields:
        column = table[field.name]
        try:
            if field.dataType.typeName() == "array":
                out[field.name] = pd.Series([_cell(v, field.dataType) for v in column])
            else:
                out[field.name] = _scalars(column, field.dataType)
        except _Mismatch:
            raise InvalidParameterError(
                f"Output {field.name!r} ({column.dtype}) cannot be returned as {field.dataType.simpleString()}; "
                "change that field's type in result_type."
            ) from None
    return pd.DataFrame(out)
