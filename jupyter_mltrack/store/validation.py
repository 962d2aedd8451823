"""Limits and checks on what users log (docs/limits.md), shared by every path into the store.

Pure Python so the tracking client can validate before buffering, without importing SQLAlchemy.
Nothing is silently truncated: a value over a limit is an error that says the limit.
"""

from __future__ import annotations

import math
import re
import sys
from numbers import Number
from typing import Any

from jupyter_mltrack.errors import InvalidParameterError

MAX_KEY_LENGTH = 250
MAX_PARAM_VALUE_LENGTH = 6000
MAX_TAG_VALUE_LENGTH = 8000
MAX_EXPERIMENT_NAME_LENGTH = 256
MAX_RUN_NAME_LENGTH = 250
MAX_PARAMS_TAGS_PER_BATCH = 1000
MAX_METRICS_PER_BATCH = 100_000

# MLflow's rule for keys: letters, digits, underscores, dashes, periods, spaces, slashes, colons.
_KEY_RE = re.compile(r"^[\w\-. /:]+$")

SPECIAL_FINITE, SPECIAL_NAN, SPECIAL_POS_INF, SPECIAL_NEG_INF = 0, 1, 2, 3
_MAX_FLOAT = sys.float_info.max


def validate_key(kind: str, key: Any) -> str:
    if not isinstance(key, str) or not key:
        raise InvalidParameterError(f"A {kind} key must be a non-empty string, got {key!r}.")
    if len(key) > MAX_KEY_LENGTH:
        raise InvalidParameterError(
            f"{kind.capitalize()} key {key[:40]!r}... is {len(key)} characters; the limit is {MAX_KEY_LENGTH}."
        )
    if not _KEY_RE.match(key) or key.startswith("/") or ".." in key.split("/"):
        raise InvalidParameterError(
            f"Invalid {kind} key {key!r}: use letters, digits, underscores (_), dashes (-), periods (.), "
            "spaces ( ), colons (:) and slashes (/), not starting with a slash."
        )
    return key


def validate_value(kind: str, key: str, value: Any, limit: int) -> str:
    text = value if isinstance(value, str) else str(value)
    if len(text) > limit:
        raise InvalidParameterError(
            f"The value of {kind} {key!r} is {len(text)} characters; the limit is {limit}. "
            "Log long text as an artifact instead (log_text)."
        )
    return text


def validate_param(key: Any, value: Any) -> tuple[str, str]:
    key = validate_key("param", key)
    return key, validate_value("param", key, value, MAX_PARAM_VALUE_LENGTH)


def validate_tag(key: Any, value: Any) -> tuple[str, str]:
    key = validate_key("tag", key)
    return key, validate_value("tag", key, value, MAX_TAG_VALUE_LENGTH)


def validate_metric(key: Any, value: Any, step: Any, timestamp: Any) -> tuple[str, float, int, int]:
    key = validate_key("metric", key)
    if isinstance(value, bool) or not isinstance(value, Number):
        # numpy scalars are Numbers; strings are not, and "0.9" is refused rather than guessed at.
        raise InvalidParameterError(f"Metric {key!r} must be a number, got {type(value).__name__} {value!r}.")
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise InvalidParameterError(f"Metric {key!r} must be a real number, got {value!r}.") from None
    for name, field in (("step", step), ("timestamp", timestamp)):
        if isinstance(field, bool) or (not isinstance(field, int) and not _is_integral(field)):
            raise InvalidParameterError(f"The {name} of metric {key!r} must be an integer, got {field!r}.")
    return key, number, int(step), int(timestamp)


def _is_integral(value: Any) -> bool:
    try:
        return bool(int(value) == value)
    except (TypeError, ValueError, OverflowError):
        return False


def validate_experiment_name(name: Any) -> str:
    if not isinstance(name, str) or not name.strip():
        raise InvalidParameterError(f"An experiment name must be a non-empty string, got {name!r}.")
    if len(name) > MAX_EXPERIMENT_NAME_LENGTH:
        raise InvalidParameterError(
            f"Experiment name is {len(name)} characters; the limit is {MAX_EXPERIMENT_NAME_LENGTH}."
        )
    return name


def validate_run_name(name: Any) -> str:
    if not isinstance(name, str):
        raise InvalidParameterError(f"A run name must be a string, got {type(name).__name__}.")
    if len(name) > MAX_RUN_NAME_LENGTH:
        raise InvalidParameterError(f"Run name is {len(name)} characters; the limit is {MAX_RUN_NAME_LENGTH}.")
    return name


def encode_metric_value(value: float) -> tuple[float, int]:
    """(stored value, special marker): see store/sql/schema.py for why."""
    if math.isnan(value):
        return 0.0, SPECIAL_NAN
    if math.isinf(value):
        return (_MAX_FLOAT, SPECIAL_POS_INF) if value > 0 else (-_MAX_FLOAT, SPECIAL_NEG_INF)
    return value, SPECIAL_FINITE


def decode_metric_value(value: float, special: int) -> float:
    if special == SPECIAL_NAN:
        return math.nan
    if special == SPECIAL_POS_INF:
        return math.inf
    if special == SPECIAL_NEG_INF:
        return -math.inf
    return float(value)
