"""Schema enforcement at predict time, with MLflow's casting rules (``_enforce_schema``).

Column-based signatures: missing required columns are an error; extra columns are dropped with a
warning; each column is checked and, where MLflow allows it, safely cast:

* object -> string; same-kind widening (int32 -> int64, float32 -> float64);
* unsigned -> signed integer only when the target is wider;
* (u)int of at most 4 bytes -> double; int64 -> float or double only when every value is 0 or 1;
* datetime64 of any precision (or objects) -> datetime64[ns];
* anything else (float -> int, double -> float, int64 -> double, string -> number...) is refused.

Tensor-based signatures: the shape must match (-1 is any size) and the dtype must be equal; tensors
are never cast. A DataFrame whose columns already match is returned as it is, so the common case
costs a few microseconds.
"""

from __future__ import annotations

import warnings
from typing import Any

from jupyter_mltrack.models.errors import SchemaEnforcementError
from jupyter_mltrack.models.schema import ColSpec, DataType, ParamSchema, Schema, TensorSpec


def _expected_received(schema: Schema, frame: Any) -> str:
    received = ", ".join(f"{c!r}: {frame[c].dtype}" for c in frame.columns) if frame is not None else "-"
    return f"\n  expected: {schema.describe()}\n  received: [{received}]"


def to_frame(data: Any, schema: Schema) -> Any:
    """Any supported input as a DataFrame for a column-based schema (dicts, lists, Series...)."""
    import numpy as np
    import pandas as pd

    if isinstance(data, pd.DataFrame):
        return data
    names = schema.input_names() if schema.has_input_names() else None
    if isinstance(data, pd.Series):
        if names and len(names) > 1 and set(names) <= set(data.index):
            return data.to_frame().T.infer_objects()  # one row, indexed by column name
        return pd.DataFrame(data)
    if np.isscalar(data) or data is None:
        return pd.DataFrame([data])
    if isinstance(data, dict):
        scalar_like = all(
            np.isscalar(v) or v is None or (isinstance(v, list) and all(isinstance(i, str) for i in v))
            for v in data.values()
        )
        complex_cols = any(isinstance(s, ColSpec) and not isinstance(s.type, DataType) for s in schema.inputs)
        try:
            return pd.DataFrame([data]) if scalar_like or complex_cols else pd.DataFrame(data)
        except ValueError as exc:
            raise SchemaEnforcementError(f"This model takes a table; the dict given cannot be one: {exc}") from None
    if isinstance(data, (list, np.ndarray)):
        frame = pd.DataFrame(data)
        positional = names and len(frame.columns) == len(names) and list(frame.columns) == list(range(len(names)))
        return frame.set_axis(names, axis=1) if positional else frame
    raise SchemaEnforcementError(
        f"This model takes a table (DataFrame, dict, list or Series), not a {type(data).__name__}."
    )


def enforce_schema(data: Any, schema: Schema) -> Any:
    """``data`` made to fit ``schema`` (cast where allowed), or a SchemaEnforcementError."""
    if schema.is_tensor_spec():
        return _enforce_tensors(data, schema)
    frame = to_frame(data, schema)
    if not schema.has_input_names():
        if len(frame.columns) < len(schema.inputs):
            raise SchemaEnforcementError(
                f"The model takes {len(schema.inputs)} unnamed columns but got {len(frame.columns)}."
                + _expected_received(schema, frame)
            )
        return _cast_columns(frame, list(frame.columns[: len(schema.inputs)]), schema)
    if _already_fits(frame, schema):
        return frame  # the fast path: nothing to check further, nothing to copy
    names = schema.input_names()
    columns = list(frame.columns)
    present = set(columns)
    missing = [n for n in schema.required_input_names() if n not in present]
    if missing:
        raise SchemaEnforcementError(
            f"The model input is missing column(s) {missing}." + _expected_received(schema, frame)
        )
    extra = [c for c in columns if c not in set(names)]
    if extra:
        warnings.warn(f"Columns {extra} are not in the model signature and were ignored.", stacklevel=3)
    return _cast_columns(frame, [n for n in names if n in present], schema)


