"""Score a Spark DataFrame with a saved model: a pandas UDF that loads the model once per Python worker.

The model URI is resolved to a folder on the driver (the registry and the tracking store stay there).
In local mode the workers read that folder in place. On a cluster it is shipped to every executor
with ``SparkContext.addFile`` under a name unique to the model (two models named ``model`` never
collide) and read back with ``SparkFiles.get``, so executors need neither the tracking store nor a
shared file system. Each Python worker loads the model on its first batch and keeps it in a
per-process cache keyed by folder; Spark reuses Python workers (``spark.python.worker.reuse``, on by
default), so later batches, tasks and UDFs reuse it. pyspark is imported on first call only.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from typing import Any

from jupyter_mltrack.errors import InvalidParameterError, MissingDependencyError
from jupyter_mltrack.models.errors import SchemaEnforcementError
from jupyter_mltrack.models.process_cache import load_counts as process_load_counts
from jupyter_mltrack.models.process_cache import load_once
from jupyter_mltrack.models.schema import Schema
from jupyter_mltrack.spark import results

ENV_MANAGERS = ("local",)


def load_counts() -> dict[str, int]:
    """Per-process load counts (what a Python worker has loaded so far)."""
    return process_load_counts()


class ModelUDF:
    """``udf(*columns)`` or ``udf(struct(...))`` -> a Column of predictions; ``udf()`` uses the signature."""

    def __init__(self, folder: str, shipped: str | None, meta: Any, result_type: Any, params: Any) -> None:
        self.model_path = folder
        self.metadata = meta
        self.result_type = result_type
        self._shipped = shipped
        self._params = params

    def __call__(self, *columns: Any) -> Any:
        from pyspark.sql.pandas.functions import pandas_udf

        names = _column_names(columns, self.metadata.get_input_schema())
        score = _scorer(self.model_path, self._shipped, names, self.result_type, self._params)
        return pandas_udf(score, returnType=self.result_type)(*(columns or names))  # type: ignore[call-overload]

    def __repr__(self) -> str:
        return f"<ModelUDF {self.model_path} -> {self.result_type.simpleString()}>"


def spark_udf(
    spark: Any,
    model_uri: str | os.PathLike[str],
    result_type: Any = None,
    env_manager: str = "local",
    params: dict[str, Any] | None = None,
    *,
    copy_to_executors: bool | None = None,
) -> ModelUDF:
    """A pandas UDF scoring with the model at ``model_uri`` (a folder, ``runs:/`` or ``models:/``).

    ``result_type`` (a DDL string such as ``"double"`` or ``"label long, score double"``, or a pyspark
    DataType) defaults to the type of the signature's outputs. ``copy_to_executors`` ships the
    folder with ``addFile``; by default only when the master is not ``local``.
    """
    try:
        import pyspark  # noqa: F401
    except ImportError:
        raise MissingDependencyError("pyspark", "spark", "jupyter_mltrack.spark.spark_udf") from None
    if env_manager not in ENV_MANAGERS:
        raise InvalidParameterError(
            f"env_manager={env_manager!r} is not supported: the UDF scores in the executors' own Python "
            "(env_manager='local'). Install the model's requirements.txt there, then call spark_udf again."
        )
    from jupyter_mltrack.models.enforce import enforce_params
    from jupyter_mltrack.models.environment import warn_on_mismatch
    from jupyter_mltrack.models.mlmodel import Model
    from jupyter_mltrack.models.uri import resolve_model_uri

    folder = resolve_model_uri(model_uri)
    meta = Model.load(folder)
    kind = results.result_type(result_type, meta.get_output_schema())
    enforce_params(params, meta.get_params_schema())  # a bad param fails here, not in every task
    warn_on_mismatch(folder)
    if copy_to_executors is None:
        copy_to_executors = not str(spark.conf.get("spark.master", "local")).startswith("local")
    shipped = _ship(spark, folder, meta.model_uuid) if copy_to_executors else None
    return ModelUDF(folder, shipped, meta, kind, params)


def _ship(spark: Any, folder: str, model_uuid: str) -> str:
    """Copy the folder under a unique name and ``addFile`` it; executors find it with SparkFiles."""
    name = "mltrack-model-" + hashlib.sha256(f"{folder}\0{model_uuid}".encode()).hexdigest()[:16]
    try:
        context = spark.sparkContext
    except Exception:  # Spark Connect has no SparkContext
        raise InvalidParameterError(
            "copy_to_executors needs a classic SparkSession (spark.sparkContext). With Spark Connect, put "
            "the model where the executors can read it and pass copy_to_executors=False."
        ) from None
    staged = os.path.join(tempfile.gettempdir(), "mltrack-spark", name)
    if not os.path.isdir(staged):
        shutil.copytree(folder, staged, dirs_exist_ok=True)
    context.addFile(staged, recursive=True)  # adding the same path again is a no-op
    return name


def _column_names(columns: tuple[Any, ...], schema: Schema | None) -> list[Any]:
    """The input column names the model sees, checked on the driver so mistakes fail at once.

    Column-name strings that are the signature's inputs are matched by name (any order); other
    columns map to the signature's inputs in order, as MLflow does; with no named signature, strings
    keep their names and expressions get positions 0, 1, ...
    """
    named = schema is not None and schema.has_input_names()
    inputs = schema.input_names() if schema is not None and named else []
    if not columns:
        if schema is None or not named:
            raise InvalidParameterError(
                "The model has no named input signature, so udf() cannot know which columns to score; "
                "name them: udf('a', 'b') or udf(struct('a', 'b'))."
            )
        if schema.optional_input_names():
            raise InvalidParameterError(
                f"The signature has optional inputs {schema.optional_input_names()}; name the columns to score: "
                "udf('a', 'b') or udf(struct(...))."
            )
        return inputs
    strings = [c for c in columns if isinstance(c, str)]
    if len(set(strings)) != len(strings):
        raise InvalidParameterError(f"A column is given twice: {list(columns)}.")
    if not named:
        return list(columns) if len(strings) == len(columns) else list(range(len(columns)))
    assert schema is not None
    known = [c for c in strings if c in inputs]
    if known and len(strings) == len(columns):
        unknown = [c for c in strings if c not in inputs]
        missing = [n for n in schema.required_input_names() if n not in strings]
        if unknown or missing:
            raise SchemaEnforcementError(
                f"The columns given do not match the model's inputs: missing {missing}, not inputs {unknown}."
                f"\n  expected: {schema.describe()}\n  received: {strings}"
            )
        return strings
    single_struct = len(columns) == 1 and not strings  # udf(struct(...)): names come with the batch
    if len(columns) > len(inputs) or (len(columns) < len(schema.required_input_names()) and not single_struct):
        raise SchemaEnforcementError(
            f"The model takes {len(inputs)} inputs {inputs} but the UDF got {len(columns)} columns; pass them in "
            "the signature's order, by their names, or as one struct(...)."
        )
    return inputs[: len(columns)]


def _scorer(folder: str, shipped: str | None, names: list[Any], kind: Any, params: Any) -> Callable[..., Any]:
    """The iterator-of-batches function Spark runs in each Python worker."""
    import typing

    import pandas as pd

    def score(batches: Any) -> Any:
        if shipped is not None:
            from pyspark import SparkFiles

            model = load_once(SparkFiles.get(shipped))
        else:
            model = load_once(folder)
        for batch in batches:
            args = (batch,) if isinstance(batch, (pd.Series, pd.DataFrame)) else tuple(batch)
            frame = _frame(args, names)
            if len(frame):
                yield results.to_spark(model.predict(frame, params), kind, len(frame))

    # Real objects, not strings: pyspark reads these hints to pick the iterator form of pandas UDFs.
    arg = typing.Union[pd.Series, pd.DataFrame]
    out = pd.DataFrame if kind.typeName() == "struct" else pd.Series
    score.__annotations__ = {"batches": Iterator[typing.Tuple[arg, ...]], "return": Iterator[out]}  # type: ignore[valid-type]
    return score


def _frame(args: tuple[Any, ...], names: list[Any]) -> Any:
    import pandas as pd

    if len(args) == 1 and isinstance(args[0], pd.DataFrame):
        return args[0]  # udf(struct(...)): the struct's fields are the columns
    # a struct among other columns is one column of dicts, as MLflow passes it
    return pd.DataFrame(
        {n: a.to_dict(orient="records") if isinstance(a, pd.DataFrame) else a for n, a in zip(names, args, strict=True)}
    )
