"""Input examples in MLflow 3's layout: ``input_example.json`` plus ``serving_input_example.json``.

A DataFrame is stored split-oriented (``{"columns": [...], "data": [...]}``) and served as
``{"dataframe_split": ...}``; arrays and dicts of arrays as lists served as ``{"inputs": ...}``;
other JSON values as they are. NaN becomes null, bytes become base64, as MLflow does.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
from typing import Any

from jupyter_mltrack.errors import InvalidParameterError

EXAMPLE_FILE = "input_example.json"
SERVING_FILE = "serving_input_example.json"


class _Encoder(json.JSONEncoder):
    def default(self, o: Any) -> Any:
        import numpy as np

        if isinstance(o, np.ndarray):
            return o.tolist()
        if isinstance(o, np.generic):
            return o.item()
        if isinstance(o, (bytes, bytearray)):
            return base64.encodebytes(bytes(o)).decode("ascii")
        if isinstance(o, np.datetime64):
            return str(np.datetime_as_string(o))
        if isinstance(o, (dt.date, dt.datetime, dt.time)):
            return o.isoformat()
        return super().default(o)


def _nan_to_none(array: Any) -> Any:
    import numpy as np

    if np.issubdtype(array.dtype, np.number):
        cleaned: Any = np.where(np.isnan(array), None, array)
        return cleaned.tolist()
    return array.tolist()


def _split_params(example: Any) -> tuple[Any, dict[str, Any] | None]:
    """MLflow's convention: a tuple (data, params) carries predict-time params with the example."""
    if isinstance(example, tuple) and len(example) == 2 and isinstance(example[1], dict):
        return example[0], example[1]
    return example, None


def save_example(example: Any, path: str) -> tuple[dict[str, Any], Any]:
    """Write the example files into model folder ``path``; return (MLmodel info, data part)."""
    import numpy as np
    import pandas as pd

    data, params = _split_params(example)
    info: dict[str, Any] = {"artifact_path": EXAMPLE_FILE}
    if isinstance(data, pd.DataFrame):
        split = data.astype(object).where(data.notnull(), None).to_dict(orient="split")
        del split["index"]
        if list(data.columns) == list(range(len(data.columns))):
            del split["columns"]
        stored: Any = split
        serving: Any = {"dataframe_split": split}
        info.update(type="dataframe", pandas_orient="split" if "columns" in split else "values")
    elif isinstance(data, np.ndarray):
        stored, info["type"] = _nan_to_none(data), "ndarray"
        serving = {"inputs": stored}
    elif isinstance(data, dict) and data and all(isinstance(v, np.ndarray) for v in data.values()):
        stored, info["type"] = {k: _nan_to_none(v) for k, v in data.items()}, "ndarray"
        serving = {"inputs": stored}
    elif isinstance(data, (dict, list)) or np.isscalar(data) or isinstance(data, dt.datetime):
        stored, info["type"] = data, "json_object"
        serving = {"inputs": data}
    else:
        raise InvalidParameterError(
            "input_example must be a pandas DataFrame, a numpy array, a dict of arrays, a dict, a list or "
            f"a scalar, not a {type(data).__name__}."
        )
    if params is not None:
        info["params"] = "true"
        stored = {"inputs": stored, "params": params}
        serving = {**serving, "params": params}
    with open(os.path.join(path, EXAMPLE_FILE), "w", encoding="utf-8") as handle:
        json.dump(stored, handle, cls=_Encoder)
    with open(os.path.join(path, SERVING_FILE), "w", encoding="utf-8") as handle:
        json.dump(serving, handle, cls=_Encoder, indent=2)
    info["serving_input_path"] = SERVING_FILE
    return info, data


def read_example(model: Any, path: str) -> Any:
    """The example of ``model`` (an MLmodel ``Model``) saved in folder ``path``, or None."""
    import numpy as np
    import pandas as pd

    info = model.saved_input_example_info
    if not info:
        return None
    with open(os.path.join(path, info.get("artifact_path", EXAMPLE_FILE)), encoding="utf-8") as handle:
        raw = json.load(handle)
    if info.get("params"):
        raw = raw["inputs"]
    kind = info.get("type")
    schema = model.get_input_schema()
    if kind == "dataframe":
        frame = pd.DataFrame(raw["data"], columns=raw.get("columns"))
        if schema is not None and not schema.is_tensor_spec() and schema.has_input_names():
            from jupyter_mltrack.models.schema import DataType

            for spec in schema.inputs:
                if spec.name in frame and isinstance(spec.type, DataType) and spec.type.to_numpy().kind in "biuf":
                    frame[spec.name] = frame[spec.name].astype(spec.type.to_numpy())
        return frame
    if kind == "ndarray":
        specs = {s.name: s.numpy_dtype for s in schema.inputs} if schema is not None and schema.is_tensor_spec() else {}
        if isinstance(raw, dict):
            return {k: np.asarray(v, dtype=specs.get(k)) for k, v in raw.items()}
        return np.asarray(raw, dtype=specs.get(None))
    return raw