def _already_fits(frame: Any, schema: Schema) -> bool:
    """Columns exactly the schema's, each of its numeric or boolean dtype: nothing to do."""
    cache = schema._cache
    if "index" not in cache:
        import pandas as pd

        cache["index"] = pd.Index(schema.input_names())
        cache["dtypes"] = [
            s.type.to_numpy() if isinstance(s, ColSpec) and isinstance(s.type, DataType) else None
            for s in schema.inputs
        ]
    if not frame.columns.equals(cache["index"]):
        return False
    try:
        dtypes = frame._mgr.get_dtypes()  # 0.4 us; the public frame.dtypes builds a Series (35 us)
    except AttributeError:  # pragma: no cover - a pandas without the block manager API
        dtypes = frame.dtypes.to_numpy()
    return all(
        want is not None and want.kind in "biuf" and got == want
        for got, want in zip(dtypes, cache["dtypes"], strict=True)
    )


def _cast_columns(frame: Any, columns: list[Any], schema: Schema) -> Any:
    import pandas as pd

    if schema.has_input_names():
        specs: dict[Any, Any] = {s.name: s for s in schema.inputs}
    else:
        specs = dict(zip(columns, schema.inputs, strict=False))
    out = {}
    for column in columns:
        spec = specs[column]
        assert isinstance(spec, ColSpec)
        try:
            if isinstance(spec.type, DataType):
                out[column] = cast_column(column, frame[column], spec.type)
            else:
                out[column] = frame[column]  # arrays, objects and maps are passed through as given
        except SchemaEnforcementError as exc:
            raise SchemaEnforcementError(exc.message + _expected_received(schema, frame)) from None
    return pd.DataFrame(out, index=frame.index)


def cast_column(name: Any, values: Any, target: DataType) -> Any:
    """One column cast to ``target`` if MLflow's rules allow it (see the module docstring)."""
    import numpy as np
    import pandas as pd

    if values.dtype == object and target not in (DataType.binary, DataType.string):
        values = values.infer_objects()
    is_text = values.dtype == object or isinstance(values.dtype, pd.StringDtype)
    if target is DataType.string and is_text:
        return values
    if target is DataType.binary and isinstance(values.dtype, pd.StringDtype):
        return values
    want = target.to_numpy()
    if values.dtype == want or (target is DataType.binary and values.dtype.kind == "S"):
        return values
    if target is DataType.datetime and (values.dtype.kind == "M" or values.dtype == object):
        try:
            return values.astype(np.dtype("datetime64[ns]"))
        except (TypeError, ValueError) as exc:
            raise SchemaEnforcementError(f"Column {name!r} cannot be read as datetime: {exc}") from None
    if target is DataType.boolean and values.dtype == object:
        return values
    kind, size = values.dtype.kind, getattr(values.dtype, "itemsize", 0)
    if kind == want.kind:
        upcast = size <= want.itemsize
    elif kind == "u" and want.kind == "i":
        upcast = size < want.itemsize
    elif kind in "iu" and want == np.float64:
        upcast = size <= 6
    else:
        upcast = False
    if upcast:
        return values.astype(want)
    if values.dtype == np.int64 and want.kind == "f" and all(pd.isnull(x) or x in (0, 1) for x in values):
        return values.astype(want)
    hint = ""
    if values.dtype == np.float64 and want.kind in "iu" and values.hasnans:
        hint = (
            " Hint: integer columns cannot hold missing values, so pandas made this one float. Infer the "
            "signature from data with missing values, or declare the column as double."
        )
    raise SchemaEnforcementError(
        f"Incompatible input types for column {name!r}: cannot safely convert {values.dtype} to {target.name}.{hint}"
    )


