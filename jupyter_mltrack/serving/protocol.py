"""MLflow's scoring protocol: request bodies to model input, predictions to the JSON answer.

JSON bodies hold exactly one of ``dataframe_split``, ``dataframe_records``, ``instances`` or
``inputs`` (plus optional ``params``); CSV and Parquet bodies are a table. Errors are MLflow's
(``BAD_REQUEST`` with its messages), except that an echo of the input is capped at 1 KB.
"""

from __future__ import annotations

import io
import json
from typing import Any

from jupyter_mltrack.serving.errors import ServingError, bad_request

FORMATS = ("dataframe_split", "dataframe_records", "instances", "inputs")
JSON, CSV = "application/json", "text/csv"
PARQUET = ("application/vnd.apache.parquet", "application/x-parquet")
CONTENT_TYPES = (JSON, CSV, *PARQUET)
ECHO_LIMIT = 1024


def echo(body: bytes | str) -> str:
    """At most 1 KB of the request, so an error never reflects a whole payload back."""
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    return text if len(text) <= ECHO_LIMIT else text[:ECHO_LIMIT] + f"... ({len(text) - ECHO_LIMIT} more characters)"


def media_type(content_type: str | None) -> str:
    """The media type of a Content-Type header; 415 for parameters other than charset=utf-8."""
    if not content_type:
        raise ServingError(415, "BAD_REQUEST", f"A Content-Type header is required; use one of {list(CONTENT_TYPES)}.")
    parts = [p.strip() for p in content_type.split(";")]
    mime = parts[0].lower()
    for parameter in parts[1:]:
        key, _, value = parameter.partition("=")
        if key.strip().lower() != "charset":
            raise ServingError(415, "BAD_REQUEST", f"Unrecognized content type parameter {key.strip()!r}.")
        if value.strip().strip('"').lower() not in ("utf-8", "utf8"):
            raise ServingError(415, "BAD_REQUEST", "The scoring server only supports UTF-8.")
    if mime not in CONTENT_TYPES:
        raise ServingError(
            415, "BAD_REQUEST", f"This predictor only supports the content types {list(CONTENT_TYPES)}; got {mime!r}."
        )
    return mime


def parse(body: bytes, mime: str) -> tuple[Any, dict[str, Any] | None]:
    """(model input, params) from a request body of media type ``mime``."""
    import pandas as pd

    if mime == JSON:
        return parse_json(body)
    try:
        if mime == CSV:
            return pd.read_csv(io.BytesIO(body)), None
        return pd.read_parquet(io.BytesIO(body)), None
    except Exception as exc:
        kind = "CSV" if mime == CSV else "Parquet"
        raise bad_request(
            f"Failed to parse input as a Pandas DataFrame. Ensure that the input is a valid {kind} table. "
            f"Error: '{exc}'. Input: {echo(body) if mime == CSV else f'<{len(body)} bytes>'}"
        ) from None


def parse_json(body: bytes) -> tuple[Any, dict[str, Any] | None]:
    try:
        decoded = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise bad_request(
            f"Invalid input. Ensure that input is a valid JSON formatted string. Error: '{exc}'. Input: {echo(body)}"
        ) from None
    if not isinstance(decoded, dict):
        raise bad_request(f"The input must be a JSON dictionary with exactly one of the input fields {list(FORMATS)}.")
    keys = [k for k in FORMATS if k in decoded]
    if len(keys) != 1:
        raise bad_request(
            f"The input must be a JSON dictionary with exactly one of the input fields {list(FORMATS)}. "
            f"Received dictionary with input fields: {list(decoded)}."
        )
    params = decoded.get("params")
    if params is not None and not isinstance(params, dict):
        raise ServingError(400, "INVALID_PARAMETER_VALUE", f"'params' must be a JSON object, got {echo(repr(params))}.")
    key = keys[0]
    return _table(decoded[key], key), params


def _table(value: Any, key: str) -> Any:
    import numpy as np
    import pandas as pd

    try:
        if key == "dataframe_split":
            if not isinstance(value, dict) or "data" not in value or set(value) - {"columns", "data", "index"}:
                raise bad_request(
                    "Invalid input. Dataframe split format must be a dictionary with a 'data' field and optionally "
                    f"'columns' and 'index' fields. Got: {echo(json.dumps(value))}"
                )
            return pd.DataFrame(value["data"], columns=value.get("columns"), index=value.get("index"))
        if key == "dataframe_records":
            if not isinstance(value, list):
                raise bad_request("Invalid input. Dataframe records format must be a list of records.")
            return pd.DataFrame.from_records(value) if value and isinstance(value[0], dict) else pd.DataFrame(value)
        if isinstance(value, list) and value and isinstance(value[0], dict):
            return pd.DataFrame.from_records(value)  # instances as records, one row each
        if isinstance(value, dict):
            return pd.DataFrame({k: v if isinstance(v, list) else [v] for k, v in value.items()})
        return np.asarray(value)
    except ServingError:
        raise
    except Exception as exc:
        raise bad_request(f"Invalid input. The {key!r} field is not a valid table: {exc}") from None


def predictions_json(predictions: Any) -> bytes:
    """``{"predictions": ...}`` as MLflow writes it (DataFrames as records, arrays as lists)."""
    import numpy as np
    import pandas as pd

    if isinstance(predictions, pd.DataFrame):
        value: Any = predictions.to_dict(orient="records")
    elif isinstance(predictions, pd.Series):
        value = predictions.to_frame().to_dict(orient="records")
    elif isinstance(predictions, np.ndarray):
        value = predictions.tolist()
    else:
        value = predictions
    return json.dumps({"predictions": value}, default=_default, allow_nan=True).encode()


def _default(value: Any) -> Any:
    import numpy as np

    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)