def _enforce_tensors(data: Any, schema: Schema) -> Any:
    import numpy as np
    import pandas as pd

    specs = [s for s in schema.inputs if isinstance(s, TensorSpec)]
    if schema.has_input_names():
        if isinstance(data, np.ndarray) and len(specs) == 1:
            data = {specs[0].name: data}
        if isinstance(data, pd.DataFrame):
            return {s.name: _tensor_from_column(data[s.name], s) for s in specs if s.name in data}
        if not isinstance(data, dict):
            raise SchemaEnforcementError(
                f"This model takes named tensors (a dict of arrays), not a {type(data).__name__}."
                f"\n  expected: {schema.describe()}"
            )
        missing = [s.name for s in specs if s.name not in data]
        if missing:
            got = ", ".join(f"{k!r}" for k in data)
            raise SchemaEnforcementError(
                f"The model input is missing tensor(s) {missing}.\n  expected: {schema.describe()}\n  received: [{got}]"
            )
        return {s.name: check_tensor(np.asarray(data[s.name]), s) for s in specs}
    spec = specs[0]
    if isinstance(data, pd.DataFrame):
        if data.empty:
            raise SchemaEnforcementError("The input DataFrame is empty.")
        if len(data.columns) == 1:
            return _tensor_from_column(data[data.columns[0]], spec)
        return check_tensor(data.to_numpy(), spec)
    if isinstance(data, list):
        data = np.asarray(data, dtype=spec.numpy_dtype)
    if isinstance(data, np.ndarray) or hasattr(data, "indptr"):
        return check_tensor(data, spec)
    raise SchemaEnforcementError(
        f"This model takes a tensor (numpy array), not a {type(data).__name__}.\n  expected: {schema.describe()}"
    )


def _tensor_from_column(column: Any, spec: TensorSpec) -> Any:
    import numpy as np

    if spec.shape in ((-1,), (-1, 1)):
        return check_tensor(np.asarray(column, dtype=spec.numpy_dtype).reshape(spec.shape), spec)
    try:
        return np.vstack(column.tolist()).reshape(spec.shape).astype(spec.numpy_dtype)
    except ValueError:
        raise SchemaEnforcementError(f"Column {column.name!r} cannot be shaped as {spec.describe()}.") from None


def check_tensor(values: Any, spec: TensorSpec) -> Any:
    """The array itself if its shape and dtype fit the spec (tensors are never cast, as in MLflow)."""
    shape, want = tuple(values.shape), spec.numpy_dtype
    dtype = values.dtype if hasattr(values, "dtype") else values.data.dtype
    if len(spec.shape) == 1 and spec.shape[0] == -1 and want.kind == "O":
        return values
    if len(shape) != len(spec.shape) or any(e not in (-1, a) for e, a in zip(spec.shape, shape, strict=True)):
        raise SchemaEnforcementError(f"Shape of input {shape} does not match expected shape {spec.shape}.")
    actual = "str" if dtype.char == "U" else "bytes" if dtype.char == "S" else dtype.name
    if actual != want.name and actual != spec.dtype:
        raise SchemaEnforcementError(f"dtype of input {dtype} does not match expected dtype {spec.dtype}.")
    return values


_PARAM_WIDENING = {
    DataType.long: (DataType.integer,),
    DataType.float: (DataType.integer, DataType.long),
    DataType.double: (DataType.integer, DataType.long, DataType.float),
}


def enforce_params(params: dict[str, Any] | None, schema: ParamSchema | None) -> dict[str, Any] | None:
    """Params checked against the signature: defaults filled in, allowed widenings applied."""
    from jupyter_mltrack.models.signature import _infer

    if schema is None:
        if params:
            warnings.warn(f"The model declares no params; {sorted(params)} were ignored.", stacklevel=3)
        return None
    given = dict(params or {})
    out: dict[str, Any] = {}
    for spec in schema.params:
        value = given.pop(spec.name, spec.default)
        if value is None or spec.dtype is DataType.datetime:
            out[spec.name] = value
            continue
        items = value if spec.shape == (-1,) else [value]
        if spec.shape == (-1,) and not isinstance(value, (list, tuple)):
            raise SchemaEnforcementError(f"Param {spec.name!r} takes a list of {spec.dtype.name}, got {value!r}.")
        for item in items:
            kind = _infer(item)
            if kind != spec.dtype and kind not in _PARAM_WIDENING.get(spec.dtype, ()):
                raise SchemaEnforcementError(
                    f"Param {spec.name!r} takes {spec.dtype.name}; cannot safely convert {item!r} ({kind!r})."
                )
        python = {DataType.long: int, DataType.integer: int, DataType.float: float, DataType.double: float}.get(
            spec.dtype
        )
        out[spec.name] = (
            [python(i) for i in items] if python and spec.shape == (-1,) else python(value) if python else value
        )
    if given:
        warnings.warn(f"Params {sorted(given)} are not in the model signature and were ignored.", stacklevel=3)
    return out
